#include "gzip.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define MIN_LEN 1024   /* below this the header and CPU outweigh the saving */
#define LEVEL 4        /* JSON and HTML shrink ~8x already; higher levels cost more time than bytes */

/* q=0 (with any zeros after the point) refuses the coding. */
static int refused(const char *params, size_t n)
{
	const char *q = NULL;
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if ((params[i] == 'q' || params[i] == 'Q') && params[i + 1] == '=') {
			q = params + i + 2;
			break;
		}
	if (!q)
		return 0;
	while (*q == ' ')
		q++;
	if (*q != '0')
		return 0;
	for (q++; *q == '.' || *q == '0'; q++)
		;
	return *q == '\0' || *q == ',' || *q == ';' || *q == ' ';
}

int gz_accepted(const char *ae)
{
	const char *p = ae;

	while (p && *p) {
		size_t n = strcspn(p, ","), t;

		while (n && (*p == ' ' || *p == '\t'))
			p++, n--;
		t = strcspn(p, ";, \t");
		if (t > n)
			t = n;
		if (((t == 4 && strncasecmp(p, "gzip", 4) == 0) || (t == 1 && *p == '*')) &&
		    !refused(p + t, n - t))
			return 1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

int gz_worth(const char *ctype, size_t len)
{
	return len >= MIN_LEN && ctype &&
	       (strncmp(ctype, "text/", 5) == 0 || strncmp(ctype, "application/json", 16) == 0);
}

int gz_body(struct buf *body)
{
	z_stream z;
	struct buf out = {0};
	int rc;

	memset(&z, 0, sizeof z);
	/* 15 + 16: a gzip wrapper, not zlib's */
	if (deflateInit2(&z, LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	buf_grow(&out, deflateBound(&z, body->len) + 1);
	z.next_in = (unsigned char *)body->p;
	z.avail_in = (uInt)body->len;
	z.next_out = (unsigned char *)out.p;
	z.avail_out = (uInt)(out.cap - 1);
	rc = deflate(&z, Z_FINISH);
	out.len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		buf_free(&out);
		return -1;
	}
	buf_free(body);
	*body = out;
	return 0;
}
