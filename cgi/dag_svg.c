/* The SVG of a laid-out workflow graph (pages.md 3.7), through the output
 * layer: names, results and config values are untrusted text. Changes from
 * the daemon's drawing (3.8): a viewBox so it scales, step nodes are
 * keyboard-focusable links (to the step's content, which JS turns into the
 * drawer), long names are shortened with the full name in a <title>,
 * terminals are pills by their class, and human steps have their own icon. */
#include "dag.h"
#include "buf.h"
#include "html.h"
#include "json.h"
#include <string.h>

#define NAME_CHARS 19   /* what fits in a 180px box at 13px after the icon */

static const char *icon(const char *type)
{
	if (!strcmp(type, "agent"))
		return "\xF0\x9F\xA4\x96";   /* robot */
	if (!strcmp(type, "workflow"))
		return "\xF0\x9F\x94\x81";   /* repeat */
	if (!strcmp(type, "human"))
		return "\xE2\x8F\xB3";       /* hourglass */
	return "\xF0\x9F\x93\x9C";           /* scroll */
}

static void marker_id(struct req *r, int uid, const char *color)
{
	H(r, "arrow-");
	h_int(r, uid);
	H(r, "-");
	h_attr(r, color + 1);
}

static void defs(struct req *r, const struct dag *d, int uid)
{
	size_t i;

	H(r, "<defs>");
	for (i = 0; i < d->ncolors; i++) {
		H(r, "<marker id=\"");
		marker_id(r, uid, d->colors[i]);
		H(r, "\" markerWidth=\"8\" markerHeight=\"6\" refX=\"8\" refY=\"3\" orient=\"auto\">"
		     "<polygon points=\"0 0, 8 3, 0 6\" fill=\"");
		h_attr(r, d->colors[i]);
		H(r, "\"/></marker>");
	}
	H(r, "</defs>\n");
}

static void paths(struct req *r, const struct dag *d, int uid)
{
	size_t i;
	int j;

	for (i = 0; i < d->npaths; i++) {
		const struct dag_path *p = &d->paths[i];

		H(r, "<path class=\"dag-edge\" d=\"");
		for (j = 0; j < p->np; j++) {
			if (j)
				H(r, " L");
			else
				H(r, "M");
			h_int(r, p->p[j].x);
			H(r, " ");
			h_int(r, p->p[j].y);
		}
		H(r, "\" fill=\"none\" stroke=\"");
		h_attr(r, p->color);
		H(r, "\" stroke-width=\"1.5\"");
		if (p->arrow) {
			H(r, " marker-end=\"url(#");
			marker_id(r, uid, p->color);
			H(r, ")\"");
		}
		H(r, "/>\n");
	}
	for (i = 0; i < d->ndots; i++) {
		H(r, "<circle class=\"dag-link-node\" cx=\"");
		h_int(r, d->dots[i].x);
		H(r, "\" cy=\"");
		h_int(r, d->dots[i].y);
		H(r, "\" r=\"3\" fill=\"");
		h_attr(r, d->dots[i].color);
		H(r, "\"/>");
	}
	for (i = 0; i < d->nlabels; i++) {
		H(r, "<text class=\"dag-edge-label\" x=\"");
		h_int(r, d->labels[i].x);
		H(r, "\" y=\"");
		h_int(r, d->labels[i].y);
		H(r, "\" fill=\"");
		h_attr(r, d->labels[i].color);
		H(r, "\">");
		h_text(r, d->labels[i].text);
		H(r, "</text>\n");
	}
}

/* The first NAME_CHARS characters (whole UTF-8 sequences) and "…". */
static void short_name(struct req *r, const char *s)
{
	size_t i = 0;
	int chars = 0;

	while (s[i] && chars < NAME_CHARS) {
		i++;
		while (((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		chars++;
	}
	h_textn(r, s, i);
	if (s[i])
		H(r, "\xE2\x80\xA6");
}

/* The drawer's definition list: these keys of the step config (pages.md 2.6). */
static void config_attr(struct req *r, const struct dsl_step *s)
{
	static const char *keys[] = {"command", "max_attempts", "prompt", "run", "script", "workflow_name"};
	struct json_object *o = json_object_new_object();
	struct buf b = {0};
	size_t i;
	const char *v;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if ((v = dsl_cfg(s->cfg, s->ncfg, keys[i])))
			jadd_str(o, keys[i], v);
	json_emit(&b, o);
	h_attr(r, buf_str(&b));
	buf_free(&b);
	json_object_put(o);
}

static void results_attr(struct req *r, const struct dsl_step *s)
{
	size_t i;

	for (i = 0; i < s->nresults; i++) {
		if (i)
			H(r, ", ");
		h_attr(r, s->results[i]);
	}
}

static void step_node(struct req *r, const struct dag_node *n, const char *wf, const char *label)
{
	H(r, "<a class=\"dag-node\" href=\"");
	h_base(r);
	H(r, "/api/projects/");
	h_seg(r, label);
	H(r, "/workflows/");
	h_seg(r, wf);
	H(r, "/steps/");
	h_seg(r, n->name);
	H(r, "/content\" data-workflow=\"");
	h_attr(r, wf);
	H(r, "\" data-step=\"");
	h_attr(r, n->name);
	H(r, "\" data-type=\"");
	h_attr(r, n->type);
	H(r, "\" data-results=\"");
	results_attr(r, n->step);
	H(r, "\" data-config=\"");
	config_attr(r, n->step);
	H(r, "\" aria-label=\"Step ");
	h_attr(r, n->name);
	H(r, " (");
	h_attr(r, n->type);
	H(r, ")\"><title>");
	h_text(r, n->name);
	H(r, " (");
	h_text(r, n->type);
	H(r, ")</title><rect class=\"dag-node-rect\" x=\"");
	h_int(r, n->x);
	H(r, "\" y=\"");
	h_int(r, n->y);
	H(r, "\" width=\"180\" height=\"48\" rx=\"4\"/><text class=\"dag-node-text\" x=\"");
	h_int(r, n->x + 10);
	H(r, "\" y=\"");
	h_int(r, n->y + 29);
	H(r, "\">");
	h_text(r, icon(n->type));
	H(r, " ");
	short_name(r, n->name);
	H(r, "</text></a>\n");
}

static void terminal(struct req *r, const struct dag_node *n)
{
	int done = !strcmp(n->name, "done");

	H(r, "<g class=\"dag-terminal\"><rect class=\"dag-node-rect ");
	if (done)
		H(r, "dag-terminal-done");
	else
		H(r, "dag-terminal-abort");
	H(r, "\" x=\"");
	h_int(r, n->x);
	H(r, "\" y=\"");
	h_int(r, n->y);
	H(r, "\" width=\"180\" height=\"48\" rx=\"20\"/><text class=\"dag-node-text dag-terminal-text\" x=\"");
	h_int(r, n->x + DAG_NODE_W / 2);
	H(r, "\" y=\"");
	h_int(r, n->y + 29);
	H(r, "\" text-anchor=\"middle\">");
	if (done)
		H(r, "done");
	else
		H(r, "abort");
	H(r, "</text></g>\n");
}

void dag_svg(struct req *r, const struct dag *d, const struct dsl_workflow *w,
	     const char *project_label, int uid)
{
	size_t i;

	H(r, "<svg class=\"dag-svg\" xmlns=\"http://www.w3.org/2000/svg\" width=\"");
	h_int(r, d->width);
	H(r, "\" height=\"");
	h_int(r, d->height);
	H(r, "\" viewBox=\"0 0 ");
	h_int(r, d->width);
	H(r, " ");
	h_int(r, d->height);
	H(r, "\" role=\"group\" aria-label=\"Graph of workflow ");
	h_attr(r, w->name);
	H(r, "\">\n");
	defs(r, d, uid);
	paths(r, d, uid);
	for (i = 0; i < d->nsteps; i++)
		step_node(r, &d->nodes[i], w->name, project_label);
	for (i = d->nsteps; i < d->nnodes; i++)
		terminal(r, &d->nodes[i]);
	H(r, "</svg>\n");
}
