#include "cli.h"
#include "store.h"
#include "usage.h"
#include <stdio.h>
#include <string.h>

static int check(void)
{
	struct store *s = store_get();

	printf("store: %s (via %s)\n", s->path, s->source);
	printf("store state: %s%s%s\n", store_state_name(s->state), *s->err ? " — " : "", s->err);
	if (s->state == STORE_OK)
		printf("store opened read-only%s\n", s->immutable ? " (immutable: no -wal, daemon not running)" : " (WAL, daemon running)");
	store_close();
	return s->state == STORE_OK ? 0 : 1;
}

static int print_store(void)
{
	struct store *s = store_get();

	printf("%s\n", s->path);
	store_close();
	return 0;
}

int cli_main(int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[1], "--version") == 0) {
		printf("cloche-dash %s\n", DASH_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--check") == 0)
		return check();
	if (strcmp(argv[1], "usage") == 0)
		return cli_usage(argc, argv);
	if (strcmp(argv[1], "--print-store") == 0)
		return print_store();
	fprintf(stderr, "usage: cloche-dash [--listen ADDR | --check | --version | --print-store]\n"
			"  With no argument: FastCGI on stdin, or CGI when run as a CGI script.\n");
	return 1;
}
