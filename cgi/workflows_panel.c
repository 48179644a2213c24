/* The project page's Workflows panel (pages.md 2.6): every workflow of
 * .cloche drawn on the server, grouped by location. With JavaScript off all
 * graphs show one after another, each under its name; public/workflows.js
 * turns the groups into tabs and the step links into the drawer. A file
 * that does not parse gets its own section with the parser's error. */
#include "dag.h"
#include "dsl.h"
#include "html.h"
#include "panels.h"
#include <stdio.h>
#include <string.h>

static size_t count_at(const struct dsl_dir *d, int host)
{
	size_t i, j, n = 0;

	for (i = 0; i < d->n; i++)
		for (j = 0; !d->v[i].err && j < d->v[i].f.n; j++)
			n += d->v[i].f.wf[j].host == host;
	return n;
}

static void tab(struct req *r, const char *attr_name, const char *value, const char *label, int uid)
{
	H(r, "<button type=\"button\" class=\"tab-btn\" role=\"tab\" aria-selected=\"false\" data-");
	h_attr(r, attr_name);
	H(r, "=\"");
	h_attr(r, value);
	if (uid >= 0) {
		H(r, "\" aria-controls=\"wf-");
		h_int(r, uid);
	}
	H(r, "\">");
	h_text(r, label);
	H(r, "</button>");
}

static void graph(struct req *r, const struct dsl_workflow *w, const char *file,
		  const struct project *p, int uid)
{
	struct dag d;

	H(r, "<section class=\"wf-graph\" role=\"tabpanel\" id=\"wf-");
	h_int(r, uid);
	H(r, "\" data-workflow=\"");
	h_attr(r, w->name);
	H(r, "\"><h3 class=\"wf-name\">");
	h_text(r, w->name);
	H(r, " <span class=\"wf-file\">");
	h_text(r, file);
	H(r, "</span></h3>\n");
	dag_layout(w, &d, 0);
	if (!d.nnodes) {
		H(r, "<p class=\"empty\">No steps defined</p>\n");
	} else {
		H(r, "<div class=\"workflow-dag\">");
		dag_svg(r, &d, w, p->label, uid);
		H(r, "</div>\n");
	}
	dag_free(&d);
	H(r, "</section>\n");
}

/* One location's workflows: a tab bar (shown by JS when there are two or
 * more) and a section per workflow. */
static void location(struct req *r, const struct dsl_dir *dir, const struct project *p,
		     int host, int *uid)
{
	size_t i, j;
	int first = *uid;
	char file[600];

	H(r, "<div class=\"wf-location\" data-location=\"");
	if (host)
		H(r, "host");
	else
		H(r, "container");
	H(r, "\"><div class=\"tab-bar wf-tabs\" role=\"tablist\" aria-label=\"Workflows\" hidden>");
	for (i = 0; i < dir->n; i++)
		for (j = 0; !dir->v[i].err && j < dir->v[i].f.n; j++)
			if (dir->v[i].f.wf[j].host == host)
				tab(r, "workflow", dir->v[i].f.wf[j].name, dir->v[i].f.wf[j].name, first++);
	H(r, "</div>\n");
	for (i = 0; i < dir->n; i++) {
		snprintf(file, sizeof file, ".cloche/%s", dir->v[i].name);
		for (j = 0; !dir->v[i].err && j < dir->v[i].f.n; j++)
			if (dir->v[i].f.wf[j].host == host)
				graph(r, &dir->v[i].f.wf[j], file, p, (*uid)++);
	}
	H(r, "</div>\n");
}

static void parse_errors(struct req *r, const struct dsl_dir *dir)
{
	size_t i;

	for (i = 0; i < dir->n; i++) {
		if (!dir->v[i].err)
			continue;
		H(r, "<section class=\"wf-error\"><h3 class=\"wf-name\">.cloche/");
		h_text(r, dir->v[i].name);
		H(r, "</h3><div class=\"notice notice-error\" role=\"status\">This file does not parse, so the daemon ignores it: <code>");
		h_text(r, dir->v[i].err);
		H(r, "</code></div></section>\n");
	}
}

static void drawer(struct req *r)
{
	H(r, "<aside id=\"step-drawer\" class=\"step-drawer\" role=\"dialog\" aria-modal=\"false\" "
	     "aria-labelledby=\"step-drawer-title\" tabindex=\"-1\" hidden>"
	     "<div class=\"drawer-header\"><h3 id=\"step-drawer-title\"></h3>"
	     "<button type=\"button\" class=\"drawer-close\" aria-label=\"Close\">\xC3\x97</button></div>"
	     "<div class=\"drawer-body\"><dl class=\"drawer-meta\"></dl>"
	     "<p class=\"drawer-loading muted\" hidden>Loading content...</p>"
	     "<pre class=\"drawer-content\" hidden></pre></div></aside>\n");
}

void workflows_panel(struct req *r, const struct project *p)
{
	struct dsl_dir dir;
	size_t nc, nh;
	int uid = 0;

	dsl_load_dir(p->dir, &dir);
	nc = count_at(&dir, 0);
	nh = count_at(&dir, 1);
	H(r, "<section class=\"panel workflows-panel\" id=\"workflows\" data-project=\"");
	h_attr(r, p->label);
	H(r, "\" data-default-location=\"");
	if (nc || !nh)
		H(r, "container");
	else
		H(r, "host");
	H(r, "\"><h2 class=\"panel-header\">Workflows</h2><div class=\"panel-body\">\n");
	if (nc && nh) {
		H(r, "<div class=\"tab-bar\" id=\"location-tabs\" role=\"tablist\" aria-label=\"Location\" hidden>");
		tab(r, "location", "container", "Container", -1);
		tab(r, "location", "host", "Host", -1);
		H(r, "</div>\n");
	}
	if (!nc && !nh)
		H(r, "<p class=\"empty\">No workflows found</p>\n");
	if (nc)
		location(r, &dir, p, 0, &uid);
	if (nh)
		location(r, &dir, p, 1, &uid);
	parse_errors(r, &dir);
	H(r, "</div>");
	drawer(r);
	H(r, "</section>\n");
	dsl_dir_free(&dir);
}
