/* GET /failed-tasks — tasks whose latest attempt failed (pages.md 7,
 * http.md 3.9). The daemon also shows "In Bead" from its loop memory; we
 * cannot know it and say so. public/runs.js refreshes the list every 5 s,
 * also when it was empty at first; a plain reload shows current data. */
#include "guard.h"
#include "html.h"
#include "responders.h"
#include "runhtml.h"
#include "runjson.h"
#include "runlist.h"
#include <stdlib.h>

static void row(struct req *r, struct store *s, const struct runindex *ix,
		const struct failed_task *t, const struct projects *p)
{
	const char *tid = ix_str(ix, ix->t[t->task].id), *title = runlist_task_title(ix, t->task);
	struct run run;

	if (run_by_pk(s, ix->v[t->latest].pk, &run) != 1)
		return;
	H(r, "<tr><td><a href=\"");
	H_URL(r, "/tasks/", tid, "");
	H(r, "\">");
	h_text(r, tid);
	H(r, "</a>");
	if (*title) {
		H(r, "<div class=\"task-title-sub\">");
		h_text(r, title);
		H(r, "</div>");
	}
	H(r, "</td><td>");
	h_text(r, project_label(p, run.project_dir));
	H(r, "</td><td>");
	H(r, "<span class=\"badge badge-failed\">");
	h_int(r, t->failed_count);
	H(r, "</span></td><td>");
	h_run_link(r, run.id);
	H(r, "</td><td>");
	h_time(r, run.started_at);
	H(r, "</td><td>");
	h_time(r, run.completed_at);
	H(r, "</td><td class=\"error-cell\">");
	h_excerpt(r, run.error_message, 100);
	H(r, "</td></tr>\n");
	run_free(&run);
}

void page_failed_tasks(struct req *r)
{
	const struct projects *p = need_projects(r);
	struct store *s = store_get();
	struct runindex *ix = p ? runindex_get(s) : NULL;
	struct failed_task *v = NULL;
	size_t n, i;

	if (!p)
		return;
	if (!ix) {
		store_unavailable(r, s);
		return;
	}
	n = failed_tasks(ix, &v);
	page_begin(r, "Failed Open Tasks");
	page_style(r, "runs.css");
	H(r, "<h1>Failed Open Tasks</h1>\n<p class=\"page-desc\">Tasks whose latest attempt failed. "
	     "Whether a task is still open in your tracker is known only to the daemon's loop, so every "
	     "such task is listed; open a task to see all its attempts.</p>\n"
	     "<div id=\"failed-live\" data-refresh=\"5000\">\n");
	if (!n) {
		H(r, "<p class=\"empty\">No failed open tasks. All attempted tasks have succeeded or are still running.</p>\n");
	} else {
		H(r, "<div class=\"table-scroll\"><table class=\"runs-table\"><thead><tr><th>Task</th><th>Project</th>"
		     "<th>Failed Attempts</th><th>Latest Run</th><th>Started</th><th>Ended</th><th>Error</th>"
		     "</tr></thead><tbody id=\"failed-body\">\n");
		for (i = 0; i < n; i++)
			row(r, s, ix, &v[i], p);
		H(r, "</tbody></table></div>\n");
	}
	H(r, "</div>\n");
	page_script(r, "runs.js");
	page_end(r);
	free(v);
	r->cacheable = 1;
}
