/* cloche-dash: one program, three ways to run. Started by a web server or
 * spawn-fcgi with a socket on stdin it is a FastCGI responder; with
 * --listen it opens that socket itself; run by a server as a CGI script it
 * answers one request. Subcommands (--check, --version) are for people. */
#include "cli.h"
#include "dispatch.h"
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "--listen") == 0) {
		int sock = FCGX_OpenSocket(argv[2], 128);

		if (sock < 0) {
			fprintf(stderr, "cloche-dash: cannot listen on %s\n", argv[2]);
			return 1;
		}
		return run_fastcgi(sock);
	}
	if (argc > 1)
		return cli_main(argc, argv);
	if (FCGX_IsCGI())
		return run_cgi();
	return run_fastcgi(0);
}
