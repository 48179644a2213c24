#include "timefmt.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static int digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 for a proleptic Gregorian date. */
static long long days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (long long)era * 146097 + doe - 719468;
}

static int parse_offset(const char *p, int *off_s, const char **end)
{
	int oh, om;

	if (*p == 'Z') {
		*off_s = 0;
		*end = p + 1;
		return 0;
	}
	if ((*p != '+' && *p != '-') || digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om))
		return -1;
	*off_s = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
	*end = p + 6;
	return 0;
}

int ts_parse(const char *s, long long *ns)
{
	int y, mo, d, h, mi, sec, off, nd = 0;
	long long frac = 0;
	const char *p, *end;

	if (!s || strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || s[10] != 'T' || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (y <= 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9' && nd < 9; p++, nd++)
			frac = frac * 10 + (*p - '0');
		if (nd == 0)
			return -1;
		for (; nd < 9; nd++)
			frac *= 10;
	}
	if (parse_offset(p, &off, &end) || *end)
		return -1;
	*ns = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - off) * 1000000000LL + frac;
	return 0;
}

void ts_display(char out[20], const char *s)
{
	long long ns;

	out[0] = '\0';
	if (ts_parse(s, &ns) != 0)
		return;
	memcpy(out, s, 19);
	out[10] = ' ';
	out[19] = '\0';
}

long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void fmt_span(struct buf *b, long long ns)
{
	long long s = ns / 1000000000LL, h, m;

	if (s < 60 && s > -60) {
		buf_putll(b, s);
		buf_putc(b, 's');
		return;
	}
	h = s / 3600;
	m = (s / 60) % 60;
	if (h == 0) {
		buf_putll(b, m);
		buf_putc(b, 'm');
	} else if (m == 0) {
		buf_putll(b, h);
		buf_putc(b, 'h');
	} else {
		buf_putll(b, h);
		buf_putc(b, 'h');
		buf_putll(b, m);
		buf_putc(b, 'm');
	}
}

static void plural(struct buf *b, long long n, const char *unit)
{
	buf_putll(b, n);
	buf_putc(b, ' ');
	buf_puts(b, unit);
	if (n != 1)
		buf_putc(b, 's');
	buf_puts(b, " ago");
}

void fmt_ago(struct buf *b, long long ns)
{
	long long m = ns / 60000000000LL;

	if (m < 1)
		buf_puts(b, "<1m ago");
	else if (m >= 1440)
		plural(b, m / 1440, "day");
	else if (m >= 60)
		plural(b, m / 60, "hour");
	else if (m < 3)
		buf_puts(b, "1m ago");
	else if (m < 8)
		buf_puts(b, "5m ago");
	else if (m < 13)
		buf_puts(b, "10m ago");
	else if (m < 20)
		buf_puts(b, "15m ago");
	else if (m < 38)
		buf_puts(b, "30m ago");
	else if (m < 53)
		buf_puts(b, "45m ago");
	else
		buf_puts(b, "1 hour ago");
}

void fmt_timing(struct buf *b, const char *state, const char *started, const char *completed,
		long long now)
{
	long long s, c;

	if (ts_parse(started, &s) != 0)
		return;
	if (strcmp(state, "running") == 0) {
		fmt_span(b, now - s);
		return;
	}
	if (ts_parse(completed, &c) != 0)
		return;
	fmt_span(b, c - s);
	buf_puts(b, ", ");
	fmt_ago(b, now - c);
}

void fmt_step_duration(struct buf *b, const char *started, const char *completed)
{
	long long s, c, d;
	char tmp[32];

	if (ts_parse(started, &s) != 0 || ts_parse(completed, &c) != 0)
		return;
	d = c - s;
	if (d < 1000000000LL) {
		buf_putll(b, d / 1000000);
		buf_puts(b, "ms");
	} else if (d < 60000000000LL) {
		snprintf(tmp, sizeof tmp, "%.1fs", (double)d / 1e9);
		buf_puts(b, tmp);
	} else {
		buf_putll(b, d / 60000000000LL);
		buf_putc(b, 'm');
		buf_putll(b, (d / 1000000000LL) % 60);
		buf_putc(b, 's');
	}
}
