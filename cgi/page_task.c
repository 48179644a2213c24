/* GET /tasks/{taskID} — a task's attempts, newest first, each with its
 * runs, and the task's own token total (pages.md 6, http.md 7.6). */
#include "guard.h"
#include "html.h"
#include "pricing.h"
#include "resp.h"
#include "responders.h"
#include "runhtml.h"
#include "runjson.h"
#include "runlist.h"
#include "steps.h"
#include "timefmt.h"
#include "usage_view.h"
#include <stdlib.h>
#include <string.h>

/* Sum over the task's distinct run ids, so runs sharing an id (T4) and
 * their shared step rows count once. */
static void tokens(struct req *r, struct store *s, struct runindex *ix, const struct runlist *l)
{
	struct tokcost t = {0};
	size_t i, j;

	for (i = 0; i < l->g.n; i++) {
		struct steps st = {0};
		int dup = 0;

		if (l->g.v[i].kind != GE_RUN)
			continue;
		for (j = 0; j < i && !dup; j++)
			dup = l->g.v[j].kind == GE_RUN && strcmp(l->rows[j].id, l->rows[i].id) == 0;
		if (dup || steps_load(s, ix, l->rows[i].id, &st) != 0) {
			steps_free(&st);
			continue;
		}
		for (j = 0; j < st.n; j++)
			tokcost_add(&t, st.v[j].agent, st.v[j].in, st.v[j].out);
		steps_free(&st);
	}
	H(r, "<p class=\"task-tokens\">Tokens used by this task's runs: <span class=\"mono\" id=\"task-token-total\">");
	h_int(r, t.in + t.out);
	H(r, "</span> <span class=\"muted\">(");
	h_int(r, t.in);
	H(r, " input / ");
	h_int(r, t.out);
	H(r, " output)</span>");
	usage_view_money(r, &t);
	H(r, "</p>\n");
}

static void attempt_head(struct req *r, const struct gentry *e, const struct run *top, long long now)
{
	H(r, "<div class=\"attempt-block\" data-attempt-num=\"");
	h_int(r, e->attempt_num);
	H(r, "\"><div class=\"run-attempt-header attempt-block-header\"><span class=\"attempt-label\">Attempt #");
	h_int(r, e->attempt_num);
	H(r, "</span> ");
	h_badge(r, ix_state_name(e->status), NULL);
	H(r, " <span class=\"attempt-time\">");
	h_time(r, top->started_at);
	if (*top->completed_at) {
		H(r, " → ");
		h_time(r, top->completed_at);
	}
	H(r, "</span> <span class=\"muted\">");
	h_timing(r, top, now);
	H(r, "</span>");
	if (*top->attempt_id) {
		H(r, " <span class=\"attempt-id mono\">id: ");
		h_text(r, top->attempt_id);
		H(r, "</span>");
	}
	H(r, "</div>\n<div class=\"attempt-block-body\"><table class=\"runs-table attempt-runs-table\"><thead><tr>"
	     "<th>Run ID</th><th>Workflow</th><th>Type</th><th>State</th><th>Started</th><th>Completed</th>"
	     "<th>Timing</th><th>Error</th></tr></thead><tbody>\n");
}

static void run_row(struct req *r, const struct run *run, long long now)
{
	H(r, "<tr><td>");
	h_run_link(r, run->id);
	H(r, "</td><td>");
	h_text(r, run->workflow);
	if (run->is_host)
		H(r, "</td><td>host</td><td>");
	else
		H(r, "</td><td>container</td><td>");
	h_badge(r, run->state, NULL);
	H(r, "</td><td>");
	h_time(r, run->started_at);
	H(r, "</td><td>");
	h_time(r, run->completed_at);
	H(r, "</td><td>");
	h_timing(r, run, now);
	H(r, "</td><td class=\"error-cell\">");
	h_excerpt(r, run->error_message, 80);
	H(r, "</td></tr>\n");
}

static void attempts(struct req *r, const struct runlist *l)
{
	long long now = now_ns();
	int open = 0;
	size_t i;

	H(r, "<h2>Attempts</h2>\n<div id=\"attempts\">\n");
	for (i = 0; i < l->g.n; i++) {
		const struct gentry *e = &l->g.v[i];

		if (e->kind == GE_ATTEMPT) {
			if (open)
				H(r, "</tbody></table></div></div>\n");
			attempt_head(r, e, &l->rows[i], now);
			open = 1;
		} else if (e->kind == GE_RUN && open) {
			run_row(r, &l->rows[i], now);
		}
	}
	if (open)
		H(r, "</tbody></table></div></div>\n");
	H(r, "</div>\n");
}

static void heading(struct req *r, const char *tid, const char *title, int status)
{
	H(r, "<h1><a href=\"");
	H_URL(r, "/", NULL, "");
	H(r, "\">Tasks</a> / ");
	h_text(r, tid);
	if (*title) {
		H(r, ": ");
		h_text(r, title);
	}
	H(r, "</h1>\n<div class=\"run-state\">");
	h_badge(r, ix_state_name(status), NULL);
	H(r, "</div>\n");
}

void page_task(struct req *r)
{
	const struct projects *p = need_projects(r);
	struct store *s = store_get();
	struct gfilter f;
	struct runlist l;
	char *title;
	size_t i;

	if (!p)
		return;
	memset(&l, 0, sizeof l);
	l.ix = runindex_get(s);
	if (!l.ix) {
		store_unavailable(r, s);
		return;
	}
	gfilter_init(&f);
	f.task = ix_task_find(l.ix, r->param[0]);
	f.keep_listtasks = 1;
	if (f.task == IX_NONE) {
		resp_html_error(r, 404, "Task not found", "No run has this task ID.");
		return;
	}
	group_runs(l.ix, &f, 0, 0, &l.g);
	l.rows = calloc(l.g.n + 1, sizeof *l.rows);
	for (i = 0; i < l.g.n; i++)
		if (run_by_pk(s, l.ix->v[l.g.v[i].run].pk, &l.rows[i]) != 1) {
			runlist_free(&l);
			store_unavailable(r, s);
			return;
		}
	page_begin(r, r->param[0]);
	page_style(r, "runs.css");
	title = task_title(s, l.ix, f.task);
	heading(r, r->param[0], title, l.g.n ? l.g.v[0].status : RS_PENDING);
	free(title);
	tokens(r, s, l.ix, &l);
	attempts(r, &l);
	page_script(r, "runs.js");
	page_end(r);
	r->cacheable = 1;
	r->cache_ttl = 5; /* clock-dependent text (durations, "5m ago") may lag 5 s */
	runlist_free(&l);
}
