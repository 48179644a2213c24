/* cloche-dash usage — the daemon's CLI token blocks from the store
 * (daemon.md 5.1-5.2, store.md 4.4-4.5), counted once per step:
 *   usage [--project DIR|LABEL] [--all] [--window SECONDS] [--json]
 *   usage --task ID [--json]
 * Exit 0, 1 on bad arguments (usage on stderr), 2 when the store cannot
 * be read. Output goes to stdout, not to a response (a CLI). */
#include "buf.h"
#include "json.h"
#include "projects.h"
#include "store.h"
#include "timefmt.h"
#include "usage.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct opts {
	const char *project, *task;
	int all, json;
	long long window;
};

static int usage_error(const char *why)
{
	fprintf(stderr, "cloche-dash usage: %s\n"
		"usage: cloche-dash usage [--project DIR|LABEL] [--all] [--window SECONDS] [--json]\n"
		"       cloche-dash usage --task ID [--json]\n", why);
	return 1;
}

static int parse_window(const char *v, long long *out)
{
	char *end;

	if (!v || !*v || strspn(v, "0123456789") != strlen(v))
		return -1;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return errno ? -1 : 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	int i;

	o->window = 3600;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--all") == 0)
			o->all = 1;
		else if (strcmp(a, "--json") == 0)
			o->json = 1;
		else if (strcmp(a, "--project") == 0 && i + 1 < argc)
			o->project = argv[++i];
		else if (strcmp(a, "--task") == 0 && i + 1 < argc)
			o->task = argv[++i];
		else if (strcmp(a, "--window") == 0 && i + 1 < argc) {
			if (parse_window(argv[++i], &o->window) != 0)
				return usage_error("--window takes a non-negative number of seconds");
		} else
			return usage_error("unknown or incomplete argument");
	}
	if (o->all && o->project)
		return usage_error("--all and --project exclude each other");
	if (o->task && (o->all || o->project))
		return usage_error("--task takes no --project or --all");
	return 0;
}

/* Like the daemon's CLI: the current directory when it has .cloche/. */
static int resolve_project(struct store *s, const struct opts *o, char *dir, size_t cap)
{
	const struct projects *ps;
	const struct project *p;
	struct stat st;

	dir[0] = '\0';
	if (o->all)
		return 0;
	if (!o->project) {
		if (stat(".cloche", &st) == 0 && S_ISDIR(st.st_mode) && getcwd(dir, cap) == NULL)
			dir[0] = '\0';
		return 0;
	}
	ps = projects_get(s);
	p = ps ? project_by_label(ps, o->project) : NULL;
	if (!p && ps)
		p = project_by_dir(ps, o->project);
	if (p)
		snprintf(dir, cap, "%s", p->dir);
	else if (o->project[0] == '/')
		snprintf(dir, cap, "%s", o->project); /* matched exactly, as the daemon does */
	else
		return usage_error("--project: no project has this label or directory");
	return 0;
}

/* "1h", "24h", "30m", "90s", "7d" for the block's header. */
static void window_name(char *out, size_t cap, long long w)
{
	if (w == 0)
		snprintf(out, cap, "all time");
	else if (w % 86400 == 0 && w >= 86400 * 2)
		snprintf(out, cap, "last %lldd", w / 86400);
	else if (w % 3600 == 0)
		snprintf(out, cap, "last %lldh", w / 3600);
	else if (w % 60 == 0)
		snprintf(out, cap, "last %lldm", w / 60);
	else
		snprintf(out, cap, "last %llds", w);
}

static void print_json(const struct usage_list *l)
{
	struct json_object *o = json_object_new_object();
	struct buf b = {0};

	jadd(o, "summaries", usage_list_json(l));
	json_emit(&b, o);
	json_object_put(o);
	fwrite(b.p, 1, b.len, stdout);
	fputc('\n', stdout);
	buf_free(&b);
}

static void print_block(const struct usage_list *l, long long window)
{
	struct buf b = {0};
	char name[32], *hdr;

	usage_cli_block(&b, l);
	/* the daemon's block is always the last hour; other windows say so */
	if (b.len && window != 3600 && (hdr = strstr(b.p, "last 1h"))) {
		window_name(name, sizeof name, window);
		fputs("Token usage (", stdout);
		fputs(name, stdout);
		fputs(b.p + (hdr - b.p) + 7, stdout);
	} else if (b.len)
		fwrite(b.p, 1, b.len, stdout);
	buf_free(&b);
}

int cli_usage(int argc, char **argv)
{
	struct opts o = {0};
	struct store *s;
	struct usage_list l;
	char dir[4096];
	struct buf b = {0};
	int rc;

	if (parse(argc, argv, &o) != 0)
		return 1;
	s = store_get();
	if (s->state == STORE_UNINITIALISED)
		return 0;
	if (s->state != STORE_OK) {
		fprintf(stderr, "cloche-dash usage: %s\n", s->err);
		return 2;
	}
	if (o.task)
		rc = usage_for_task(s, o.task, &l);
	else if (resolve_project(s, &o, dir, sizeof dir) != 0)
		return 1;
	else
		rc = usage_get(s, dir, "", o.window, now_ns(), &l);
	if (rc != 0) {
		fprintf(stderr, "cloche-dash usage: %s\n", s->err);
		return 2;
	}
	if (o.json)
		print_json(&l);
	else if (o.task) {
		usage_tokens_line(&b, &l);
		fwrite(b.p ? b.p : "", 1, b.len, stdout);
	} else
		print_block(&l, o.window);
	buf_free(&b);
	usage_list_free(&l);
	store_close();
	return 0;
}
