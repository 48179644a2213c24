/* GET /api/runs and GET /api/projects/{name}/runs — grouped run lists
 * (http.md 4.2, 4.3, 3.3). Without page=/per=/state=/q= the answer is the
 * daemon's: every entry, null when empty. With them, one page of items
 * (a task group counts as one item) and the X-Total-Items header. */
#include "esc.h"
#include "guard.h"
#include "json.h"
#include "resp.h"
#include "responders.h"
#include "runjson.h"
#include "runlist.h"
#include "timefmt.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct json_object *entry_json(struct store *s, const struct runlist *l, size_t i,
				      const struct projects *p, long long now)
{
	const struct gentry *e = &l->g.v[i];
	struct json_object *o = json_object_new_object();
	const char *tid = e->task != IX_NONE ? ix_str(l->ix, l->ix->t[e->task].id) : "";
	char d[20];

	if (e->kind == GE_TASK) {
		char *title = task_title(s, l->ix, e->task);

		jadd_bool(o, "task_header", 1);
		jadd_str(o, "task_id", tid);
		jadd_str_nonempty(o, "task_title", title);
		free(title);
		jadd_str(o, "task_status", ix_state_name(e->status));
	} else if (e->kind == GE_ATTEMPT) {
		jadd_str(o, "task_id", tid);
		jadd_bool(o, "attempt_header", 1);
		jadd_int(o, "attempt_num", e->attempt_num);
		jadd_str(o, "attempt_status", ix_state_name(e->status));
		ts_display(d, l->rows[i].started_at);
		jadd_str_nonempty(o, "attempt_time", d);
	} else {
		if (e->is_parent)
			jadd_bool(o, "is_parent", 1);
		if (e->is_child)
			jadd_bool(o, "is_child", 1);
		jadd(o, "run", run_json(&l->rows[i], p, now));
	}
	return o;
}

static void answer(struct req *r, const struct project *pr)
{
	struct store *s;
	const struct projects *p = need_projects(r);
	struct runlist l;
	struct json_object *a;
	long long now = now_ns();
	char num[32];
	size_t i;

	if (!p)
		return;
	s = store_get();
	if (runlist_params(r, &l, 0) != 0 || runlist_load(r, s, pr, &l) != 0) {
		runlist_free(&l);
		return;
	}
	a = l.g.n || l.paged ? json_object_new_array() : NULL;
	for (i = 0; i < l.g.n; i++)
		json_object_array_add(a, entry_json(s, &l, i, p, now));
	if (l.paged || l.truncated) {
		snprintf(num, sizeof num, "%zu", l.g.items);
		resp_header(r, "X-Total-Items", num);
	}
	if (l.truncated)
		resp_header(r, "X-Truncated", "1");
	resp_json(r, 200, a);
	r->cacheable = 1;
	r->cache_ttl = 5; /* clock-dependent text (durations, "5m ago") may lag 5 s */
	runlist_free(&l);
}

/* The page's filter form sends project= with state=/q=/per=; the page
 * redirect keeps those (the daemon's drops the whole query). */
static void keep_filters(struct buf *loc, const char *q)
{
	const char *p = q, *amp;
	char sep = '?';
	size_t n;

	while (p && *p) {
		amp = strchr(p, '&');
		n = amp ? (size_t)(amp - p) : strlen(p);
		if (n && strncmp(p, "project=", 8) != 0 && strncmp(p, "page=", 5) != 0 &&
		    !(n == 7 && strncmp(p, "project", 7) == 0)) {
			buf_putc(loc, sep);
			buf_put(loc, p, n);
			sep = '&';
		}
		p = amp ? amp + 1 : NULL;
	}
}

/* ?project=<dir> naming a listed project → 302 to its label's route. */
static int redirect_project(struct req *r, const struct projects *p)
{
	char *dir = req_query(r, "project");
	const struct project *pr = dir && *dir ? project_by_dir(p, dir) : NULL;
	struct buf loc = {0};

	free(dir);
	if (!pr)
		return 0;
	buf_puts(&loc, r->base);
	buf_puts(&loc, r->is_api ? "/api/projects/" : "/projects/");
	esc_url_seg(&loc, pr->label, strlen(pr->label));
	buf_puts(&loc, "/runs");
	if (!r->is_api)
		keep_filters(&loc, r->query);
	resp_redirect(r, 302, buf_str(&loc));
	buf_free(&loc);
	return 1;
}

int runs_redirect(struct req *r)
{
	const struct projects *p = projects_get(store_get());

	return p && redirect_project(r, p);
}

void api_runs(struct req *r)
{
	if (runs_redirect(r))
		return;
	answer(r, NULL);
}

void api_project_runs(struct req *r)
{
	const struct project *pr = need_project(r, r->param[0]);

	if (pr)
		answer(r, pr);
}
