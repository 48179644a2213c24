#include "lineread.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLK 65536
#define STATE_PEEK 2048 /* bytes of a line the marker pass looks at */

void lread_init(struct lread *r, int fd)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->bo = -1;
}

void lread_done(struct lread *r)
{
	buf_free(&r->hold);
	free(r->blk);
	r->blk = NULL;
}

/* Makes blk hold the byte at p; 0 at end of file, -1 on error. */
static int fill(struct lread *r, long long p)
{
	ssize_t got;

	if (r->bo >= 0 && p >= r->bo && p < r->bo + (long long)r->bl)
		return 1;
	if (!r->blk && !(r->blk = malloc(BLK)))
		return -1;
	got = pread(r->fd, r->blk, BLK, p);
	if (got < 0)
		return -1;
	r->bo = p;
	r->bl = (size_t)got;
	return got > 0;
}

int lread_line(struct lread *r, long long off, int at_eof_ok, const char **s, size_t *n,
	       long long *full, long long *next)
{
	long long p = off, len = 0;
	const char *start, *nl;
	size_t avail, k, room;
	int rc, last = 0, term = 0;

	buf_reset(&r->hold);
	while ((rc = fill(r, p)) > 0) {
		start = r->blk + (p - r->bo);
		avail = r->bl - (size_t)(p - r->bo);
		nl = memchr(start, '\n', avail);
		k = nl ? (size_t)(nl - start) : avail;
		room = LOG_HOLD - r->hold.len;
		buf_put(&r->hold, start, k < room ? k : room);
		if (k)
			last = (unsigned char)start[k - 1];
		len += (long long)k;
		p += (long long)k;
		if (nl) {
			p++;
			term = 1;
			break;
		}
	}
	if (rc < 0)
		return -1;
	if (!term && (!at_eof_ok || len == 0))
		return 0;
	if (last == '\r') {
		len--;
		if ((long long)r->hold.len > len)
			r->hold.len = (size_t)len;
	}
	*s = r->hold.p ? r->hold.p : "";
	*n = r->hold.len;
	*full = len;
	*next = p;
	return 1;
}

int lread_state(int fd, long long upto, struct logstate *st)
{
	struct lread r;
	struct logline l = {0};
	const char *s;
	size_t n;
	long long full, off = 0, next;
	int rc = 0;

	memset(st, 0, sizeof *st);
	lread_init(&r, fd);
	while (off < upto && (rc = lread_line(&r, off, 1, &s, &n, &full, &next)) > 0) {
		/* A prefix is enough for the markers; a cut llm line is not
		 * parsed as JSON (log_parse only guesses its type). */
		log_parse(st, s, n < STATE_PEEK ? n : STATE_PEEK, full, &l);
		off = next;
	}
	logline_free(&l);
	lread_done(&r);
	return rc < 0 ? -1 : 0;
}

int lread_tail(int fd, int at_eof_ok, long long keep, long long *total, long long *start, long long *end)
{
	struct lread r;
	struct logline l = {0};
	struct logstate st;
	long long *ring = calloc((size_t)keep, sizeof *ring), off = 0, full, next, cnt = 0;
	const char *s;
	size_t n;
	int rc;

	if (!ring)
		return -1;
	memset(&st, 0, sizeof st);
	lread_init(&r, fd);
	while ((rc = lread_line(&r, off, at_eof_ok, &s, &n, &full, &next)) > 0) {
		if (log_parse(&st, s, n, full, &l))
			ring[cnt++ % keep] = off;
		off = next;
	}
	*total = cnt;
	*start = cnt > keep ? ring[cnt % keep] : 0;
	*end = off;
	free(ring);
	logline_free(&l);
	lread_done(&r);
	return rc < 0 ? -1 : 0;
}

int lread_line_start(int fd, long long off)
{
	struct stat sb;
	char c;

	if (off == 0)
		return 1;
	if (fd < 0 || off < 0 || fstat(fd, &sb) != 0 || off > sb.st_size)
		return 0;
	return pread(fd, &c, 1, off - 1) == 1 && c == '\n';
}
