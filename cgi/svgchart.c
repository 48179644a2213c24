/* Stacked bar chart: y axis with three gridlines, one bar per bucket made
 * of one rect per series, a <title> per bar for tooltips and a legend. */
#include "svgchart.h"
#include "html.h"
#include "usage.h"
#include <stdio.h>

#define CW 720
#define CH 200
#define LEFT 48
#define BOTTOM 22
#define TOP 8
#define NCOLOURS 8
#define PLOT (CH - TOP - BOTTOM)

void svg_fmt_num(char *out, size_t cap, long long n)
{
	usage_fmt_web(out, cap, n);
}

static long long bucket_total(const struct svg_chart *c, int b)
{
	long long t = 0;
	size_t i;

	for (i = 0; i < c->ns; i++)
		t += c->s[i].v[b];
	return t;
}

/* A round maximum so gridlines land on readable values. */
static long long nice_max(long long m)
{
	long long p = 1;

	if (m <= 0)
		return 1;
	while (p * 10 <= m)
		p *= 10;
	if (m <= p * 2)
		return p * 2;
	if (m <= p * 5)
		return p * 5;
	return p * 10;
}

static void y_axis(struct req *r, long long max)
{
	char t[32];
	int i;

	for (i = 0; i <= 2; i++) {
		long long v = max * i / 2;
		int y = TOP + (CH - TOP - BOTTOM) - (int)((CH - TOP - BOTTOM) * i / 2);

		H(r, "<line class=\"svg-grid\" x1=\"");
		h_int(r, LEFT);
		H(r, "\" x2=\"");
		h_int(r, CW);
		H(r, "\" y1=\"");
		h_int(r, y);
		H(r, "\" y2=\"");
		h_int(r, y);
		H(r, "\"/><text class=\"svg-label\" text-anchor=\"end\" x=\"");
		h_int(r, LEFT - 4);
		H(r, "\" y=\"");
		h_int(r, y + 4);
		H(r, "\">");
		svg_fmt_num(t, sizeof t, v);
		h_text(r, t);
		H(r, "</text>");
	}
}

static void bar_title(struct req *r, const struct svg_chart *c, int b)
{
	char t[32];
	size_t i;

	H(r, "<title>");
	h_text(r, c->tip ? c->tip[b] : "");
	H(r, ": ");
	svg_fmt_num(t, sizeof t, bucket_total(c, b));
	h_text(r, t);
	H(r, " tokens");
	for (i = 0; i < c->ns; i++) {
		if (!c->s[i].v[b])
			continue;
		H(r, "; ");
		h_text(r, *c->s[i].name ? c->s[i].name : "(unknown)");
		H(r, " ");
		svg_fmt_num(t, sizeof t, c->s[i].v[b]);
		h_text(r, t);
	}
	H(r, "</title>");
}

static int seg_height(const struct svg_chart *c, size_t i, int b, long long max)
{
	int hgt = (int)((double)c->s[i].v[b] * PLOT / (double)max + 0.5);

	if (c->s[i].v[b] <= 0)
		return 0;
	return hgt < 1 ? 1 : hgt;
}

/* One path per series: a rectangle per bar, stacked on the series below. */
static void series_path(struct req *r, const struct svg_chart *c, size_t i, long long max)
{
	int b, slot = (CW - LEFT) / c->nb, bw = slot > 3 ? slot - 2 : 1;

	H(r, "<path class=\"svg-series-");
	h_int(r, (long long)(i % NCOLOURS));
	H(r, "\" d=\"");
	for (b = 0; b < c->nb; b++) {
		int hgt = seg_height(c, i, b, max), y = TOP + PLOT;
		size_t k;

		if (!hgt)
			continue;
		for (k = 0; k <= i; k++)
			y -= seg_height(c, k, b, max);
		H(r, "M");
		h_int(r, LEFT + b * slot + 1);
		H(r, " ");
		h_int(r, y);
		H(r, "h");
		h_int(r, bw);
		H(r, "v");
		h_int(r, hgt);
		H(r, "h-");
		h_int(r, bw);
		H(r, "z");
	}
	H(r, "\"/>");
}

/* A transparent full-height target per bar, drawn over the paths, carries
 * the tooltip (<title>) even for short bars; then the x label. */
static void bar_target(struct req *r, const struct svg_chart *c, int b)
{
	int slot = (CW - LEFT) / c->nb, x = LEFT + b * slot + 1, bw = slot > 3 ? slot - 2 : 1;

	H(r, "<g class=\"svg-bar\">");
	bar_title(r, c, b);
	H(r, "<rect class=\"svg-hit\" x=\"");
	h_int(r, x);
	H(r, "\" y=\"");
	h_int(r, TOP);
	H(r, "\" width=\"");
	h_int(r, bw);
	H(r, "\" height=\"");
	h_int(r, PLOT);
	H(r, "\"/></g>");
	if (c->tick && c->tick[b]) {
		H(r, "<text class=\"svg-label\" text-anchor=\"middle\" x=\"");
		h_int(r, x + bw / 2);
		H(r, "\" y=\"");
		h_int(r, CH - 6);
		H(r, "\">");
		h_text(r, c->tick[b]);
		H(r, "</text>");
	}
}

static void legend(struct req *r, const struct svg_chart *c)
{
	size_t i;

	H(r, "<ul class=\"svg-legend\">");
	for (i = 0; i < c->ns; i++) {
		H(r, "<li><span class=\"svg-swatch svg-series-");
		h_int(r, (long long)(i % NCOLOURS));
		H(r, "\" aria-hidden=\"true\"></span>");
		h_text(r, *c->s[i].name ? c->s[i].name : "(unknown)");
		H(r, "</li>");
	}
	H(r, "</ul>\n");
}

void svg_bar_chart(struct req *r, const struct svg_chart *c)
{
	long long max = 0;
	size_t i;
	int b;

	for (b = 0; b < c->nb; b++)
		if (bucket_total(c, b) > max)
			max = bucket_total(c, b);
	max = nice_max(max);
	H(r, "<figure class=\"svg-chart\"><svg viewBox=\"0 0 ");
	h_int(r, CW);
	H(r, " ");
	h_int(r, CH);
	H(r, "\" role=\"img\" preserveAspectRatio=\"none\"><title>");
	h_text(r, c->title);
	H(r, "</title>");
	y_axis(r, max);
	for (i = 0; i < c->ns; i++)
		series_path(r, c, i, max);
	for (b = 0; b < c->nb; b++)
		bar_target(r, c, b);
	H(r, "</svg><figcaption>");
	h_text(r, c->title);
	H(r, "</figcaption>");
	if (c->ns)
		legend(r, c);
	else
		H(r, "<p class=\"empty\">No token usage in this period.</p>");
	H(r, "</figure>\n");
}
