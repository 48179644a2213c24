/* The floor of the latency bench (tests/sse/bench.py, bench_floor): the
 * least any upstream can do to get one small event to N proxied streams,
 * so the bench can tell the helper's share of the latency from the web
 * server's and the reader's. Accepts N connections on 127.0.0.1:PORT,
 * answers each as the helper does (200, text/event-stream, chunked for an
 * HTTP/1.1 request), then, once stdin says "go", writes LINES events
 * INTERVAL_MS apart: each formatted once (chunk framing included) with
 * the CLOCK_MONOTONIC time it was written, then one send() per connection.
 * No file, no inotify, no parsing, no JSON encoding, no event loop.
 *   fanout_floor PORT N LINES INTERVAL_MS  → "ready\n" when all N are answered,
 *   then "sent <events> short <writes not complete>\n" at the end, and
 *   exits when stdin closes. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Reads one request head; 1 = HTTP/1.1 (the reply is chunked). */
static int read_head(int fd)
{
	char buf[8192];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof buf - 1 && (n = read(fd, buf + got, sizeof buf - 1 - got)) > 0) {
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	buf[got] = '\0';
	return strstr(buf, "HTTP/1.1\r\n") != NULL;
}

static int listen_port(int port)
{
	struct sockaddr_in a = {0};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4096) != 0)
		return -1;
	return fd;
}

/* One event as the helper frames a script line, in a chunk when asked. */
static size_t event(char *out, size_t cap, int chunked, int seq, long long ns)
{
	char ev[512];
	int n = snprintf(ev, sizeof ev,
			 "id: %d\ndata: {\"timestamp\":\"2026-01-01T00:00:01Z\",\"type\":\"script\","
			 "\"content\":\"lat %d %lld\"}\n\n", 1000 + seq, seq, ns);

	return (size_t)(chunked ? snprintf(out, cap, "%x\r\n%s\r\n", n, ev) : snprintf(out, cap, "%s", ev));
}

int main(int argc, char **argv)
{
	static const char head11[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
				     "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n"
				     "d\r\nretry: 2000\n\n\r\n";
	static const char head10[] = "HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n"
				     "Cache-Control: no-cache\r\n\r\nretry: 2000\n\n";
	char line[64], ev11[600], ev10[600];
	int lfd, n, lines, ms, i, k, *fds, *chunked, one = 1;
	long long next, shortw = 0;
	size_t l11, l10;

	if (argc != 5)
		return 2;
	n = atoi(argv[2]);
	lines = atoi(argv[3]);
	ms = atoi(argv[4]);
	lfd = listen_port(atoi(argv[1]));
	fds = calloc((size_t)n, sizeof *fds);
	chunked = calloc((size_t)n, sizeof *chunked);
	if (lfd < 0 || !fds || !chunked)
		return 1;
	for (i = 0; i < n; i++) {
		fds[i] = accept(lfd, NULL, NULL);
		if (fds[i] < 0)
			return 1;
		setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		chunked[i] = read_head(fds[i]);
		if (chunked[i])
			send(fds[i], head11, sizeof head11 - 1, MSG_NOSIGNAL);
		else
			send(fds[i], head10, sizeof head10 - 1, MSG_NOSIGNAL);
	}
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		return 0;
	next = now_ns();
	for (k = 0; k < lines; k++) {
		struct timespec ts;

		long long t = now_ns();

		next += ms * 1000000LL;
		l11 = event(ev11, sizeof ev11, 1, k, t);
		l10 = event(ev10, sizeof ev10, 0, k, t);
		for (i = 0; i < n; i++) {
			size_t len = chunked[i] ? l11 : l10;

			if (send(fds[i], chunked[i] ? ev11 : ev10, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len)
				shortw++;
		}
		ts.tv_sec = 0;
		ts.tv_nsec = next - now_ns();
		if (ts.tv_nsec > 0)
			nanosleep(&ts, NULL);
	}
	printf("sent %d short %lld\n", lines, shortw);
	fflush(stdout);
	/* Stay until stdin closes, so our CPU time can still be read. */
	while (fgets(line, sizeof line, stdin))
		;
	return 0;
}
