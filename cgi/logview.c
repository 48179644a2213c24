/* The run page's log viewer (pages.md 5.6): the log history rendered on
 * the server from the tail of full.log, so it shows with JavaScript off;
 * public/logview.js then takes over (virtual scrolling, paging by byte
 * offset, live stream, search, sections). Paging without JavaScript is a
 * link: ?log_before=<byte offset> on the run page. */
#include "ansi.h"
#include "html.h"
#include "logpath.h"
#include "logread.h"
#include "panels.h"
#include <stdlib.h>
#include <string.h>

#define PANEL_LINES 500
#define PANEL_SHOW 4096 /* bytes of one line shown before "full line" */

static void line_html(struct req *r, const struct run *run, const struct logline *l)
{
	size_t n = l->content.len;
	int cut = n > PANEL_SHOW || l->truncated;

	H(r, "<li class=\"ll ll-");
	h_attr(r, l->type.len <= 16 ? buf_str((struct buf *)&l->type) : "other");
	H(r, "\" id=\"L");
	h_int(r, l->off);
	H(r, "\"><a class=\"ll-ts\" href=\"#L");
	h_int(r, l->off);
	H(r, "\">");
	h_textn(r, l->ts.p, l->ts.len);
	H(r, "</a> <span class=\"ll-type\">[");
	h_textn(r, l->type.p, l->type.len);
	H(r, "]</span> ");
	if (l->step.len) {
		H(r, "<span class=\"ll-step\">");
		h_textn(r, l->step.p, l->step.len);
		H(r, "</span> ");
	}
	H(r, "<span class=\"ll-c\">");
	ansi_html(r, l->content.p, n > PANEL_SHOW ? PANEL_SHOW : n);
	H(r, "</span>");
	if (cut) {
		H(r, " <a class=\"ll-full\" href=\"");
		H_URL(r, "/api/runs/", run->id, "/logs/raw?offset=");
		h_int(r, l->off);
		H(r, "\">full line (");
		h_int(r, l->len);
		H(r, " bytes)</a>");
	}
	H(r, "</li>\n");
}

static void data_attrs(struct req *r, const struct run *run, const struct vlines *v, int ok)
{
	H(r, " data-run=\"");
	h_attr(r, run->id);
	H(r, "\" data-state=\"");
	h_attr(r, run->state);
	H(r, "\" data-terminal=\"");
	h_int(r, run_is_terminal(run->state));
	H(r, "\" data-logs-url=\"");
	H_URL(r, "/api/runs/", run->id, "/logs");
	H(r, "\" data-raw-url=\"");
	H_URL(r, "/api/runs/", run->id, "/logs/raw");
	H(r, "\" data-stream-url=\"");
	H_URL(r, "/api/runs/", run->id, "/stream");
	H(r, "\" data-page-url=\"");
	H_URL(r, "/runs/", run->id, "");
	H(r, "\" data-found=\"");
	h_int(r, ok);
	H(r, "\" data-size=\"");
	h_int(r, ok ? v->size : 0);
	H(r, "\" data-first=\"");
	h_int(r, ok ? v->first_off : 0);
	H(r, "\"");
}

static void keys_help(struct req *r)
{
	H(r, "<details class=\"logview-keys\"><summary>Keyboard shortcuts</summary><dl>"
	     "<dt><kbd>/</kbd></dt><dd>search</dd>"
	     "<dt><kbd>n</kbd> / <kbd>N</kbd></dt><dd>next / previous match</dd>"
	     "<dt><kbd>t</kbd></dt><dd>show or hide timestamps</dd>"
	     "<dt><kbd>e</kbd></dt><dd>only errors and failed steps</dd>"
	     "<dt><kbd>c</kbd></dt><dd>collapse or expand all steps</dd>"
	     "<dt><kbd>g</kbd> / <kbd>G</kbd></dt><dd>top of loaded log / jump to live end</dd>"
	     "<dt><kbd>[</kbd></dt><dd>load earlier lines</dd>"
	     "<dt>click a time</dt><dd>permalink to the line; shift-click another for a range</dd>"
	     "</dl></details>\n");
}

static void earlier_link(struct req *r, const struct run *run, const struct vlines *v, long long before)
{
	if (v->first_off > 0) {
		H(r, "<a class=\"logview-earlier\" href=\"");
		H_URL(r, "/runs/", run->id, "?log_before=");
		h_int(r, v->first_off);
		H(r, "#log\">Load earlier lines</a>\n");
	}
	if (before >= 0) {
		H(r, "<a class=\"logview-latest\" href=\"");
		H_URL(r, "/runs/", run->id, "#log");
		H(r, "\">Back to the latest lines</a>\n");
	}
}

static long long before_param(struct req *r)
{
	char *v = req_query(r, "log_before"), *end;
	long long n = -1;

	if (v && *v) {
		n = strtoll(v, &end, 10);
		if (*end || n < 0)
			n = -1;
	}
	free(v);
	return n;
}

static void body(struct req *r, const struct run *run, const struct vlines *v, int rc, long long before,
		 int has_dir)
{
	size_t i;

	if (rc == -1) {
		page_notice(r, "notice-info", has_dir ?
			"No log yet: the run's full.log does not exist or cannot be read. Host output reaches the file when each step completes."
			: "No log: this run's logs are not in a place the dashboard can find (for example continuous-mode host runs write to a temporary directory).");
		return;
	}
	if (rc == -2) {
		page_notice(r, "notice-error", "That log position is not the start of a line.");
		return;
	}
	earlier_link(r, run, v, before);
	H(r, "<div class=\"logview-body\" tabindex=\"0\"><ol class=\"logview-lines\">\n");
	for (i = 0; i < v->n; i++)
		line_html(r, run, &v->v[i]);
	H(r, "</ol></div>\n");
	if (!v->n)
		page_notice(r, "notice-info", "The log has no visible lines yet.");
}

void logview_panel(struct req *r, const struct run *run)
{
	struct vlines v = {0};
	long long before = before_param(r);
	char *path = logpath_full(run), *dir = logpath_dir(run);
	int rc = path ? log_back(path, before, PANEL_LINES, &v) : -1;

	/* The file changes without the store changing: keep cached copies short. */
	r->cache_ttl = 1;
	page_style(r, "logview.css");
	H(r, "<section class=\"logview\" id=\"log\"");
	data_attrs(r, run, &v, rc == 0);
	H(r, "><div class=\"logview-head\"><h2>Log</h2><span class=\"logview-status\" role=\"status\">");
	h_text(r, run_is_terminal(run->state) ? "finished" : "live output needs JavaScript; reload for new lines");
	H(r, "</span>");
	if (rc == 0) {
		H(r, "<a class=\"logview-raw\" href=\"");
		H_URL(r, "/api/runs/", run->id, "/logs/raw");
		H(r, "\" download>Download raw log</a>");
	}
	H(r, "</div>\n");
	body(r, run, &v, rc, before, dir != NULL);
	keys_help(r);
	H(r, "</section>\n");
	page_script(r, "logview.js");
	if (rc == 0)
		vlines_free(&v);
	free(path);
	free(dir);
}
