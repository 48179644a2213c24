/* GET /projects/{name} — project detail (pages.md 2), rendered on the
 * server so that it reads without JavaScript: info with prompt history,
 * in-progress and upcoming tasks, token usage and the workflow graph.
 * project.js only polls the loop state and opens prompt diffs inline;
 * actions.js turns the forms into fetch calls. */
#include "guard.h"
#include "html.h"
#include "widgets.h"
#include "panels.h"
#include "projinfo.h"
#include "responders.h"
#include "tasks_fetch.h"
#include "tasks_inprogress.h"
#include "timefmt.h"
#include <stdlib.h>
#include <string.h>

#define PAGE_CONTENT_CAP (256 * 1024)
#define PAGE_HISTORY_MAX 100
#define PAGE_TASKS_MAX 50
#define PAGE_TTL 10

/* The label as one URL segment after the API prefix. */
static void api_url(struct req *r, const struct project *p)
{
	H_URL(r, "/api/projects/", p->label, "");
}

/* Both loop forms are drawn; project.js hides the one that does not
 * apply once /loop/status has answered. Without JS both stay usable. */
static void loop_controls(struct req *r, const struct project *p)
{
	H(r, "<span class=\"loop-state\" id=\"loop-state\" role=\"status\" data-status-url=\"");
	api_url(r, p);
	H(r, "/loop/status\">Loop: unknown</span>"
	     "<form class=\"inline-form js-action loop-start\" method=\"post\" data-reload=\"1\" action=\"");
	api_url(r, p);
	H(r, "/trigger\"><button class=\"btn btn-secondary btn-sm\" type=\"submit\">Start Loop</button></form>"
	     "<form class=\"inline-form js-action loop-stop\" method=\"post\" data-reload=\"1\" action=\"");
	api_url(r, p);
	H(r, "/loop/stop\" data-confirm=\"Stop the orchestration loop of ");
	h_attr(r, p->label);
	H(r, "?\"><button class=\"btn btn-danger btn-sm\" type=\"submit\">Stop Loop</button></form>");
}

static void delete_containers(struct req *r, const struct project *p)
{
	const char *noun = p->kept == 1 ? " container" : " containers";

	if (p->kept <= 0)
		return;
	H(r, "<form class=\"inline-form js-action\" method=\"post\" data-reload=\"1\" action=\"");
	api_url(r, p);
	H(r, "/containers?_method=DELETE\" data-confirm=\"Delete ");
	h_int(r, p->kept);
	h_attr(r, noun);
	H(r, " kept for ");
	h_attr(r, p->label);
	H(r, "?\"><button class=\"btn btn-danger btn-sm\" type=\"submit\">Delete ");
	h_int(r, p->kept);
	h_text(r, noun);
	H(r, "</button></form>");
}

static void header(struct req *r, const struct project *p)
{
	H(r, "<h1><a href=\"");
	H_URL(r, "/", NULL, "");
	H(r, "\">Projects</a> / <span class=\"project-label\">");
	h_text(r, p->label);
	H(r, "</span></h1>\n<p class=\"project-dir mono muted\">");
	h_text(r, p->dir);
	H(r, "</p>\n<div class=\"run-history project-toolbar\">");
	run_dots(r, p);
	H(r, "<a class=\"btn btn-secondary btn-sm\" href=\"");
	H_URL(r, "/projects/", p->label, "/runs");
	H(r, "\">View all runs</a>");
	loop_controls(r, p);
	delete_containers(r, p);
	H(r, "</div>\n");
}

static void panel_open(struct req *r, const char *id, const char *title)
{
	H(r, "<section class=\"panel\" id=\"");
	h_attr(r, id);
	H(r, "\"><h2 class=\"panel-header\">");
	h_text(r, title);
	H(r, "</h2><div class=\"panel-body\">\n");
}

static void panel_close(struct req *r)
{
	H(r, "</div></section>\n");
}

static void commit_item(struct req *r, const struct project *p, const char *path,
			const struct git_entry *e)
{
	H(r, "<li><a class=\"prompt-commit mono\" href=\"");
	api_url(r, p);
	H(r, "/info/prompt-diff?file=");
	h_seg(r, path);
	H(r, "&amp;sha=");
	h_seg(r, e->sha);
	H(r, "\" aria-expanded=\"false\">");
	h_text(r, e->sha);
	H(r, "</a> <span class=\"commit-date\">");
	h_text(r, e->date);
	H(r, "</span> <span class=\"commit-msg\">");
	h_text(r, e->message);
	H(r, "</span></li>\n");
}

static void history(struct req *r, const struct project *p, const struct prompt_file *f, int git)
{
	size_t i, n = f->hist.n < PAGE_HISTORY_MAX ? f->hist.n : PAGE_HISTORY_MAX;

	if (!git) {
		H(r, "<p class=\"muted\">No history: the project is not in a git repository.</p>\n");
		return;
	}
	if (f->hist.n == 0) {
		H(r, "<p class=\"muted\">No commit touched this file yet.</p>\n");
		return;
	}
	H(r, "<p class=\"muted prompt-history-title\">History (select a commit to see its diff)</p>\n"
	     "<ol class=\"prompt-history\">\n");
	for (i = 0; i < n; i++)
		commit_item(r, p, f->path, &f->hist.v[i]);
	H(r, "</ol>\n");
	if (f->hist.n > n) {
		H(r, "<p class=\"muted\">");
		h_int(r, (long long)(f->hist.n - n));
		H(r, " older commits are in the API (/info).</p>\n");
	}
}

static void prompt_item(struct req *r, const struct project *p, const struct prompt_file *f, int git)
{
	size_t len = 0;
	int trunc = 0;
	char *text = prompt_content(p->dir, f->path, PAGE_CONTENT_CAP, &len, &trunc);

	H(r, "<details class=\"prompt-file\"><summary class=\"mono\">");
	h_text(r, f->path);
	H(r, "</summary>\n");
	if (!text)
		H(r, "<p class=\"muted\">Unreadable (or a link that leaves the project).</p>\n");
	else if (len == 0)
		H(r, "<p class=\"muted\">Empty file</p>\n");
	else {
		H(r, "<pre class=\"prompt-content\">");
		h_textn(r, text, len);
		H(r, "</pre>\n");
	}
	if (trunc)
		H(r, "<p class=\"muted\">Truncated at 256 KiB.</p>\n");
	history(r, p, f, git);
	H(r, "</details>\n");
	free(text);
}

static void info_panel(struct req *r, const struct project *p)
{
	char *img = projinfo_docker_image(p->dir);
	long long v = projinfo_version(p->dir);
	const struct prompt_set *set = prompts_get(p->dir);
	size_t i;

	panel_open(r, "info-panel", "Project Info");
	H(r, "<div class=\"run-meta\"><dl><dt>Docker Image</dt><dd class=\"mono\">");
	h_text(r, *img ? img : "N/A");
	H(r, "</dd><dt>Version</dt><dd>");
	if (v) {
		H(r, "v");
		h_int(r, v);
	} else {
		H(r, "N/A");
	}
	H(r, "</dd></dl></div>\n");
	free(img);
	if (set->n) {
		H(r, "<h3>Prompt Files</h3>\n");
		for (i = 0; i < set->n; i++)
			prompt_item(r, p, &set->v[i], set->git);
	} else {
		H(r, "<p class=\"muted\">No prompt files in .cloche/prompts.</p>\n");
	}
	panel_close(r);
}

static void release_form(struct req *r, const struct project *p, const struct ip_task *t)
{
	H(r, "<form class=\"inline-form js-action\" method=\"post\" data-reload=\"1\" action=\"");
	api_url(r, p);
	H(r, "/tasks/");
	h_seg(r, t->id);
	H(r, "/release\" data-confirm=\"Release task ");
	h_attr(r, t->id);
	H(r, "? The daemon runs the project's release-task workflow for it.\">"
	     "<button class=\"btn btn-secondary btn-sm\" type=\"submit\">Release</button></form>");
}

/* The instant, with an empty span that project.js fills with "(5m ago)":
 * relative text rendered here would make the page expire every minute. */
static void assigned_cell(struct req *r, const struct ip_task *t)
{
	char shown[20];

	ts_display(shown, t->started_at);
	h_text(r, shown);
	if (t->started_ns) {
		H(r, " <span class=\"muted ago\" data-at=\"");
		h_int(r, t->started_ns / 1000000000LL);
		H(r, "\"></span>");
	}
}

static void inprogress_row(struct req *r, const struct project *p, const struct ip_task *t)
{
	H(r, "<tr><td class=\"mono\"><a href=\"");
	H_URL(r, "/tasks/", t->id, "");
	H(r, "\">");
	h_text(r, t->id);
	H(r, "</a></td><td>");
	h_text(r, t->title);
	H(r, "</td><td><span class=\"badge badge-pending\">in-progress</span></td><td>");
	assigned_cell(r, t);
	H(r, "</td><td class=\"mono\">");
	if (*t->run_id) {
		H(r, "<a href=\"");
		H_URL(r, "/runs/", t->run_id, "");
		H(r, "\">");
		h_text(r, t->run_id);
		H(r, "</a>");
	}
	H(r, "</td><td>");
	if (t->stale) {
		H(r, "<span class=\"badge badge-stale\" title=\"The attempt is running but none of its runs is pending or running\">stale</span> ");
		release_form(r, p, t);
	}
	H(r, "</td></tr>\n");
}

/* "?tasks=all" lists every in-progress task; by default the newest
 * PAGE_TASKS_MAX, so that a project with hundreds of them keeps a page of
 * reasonable weight. The rest are one link (and /api/.../tasks) away. */
static size_t task_limit(struct req *r, size_t n)
{
	char *all = req_query(r, "tasks");
	size_t lim = all && strcmp(all, "all") == 0 ? n : PAGE_TASKS_MAX;

	free(all);
	return n < lim ? n : lim;
}

static void more_tasks(struct req *r, const struct project *p, size_t shown, size_t n)
{
	if (shown == n)
		return;
	H(r, "<p class=\"muted panel-note\">The newest ");
	h_int(r, (long long)shown);
	H(r, " of ");
	h_int(r, (long long)n);
	H(r, " in-progress tasks. <a href=\"");
	H_URL(r, "/projects/", p->label, "?tasks=all#in-progress-panel");
	H(r, "\">Show all</a></p>\n");
}

static void inprogress_panel(struct req *r, struct store *s, const struct project *p)
{
	struct ip_tasks t;
	size_t i, shown;

	panel_open(r, "in-progress-panel", "In-progress Tasks");
	if (tasks_inprogress(s, p->dir, &t) != 0) {
		page_notice(r, "notice-error", s->err);
		panel_close(r);
		return;
	}
	if (t.n == 0) {
		H(r, "<p class=\"empty\">No tasks in progress</p>\n");
	} else {
		H(r, "<table class=\"runs-table\"><thead><tr><th>Task ID</th><th>Title</th><th>Status</th>"
		     "<th>Assigned</th><th>Run</th><th><span class=\"sr-only\">Stale</span></th></tr></thead><tbody>\n");
		shown = task_limit(r, t.n);
		for (i = 0; i < shown; i++)
			inprogress_row(r, p, &t.v[i]);
		H(r, "</tbody></table>\n");
		more_tasks(r, p, shown, t.n);
	}
	H(r, "<p class=\"muted panel-note\">From the store: tasks whose latest attempt is running. "
	     "Stale: no run of that attempt is pending or running any more.</p>\n");
	ip_tasks_free(&t);
	panel_close(r);
}

static const char *jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static const char *status_badge(const char *st)
{
	if (strcmp(st, "open") == 0 || !*st)
		return "badge-running";
	return strcmp(st, "closed") == 0 ? "badge-succeeded" : "badge-pending";
}

static void upcoming_row(struct req *r, struct json_object *e)
{
	const char *st = jget(e, "status");

	H(r, "<tr><td class=\"mono\">");
	h_text(r, jget(e, "id"));
	H(r, "</td><td>");
	h_text(r, jget(e, "title"));
	H(r, "</td><td><span class=\"badge ");
	h_attr(r, status_badge(st));
	H(r, "\">");
	h_text(r, *st ? st : "open");
	H(r, "</span></td></tr>\n");
}

static void upcoming_list(struct req *r, struct json_object *a)
{
	struct json_object *e, *as;
	size_t i, n = json_object_array_length(a), shown = 0;

	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_object) ||
		    (json_object_object_get_ex(e, "assigned", &as) && json_object_get_boolean(as)))
			continue;
		if (!shown++)
			H(r, "<table class=\"runs-table\"><thead><tr><th>Task ID</th><th>Title</th>"
			     "<th>Status</th></tr></thead><tbody>\n");
		upcoming_row(r, e);
	}
	if (shown)
		H(r, "</tbody></table>\n");
	else
		H(r, "<p class=\"empty\">No tasks</p>\n");
}

static void upcoming_panel(struct req *r, const struct project *p)
{
	const char *addr = daemon_http_addr(r);
	struct json_object *a;
	char err[256];

	panel_open(r, "upcoming-panel", "Upcoming Tasks");
	if (!addr) {
		H(r, "<p class=\"muted\">The daemon keeps its upcoming tasks in memory and does not publish "
		     "them to the store. To list them here, give the daemon's built-in web server its own "
		     "address and set <code>" DAEMON_HTTP_KEY "=host:port</code> in the dashboard's "
		     "configuration.</p>\n");
		panel_close(r);
		return;
	}
	a = daemon_tasks_fetch(addr, p->label, err, sizeof err);
	if (a)
		upcoming_list(r, a);
	else
		page_notice(r, "notice-error", err);
	json_object_put(a);
	panel_close(r);
}

void page_project(struct req *r)
{
	const struct project *p = need_project(r, r->param[0]);
	struct store *s = store_get();

	if (!p || !need_projects_kept(r))  /* the kept count of the Delete button */
		return;
	page_begin(r, p->label);
	page_style(r, "project.css");
	page_style(r, "actions.css");
	page_style(r, "workflows.css");
	header(r, p);
	info_panel(r, p);
	inprogress_panel(r, s, p);
	upcoming_panel(r, p);
	usage_panel(r, p);      /* brings usage.css and usage.js itself */
	workflows_panel(r, p);
	page_script(r, "actions.js");
	page_script(r, "project.js");
	page_script(r, "workflows.js");
	page_end(r);
	/* Files and git are in the cache key (projstamp.h) and relative times
	 * are drawn by project.js; only the usage windows move with the clock,
	 * and usage.js refreshes that panel every 30 s anyway. With a daemon
	 * address the upcoming list is live, so never reuse. */
	r->cacheable = daemon_http_addr(r) == NULL;
	r->cache_ttl = PAGE_TTL;
}
