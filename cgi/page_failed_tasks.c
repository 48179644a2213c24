/* GET /failed-tasks — tasks whose latest attempt failed (pages.md 7,
 * http.md 3.9). The daemon also shows "In Bead" from its loop memory; we
 * cannot know it and say so. public/runs.js refreshes the list every 5 s,
 * also when it was empty at first; a plain reload shows current data. */
#include "guard.h"
#include "html.h"
#include "resp.h"
#include "responders.h"
#include "runhtml.h"
#include "runjson.h"
#include "runlist.h"
#include <stdlib.h>

static void row(struct req *r, struct store *s, const struct runindex *ix,
		const struct failed_task *t, const struct projects *p)
{
	const char *tid = ix_str(ix, ix->t[t->task].id);
	char *title;
	struct run run;

	if (run_by_pk(s, ix->v[t->latest].pk, &run) != 1)
		return;
	title = task_title(s, ix, t->task);
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
	free(title);
}

static void pager(struct req *r, long long page, long long pages, size_t n)
{
	if (pages <= 1)
		return;
	H(r, "<nav class=\"pager\" aria-label=\"pages\">");
	if (page > 1) {
		H(r, "<a class=\"btn btn-secondary btn-sm\" rel=\"prev\" href=\"");
		H_URL(r, "/failed-tasks?page=", NULL, "");
		h_int(r, page - 1);
		H(r, "\">← Newer</a>");
	}
	H(r, "<span class=\"muted\">Page ");
	h_int(r, page);
	H(r, " of ");
	h_int(r, pages);
	H(r, " · ");
	h_int(r, (long long)n);
	H(r, " tasks</span>");
	if (page < pages) {
		H(r, "<a class=\"btn btn-secondary btn-sm\" rel=\"next\" href=\"");
		H_URL(r, "/failed-tasks?page=", NULL, "");
		h_int(r, page + 1);
		H(r, "\">Older →</a>");
	}
	H(r, "</nav>\n");
}

/* The daemon lists every failed task on one page; with thousands that is
 * megabytes, so we show FAILED_PER per page (page=). */
#define FAILED_PER 100

void page_failed_tasks(struct req *r)
{
	const struct projects *p = need_projects(r);
	struct store *s = store_get();
	struct runindex *ix = p ? runindex_get(s) : NULL;
	struct failed_task *v = NULL;
	long long page, pages;
	size_t n, i;

	if (!p)
		return;
	if (!ix) {
		store_unavailable(r, s);
		return;
	}
	if (req_query_int(r, "page", 1, 1, 1000000000, &page) != 0) {
		resp_error(r, 400, "page must be a whole number from 1");
		return;
	}
	n = failed_tasks(ix, &v);
	pages = n ? ((long long)n + FAILED_PER - 1) / FAILED_PER : 1;
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
		for (i = (size_t)(page - 1) * FAILED_PER; i < n && i < (size_t)page * FAILED_PER; i++)
			row(r, s, ix, &v[i], p);
		H(r, "</tbody></table></div>\n");
	}
	pager(r, page, pages, n);
	H(r, "</div>\n");
	page_script(r, "runs.js");
	page_end(r);
	free(v);
	r->cacheable = 1;  /* no relative times: valid until the store changes */
}
