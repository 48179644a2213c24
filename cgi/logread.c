#include "logread.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLK 65536

typedef void (*line_fn)(void *ctx, long long off, const char *s, size_t n, long long full);

static int open_log(const char *path, long long *size)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return -1;
	}
	*size = sb.st_size;
	return fd;
}

/* Every physical line from off on; a line keeps at most LOG_HOLD bytes,
 * the rest is only counted. CR before LF (or at EOF) is dropped. */
static void forward(int fd, long long off, line_fn fn, void *ctx)
{
	char *blk = malloc(BLK), *nl, *p;
	struct buf hold = {0};
	long long start = off, full = 0;
	ssize_t got;
	size_t k, room;
	int last = 0;

	while ((got = pread(fd, blk, BLK, off)) > 0) {
		off += got;
		for (p = blk; p < blk + got; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(blk + got - p));
			k = nl ? (size_t)(nl - p) : (size_t)(blk + got - p);
			room = LOG_HOLD - hold.len;
			buf_put(&hold, p, k < room ? k : room);
			full += (long long)k;
			if (k)
				last = (unsigned char)p[k - 1];
			if (!nl)
				break;
			if (last == '\r') {
				full--;
				if ((long long)hold.len > full)
					hold.len--;
			}
			fn(ctx, start, hold.p ? hold.p : "", hold.len, full);
			start += full + (last == '\r') + 1;
			buf_reset(&hold);
			full = 0;
			last = 0;
		}
	}
	if (full) {
		if (last == '\r')
			full--;
		if ((long long)hold.len > full)
			hold.len = (size_t)full;
		fn(ctx, start, hold.p ? hold.p : "", hold.len, full);
	}
	buf_free(&hold);
	free(blk);
}

struct rback {
	int fd;
	long long bo;
	size_t bl;
	char blk[BLK];
};

static int byte_at(struct rback *b, long long p)
{
	if (p < b->bo || p >= b->bo + (long long)b->bl) {
		b->bo = p >= BLK / 2 ? p - BLK / 2 : 0;
		ssize_t got = pread(b->fd, b->blk, BLK, b->bo);
		b->bl = got > 0 ? (size_t)got : 0;
		if (p >= b->bo + (long long)b->bl)
			return -1;
	}
	return (unsigned char)b->blk[p - b->bo];
}

/* Offset of the last '\n' before p, or -1. */
static long long nl_before(struct rback *b, long long p)
{
	const char *hit;
	ssize_t got;

	while (p > 0) {
		if (!(p - 1 >= b->bo && p - 1 < b->bo + (long long)b->bl && p <= b->bo + (long long)b->bl)) {
			b->bo = p > BLK ? p - BLK : 0;
			got = pread(b->fd, b->blk, (size_t)(p - b->bo), b->bo);
			if (got <= 0)
				return -1;
			b->bl = (size_t)got;
		}
		hit = memrchr(b->blk, '\n', (size_t)(p - b->bo));
		if (hit)
			return b->bo + (hit - b->blk);
		p = b->bo;
	}
	return -1;
}

/* The held bytes and full length of the line [s, e) (e excludes '\n'),
 * from the block cache when it holds them. */
static void read_line(int fd, struct rback *cache, long long s, long long e, struct buf *out,
		      long long *full)
{
	long long n = e - s;
	size_t want = n > LOG_HOLD ? LOG_HOLD : (size_t)n;
	ssize_t got;

	if (cache && n < BLK && !(s >= cache->bo && e <= cache->bo + (long long)cache->bl)) {
		cache->bo = s;
		got = pread(fd, cache->blk, BLK, s);
		cache->bl = got > 0 ? (size_t)got : 0;
	}
	buf_reset(out);
	buf_grow(out, want + 1);
	if (cache && s >= cache->bo && e <= cache->bo + (long long)cache->bl) {
		memcpy(out->p, cache->blk + (s - cache->bo), want);
		got = (ssize_t)want;
	} else {
		got = want ? pread(fd, out->p, want, s) : 0;
	}
	out->len = got > 0 ? (size_t)got : 0;
	*full = n;
	if (n && (size_t)n == out->len && out->p[n - 1] == '\r')
		out->len--, (*full)--;
	else if (n > LOG_HOLD) {
		char c;

		if (pread(fd, &c, 1, e - 1) == 1 && c == '\r')
			(*full)--;
	}
}

/* Offset of the '\n' ending the line at off (or of EOF). */
static long long line_end(int fd, long long off)
{
	char *blk = malloc(BLK), *nl;
	ssize_t got;
	long long e;

	for (e = off; (got = pread(fd, blk, BLK, e)) > 0; e += got)
		if ((nl = memchr(blk, '\n', (size_t)got))) {
			e += nl - blk;
			break;
		}
	free(blk);
	return e;
}

int log_line_at(const char *path, long long off, size_t max, struct buf *out, long long *full)
{
	long long size, e;
	struct rback *b;
	ssize_t got;
	int fd = open_log(path, &size);

	if (fd < 0)
		return -1;
	b = malloc(sizeof *b);
	b->fd = fd, b->bo = 0, b->bl = 0;
	if (off < 0 || off >= size || (off > 0 && byte_at(b, off - 1) != '\n')) {
		free(b);
		close(fd);
		return -1;
	}
	free(b);
	e = line_end(fd, off);
	*full = e - off;
	buf_reset(out);
	buf_grow(out, (size_t)(*full < (long long)max ? *full : (long long)max) + 1);
	got = pread(fd, out->p, (size_t)(*full < (long long)max ? *full : (long long)max), off);
	out->len = got > 0 ? (size_t)got : 0;
	close(fd);
	return 0;
}

static void vl_push(struct vlines *v, const struct logline *l)
{
	struct logline *d;

	if (!(v->n & (v->n + 1)) || !v->v)
		v->v = realloc(v->v, (v->n * 2 + 2) * sizeof *v->v);
	d = &v->v[v->n++];
	*d = *l;
}

void vlines_free(struct vlines *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		logline_free(&v->v[i]);
	free(v->v);
	memset(v, 0, sizeof *v);
}

/* ---- the daemon's end/limit paging ---- */

/* Step names shared by many snapshots; the step changes rarely, so the
 * ring holds references instead of copies (bounded by the ring size). */
struct sref {
	int rc;
	char s[];
};

static struct sref *sref_new(const char *s)
{
	size_t n = strlen(s);
	struct sref *r = malloc(sizeof *r + n + 1);

	r->rc = 1;
	memcpy(r->s, s, n + 1);
	return r;
}

static struct sref *sref_get(struct sref *r)
{
	r->rc++;
	return r;
}

static void sref_put(struct sref *r)
{
	if (r && --r->rc == 0)
		free(r);
}

struct snap {
	long long off;
	struct sref *step;    /* state before the line */
	char ts[64];
};

struct win {
	struct logstate st;
	struct sref *cur;     /* st.step, shared */
	struct logline tmp;
	long long total, end, limit;
	struct snap *ring, *fix; /* last `limit` lines; lines [end-limit, end) */
};

static void snap_set(struct snap *d, long long off, struct sref *step, const char *ts)
{
	sref_put(d->step);
	d->off = off;
	d->step = sref_get(step);
	memcpy(d->ts, ts, sizeof d->ts);
}

static void count_line(void *ctx, long long off, const char *s, size_t n, long long full)
{
	struct win *w = ctx;
	struct sref *before = sref_get(w->cur);
	char ts[64];
	long long i;
	int vis;

	memcpy(ts, w->st.ts, sizeof ts);
	vis = log_parse(&w->st, s, n, full, &w->tmp);
	if (strcmp(w->st.step, w->cur->s) != 0) {
		sref_put(w->cur);
		w->cur = sref_new(w->st.step);
	}
	if (vis) {
		i = w->total++;
		snap_set(&w->ring[i % w->limit], off, before, ts);
		if (w->end >= 0 && i >= w->end - w->limit && i < w->end)
			snap_set(&w->fix[i - (w->end - w->limit)], off, before, ts);
	}
	sref_put(before);
}

static void reparse(int fd, const struct snap *sn, struct vlines *out)
{
	struct buf line = {0};
	struct logline l = {0};
	struct logstate st;
	long long full, e = line_end(fd, sn->off);

	snprintf(st.step, sizeof st.step, "%s", sn->step->s);
	memcpy(st.ts, sn->ts, sizeof st.ts);

	read_line(fd, NULL, sn->off, e, &line, &full);
	if (log_parse(&st, line.p ? line.p : "", line.len, full, &l)) {
		l.off = sn->off;
		vl_push(out, &l);
	} else {
		logline_free(&l);
	}
	buf_free(&line);
}

int log_window(const char *path, long long end, long long limit, struct vlines *out)
{
	struct win w = {0};
	long long size, i, start;
	struct snap *src;
	int fd = open_log(path, &size);

	memset(out, 0, sizeof *out);
	if (fd < 0)
		return -1;
	w.limit = limit > 0 ? limit : 1000;
	w.end = end;
	w.ring = calloc((size_t)w.limit, sizeof *w.ring);
	w.fix = end >= 0 ? calloc((size_t)w.limit, sizeof *w.fix) : NULL;
	w.cur = sref_new("");
	forward(fd, 0, count_line, &w);
	out->size = size;
	out->total = w.total;
	if (end < 0 || end > w.total) {
		end = w.total;
		start = end > w.limit ? end - w.limit : 0;
		for (i = start; i < end; i++)
			reparse(fd, &w.ring[i % w.limit], out);
	} else {
		start = end > w.limit ? end - w.limit : 0;
		src = w.fix + (start - (end - w.limit));
		for (i = start; i < end; i++)
			reparse(fd, &src[i - start], out);
	}
	out->start = start;
	out->end = end;
	logline_free(&w.tmp);
	for (i = 0; i < w.limit; i++) {
		sref_put(w.ring[i].step);
		if (w.fix)
			sref_put(w.fix[i].step);
	}
	sref_put(w.cur);
	free(w.ring);
	free(w.fix);
	close(fd);
	return 0;
}

/* ---- cursor paging, backward from a byte offset ---- */

#define STATE_SCAN (8LL << 20) /* how far back we look for the current step */

/* The parse state at offset p: the nearest earlier step_started /
 * step_completed status line and marker timestamp, within STATE_SCAN. */
static void state_at(int fd, struct rback *b, long long p, struct logstate *st)
{
	struct buf line = {0};
	struct logstate tmp;
	struct logline l = {0};
	long long s, e, full, floor = p > STATE_SCAN ? p - STATE_SCAN : 0;
	int have_ts = 0;

	memset(st, 0, sizeof *st);
	while (p > floor) {
		e = p - 1;
		s = nl_before(b, e) + 1;
		p = s;
		read_line(fd, b, s, e, &line, &full);
		/* only marked lines matter; parse status lines only */
		if (!line.len || line.p[0] != '[')
			continue;
		if (have_ts && !memmem(line.p, line.len, "] [status] step_", 16))
			continue;
		memset(&tmp, 0, sizeof tmp);
		strcpy(tmp.ts, "-");
		log_parse(&tmp, line.p, line.len, full, &l);
		if (strcmp(tmp.ts, "-") == 0)
			continue;
		if (!have_ts++)
			memcpy(st->ts, tmp.ts, sizeof st->ts);
		if (l.type.len == 6 && !memcmp(l.type.p, "status", 6) &&
		    (!strncmp(l.content.p, "step_started: ", 14) || !strncmp(l.content.p, "step_completed: ", 16))) {
			memcpy(st->step, tmp.step, sizeof st->step);
			break;
		}
	}
	logline_free(&l);
	buf_free(&line);
}

struct span { long long s, e; };

int log_back(const char *path, long long before, size_t want, struct vlines *out)
{
	struct rback *b;
	struct span *sp = NULL;
	size_t nsp = 0, cap = 0, vis = 0, i;
	struct buf line = {0};
	struct logline l = {0};
	struct logstate st;
	long long size, pos, s, e, full;
	int fd = open_log(path, &size);

	memset(out, 0, sizeof *out);
	if (fd < 0)
		return -1;
	out->size = size;
	b = malloc(sizeof *b);
	b->fd = fd, b->bo = 0, b->bl = 0;
	pos = before < 0 || before > size ? size : before;
	if (pos > 0 && pos < size && byte_at(b, pos - 1) != '\n') {
		free(b);
		close(fd);
		return -2;
	}
	while (pos > 0 && vis < want) {
		e = (pos == size && byte_at(b, size - 1) != '\n') ? size : pos - 1;
		s = nl_before(b, e) + 1;
		pos = s;
		read_line(fd, b, s, e, &line, &full);
		memset(&st, 0, sizeof st);
		strcpy(st.ts, "x");
		vis += log_parse(&st, line.p ? line.p : "", line.len, full, &l);
		if (nsp == cap)
			sp = realloc(sp, (cap = cap * 2 + 64) * sizeof *sp);
		sp[nsp++] = (struct span){s, e};
	}
	out->first_off = pos;
	state_at(fd, b, pos, &st);
	for (i = nsp; i-- > 0;) {
		read_line(fd, b, sp[i].s, sp[i].e, &line, &full);
		if (log_parse(&st, line.p ? line.p : "", line.len, full, &l)) {
			l.off = sp[i].s;
			vl_push(out, &l);
			memset(&l, 0, sizeof l);
		}
	}
	logline_free(&l);
	buf_free(&line);
	free(sp);
	free(b);
	close(fd);
	return 0;
}
