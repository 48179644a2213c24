/* Bench client for tests/sse/bench.py: opens N streams to HOST:PORT PATH
 * with epoll, reads them all, and for every "lat <seq> <ns>" it sees
 * prints the delay from <ns> (CLOCK_MONOTONIC when the line was appended)
 * to the read. A Python reader cannot drain 1,000 sockets fast enough to
 * measure milliseconds. Stops after SECONDS.
 *   sse_reader HOST PORT PATH N SECONDS  → "ready\n", then one ms value per line
 * PATH "@FILE": one path per line in FILE, stream i opens path i mod count
 * (many runs with a few viewers each). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {0};
	struct epoll_event ev, evs[256];
	char req[1024], buf[65536], *p, **paths, line[1024];
	int n, i, k, ep, fd, npaths = 0;
	FILE *pf;
	long long end, t;
	double *lat;
	size_t nlat = 0, cap = 1 << 20;

	if (argc != 6)
		return 2;
	n = atoi(argv[4]);
	end = now_ns() + atoll(argv[5]) * 1000000000LL;
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	inet_pton(AF_INET, argv[1], &a.sin_addr);
	paths = malloc((size_t)(n > 0 ? n : 1) * sizeof *paths);
	if (argv[3][0] == '@' && (pf = fopen(argv[3] + 1, "r"))) {
		while (npaths < n && fgets(line, sizeof line, pf)) {
			line[strcspn(line, "\n")] = '\0';
			paths[npaths++] = strdup(line);
		}
		fclose(pf);
	} else {
		paths[npaths++] = argv[3];
	}
	ep = epoll_create1(0);
	lat = malloc(cap * sizeof *lat);
	for (i = 0; i < n; i++) {
		snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", paths[i % npaths]);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 || write(fd, req, strlen(req)) < 0)
			return 1;
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	}
	printf("ready\n");
	fflush(stdout);
	while ((t = now_ns()) < end) {
		k = epoll_wait(ep, evs, 256, 100);
		for (i = 0; i < k; i++) {
			ssize_t got = read(evs[i].data.fd, buf, sizeof buf - 1);

			t = now_ns();
			if (got <= 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, evs[i].data.fd, NULL);
				continue;
			}
			buf[got] = '\0';
			for (p = buf; (p = strstr(p, "lat ")) != NULL; p += 4) {
				long long seq, ns;

				char c;

				if (sscanf(p + 4, "%lld %lld%c", &seq, &ns, &c) == 3 && nlat < cap)
					lat[nlat++] = (double)(t - ns) / 1e6;
			}
		}
	}
	for (size_t j = 0; j < nlat; j++)
		printf("%.3f\n", lat[j]);
	return 0;
}
