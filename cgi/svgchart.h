/* Stacked bar charts drawn as inline SVG on the server, so they show with
 * JavaScript off. Every label goes through the output layer's escaping;
 * colours come from classes (svg-series-0..7 in public/usage.css). */
#ifndef CLOCHE_SVGCHART_H
#define CLOCHE_SVGCHART_H
#include "req.h"
#include <stddef.h>

struct svg_series {
	const char *name;        /* legend and tooltip text (untrusted) */
	const long long *v;      /* nb values */
};

struct svg_chart {
	const char *title;       /* accessible name */
	int nb;                  /* buckets (bars) */
	const char *const *tick; /* x label per bucket, NULL = none drawn */
	const char *const *tip;  /* bucket description for tooltips */
	const struct svg_series *s;
	size_t ns;
};

void svg_bar_chart(struct req *r, const struct svg_chart *c);
/* "12", "12.3k", "1.2M" (pages.md 0.6). */
void svg_fmt_num(char *out, size_t cap, long long n);

#endif
