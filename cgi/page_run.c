/* GET /runs/{id} — run detail (pages.md 5): header, metadata, error, child
 * runs, the steps table from paired step rows with per-step output, the
 * container and its actions, then the log viewer (logview.c, which brings
 * its own assets). public/run.js
 * polls /api/runs/{id} every 2 s while the run is not finished. */
#include "guard.h"
#include "html.h"
#include "panels.h"
#include "resp.h"
#include "responders.h"
#include "runhtml.h"
#include "runjson.h"
#include "runlist.h"
#include "steps.h"
#include "timefmt.h"
#include <string.h>

static void cancel_form(struct req *r, const struct run *run)
{
	if (strcmp(run->state, "pending") != 0 && strcmp(run->state, "running") != 0)
		return;
	H(r, " <form class=\"inline-form js-action\" method=\"post\" data-reload=\"1\" action=\"");
	H_URL(r, "/api/runs/", run->id, "/stop");
	H(r, "\" data-confirm=\"");
	if (*run->task_id) {
		H(r, "Cancel stops EVERY unfinished run of task ");
		h_attr(r, run->task_id);
		H(r, " (all its workflows and attempts), not only this run. Continue?");
	} else {
		H(r, "Cancel this run?");
	}
	H(r, "\"><button id=\"cancel-run-btn\" class=\"btn btn-danger btn-sm\" type=\"submit\">Cancel</button></form>");
}

static void heading(struct req *r, const struct run *run)
{
	H(r, "<h1><a href=\"");
	H_URL(r, "/runs", NULL, "");
	H(r, "\">Runs</a> / ");
	if (*run->parent_run_id) {
		H(r, "<a class=\"parent-run-link muted\" href=\"");
		H_URL(r, "/runs/", run->parent_run_id, "");
		H(r, "\">");
		h_text(r, run->parent_run_id);
		H(r, "</a> / ");
	}
	h_text(r, run->id);
	H(r, "</h1>\n<div class=\"run-state\">");
	h_badge(r, run->state, NULL);
	cancel_form(r, run);
	H(r, "</div>\n");
}

static void dt(struct req *r, const char *term)
{
	H(r, "<dt>");
	h_text(r, term);
	H(r, "</dt><dd>");
}

static void meta_links(struct req *r, const struct run *run, const struct projects *p)
{
	const char *label = project_label(p, run->project_dir);

	dt(r, "Project");
	if (*label) {
		H(r, "<a href=\"");
		H_URL(r, "/projects/", label, "");
		H(r, "\">");
		h_text(r, label);
		H(r, "</a>");
	} else {
		h_text(r, run->project_dir);
	}
	H(r, "</dd>");
	if (*run->task_id) {
		dt(r, "Task");
		H(r, "<a href=\"");
		H_URL(r, "/tasks/", run->task_id, "");
		H(r, "\">");
		h_text(r, run->task_id);
		H(r, "</a>");
		if (*run->task_title) {
			H(r, ": ");
			h_text(r, run->task_title);
		}
		H(r, "</dd>");
	}
	if (*run->attempt_id) {
		dt(r, "Attempt");
		H(r, "<span class=\"mono\">");
		h_text(r, run->attempt_id);
		H(r, "</span></dd>");
	}
}

static void meta(struct req *r, const struct run *run, const struct run *parent,
		 const struct projects *p, long long now)
{
	H(r, "<div class=\"run-meta\"><dl>");
	if (*run->title) {
		dt(r, "Title");
		h_text(r, run->title);
		H(r, "</dd>");
	}
	if (parent) {
		dt(r, "Parent Run");
		h_run_link(r, parent->id);
		H(r, " ");
		h_badge(r, parent->state, NULL);
		H(r, "</dd>");
	}
	dt(r, "Workflow");
	h_text(r, run->workflow);
	H(r, "</dd>");
	meta_links(r, run, p);
	dt(r, "Type");
	if (run->is_host)
		H(r, "host</dd>");
	else
		H(r, "container</dd>");
	dt(r, "Started");
	h_time(r, run->started_at);
	H(r, "</dd>");
	dt(r, "Completed");
	h_time(r, run->completed_at);
	H(r, "</dd>");
	dt(r, "Duration");
	h_timing(r, run, now);
	H(r, "</dd></dl></div>\n");
	if (*run->error_message) {
		H(r, "<div class=\"error-box run-error\">");
		h_text(r, run->error_message);
		H(r, "</div>\n");
	}
}

static void children(struct req *r, const struct run *kids, long n)
{
	long i;

	if (n <= 0)
		return;
	H(r, "<h2>Child Runs</h2>\n<div class=\"table-scroll\"><table class=\"runs-table\"><thead><tr>"
	     "<th>Run ID</th><th>Title</th><th>Workflow</th><th>State</th><th>Started</th><th>Completed</th>"
	     "</tr></thead><tbody>\n");
	for (i = 0; i < n; i++) {
		H(r, "<tr><td>");
		h_run_link(r, kids[i].id);
		H(r, "</td><td>");
		h_excerpt(r, kids[i].title, 50);
		H(r, "</td><td>");
		h_text(r, kids[i].workflow);
		H(r, "</td><td>");
		h_badge(r, kids[i].state, NULL);
		H(r, "</td><td>");
		h_time(r, kids[i].started_at);
		H(r, "</td><td>");
		h_time(r, kids[i].completed_at);
		H(r, "</td></tr>\n");
	}
	H(r, "</tbody></table></div>\n");
}

static void delete_form(struct req *r, const struct run *run)
{
	H(r, " <form class=\"inline-form js-action\" method=\"post\" data-reload=\"1\" action=\"");
	H_URL(r, "/api/runs/", run->id, "/container?_method=DELETE");
	H(r, "\" data-confirm=\"Delete this run's container?\"><button id=\"delete-container-btn\" "
	     "class=\"btn btn-danger btn-sm\" type=\"submit\">Delete Container</button></form>");
}

static void container(struct req *r, const struct run *run)
{
	char why[600] = "";
	enum cstate c;
	int fin = run_is_terminal(run->state);

	if (!*run->container_id) {
		H(r, "<p class=\"muted container-line\">Host run: no container.</p>\n");
		return;
	}
	c = container_state(run, why, sizeof why);
	H(r, "<div class=\"container-line\"><span class=\"muted\">Container</span> <span class=\"mono\">");
	h_text(r, run->container_id);
	H(r, "</span> <span id=\"container-status\">");
	if (c == CS_UNKNOWN) {
		H(r, "<span class=\"badge badge-pending\">state unknown</span> <span class=\"muted\">(daemon link needed: ");
		h_text(r, why);
		H(r, ")</span>");
	} else {
		static const char *text[] = {"Container removed", "Container running",
					     "Container available", "Container stopped"};
		h_badge(r, cstate_name(c), text[c]);
	}
	H(r, "</span>");
	if (c == CS_AVAILABLE || (c == CS_STOPPED && fin) || (c == CS_UNKNOWN && fin && run->container_kept))
		delete_form(r, run);
	H(r, "</div>\n");
}

static void render(struct req *r, struct store *s, struct runindex *ix, const struct run *run,
		   const struct projects *p)
{
	struct run parent, *kids = NULL;
	int has_parent = *run->parent_run_id && run_find(s, ix, run->parent_run_id, &parent) == 1;
	long nkids = run_children(s, ix, run->id, &kids);
	struct steps st = {0};
	long long now = now_ns();

	if (steps_flatten(s, ix, run, &st) != 0)
		steps_free(&st);
	page_begin(r, run->id);
	page_style(r, "run.css");
	page_style(r, "actions.css");
	H(r, "<div id=\"run-page\" data-run-id=\"");
	h_attr(r, run->id);
	H(r, "\" data-state=\"");
	h_attr(r, run->state);
	H(r, "\" data-terminal=\"");
	h_int(r, run_is_terminal(run->state));
	H(r, "\">\n");
	heading(r, run);
	meta(r, run, has_parent ? &parent : NULL, p, now);
	container(r, run);
	children(r, kids, nkids);
	steps_table(r, run, &st);
	H(r, "</div>\n");
	logview_panel(r, run);
	page_script(r, "run.js");
	page_script(r, "actions.js");
	page_end(r);
	steps_free(&st);
	runs_free(kids, nkids > 0 ? nkids : 0);
	if (has_parent)
		run_free(&parent);
}

void page_run(struct req *r)
{
	const struct projects *p = need_projects(r);
	struct store *s;
	struct runindex *ix;
	struct run run;

	if (!p || need_run(r, &s, &ix, &run) != 1)
		return;
	render(r, s, ix, &run, p);
	r->cacheable = 1;
	r->cache_ttl = 1;
	run_free(&run);
}
