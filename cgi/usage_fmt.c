/* Number formats of the daemon's CLI (store.md 4.4-4.5: glibc printf and
 * Go agree, half-to-even on exact ties) and of its web panel (4.6: JS
 * toFixed and Math.round, ties away from zero). */
#include "usage.h"
#include "buf.h"
#include "esc.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The CLI helper groups the decimal text, sign included ("-,123"). */
void usage_fmt_thousands(char *out, size_t cap, long long n)
{
	char d[32];
	size_t len, i, o = 0;

	snprintf(d, sizeof d, "%lld", n);
	len = strlen(d);
	for (i = 0; i < len && o + 2 < cap; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = d[i];
	}
	out[o] = '\0';
}

void usage_fmt_burn_cli(char *out, size_t cap, double rate)
{
	if (rate < 1000)
		snprintf(out, cap, "~%.0f/hr", rate);
	else
		snprintf(out, cap, "~%.1fk/hr", rate / 1000);
}

/* JS x.toFixed(1) for 0 <= x < 1e15: the exact binary value rounded,
 * exact ties up (glibc would pick the even digit). */
static void js_tofixed1(char *out, size_t cap, double x)
{
	char s[128], *dot;
	long long v;

	snprintf(s, sizeof s, "%.60f", x);
	dot = strchr(s, '.');
	*dot = '\0';
	v = atoll(s) * 10 + (dot[1] - '0') + (dot[2] >= '5');
	snprintf(out, cap, "%lld.%lld", v / 10, v % 10);
}

void usage_fmt_web(char *out, size_t cap, long long n)
{
	char t[64];

	if (n >= 1000000) {
		js_tofixed1(t, sizeof t, (double)n / 1e6);
		snprintf(out, cap, "%sM", t);
	} else if (n >= 1000) {
		js_tofixed1(t, sizeof t, (double)n / 1000);
		snprintf(out, cap, "%sk", t);
	} else
		snprintf(out, cap, "%lld", n);
}

/* JS Math.round: the nearest integer, halves towards +infinity. */
static long long js_round(double x)
{
	double f = floor(x);

	return (long long)(x - f >= 0.5 ? f + 1 : f);
}

void usage_fmt_rate_web(char *out, size_t cap, double rate)
{
	char t[64];

	if (rate == 0) {
		snprintf(out, cap, "-");
		return;
	}
	usage_fmt_web(t, sizeof t, js_round(rate));
	snprintf(out, cap, "~%s/hr", t);
}

/* Go's %-10s pads by code points; an invalid byte is one code point. */
static void pad10(struct buf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;
	int cps = 0;

	while (i < n) {
		k = utf8_seq(u + i, n - i);
		i += k ? k : 1;
		cps++;
	}
	buf_puts(b, s);
	for (; cps < 10; cps++)
		buf_putc(b, ' ');
}

void usage_cli_block(struct buf *b, const struct usage_list *l)
{
	char t[64];
	size_t i;
	int any = 0;

	for (i = 0; i < l->n; i++)
		any |= l->v[i].total != 0;
	if (!any)
		return;
	buf_puts(b, "Token usage (last 1h):\n");
	for (i = 0; i < l->n; i++) {
		const struct usage_sum *u = &l->v[i];

		if (u->total == 0)
			continue;
		buf_puts(b, "  ");
		pad10(b, u->agent);
		buf_putc(b, ' ');
		usage_fmt_thousands(t, sizeof t, u->in);
		buf_puts(b, t);
		buf_puts(b, " in / ");
		usage_fmt_thousands(t, sizeof t, u->out);
		buf_puts(b, t);
		buf_puts(b, " out   ");
		usage_fmt_thousands(t, sizeof t, u->total);
		buf_puts(b, t);
		buf_puts(b, " total   ");
		usage_fmt_burn_cli(t, sizeof t, u->burn);
		buf_puts(b, t);
		buf_putc(b, '\n');
	}
}

void usage_tokens_line(struct buf *b, const struct usage_list *l)
{
	long long in, out;
	char t[64];
	size_t i;

	usage_list_totals(l, &in, &out);
	if (l->n == 0 || in + out == 0)
		return;
	usage_fmt_thousands(t, sizeof t, in + out);
	buf_puts(b, "Tokens:  ");
	buf_puts(b, t);
	buf_puts(b, " (");
	for (i = 0; i < l->n; i++) {
		if (i)
			buf_puts(b, " / ");
		buf_puts(b, l->v[i].agent);
		buf_puts(b, ": ");
		usage_fmt_thousands(t, sizeof t, l->v[i].total);
		buf_puts(b, t);
	}
	buf_puts(b, ")\n");
}
