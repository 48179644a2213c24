/* GET /usage — token usage across projects (issue 8): a window picker
 * that works as plain links (1 h, 24 h, 7 d, 30 d, all time), totals per
 * project and agent, charts for the last 48 h and 30 days (inline SVG),
 * and the runs and tasks with the most tokens. ?project= narrows it all
 * to one project (label or directory). Money shows only with a price
 * table (pricing.h). */
#include "guard.h"
#include "html.h"
#include "pricing.h"
#include "resp.h"
#include "responders.h"
#include "timefmt.h"
#include "usage.h"
#include "usage_view.h"
#include <stdlib.h>
#include <string.h>

struct win {
	const char *key, *name;
	long long seconds;
};

static const struct win WINS[] = {
	{"1h", "Last hour", 3600}, {"24h", "Last 24 hours", 86400},
	{"7d", "Last 7 days", 7 * 86400}, {"30d", "Last 30 days", 30 * 86400},
	{"all", "All time", 0},
};
#define NWINS (sizeof WINS / sizeof WINS[0])

static const struct win *pick_window(const char *q)
{
	size_t i;

	for (i = 0; q && i < NWINS; i++)
		if (strcmp(q, WINS[i].key) == 0)
			return &WINS[i];
	return q ? NULL : &WINS[1];
}

static void window_nav(struct req *r, const struct win *cur, const struct project *p)
{
	size_t i;

	H(r, "<nav class=\"usage-windows\" aria-label=\"Time window\"><ul>");
	for (i = 0; i < NWINS; i++) {
		H(r, "<li><a href=\"");
		H_URL(r, "/usage?window=", WINS[i].key, "");
		if (p) {
			H(r, "&amp;project=");
			h_seg(r, p->label);
		}
		H(r, "\"");
		if (&WINS[i] == cur)
			H(r, " aria-current=\"page\" class=\"active\"");
		H(r, ">");
		h_text(r, WINS[i].name);
		H(r, "</a></li>");
	}
	H(r, "</ul></nav>\n");
}

/* Input, output, total and (with a price table) the cost when known. */
static void sum_cells(struct req *r, long long in, long long out, int known, double usd)
{
	char c[32];

	H(r, "<td class=\"num\">");
	usage_view_num(r, in);
	H(r, "</td><td class=\"num\">");
	usage_view_num(r, out);
	H(r, "</td><td class=\"num\"><strong>");
	usage_view_num(r, in + out);
	H(r, "</strong></td>");
	if (pricing_enabled()) {
		H(r, "<td class=\"num\">");
		if (known) {
			pricing_fmt(c, sizeof c, usd);
			h_text(r, c);
		}
		H(r, "</td>");
	}
}

/* Cost of a list: known only when every agent with tokens has a price. */
static int list_cost(const struct usage_list *l, double *usd)
{
	struct tokcost t;

	usage_list_cost(l, &t);
	*usd = t.usd;
	return !t.unpriced;
}

/* One row per project; its agents in one compact cell. */
static void project_row(struct req *r, const struct project *p, const struct usage_list *l,
			const struct win *w)
{
	long long in, out;
	double usd;
	int known = list_cost(l, &usd), first = 1;
	size_t i;

	usage_list_totals(l, &in, &out);
	H(r, "<tr><th scope=\"row\"><a href=\"");
	H_URL(r, "/usage?window=", w->key, "&amp;project=");
	h_seg(r, p->label);
	H(r, "\">");
	h_text(r, p->label);
	H(r, "</a></th>");
	sum_cells(r, in, out, known, usd);
	H(r, "<td class=\"usage-agents\">");
	for (i = 0; i < l->n; i++) {
		if (l->v[i].total == 0)
			continue;
		if (!first)
			H(r, ", ");
		first = 0;
		usage_view_agent(r, l->v[i].agent);
		H(r, " ");
		usage_view_num(r, l->v[i].total);
	}
	H(r, "</td></tr>\n");
}

static void thead(struct req *r, const char *first, int agents_col)
{
	H(r, "<thead><tr><th scope=\"col\">");
	h_text(r, first);
	H(r, "</th><th scope=\"col\" class=\"num\">Input</th><th scope=\"col\" class=\"num\">Output</th><th scope=\"col\" class=\"num\">Total</th>");
	if (pricing_enabled())
		H(r, "<th scope=\"col\" class=\"num\">Est. Cost</th>");
	if (agents_col)
		H(r, "<th scope=\"col\">By agent</th>");
	H(r, "</tr></thead>\n");
}

static void agent_table(struct req *r, const struct usage_list *l)
{
	double one;
	size_t i;
	int any = 0;

	H(r, "<table class=\"runs-table usage-table\">");
	thead(r, "Agent", 0);
	H(r, "<tbody>");
	for (i = 0; i < l->n; i++) {
		if (l->v[i].total == 0)
			continue;
		any = 1;
		H(r, "<tr><th scope=\"row\">");
		usage_view_agent(r, l->v[i].agent);
		H(r, "</th>");
		sum_cells(r, l->v[i].in, l->v[i].out,
			  pricing_cost(l->v[i].agent, l->v[i].in, l->v[i].out, &one), one);
		H(r, "</tr>\n");
	}
	if (!any)
		H(r, "<tr><td colspan=\"5\" class=\"empty\">No token usage in this window.</td></tr>");
	H(r, "</tbody></table>\n");
}

static void project_table(struct req *r, struct store *s, const struct projects *ps,
			  const struct win *w, long long now)
{
	struct usage_list l;
	long long in, out;
	size_t i;

	H(r, "<h2>By project</h2><table class=\"runs-table usage-table\">");
	thead(r, "Project", 1);
	H(r, "<tbody>");
	for (i = 0; i < ps->n; i++) {
		if (usage_get(s, ps->v[i].dir, "", w->seconds, now, &l) != 0)
			break;
		usage_list_totals(&l, &in, &out);
		if (in + out)
			project_row(r, &ps->v[i], &l, w);
		usage_list_free(&l);
	}
	H(r, "</tbody></table>\n");
}

/* Totals and per agent for all projects (or the chosen one), then one
 * row per project. */
static void totals(struct req *r, struct store *s, const struct projects *ps,
		   const struct project *only, const struct win *w, long long now)
{
	struct usage_list l;
	long long in, out;
	double usd;
	char c[32];

	if (usage_get(s, only ? only->dir : "", "", w->seconds, now, &l) != 0)
		return;
	usage_list_totals(&l, &in, &out);
	H(r, "<section class=\"panel\"><div class=\"panel-header\">Totals</div><div class=\"panel-body\">"
	     "<p class=\"usage-total\"><span class=\"stat-value\">");
	usage_view_num(r, in + out);
	H(r, "</span> tokens (");
	usage_view_num(r, in);
	H(r, " in / ");
	usage_view_num(r, out);
	H(r, " out)");
	if (pricing_enabled() && list_cost(&l, &usd)) {
		pricing_fmt(c, sizeof c, usd);
		H(r, " · estimated cost <strong>");
		h_text(r, c);
		H(r, "</strong>");
	}
	H(r, "</p>\n");
	agent_table(r, &l);
	usage_list_free(&l);
	if (!only)
		project_table(r, s, ps, w, now);
	H(r, "</div></section>\n");
}

static void top_table(struct req *r, enum usage_top_kind kind, const struct projects *ps,
		      struct usage_top_list *tl)
{
	const struct usage_top_list t = *tl;
	size_t i;

	H(r, "<table class=\"runs-table usage-table\"><thead><tr><th scope=\"col\">");
	if (kind == TOP_RUNS)
		H(r, "Run");
	else
		H(r, "Task");
	H(r, "</th><th scope=\"col\">Project</th><th scope=\"col\" class=\"num\">Input</th>"
	     "<th scope=\"col\" class=\"num\">Output</th><th scope=\"col\" class=\"num\">Total</th>");
	if (pricing_enabled())
		H(r, "<th scope=\"col\" class=\"num\">Est. Cost</th>");
	H(r, "</tr></thead><tbody>");
	for (i = 0; i < t.n; i++) {
		const char *label = project_label(ps, t.v[i].project);

		H(r, "<tr><td class=\"mono\"><a href=\"");
		if (kind == TOP_RUNS)
			H_URL(r, "/runs/", t.v[i].id, "");
		else
			H_URL(r, "/tasks/", t.v[i].id, "");
		H(r, "\">");
		h_text(r, t.v[i].id);
		H(r, "</a></td><td>");
		h_text(r, label ? label : t.v[i].project);
		H(r, "</td>");
		sum_cells(r, t.v[i].in, t.v[i].out, t.v[i].usd_known, t.v[i].usd);
		H(r, "</tr>\n");
	}
	if (!t.n)
		H(r, "<tr><td colspan=\"5\" class=\"empty\">None in this window.</td></tr>");
	H(r, "</tbody></table>\n");
}

static void tops(struct req *r, struct store *s, const struct project *only,
		 const struct projects *ps, long long lo, long long now)
{
	struct usage_top_list runs, tasks;

	if (usage_top(s, only ? only->dir : "", lo, now, 10, &runs, &tasks) != 0)
		return;
	H(r, "<section class=\"panel\"><div class=\"panel-header\">Runs with the most tokens</div><div class=\"panel-body\">");
	top_table(r, TOP_RUNS, ps, &runs);
	H(r, "</div></section>\n<section class=\"panel\"><div class=\"panel-header\">Tasks with the most tokens</div><div class=\"panel-body\">");
	top_table(r, TOP_TASKS, ps, &tasks);
	H(r, "</div></section>\n");
	usage_top_free(&runs);
	usage_top_free(&tasks);
}

static void render(struct req *r, struct store *s, const struct projects *ps,
		   const struct project *only, const struct win *w, long long now)
{
	const char *dir = only ? only->dir : "";

	page_begin(r, "Token usage");
	page_style(r, "usage.css");
	page_script(r, "usage.js");
	H(r, "<h1>Token usage");
	if (only) {
		H(r, " <span class=\"muted\">/</span> ");
		h_text(r, only->label);
	}
	H(r, "</h1>\n");
	window_nav(r, w, only);
	H(r, "<div id=\"usage-main\" data-usage-refresh=\"60\">");
	totals(r, s, ps, only, w, now);
	H(r, "<section class=\"panel\"><div class=\"panel-header\">History</div><div class=\"panel-body\">");
	usage_view_hourly(r, s, dir, 48, now, "Tokens per hour, last 48 hours (UTC), by agent");
	usage_view_daily(r, s, dir, 30, now, "Tokens per day, last 30 days (UTC), by agent");
	H(r, "</div></section>\n");
	tops(r, s, only, ps, w->seconds ? now - w->seconds * NS_PER_S : 0, now);
	H(r, "</div>\n");
	if (!pricing_enabled())
		H(r, "<p class=\"muted usage-note\">Costs are not shown: no price table is configured (see docs/usage.md).</p>\n");
	page_end(r);
}

void page_usage(struct req *r)
{
	char *wq = req_query(r, "window"), *pq = req_query(r, "project");
	const struct win *w = pick_window(wq);
	const struct projects *ps;
	const struct project *only = NULL;
	struct store *s;

	if (!w)
		resp_html_error(r, 400, "Bad window", "window must be one of 1h, 24h, 7d, 30d, all.");
	else if ((ps = need_projects(r)) && (s = store_get())) {
		if (pq && *pq && !(only = project_by_label(ps, pq)) && !(only = project_by_dir(ps, pq)))
			resp_html_error(r, 404, "Project not found", "No project has this label or directory.");
		else {
			render(r, s, ps, only, w, now_ns());
			r->cacheable = 1;
			r->cache_ttl = 5;
		}
	}
	free(wq);
	free(pq);
}
