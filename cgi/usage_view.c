/* Charts and cells for usage pages. Times on the charts are UTC hours and
 * days (stated in the captions), so they do not depend on the server's
 * zone and match the daemon's mixed-offset rows by instant. */
#include "usage_view.h"
#include "html.h"
#include "pricing.h"
#include "svgchart.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define HOUR_NS (3600LL * NS_PER_S)
#define DAY_NS (86400LL * NS_PER_S)

static void label(char *out, size_t cap, long long ns, const char *fmt)
{
	time_t t = (time_t)(ns / NS_PER_S);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, cap, fmt, &tm);
}

static void chart(struct req *r, struct store *s, const char *dir, long long start,
		  long long step, int nb, long long now, const char *title, int every,
		  const char *tick_fmt, const char *tip_fmt)
{
	struct usage_chart c;
	struct svg_series *ser;
	char (*ticks)[16] = calloc((size_t)nb, sizeof *ticks), (*tips)[40] = calloc((size_t)nb, sizeof *tips);
	const char **tk = calloc((size_t)nb, sizeof *tk), **tp = calloc((size_t)nb, sizeof *tp);
	struct svg_chart sc = {title, nb, tk, tp, NULL, 0};
	size_t i;
	int b;

	if (usage_chart(s, dir, start, step, nb, now, &c) != 0)
		c.nagent = 0;
	for (b = 0; b < nb; b++) {
		label(tips[b], sizeof tips[b], start + b * step, tip_fmt);
		tp[b] = tips[b];
		if ((nb - 1 - b) % every == 0) {
			label(ticks[b], sizeof ticks[b], start + b * step, tick_fmt);
			tk[b] = ticks[b];
		}
	}
	ser = calloc(c.nagent + 1, sizeof *ser);
	for (i = 0; i < c.nagent; i++) {
		ser[i].name = c.agent[i];
		ser[i].v = c.tot + i * (size_t)nb;
	}
	sc.s = ser;
	sc.ns = c.nagent;
	svg_bar_chart(r, &sc);
	free(ser);
	free(ticks);
	free(tips);
	free(tk);
	free(tp);
	usage_chart_free(&c);
}

void usage_view_hourly(struct req *r, struct store *s, const char *dir, int hours,
		       long long now, const char *title)
{
	long long start = (now / HOUR_NS - (hours - 1)) * HOUR_NS;

	chart(r, s, dir, start, HOUR_NS, hours, now, title, hours > 24 ? 6 : 3, "%H:00",
	      "%Y-%m-%d %H:00 UTC");
}

void usage_view_daily(struct req *r, struct store *s, const char *dir, int days,
		      long long now, const char *title)
{
	long long start = (now / DAY_NS - (days - 1)) * DAY_NS;

	chart(r, s, dir, start, DAY_NS, days, now, title, 5, "%m-%d", "%Y-%m-%d (UTC)");
}

void usage_view_agent(struct req *r, const char *agent)
{
	if (*agent)
		h_text(r, agent);
	else
		H(r, "<span class=\"muted\">(unknown)</span>");
}

void usage_view_num(struct req *r, long long n)
{
	char t[32];

	usage_fmt_web(t, sizeof t, n);
	h_text(r, t);
}

void usage_view_cost_one(struct req *r, const char *agent, long long in, long long out)
{
	char t[32];
	double usd;

	if (!pricing_cost(agent, in, out, &usd))
		return;
	pricing_fmt(t, sizeof t, usd);
	h_text(r, t);
}

void usage_view_money(struct req *r, const struct tokcost *t)
{
	char c[32];

	if (!tokcost_fmt(t, c, sizeof c))
		return;
	H(r, " <span class=\"token-cost\" title=\"estimated cost\">");
	h_text(r, c);
	H(r, "</span>");
}

void usage_view_tokens_cell(struct req *r, const struct tokcost *t)
{
	H(r, "<td class=\"num run-tokens\" data-in=\"");
	h_int(r, t->in);
	H(r, "\" data-out=\"");
	h_int(r, t->out);
	H(r, "\"");
	if (t->in + t->out) {
		H(r, " title=\"");
		h_int(r, t->in);
		H(r, " input / ");
		h_int(r, t->out);
		H(r, " output tokens\">");
		usage_view_num(r, t->in + t->out);
		usage_view_money(r, t);
	} else
		H(r, ">");
	H(r, "</td>");
}
