#include "frame.h"
#include "pct.h"
#include <string.h>

/* Finds "/api/runs/<seg>/stream" or "/api/attempts/<seg>/stream" at the
 * end of the path: the mount point in front is whatever the web server
 * was configured with, so we do not need to know it. */
int sse_parse_path(const char *path, size_t n, enum sse_kind *kind, char *out)
{
	static const char tail[] = "/stream";
	const size_t tl = sizeof tail - 1;
	const char *seg, *end;
	size_t pre;
	long got;

	if (n < tl + 11 || memcmp(path + n - tl, tail, tl) != 0)
		return -1;
	end = path + n - tl;
	for (seg = end; seg > path && seg[-1] != '/'; seg--)
		;
	if (seg == path)
		return -1;
	pre = (size_t)(seg - path);
	if (pre >= 10 && memcmp(seg - 10, "/api/runs/", 10) == 0)
		*kind = SSE_RUN;
	else if (pre >= 14 && memcmp(seg - 14, "/api/attempts/", 14) == 0)
		*kind = SSE_ATTEMPT;
	else
		return -1;
	if (end == seg || (size_t)(end - seg) > 3 * SSE_ID_MAX)
		return -2;
	{
		char tmp[3 * SSE_ID_MAX + 1];
		size_t i;

		got = pct_decode(seg, (size_t)(end - seg), tmp, 0);
		if (got <= 0 || got > SSE_ID_MAX)
			return -2;
		for (i = 0; i < (size_t)got; i++)
			if ((unsigned char)tmp[i] < 0x20 || tmp[i] == 0x7f)
				return -2;
		memcpy(out, tmp, (size_t)got + 1);
	}
	return 0;
}

int sse_parse_id(const char *s, size_t n, long long *id)
{
	long long v = 0;
	size_t i;

	if (!s || n == 0 || n > 18)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*id = v;
	return 1;
}

int sse_parse_pos(const char *s, size_t n, struct sse_pos *p)
{
	long long v[4];
	size_t i = 0, k, start;

	for (k = 0; k < 4; k++) {
		start = i;
		while (i < n && s[i] != '.')
			i++;
		if (!sse_parse_id(s + start, i - start, &v[k]) || (k < 3) != (i < n))
			return 0;
		i++;
	}
	*p = (struct sse_pos){v[0], v[1], v[2], v[3]};
	return 1;
}

const char *sse_query_from(const char *q, size_t *n)
{
	const char *p = q, *amp;

	while (p && *p) {
		amp = strchr(p, '&');
		if (strncmp(p, "from=", 5) == 0) {
			p += 5;
			*n = amp ? (size_t)(amp - p) : strlen(p);
			return p;
		}
		p = amp ? amp + 1 : NULL;
	}
	return NULL;
}

static void frame_head(struct buf *out, const char *event)
{
	if (event) {
		buf_puts(out, "event: ");
		buf_puts(out, event);
		buf_putc(out, '\n');
	}
	buf_puts(out, "id: ");
}

static void frame_data(struct buf *out, const char *data, size_t n)
{
	size_t i, start;

	buf_puts(out, "\ndata: ");
	start = out->len;
	buf_put(out, data, n);
	for (i = start; i < out->len; i++)
		if (out->p[i] == '\n' || out->p[i] == '\r' || out->p[i] == '\0')
			out->p[i] = ' ';
	buf_puts(out, "\n\n");
}

void sse_frame(struct buf *out, const char *event, long long id, const char *data, size_t n)
{
	frame_head(out, event);
	buf_putll(out, id);
	frame_data(out, data, n);
}

void sse_frame_pos(struct buf *out, const char *event, const struct sse_pos *p, const char *data, size_t n)
{
	frame_head(out, event);
	buf_putll(out, p->seq);
	buf_putc(out, '.');
	buf_putll(out, p->b);
	buf_putc(out, '.');
	buf_putll(out, p->s);
	buf_putc(out, '.');
	buf_putll(out, p->t);
	frame_data(out, data, n);
}
