/* The project page's Token Usage panel (pages.md 2.5), rendered on the
 * server: per agent the last hour's burn rate and in/out, the last 24 h
 * total and in/out (k/M format of pages.md 0.6), and a 24 h hourly chart.
 * Counted once per step, windows by instant (usage.h). The '' agent is
 * "(unknown)" and hidden while it has no tokens. */
#include "html.h"
#include "panels.h"
#include "pricing.h"
#include "timefmt.h"
#include "usage.h"
#include "usage_view.h"
#include <stdlib.h>
#include <string.h>

static const struct usage_sum *find(const struct usage_list *l, const char *agent)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].agent, agent) == 0)
			return &l->v[i];
	return NULL;
}

/* Drops the '' agent when it has no tokens, as the page hides it. */
static void hide_empty_unknown(struct usage_list *l)
{
	if (l->n && !*l->v[0].agent && l->v[0].total == 0) {
		free(l->v[0].agent);
		memmove(l->v, l->v + 1, (l->n - 1) * sizeof *l->v);
		l->n--;
	}
}

static void in_out(struct req *r, const struct usage_sum *u)
{
	if (!u) {
		H(r, "-");
		return;
	}
	usage_view_num(r, u->in);
	H(r, " in / ");
	usage_view_num(r, u->out);
	H(r, " out");
}

static void header(struct req *r, const struct usage_list *h1, const struct usage_list *d1)
{
	H(r, "<thead><tr><th scope=\"col\">Agent</th>");
	if (h1->n)
		H(r, "<th scope=\"col\" class=\"num\">Burn Rate (last 1h)</th><th scope=\"col\" class=\"num\">1h In/Out</th>");
	if (d1->n)
		H(r, "<th scope=\"col\" class=\"num\">24h Total</th><th scope=\"col\" class=\"num\">24h In/Out</th>");
	if (pricing_enabled())
		H(r, "<th scope=\"col\" class=\"num\">24h Est. Cost</th>");
	H(r, "</tr></thead>\n");
}

static void row(struct req *r, const char *agent, const struct usage_list *h1,
		const struct usage_list *d1)
{
	const struct usage_sum *a = find(h1, agent), *b = find(d1, agent);
	char t[32];

	H(r, "<tr><th scope=\"row\">");
	usage_view_agent(r, agent);
	H(r, "</th>");
	if (h1->n) {
		H(r, "<td class=\"num\">");
		usage_fmt_rate_web(t, sizeof t, a ? a->burn : 0);
		h_text(r, t);
		H(r, "</td><td class=\"num\">");
		in_out(r, a);
		H(r, "</td>");
	}
	if (d1->n) {
		H(r, "<td class=\"num\">");
		if (b)
			usage_view_num(r, b->total);
		else
			H(r, "-");
		H(r, "</td><td class=\"num\">");
		in_out(r, b);
		H(r, "</td>");
	}
	if (pricing_enabled()) {
		H(r, "<td class=\"num\">");
		if (b)
			usage_view_cost_one(r, agent, b->in, b->out);
		H(r, "</td>");
	}
	H(r, "</tr>\n");
}

/* Rows: the union of both lists' agents, by name (both lists are sorted). */
static void table(struct req *r, const struct usage_list *h1, const struct usage_list *d1)
{
	size_t i = 0, j = 0;

	H(r, "<table class=\"runs-table usage-table\">");
	header(r, h1, d1);
	H(r, "<tbody>");
	while (i < h1->n || j < d1->n) {
		int c = i >= h1->n ? 1 : j >= d1->n ? -1 : strcmp(h1->v[i].agent, d1->v[j].agent);

		row(r, c <= 0 ? h1->v[i].agent : d1->v[j].agent, h1, d1);
		i += c <= 0;
		j += c >= 0;
	}
	H(r, "</tbody></table>\n");
}

void usage_panel(struct req *r, const struct project *p)
{
	struct store *s = store_get();
	struct usage_list h1, d1;
	long long now = now_ns();

	page_style(r, "usage.css");
	page_script(r, "usage.js");
	H(r, "<section class=\"panel\" id=\"token-usage-panel\"><div class=\"panel-header\">Token Usage</div>"
	     "<div class=\"panel-body\" id=\"token-usage-body\" data-usage-refresh=\"30\">\n");
	memset(&d1, 0, sizeof d1);
	if (usage_get(s, p->dir, "", 3600, now, &h1) != 0 || usage_get(s, p->dir, "", 86400, now, &d1) != 0) {
		usage_list_free(&h1);
		page_notice(r, "notice-error", s->err);
		H(r, "</div></section>\n");
		return;
	}
	hide_empty_unknown(&h1);
	hide_empty_unknown(&d1);
	if (!h1.n && !d1.n)
		H(r, "<p class=\"empty\">No token usage in the last 24 hours.</p>\n");
	else
		table(r, &h1, &d1);
	usage_view_hourly(r, s, p->dir, 24, now, "Tokens per hour, last 24 hours (UTC), by agent");
	H(r, "<p class=\"usage-more\"><a href=\"");
	H_URL(r, "/usage?project=", p->label, "");
	H(r, "\">More usage history</a></p></div></section>\n");
	usage_list_free(&h1);
	usage_list_free(&d1);
	/* The windows move with the clock: the page bounds its cache TTL. */
}
