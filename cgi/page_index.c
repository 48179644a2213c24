/* GET /  — projects overview (pages.md 1). */
#include "guard.h"
#include "html.h"
#include "widgets.h"
#include "responders.h"
#include <stdlib.h>
#include <string.h>

static int by_label(const void *a, const void *b)
{
	const struct project *const *x = a, *const *y = b;

	return strcmp((*x)->label, (*y)->label);
}

static void dots(struct req *r, const struct project *p)
{
	H(r, "<div class=\"run-history\">");
	run_dots(r, p);
	H(r, "</div>\n");
}

static void stats(struct req *r, const struct project *p)
{
	H(r, "<div class=\"project-stats\"><div class=\"stat\"><span class=\"stat-value\">");
	h_int(r, p->passed);
	H(r, "/");
	h_int(r, p->total);
	H(r, "</span><span class=\"stat-label\">recent passed</span></div>"
	     "<div class=\"stat\"><span class=\"stat-value\">");
	h_int(r, p->active);
	H(r, "</span><span class=\"stat-label\">active</span></div></div>\n");
}

static void actions(struct req *r, const struct project *p)
{
	H(r, "<div class=\"project-actions\"><a class=\"btn btn-secondary btn-sm\" href=\"");
	H_URL(r, "/projects/", p->label, "/runs");
	H(r, "\">View Runs</a><form class=\"inline-form js-action js-trigger\" method=\"post\" "
	     "data-busy=\"Triggering...\" action=\"");
	H_URL(r, "/api/projects/", p->label, "/trigger");
	H(r, "\"><input type=\"hidden\" name=\"next\" value=\"");
	H_URL(r, "/", NULL, "");
	H(r, "\"><button class=\"btn btn-primary btn-sm\" type=\"submit\">Trigger Orchestrator</button></form></div>\n");
}

static void card(struct req *r, const struct project *p)
{
	H(r, "<div class=\"project-card\"><div class=\"project-card-header\"><span class=\"health-dot health-");
	h_attr(r, p->health);
	H(r, "\" title=\"");
	h_attr(r, p->health);
	H(r, "\" role=\"img\" aria-label=\"health: ");
	h_attr(r, p->health);
	H(r, "\"></span><a class=\"project-name\" href=\"");
	H_URL(r, "/projects/", p->label, "");
	H(r, "\">");
	h_text(r, p->label);
	H(r, "</a></div>\n");
	stats(r, p);
	dots(r, p);
	actions(r, p);
	H(r, "</div>\n");
}

static void empty_landing(struct req *r, const char *msg)
{
	page_begin(r, "Projects");
	H(r, "<h1>Projects</h1>\n");
	page_notice(r, "notice-info", msg);
	page_end(r);
}

void page_index(struct req *r)
{
	struct store *s = store_get();
	const struct projects *p;
	const struct project **sorted;
	size_t i;

	if (s->state == STORE_UNINITIALISED) {
		empty_landing(r, s->err);
		return;
	}
	p = need_projects(r);
	if (!p)
		return;
	r->cacheable = 1;
	if (p->n == 0) {
		empty_landing(r, "No projects yet. A project appears here once the daemon has recorded a run for it.");
		return;
	}
	sorted = malloc(p->n * sizeof *sorted);
	for (i = 0; i < p->n; i++)
		sorted[i] = &p->v[i];
	qsort(sorted, p->n, sizeof *sorted, by_label);
	page_begin(r, "Projects");
	page_style(r, "actions.css");
	page_script(r, "actions.js");
	H(r, "<h1>Projects</h1>\n<div class=\"project-cards\">\n");
	for (i = 0; i < p->n; i++)
		card(r, sorted[i]);
	H(r, "</div>\n");
	page_end(r);
	free(sorted);
}
