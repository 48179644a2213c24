#include "cli.h"
#include "health.h"
#include "store.h"
#include "usage.h"
#include <stdio.h>
#include <string.h>

/* A string member of o, "" when absent. */
static const char *field(struct json_object *o, const char *key)
{
	const char *v = json_object_get_string(json_object_object_get(o, key));

	return v ? v : "";
}

/* Prints the health report (health.h) for a person; exit status 1 when
 * anything is wrong. --check --json prints what GET /healthz answers. */
static int check(int json)
{
	int ok;
	struct json_object *o = health_report(&ok), *st, *d, *sse, *p;
	size_t i;

	if (json) {
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		st = json_object_object_get(o, "store");
		d = json_object_object_get(o, "daemon");
		sse = json_object_object_get(o, "stream_helper");
		printf("store: %s (via %s)\n", field(st, "path"), field(st, "source"));
		printf("store state: %s%s%s\n", field(st, "state"), *field(st, "mode") ? ", " : "", field(st, "mode"));
		printf("schema features: %s\n", json_object_to_json_string(json_object_object_get(st, "features")));
		printf("daemon at %s: %s\n", field(d, "address"),
		       json_object_get_boolean(json_object_object_get(d, "answers")) ? field(d, "version") : "not answering");
		printf("stream helper: %s%s%s\n", field(sse, "state"), *field(sse, "address") ? " at " : "", field(sse, "address"));
		p = json_object_object_get(o, "problems");
		for (i = 0; i < json_object_array_length(p); i++)
			printf("PROBLEM: %s\n", json_object_get_string(json_object_array_get_idx(p, i)));
		printf("%s\n", ok ? "ok" : "NOT OK");
	}
	json_object_put(o);
	store_close();
	return ok ? 0 : 1;
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
		return check(argc > 2 && strcmp(argv[2], "--json") == 0);
	if (strcmp(argv[1], "usage") == 0)
		return cli_usage(argc, argv);
	if (strcmp(argv[1], "--print-store") == 0)
		return print_store();
	fprintf(stderr, "usage: cloche-dash [--listen ADDR | --check [--json] | --version | --print-store]\n"
			"  With no argument: FastCGI on stdin, or CGI when run as a CGI script.\n");
	return 1;
}
