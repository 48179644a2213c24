/* cloche-dash: one program, three ways to run. Started by a web server or
 * spawn-fcgi with a socket on stdin it is a FastCGI responder; with
 * --listen it opens that socket itself; run by a server as a CGI script it
 * answers one request. Subcommands (--check, --version) are for people. */
#include "cli.h"
#include "dispatch.h"
#include "projstamp.h"
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

static int fcgi_write(void *ctx, const char *p, size_t n)
{
	return FCGX_PutStr(p, (int)n, ctx) == (int)n ? 0 : -1;
}

static int stdio_write(void *ctx, const char *p, size_t n)
{
	return fwrite(p, 1, n, ctx) == n ? 0 : -1;
}

static long fcgi_read(void *ctx, char *p, size_t n)
{
	return FCGX_GetStr(p, (int)n, ctx);
}

static long stdio_read(void *ctx, char *p, size_t n)
{
	return (long)fread(p, 1, n, ctx);
}

static int run_fastcgi(int sock)
{
	FCGX_Request rq;
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&rq, sock, 0) != 0)
		return 1;
	projwatch_enable();   /* long-lived: project stamps kept until inotify says */
	while (!stopping && FCGX_Accept_r(&rq) >= 0) {
		dispatch(rq.envp, fcgi_write, rq.out, fcgi_read, rq.in);
		FCGX_Finish_r(&rq);
	}
	dispatch_shutdown();
	return 0;
}

static int run_cgi(void)
{
	dispatch(environ, stdio_write, stdout, stdio_read, stdin);
	fflush(stdout);
	dispatch_shutdown();
	return 0;
}

/* systemd socket activation without StandardInput=socket: the listening
 * socket arrives as fd 3 (sd_listen_fds protocol). */
static int activated_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (!pid || !fds || atol(pid) != (long)getpid() || atoi(fds) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return 3;
}

/* --listen PATH|HOST:PORT [--socket-mode OCTAL]: a Unix socket gets the
 * mode asked for (default 0660), never the umask's accident. */
static int listen_on(int argc, char **argv)
{
	mode_t mode = 0660;
	int sock;

	if (argc > 4 && strcmp(argv[3], "--socket-mode") == 0)
		mode = (mode_t)strtol(argv[4], NULL, 8);
	sock = FCGX_OpenSocket(argv[2], 128);
	if (sock < 0) {
		fprintf(stderr, "cloche-dash: cannot listen on %s\n", argv[2]);
		return 1;
	}
	if (strchr(argv[2], '/') && chmod(argv[2], mode) != 0) {
		fprintf(stderr, "cloche-dash: cannot set mode of %s\n", argv[2]);
		return 1;
	}
	return run_fastcgi(sock);
}

int main(int argc, char **argv)
{
	int fd;

	if (argc > 2 && strcmp(argv[1], "--listen") == 0)
		return listen_on(argc, argv);
	if (argc > 1)
		return cli_main(argc, argv);
	fd = activated_socket();
	if (fd >= 0)
		return run_fastcgi(fd);
	if (FCGX_IsCGI())
		return run_cgi();
	return run_fastcgi(0);
}
