/* The run page's steps table (pages.md 5.5): one row per paired step,
 * child-run steps indented under their workflow step, each with a link to
 * its output that public/run.js opens in place. */
#include "html.h"
#include "pricing.h"
#include "runhtml.h"
#include "steps.h"
#include "timefmt.h"
#include "usage_view.h"
#include <string.h>

static void result_badge(struct req *r, const struct run *run, const struct step *e)
{
	if (!*e->result && e->open && run_is_terminal(run->state)) {
		/* only a start row in a finished run: the step errored (T7, D10b) */
		h_badge(r, "failed", "did not complete");
		return;
	}
	if (!*e->result && e->open) {
		h_badge(r, "running", "running");
		return;
	}
	if (strcmp(e->result, "success") == 0)
		h_badge(r, "succeeded", e->result);
	else if (strcmp(e->result, "fail") == 0)
		h_badge(r, "failed", e->result);
	else
		h_badge(r, "pending", *e->result ? e->result : "(no result)");
}

static void step_row(struct req *r, const struct run *run, const struct step *e)
{
	struct buf b = {0};

	H(r, "<tr class=\"step-row depth-");
	h_int(r, e->depth < 8 ? e->depth : 7);
	H(r, "\" data-index=\"");
	h_int(r, e->index);
	H(r, "\" data-run-id=\"");
	h_attr(r, e->run_id);
	H(r, "\" data-step=\"");
	h_attr(r, e->name);
	H(r, "\" data-depth=\"");
	h_int(r, e->depth);
	H(r, "\" data-parent-index=\"");
	h_int(r, e->parent_index);
	H(r, "\"><td class=\"step-name\">");
	if (e->is_workflow)
		H(r, "<span class=\"tree-mark\" aria-hidden=\"true\">▾</span> ");
	h_text(r, e->name);
	H(r, "</td><td>");
	result_badge(r, run, e);
	H(r, "</td><td>");
	h_time(r, e->started);
	H(r, "</td><td>");
	fmt_step_duration(&b, e->started, e->completed);
	h_text(r, buf_str(&b));
	H(r, "</td><td>");
	h_text(r, e->agent);
	H(r, "</td><td class=\"mono\">");
	if (e->has_usage) {
		struct tokcost t = {0};

		h_int(r, e->in);
		H(r, "/");
		h_int(r, e->out);
		tokcost_add(&t, e->agent, e->in, e->out);
		usage_view_money(r, &t);
	}
	H(r, "</td><td><a class=\"step-output-link\" href=\"");
	H_URL(r, "/api/runs/", e->run_id, "/steps/");
	h_seg(r, e->name);
	H(r, "/output\">output</a></td></tr>\n");
	buf_free(&b);
}

static void totals(struct req *r, const struct run *run, const struct steps *st)
{
	struct tokcost t = {0};
	size_t i;

	/* this run's own steps; its child runs have totals of their own */
	for (i = 0; i < st->n; i++)
		if (strcmp(st->v[i].run_id, run->id) == 0)
			tokcost_add(&t, st->v[i].agent, st->v[i].in, st->v[i].out);
	H(r, "<tfoot><tr class=\"token-total\"><td colspan=\"5\">Tokens used by this run (input/output)</td>"
	     "<td class=\"mono\" id=\"run-token-total\">");
	h_int(r, t.in);
	H(r, "/");
	h_int(r, t.out);
	usage_view_money(r, &t);
	H(r, "</td><td></td></tr></tfoot>\n");
}

void steps_table(struct req *r, const struct run *run, const struct steps *st)
{
	size_t i;

	H(r, "<h2>Steps</h2>\n<div class=\"table-scroll\"><table class=\"runs-table steps-table\" id=\"steps-table\">"
	     "<thead><tr><th>Step</th><th>Result</th><th>Started</th><th>Duration</th><th>Agent</th>"
	     "<th>Tokens</th><th>Output</th></tr></thead>\n<tbody id=\"steps-body\">\n");
	if (!st->n)
		H(r, "<tr><td colspan=\"7\" class=\"empty\">No step executions recorded.</td></tr>\n");
	for (i = 0; i < st->n; i++)
		step_row(r, run, &st->v[i]);
	H(r, "</tbody>\n");
	totals(r, run, st);
	H(r, "</table></div>\n");
}
