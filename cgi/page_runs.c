/* GET /runs and GET /projects/{name}/runs — the grouped runs list
 * (pages.md 4) with filters the daemon lacks (state, q, paging). The
 * table is complete without JavaScript; public/runs.js adds the attempt
 * accordion and refreshes the table every 3 s. */
#include "guard.h"
#include "html.h"
#include "responders.h"
#include "runhtml.h"
#include "runlist.h"
#include "pricing.h"
#include "timefmt.h"
#include "usage.h"
#include "usage_view.h"
#include <stdlib.h>
#include <string.h>

static const char *STATES[] = {"pending", "running", "waiting", "succeeded", "failed",
			       "cancelled", "parked", NULL};

static int by_label(const void *a, const void *b)
{
	const struct project *const *x = a, *const *y = b;

	return strcmp((*x)->label, (*y)->label);
}

static void project_select(struct req *r, const struct projects *p, const struct project *cur)
{
	const struct project **v = malloc((p->n + 1) * sizeof *v);
	size_t i;

	for (i = 0; i < p->n; i++)
		v[i] = &p->v[i];
	qsort(v, p->n, sizeof *v, by_label);
	H(r, "<label>Project <select name=\"project\" class=\"js-nav-select\"><option value=\"\">All projects</option>");
	for (i = 0; i < p->n; i++) {
		H(r, "<option value=\"");
		h_attr(r, v[i]->dir);
		H(r, "\" data-href=\"");
		H_URL(r, "/projects/", v[i]->label, "/runs");
		H(r, "\"");
		if (v[i] == cur)
			H(r, " selected");
		H(r, ">");
		h_text(r, v[i]->label);
		if (v[i]->kept) {
			H(r, " (");
			h_int(r, v[i]->kept);
			if (v[i]->kept == 1)
				H(r, " container)");
			else
				H(r, " containers)");
		}
		H(r, "</option>");
	}
	H(r, "</select></label>\n");
	free(v);
}

static void filters(struct req *r, const struct projects *p, const struct project *cur,
		    const struct runlist *l)
{
	int i;

	H(r, "<form class=\"run-filters\" method=\"get\" action=\"");
	H_URL(r, "/runs", NULL, "");
	H(r, "\">\n");
	if (p->n)
		project_select(r, p, cur);
	H(r, "<label>State <select name=\"state\"><option value=\"\">Any</option>");
	for (i = 0; STATES[i]; i++) {
		H(r, "<option");
		if (l->state && strcmp(l->state, STATES[i]) == 0)
			H(r, " selected");
		H(r, ">");
		h_text(r, STATES[i]);
		H(r, "</option>");
	}
	H(r, "</select></label>\n<label>Search <input type=\"search\" name=\"q\" maxlength=\"200\" "
	     "placeholder=\"task id or title\" value=\"");
	h_attr(r, l->q ? l->q : "");
	H(r, "\"></label>\n<button class=\"btn btn-secondary btn-sm\" type=\"submit\">Filter</button>\n</form>\n");
}

static void cleanup(struct req *r, const struct projects *p, const struct project *cur)
{
	int n = 0;
	size_t i;

	for (i = 0; i < p->n; i++)
		n += p->v[i].kept;
	if (cur)
		n = cur->kept;
	if (!n)
		return;
	H(r, "<form class=\"inline-form js-action cleanup-form\" method=\"post\" data-reload=\"1\" action=\"");
	if (cur)
		H_URL(r, "/api/projects/", cur->label, "/containers?_method=DELETE");
	else
		H_URL(r, "/api/containers?_method=DELETE", NULL, "");
	H(r, "\" data-confirm=\"");
	if (cur)
		H(r, "Delete every retained container of this project?");
	else
		H(r, "Delete every retained container of every project?");
	H(r, "\"><button id=\"cleanup-containers-btn\" class=\"btn btn-danger btn-sm\" type=\"submit\">Clean up ");
	h_int(r, n);
	if (n == 1)
		H(r, " old container</button></form>\n");
	else
		H(r, " old containers</button></form>\n");
}

/* A task group's tokens: the runs listed under its header (its attempts
 * and their child runs, all of the task), each run ID once, so rows that
 * share an ID (T4) and their shared steps count once. */
static void task_tokens(const struct runlist *l, size_t head, struct tokcost *t)
{
	const struct gentry *v = l->g.v;
	size_t i, j;

	memset(t, 0, sizeof *t);
	for (i = head + 1; i < l->g.n && v[i].kind != GE_TASK; i++) {
		struct tokcost one;
		int dup = 0;

		if (v[i].kind == GE_RUN && !v[i].is_child)
			break;          /* a single run after the group */
		if (v[i].kind != GE_RUN)
			continue;
		for (j = head + 1; j < i && !dup; j++)
			dup = v[j].kind == GE_RUN && l->ix->v[v[j].run].id == l->ix->v[v[i].run].id;
		if (dup || usage_run_tokens(store_get(), l->rows[i].id, &one) != 0)
			continue;
		t->in += one.in;
		t->out += one.out;
		t->usd += one.usd;
		t->unpriced |= one.unpriced;
	}
}

static void task_header(struct req *r, const struct runlist *l, size_t head)
{
	const struct gentry *e = &l->g.v[head];
	const char *tid = ix_str(l->ix, l->ix->t[e->task].id);
	char *title = task_title(store_get(), l->ix, e->task);
	struct tokcost t;

	H(r, "<tr class=\"run-task-header\"><td colspan=\"9\"><a href=\"");
	H_URL(r, "/tasks/", tid, "");
	H(r, "\">");
	h_text(r, tid);
	H(r, "</a>");
	if (*title) {
		H(r, ": ");
		h_text(r, title);
	}
	H(r, " ");
	h_badge(r, ix_state_name(e->status), NULL);
	H(r, "</td>");
	task_tokens(l, head, &t);
	usage_view_tokens_cell(r, &t);
	H(r, "</tr>\n");
	free(title);
}

static void attempt_header(struct req *r, const struct runlist *l, const struct gentry *e,
			   const struct run *run)
{
	const char *tid = ix_str(l->ix, l->ix->t[e->task].id);

	H(r, "<tr class=\"run-attempt-header\" data-task-id=\"");
	h_attr(r, tid);
	H(r, "\" data-attempt-num=\"");
	h_int(r, e->attempt_num);
	H(r, "\"><td colspan=\"10\"><span class=\"attempt-label\">Attempt #");
	h_int(r, e->attempt_num);
	H(r, "</span> ");
	h_badge(r, ix_state_name(e->status), NULL);
	H(r, " <span class=\"attempt-time\">");
	h_time(r, run->started_at);
	H(r, "</span></td></tr>\n");
}

static void rows(struct req *r, const struct runlist *l, const struct projects *p)
{
	long long now = now_ns();
	struct tokcost t;
	size_t i;

	H(r, "<tbody id=\"runs-body\">\n");
	if (!l->g.n) {
		if (l->q || l->state)
			H(r, "<tr><td colspan=\"10\" class=\"empty\">No runs match these filters.</td></tr>\n");
		else
			H(r, "<tr><td colspan=\"10\" class=\"empty\">No runs yet.</td></tr>\n");
	}
	for (i = 0; i < l->g.n; i++) {
		const struct gentry *e = &l->g.v[i];

		if (e->kind == GE_TASK) {
			task_header(r, l, i);
			continue;
		}
		if (e->kind == GE_ATTEMPT) {
			attempt_header(r, l, e, &l->rows[i]);
			continue;
		}
		if (e->is_child)
			H(r, "<tr class=\"run-row run-child-row\">");
		else if (e->is_parent)
			H(r, "<tr class=\"run-row run-parent-row\">");
		else
			H(r, "<tr class=\"run-row\">");
		h_run_cells(r, &l->rows[i], p, now, e->is_child);
		usage_run_tokens(store_get(), l->rows[i].id, &t);
		usage_view_tokens_cell(r, &t);
		H(r, "</tr>\n");
	}
	H(r, "</tbody>\n");
}

/* ?state=&q=&per= of the current list, for pager links. */
static void keep_params(struct req *r, const struct runlist *l)
{
	if (l->state) {
		H(r, "&amp;state=");
		h_seg(r, l->state);
	}
	if (l->q) {
		H(r, "&amp;q=");
		h_seg(r, l->q);
	}
	if (l->per != RUNLIST_PER) {
		H(r, "&amp;per=");
		h_int(r, l->per);
	}
}

static void page_link(struct req *r, const struct project *pr, const struct runlist *l,
		      long long page, const char *rel)
{
	H(r, "<a class=\"btn btn-secondary btn-sm\" rel=\"");
	h_attr(r, rel);
	H(r, "\" href=\"");
	if (pr)
		H_URL(r, "/projects/", pr->label, "/runs?page=");
	else
		H_URL(r, "/runs?page=", NULL, "");
	h_int(r, page);
	keep_params(r, l);
	H(r, "\">");
	h_text(r, strcmp(rel, "prev") == 0 ? "← Newer" : "Older →");
	H(r, "</a>");
}

static void pager(struct req *r, const struct project *pr, const struct runlist *l)
{
	H(r, "<nav class=\"pager\" id=\"runs-pager\" aria-label=\"pages\">");
	if (l->page > 1)
		page_link(r, pr, l, l->page - 1, "prev");
	H(r, "<span class=\"muted\">Page ");
	h_int(r, l->page);
	H(r, " of ");
	h_int(r, l->pages);
	H(r, " · ");
	h_int(r, (long long)l->g.items);
	H(r, " tasks and runs</span>");
	if (l->page < l->pages)
		page_link(r, pr, l, l->page + 1, "next");
	H(r, "</nav>\n");
}

static void heading(struct req *r, const struct project *pr)
{
	if (!pr) {
		H(r, "<h1>Runs</h1>\n");
		return;
	}
	H(r, "<h1><a href=\"");
	H_URL(r, "/", NULL, "");
	H(r, "\">Projects</a> / <a href=\"");
	H_URL(r, "/projects/", pr->label, "");
	H(r, "\">");
	h_text(r, pr->label);
	H(r, "</a> / Runs</h1>\n");
}

static void render(struct req *r, const struct project *pr)
{
	const struct projects *p = need_projects_kept(r);
	struct runlist l;

	if (!p)
		return;
	if (runlist_params(r, &l, 1) != 0 || runlist_load(r, store_get(), pr, &l) != 0) {
		runlist_free(&l);
		return;
	}
	page_begin(r, "Runs");
	page_style(r, "runs.css");
	page_style(r, "actions.css");
	heading(r, pr);
	H(r, "<div class=\"runs-toolbar\">\n");
	filters(r, p, pr, &l);
	cleanup(r, p, pr);
	H(r, "</div>\n<div class=\"table-scroll\"><table class=\"runs-table\" id=\"runs-table\" data-refresh=\"3000\">"
	     "<thead><tr><th>Run ID</th><th>Project</th><th>Workflow</th><th>Type</th><th>State</th>"
	     "<th>Step</th><th>Timing</th><th>Container</th><th>Error</th>"
	     "<th class=\"num\" title=\"each run's own steps; a task's total on its row\">Tokens</th></tr></thead>\n");
	rows(r, &l, p);
	H(r, "</table></div>\n");
	pager(r, pr, &l);
	page_script(r, "runs.js");
	page_script(r, "actions.js");
	page_end(r);
	r->cacheable = 1;
	r->cache_ttl = 5; /* clock-dependent text (durations, "5m ago") may lag 5 s */
	runlist_free(&l);
}

void page_runs(struct req *r)
{
	if (runs_redirect(r))
		return;
	render(r, NULL);
}

void page_project_runs(struct req *r)
{
	const struct project *pr = need_project(r, r->param[0]);

	if (pr)
		render(r, pr);
}
