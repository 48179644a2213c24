#include "ansi.h"
#include "html.h"
#include <stdlib.h>
#include <string.h>

static const unsigned char PAL[16][3] = {
	{0, 0, 0}, {205, 0, 0}, {0, 205, 0}, {205, 205, 0}, {0, 0, 238}, {205, 0, 205},
	{0, 205, 205}, {229, 229, 229}, {127, 127, 127}, {255, 0, 0}, {0, 255, 0},
	{255, 255, 0}, {92, 92, 255}, {255, 0, 255}, {0, 255, 255}, {255, 255, 255},
};

static int nearest(long r, long g, long b)
{
	long best = -1, d, dr, dg, db;
	int i, hit = 0;

	for (i = 0; i < 16; i++) {
		dr = r - PAL[i][0], dg = g - PAL[i][1], db = b - PAL[i][2];
		d = dr * dr + dg * dg + db * db;
		if (best < 0 || d < best)
			best = d, hit = i;
	}
	return hit;
}

static int from256(long n)
{
	static const int cube[6] = {0, 95, 135, 175, 215, 255};
	long g;

	if (n < 0 || n > 255)
		return -1;
	if (n < 16)
		return (int)n;
	if (n < 232) {
		n -= 16;
		return nearest(cube[n / 36], cube[(n / 6) % 6], cube[n % 6]);
	}
	g = 8 + (n - 232) * 10;
	return nearest(g, g, g);
}

/* Splits "1;31;38;5;200" (':' also separates) into at most 32 numbers. */
static int params(const char *p, size_t n, long *v)
{
	int k = 0;
	size_t i;

	v[0] = 0;
	for (i = 0; i < n && k < 32; i++) {
		if (p[i] == ';' || p[i] == ':')
			v[++k] = 0;
		else if (p[i] >= '0' && p[i] <= '9' && v[k] < 100000)
			v[k] = v[k] * 10 + (p[i] - '0');
	}
	return k < 32 ? k + 1 : 32;
}

/* 38/48 extended colours; returns how many numbers were used. */
static int extended(const long *v, int i, int k, int *out)
{
	if (i + 2 < k && v[i + 1] == 5)
		return *out = from256(v[i + 2]), 2;
	if (i + 4 < k && v[i + 1] == 2) {
		if (v[i + 2] > 255 || v[i + 3] > 255 || v[i + 4] > 255)
			return *out = -1, 4;
		return *out = nearest(v[i + 2], v[i + 3], v[i + 4]), 4;
	}
	return k - i - 1;
}

void ansi_sgr(struct ansi_style *st, const char *p, size_t n)
{
	long v[33];
	int k = params(p, n, v), i;

	for (i = 0; i < k; i++) {
		long c = v[i];

		if (c == 0)
			*st = (struct ansi_style){-1, -1, 0, 0, 0, 0};
		else if (c == 1)
			st->bold = 1;
		else if (c == 2)
			st->dim = 1;
		else if (c == 3)
			st->italic = 1;
		else if (c == 4)
			st->underline = 1;
		else if (c == 22)
			st->bold = st->dim = 0;
		else if (c == 23)
			st->italic = 0;
		else if (c == 24)
			st->underline = 0;
		else if (c >= 30 && c <= 37)
			st->fg = (int)(c - 30);
		else if (c >= 90 && c <= 97)
			st->fg = (int)(c - 90 + 8);
		else if (c == 39)
			st->fg = -1;
		else if (c >= 40 && c <= 47)
			st->bg = (int)(c - 40);
		else if (c >= 100 && c <= 107)
			st->bg = (int)(c - 100 + 8);
		else if (c == 49)
			st->bg = -1;
		else if (c == 38)
			i += extended(v, i, k, &st->fg);
		else if (c == 48)
			i += extended(v, i, k, &st->bg);
	}
}

size_t ansi_seq_len(const char *s, size_t n, int *is_sgr)
{
	size_t i;

	*is_sgr = 0;
	if (n < 2)
		return 1;
	if (s[1] == '[') {
		for (i = 2; i < n && i < 256; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c >= 0x40 && c <= 0x7E) {
				*is_sgr = c == 'm';
				return i + 1;
			}
			if (c < 0x20 || c > 0x3F)
				return 1; /* malformed: drop the ESC only */
		}
		return 1;
	}
	if (s[1] == ']' || s[1] == 'P' || s[1] == '_' || s[1] == '^') {
		/* OSC/DCS/APC/PM: up to BEL or ESC '\'. */
		for (i = 2; i < n && i < 4096; i++) {
			if (s[i] == '\a')
				return i + 1;
			if (s[i] == 0x1b && i + 1 < n && s[i + 1] == '\\')
				return i + 2;
		}
		return 1;
	}
	if ((unsigned char)s[1] >= 0x40 && (unsigned char)s[1] <= 0x5F)
		return 2;
	return 1;
}

static int styled(const struct ansi_style *st)
{
	return st->fg >= 0 || st->bg >= 0 || st->bold || st->dim || st->italic || st->underline;
}

static void open_span(struct req *r, const struct ansi_style *st)
{
	H(r, "<span class=\"ansi");
	if (st->bold)
		H(r, " ansi-b");
	if (st->dim)
		H(r, " ansi-d");
	if (st->italic)
		H(r, " ansi-i");
	if (st->underline)
		H(r, " ansi-u");
	if (st->fg >= 0) {
		H(r, " ansi-fg");
		h_int(r, st->fg);
	}
	if (st->bg >= 0) {
		H(r, " ansi-bg");
		h_int(r, st->bg);
	}
	H(r, "\">");
}

/* Text after the last carriage return is what a terminal would show. */
static size_t after_last_cr(const char *s, size_t n)
{
	size_t i = n;

	while (i > 0 && s[i - 1] != '\r')
		i--;
	return i < n ? i : 0;
}

void ansi_html(struct req *r, const char *s, size_t n)
{
	struct ansi_style st = {-1, -1, 0, 0, 0, 0};
	size_t i = 0, j, k, show = after_last_cr(s, n);
	int open = 0, sgr;

	while (i < n) {
		for (j = i; j < n && s[j] != 0x1b && s[j] != '\r'; j++)
			;
		if (j > i && j > show) {
			size_t from = i < show ? show : i;

			if (!open && styled(&st))
				open_span(r, &st), open = 1;
			h_textn(r, s + from, j - from);
		}
		if (j >= n)
			break;
		if (s[j] == '\r') {
			i = j + 1;
			continue;
		}
		k = ansi_seq_len(s + j, n - j, &sgr);
		if (sgr) {
			if (open)
				H(r, "</span>");
			open = 0;
			ansi_sgr(&st, s + j + 2, k - 3);
		}
		i = j + k;
	}
	if (open)
		H(r, "</span>");
}
