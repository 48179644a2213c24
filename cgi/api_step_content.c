/* GET /api/projects/{name}/workflows/{workflow}/steps/{step}/content —
 * the text behind a step for the drawer (http.md 4.11, store.md 3.4).
 * Unlike the daemon (http.md D2), file("p") is read only inside the
 * project, through projfiles: a path with "..", an absolute path or a
 * symlink leaving the project is refused with 400, never served. */
#include "dsl.h"
#include "guard.h"
#include "projfiles.h"
#include "resp.h"
#include "responders.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRIPTS ".cloche/scripts/"

enum { FOUND, UNREADABLE, REFUSED };

/* The p of a value written file("p"); NULL for anything else. Caller frees. */
static char *file_arg(const char *v)
{
	size_t n = strlen(v);

	if (n < 8 || strncmp(v, "file(\"", 6) != 0 || strcmp(v + n - 2, "\")") != 0)
		return NULL;
	return strndup(v + 6, n - 8);
}

/* Go's filepath.Clean for relative paths without "..": drops "." and empty
 * components. -1 for absolute paths and any "..". */
static int clean_rel(const char *p, char *out, size_t cap)
{
	size_t o = 0, n;

	if (!pf_path_ok(p) || strlen(p) >= cap)
		return -1;
	while (*p) {
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n && !(n == 1 && *p == '.')) {
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	out[o] = '\0';
	return o ? 0 : -1;
}

/* Reads a file of the project; REFUSED for paths that try to leave it. */
static int read_in_project(const char *dir, const char *rel, char **data, size_t *len)
{
	int rc;

	*data = NULL;
	*len = 0;
	if (!pf_path_ok(rel))
		return REFUSED;
	rc = pf_read(dir, rel, PF_MAX_READ, data, len);
	if (rc == PF_OK)
		return FOUND;
	return rc == PF_EESCAPE || rc == PF_EBADPATH ? REFUSED : UNREADABLE;
}

/* A script under .cloche/scripts/ that looks like text, or nothing. */
static int script_text(const char *dir, const char *path, char **data, size_t *len)
{
	char clean[4096];

	if (clean_rel(path, clean, sizeof clean) != 0 || strncmp(clean, SCRIPTS, strlen(SCRIPTS)) != 0)
		return 0;
	if (read_in_project(dir, clean, data, len) != FOUND)
		return 0;
	if (pf_is_text(*data, *len))
		return 1;
	free(*data);
	*data = NULL;
	return 0;
}

static int skip_token(const char *t)
{
	return *t == '-' || !strcmp(t, "2>&1") || !strcmp(t, ">") || !strcmp(t, ">>") || !strcmp(t, "|");
}

/* run: file("p") or the first script named in the command line. Inline
 * commands are never echoed back. */
static void run_content(struct req *r, const char *dir, const char *v)
{
	char *p = file_arg(v), *copy, *tok, *save = NULL, *data = NULL;
	size_t len = 0;
	int ok = 0;

	if (p) {
		ok = script_text(dir, p, &data, &len);
		free(p);
	} else {
		copy = strdup(v);
		for (tok = strtok_r(copy, " \t\n\r\v\f", &save); tok && !ok;
		     tok = strtok_r(NULL, " \t\n\r\v\f", &save))
			if (!skip_token(tok))
				ok = script_text(dir, tok, &data, &len);
		free(copy);
	}
	resp_plain_bytes(r, 200, ok ? data : "", ok ? len : 0);
	free(data);
}

/* prompt/command/poll. 1 when answered; 0 to fall through (prompt only). */
static int text_or_file(struct req *r, const char *dir, const char *v, int fall_through)
{
	char *p = file_arg(v), *data;
	size_t len;
	int rc;

	if (!p) {
		resp_plain_bytes(r, 200, v, strlen(v));
		return 1;
	}
	rc = read_in_project(dir, p, &data, &len);
	free(p);
	if (rc == REFUSED) {
		resp_text(r, 400, "file path leaves the project directory");
		return 1;
	}
	if (rc == UNREADABLE && fall_through)
		return 0;
	resp_plain_bytes(r, 200, rc == FOUND ? data : "", rc == FOUND ? len : 0);
	free(data);
	return 1;
}

static void content(struct req *r, const char *dir, const struct dsl_step *s)
{
	const char *v;

	if ((v = dsl_cfg(s->cfg, s->ncfg, "prompt")) && text_or_file(r, dir, v, 1))
		return;
	if ((v = dsl_cfg(s->cfg, s->ncfg, "command")) && text_or_file(r, dir, v, 0))
		return;
	if ((v = dsl_cfg(s->cfg, s->ncfg, "poll")) && text_or_file(r, dir, v, 0))
		return;
	if ((v = dsl_cfg(s->cfg, s->ncfg, "run"))) {
		run_content(r, dir, v);
		return;
	}
	if ((v = dsl_cfg(s->cfg, s->ncfg, "workflow_name"))) {
		char *t;

		if (asprintf(&t, "Dispatches workflow: %s", v) < 0)
			abort();
		resp_plain_bytes(r, 200, t, strlen(t));
		free(t);
		return;
	}
	resp_text(r, 404, "no content available");
}

void api_step_content(struct req *r)
{
	const struct project *p = need_project(r, r->param[0]);
	const struct dsl_workflow *w;
	const struct dsl_step *s;
	struct dsl_dir d;

	if (!p)
		return;
	dsl_load_dir(p->dir, &d);
	if (!(w = dsl_dir_find(&d, r->param[1])))
		resp_text(r, 404, "workflow not found");
	else if (!(s = dsl_step(w, r->param[2])))
		resp_text(r, 404, "step not found");
	else
		content(r, p->dir, s);
	dsl_dir_free(&d);
	r->cacheable = r->status == 200;
	/* The stamp covers .cloche; a file("p") elsewhere in the project is
	 * not in it, so copies stay fresh for two seconds only. */
	r->cache_ttl = 2;
}
