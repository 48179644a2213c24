#include "buf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_grow(struct buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 256;

	if (b->len + need + 1 <= b->cap)
		return;
	while (cap < b->len + need + 1)
		cap *= 2;
	b->p = realloc(b->p, cap);
	if (!b->p)
		abort();
	b->cap = cap;
}

void buf_put(struct buf *b, const void *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void buf_putc(struct buf *b, int c)
{
	char ch = (char)c;

	buf_put(b, &ch, 1);
}

void buf_putll(struct buf *b, long long v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%lld", v);

	buf_put(b, tmp, (size_t)n);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

/* Always a valid C string, even for an empty buffer. */
const char *buf_str(struct buf *b)
{
	if (!b->p)
		buf_grow(b, 0), b->p[0] = '\0';
	return b->p;
}

char *buf_detach(struct buf *b)
{
	char *p;

	buf_str(b);
	p = b->p;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

char *str_pack3(const char *a, const char *b, const char *c, char **pb, char **pc)
{
	size_t na = strlen(a) + 1, nb = strlen(b) + 1, nc = strlen(c) + 1;
	char *p = malloc(na + nb + nc);

	memcpy(p, a, na);
	memcpy(p + na, b, nb);
	memcpy(p + na + nb, c, nc);
	*pb = p + na;
	*pc = p + na + nb;
	return p;
}
