#include "esc.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char REPLACEMENT[] = "\xEF\xBF\xBD";

/* Length of the valid UTF-8 sequence at s, or 0 when the first byte does
 * not start one (overlongs, surrogates and truncations are invalid, as in Go). */
size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned min, cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, cp = c & 0x1F, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, cp = c & 0x0F, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

void esc_utf8(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		k = utf8_seq(u + i, n - i);
		if (!k) {
			buf_puts(b, REPLACEMENT);
			i++;
			continue;
		}
		buf_put(b, s + i, k);
		i += k;
	}
}

static const char *html_entity(unsigned char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	}
	return NULL;
}

/* Safe in element text and in quoted attribute values alike. */
void esc_html(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;
	const char *ent;

	while (i < n) {
		ent = html_entity(u[i]);
		if (ent) {
			buf_puts(b, ent);
			i++;
			continue;
		}
		k = utf8_seq(u + i, n - i);
		if (!k || (u[i] < 0x20 && u[i] != '\n' && u[i] != '\t') || u[i] == 0x7F) {
			buf_puts(b, REPLACEMENT);
			i++;
			continue;
		}
		buf_put(b, s + i, k);
		i += k;
	}
}

/* One path segment or query value: only RFC 3986 unreserved bytes stay. */
void esc_url_seg(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
			buf_putc(b, c);
			continue;
		}
		buf_putc(b, '%');
		buf_putc(b, hex[c >> 4]);
		buf_putc(b, hex[c & 15]);
	}
}

static const char *json_short_escape(unsigned char c)
{
	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	case '\b': return "\\b";
	case '\f': return "\\f";
	case '<': return "\\u003c";
	case '>': return "\\u003e";
	case '&': return "\\u0026";
	}
	return NULL;
}

/* A JSON string literal with Go's encoding/json escapes, so that it is also
 * safe inside an HTML <script> data block. */
void esc_json_str(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;
	const char *e;
	char tmp[8];

	buf_putc(b, '"');
	while (i < n) {
		e = json_short_escape(u[i]);
		if (e) {
			buf_puts(b, e);
			i++;
			continue;
		}
		if (u[i] < 0x20) {
			snprintf(tmp, sizeof tmp, "\\u%04x", u[i]);
			buf_puts(b, tmp);
			i++;
			continue;
		}
		k = utf8_seq(u + i, n - i);
		if (!k) {
			buf_puts(b, "\\ufffd");
			i++;
			continue;
		}
		if (k == 3 && u[i] == 0xE2 && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9))
			buf_puts(b, u[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
		else
			buf_put(b, s + i, k);
		i += k;
	}
	buf_putc(b, '"');
}

/* Shortest digits that read back to v: "d.ddde±x" split into digits/exp. */
static int shortest_digits(double v, char *digits, int *exp10)
{
	char tmp[40], *p, *e;
	int prec, nd = 0;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	e = strchr(tmp, 'e');
	*exp10 = atoi(e + 1);
	for (p = tmp; p < e; p++)
		if (*p >= '0' && *p <= '9')
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	return nd;
}

static void plain_decimal(char *out, size_t cap, const char *sign, const char *d, int nd, int x)
{
	char body[400];
	int pos = 0, i;

	if (x < 0) {
		pos += snprintf(body + pos, sizeof body - pos, "0.");
		for (i = 0; i < -x - 1; i++)
			body[pos++] = '0';
		pos += snprintf(body + pos, sizeof body - pos, "%s", d);
	} else {
		for (i = 0; i <= x || i < nd; i++) {
			if (i == x + 1)
				body[pos++] = '.';
			body[pos++] = i < nd ? d[i] : '0';
		}
		body[pos] = '\0';
	}
	body[pos] = '\0';
	snprintf(out, cap, "%s%s", sign, body);
}

/* Go's JSON float format: shortest round-trip, plain decimal between 1e-6
 * and 1e21, exponent form outside (store.md trap T13). */
void fmt_go_float(char *out, size_t cap, double v)
{
	char d[24];
	const char *sign = v < 0 ? "-" : "";
	double a = fabs(v);
	int x, nd;

	if (a == 0 || !isfinite(v)) {
		snprintf(out, cap, "0");
		return;
	}
	nd = shortest_digits(a, d, &x);
	if (a >= 1e-6 && a < 1e21) {
		plain_decimal(out, cap, sign, d, nd, x);
		return;
	}
	if (nd == 1)
		snprintf(out, cap, "%s%ce%c%02d", sign, d[0], x < 0 ? '-' : '+', abs(x));
	else
		snprintf(out, cap, "%s%c.%se%c%02d", sign, d[0], d + 1, x < 0 ? '-' : '+', abs(x));
	/* Go's encoder trims "e-07" to "e-7" but leaves positive exponents. */
	if (x < 0 && x > -10) {
		char *e = strstr(out, "e-0");
		if (e)
			memmove(e + 2, e + 3, strlen(e + 3) + 1);
	}
}
