/* cloche-sse: the dashboard's log stream helper (docs/sse.md).
 *   cloche-sse --listen 127.0.0.1:PORT [options]
 * Reads the store named by CLOCHE_DB (same rules as the responder) and
 * asks the daemon at CLOCHE_ADDR for live lines. */
#include "sse.h"
#include "store.h"
#include <event2/event.h>
#include <event2/http.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct sse_opts g_opt = {
	.max_streams = 4096, .max_per_addr = 64, .heartbeat_s = 15, .retry_ms = 2000,
	.client_buf = 256 * 1024, .check_ms = 1000, .stall_s = 60, .daemon = 1,
};
struct event_base *g_base;

static void usage_to(FILE *f, int code)
{
	fprintf(f,
		"usage: cloche-sse --listen HOST:PORT|unix:PATH [--socket-mode OCTAL]\n"
		"                  [--max-streams N] [--max-per-addr N] [--heartbeat SECONDS]\n"
		"                  [--retry MS] [--stall SECONDS] [--client-buf BYTES]\n"
		"                  [--check-ms MS] [--pid-file PATH] [--no-daemon]\n"
		"Serves <base>/api/runs/{id}/stream and <base>/api/attempts/{id}/stream\n"
		"behind a web server (docs/sse.md). Store and daemon: CLOCHE_DB, CLOCHE_ADDR.\n");
	exit(code);
}

static void usage(void)
{
	usage_to(stderr, 2);
}

static int socket_mode = -1;

/* unix:PATH: the web server and the helper on one machine without a port. */
static int listen_unix(const char *path)
{
	struct sockaddr_un a = {0};
	int fd;

	if (strlen(path) >= sizeof a.sun_path)
		return -1;
	a.sun_family = AF_UNIX;
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    (socket_mode >= 0 && chmod(path, (mode_t)socket_mode) != 0) || listen(fd, 4096) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* HOST:PORT → a listening socket with a deep backlog (thousands of
 * streams may connect at once after a restart). */
static int listen_on(const char *spec)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	struct sockaddr_in a = {0};
	int fd, one = 1;

	if (strncmp(spec, "unix:", 5) == 0)
		return listen_unix(spec + 5);
	if (!colon || (size_t)(colon - spec) >= sizeof host)
		return -1;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, host[0] ? host : "127.0.0.1", &a.sin_addr) != 1)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4096) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void on_inotify(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	feed_inotify_read();
}

static void on_check(evutil_socket_t fd, short what, void *arg)
{
	static long long seen = -1;
	struct store *s;
	long long v;

	(void)fd, (void)what, (void)arg;
	s = store_get();
	v = s->state == STORE_OK ? store_version(s) : -1;
	feeds_check(v != seen);
	seen = v;
	clients_cut_stalled();
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	clients_heartbeat();
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what, (void)arg;
	fprintf(stderr, "cloche-sse: signal %d, closing %d streams\n", (int)sig, g_nclients);
	clients_shutdown();
	{
		/* Let the goodbyes reach the sockets, then stop. */
		struct timeval grace = {0, 300000};

		event_base_loopexit(g_base, &grace);
	}
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int num(const char *s)
{
	char *end;
	long v = strtol(s ? s : "", &end, 10);

	if (!s || *end || v < 0 || v > 1000000000)
		usage();
	return (int)v;
}

static const char *pid_file;

static const char *parse_args(int argc, char **argv)
{
	const char *listen_spec = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			usage_to(stdout, 0);
		if (strcmp(a, "--no-daemon") == 0) {
			g_opt.daemon = 0;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (strcmp(a, "--listen") == 0)
			listen_spec = v;
		else if (strcmp(a, "--max-streams") == 0)
			g_opt.max_streams = num(v);
		else if (strcmp(a, "--max-per-addr") == 0)
			g_opt.max_per_addr = num(v);
		else if (strcmp(a, "--heartbeat") == 0)
			g_opt.heartbeat_s = num(v);
		else if (strcmp(a, "--retry") == 0)
			g_opt.retry_ms = num(v);
		else if (strcmp(a, "--stall") == 0)
			g_opt.stall_s = num(v);
		else if (strcmp(a, "--client-buf") == 0)
			g_opt.client_buf = (size_t)num(v);
		else if (strcmp(a, "--socket-mode") == 0)
			socket_mode = (int)strtol(v, NULL, 8);
		else if (strcmp(a, "--pid-file") == 0)
			pid_file = v;
		else if (strcmp(a, "--check-ms") == 0)
			g_opt.check_ms = num(v);
		else
			usage();
	}
	if (!listen_spec || g_opt.heartbeat_s < 1 || g_opt.check_ms < 10)
		usage();
	return listen_spec;
}

int main(int argc, char **argv)
{
	const char *spec = parse_args(argc, argv);
	struct timeval check = {g_opt.check_ms / 1000, (g_opt.check_ms % 1000) * 1000};
	struct timeval beat = {g_opt.heartbeat_s, 0};
	struct event *ev_in, *ev_check, *ev_beat, *ev_term, *ev_int;
	struct evhttp *http;
	int lfd;

	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	lfd = listen_on(spec);
	if (lfd < 0) {
		fprintf(stderr, "cloche-sse: cannot listen on %s: %s\n", spec, strerror(errno));
		return 1;
	}
	g_inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (g_inotify_fd < 0)
		fprintf(stderr, "cloche-sse: inotify: %s (falling back to the %d ms check)\n",
			strerror(errno), g_opt.check_ms);
	g_base = event_base_new();
	http = evhttp_new(g_base);
	serve_init(http);
	if (evhttp_accept_socket_with_handle(http, lfd) == NULL) {
		fprintf(stderr, "cloche-sse: cannot accept on %s\n", spec);
		return 1;
	}
	ev_in = g_inotify_fd >= 0 ? event_new(g_base, g_inotify_fd, EV_READ | EV_PERSIST, on_inotify, NULL) : NULL;
	ev_check = event_new(g_base, -1, EV_PERSIST, on_check, NULL);
	ev_beat = event_new(g_base, -1, EV_PERSIST, on_heartbeat, NULL);
	ev_term = evsignal_new(g_base, SIGTERM, on_signal, NULL);
	ev_int = evsignal_new(g_base, SIGINT, on_signal, NULL);
	if (ev_in)
		event_add(ev_in, NULL);
	event_add(ev_check, &check);
	event_add(ev_beat, &beat);
	event_add(ev_term, NULL);
	event_add(ev_int, NULL);
	if (pid_file) {
		FILE *pf = fopen(pid_file, "w");

		if (pf) {
			fprintf(pf, "%d\n", (int)getpid());
			fclose(pf);
		}
	}
	fprintf(stderr, "cloche-sse: listening on %s\n", spec);
	event_base_dispatch(g_base);

	if (ev_in)
		event_free(ev_in);
	event_free(ev_check);
	event_free(ev_beat);
	event_free(ev_term);
	event_free(ev_int);
	evhttp_free(http);
	event_base_free(g_base);
	if (g_inotify_fd >= 0)
		close(g_inotify_fd);
	store_close();
	return 0;
}
