/* Reading visible lines from a full.log with bounded memory:
 *  - log_window: the daemon's end/limit paging (needs the total, so it
 *    streams the whole file once, then re-reads only the page's lines);
 *  - log_back: our cursor paging, reading backward from a byte offset so
 *    a page of a 1 GB file costs about the page's bytes. */
#ifndef CLOCHE_LOGREAD_H
#define CLOCHE_LOGREAD_H
#include "logparse.h"

#define LOG_LIMIT_MAX 5000 /* largest page we serve (D28) */

struct vlines {
	struct logline *v;    /* owned, vlines_free */
	size_t n;
	long long total;      /* log_window: visible lines in the file */
	long long start, end; /* log_window: the page [start,end) */
	long long first_off;  /* log_back: offset of the first physical line read (next cursor) */
	long long size;       /* file size when read */
};

/* 0 ok; -1 the file cannot be read (caller answers "no log"). end < 0 or
 * end > total means "to the end"; limit <= 0 means 1000. */
int log_window(const char *path, long long end, long long limit, struct vlines *out);
/* Up to want visible lines ending before byte offset before (-1 = end of
 * file). 0 ok, -1 unreadable, -2 before is not a line start. */
int log_back(const char *path, long long before, size_t want, struct vlines *out);
/* The raw bytes of the physical line at off, at most max of them; -1 when
 * off is not a line start. *full gets its length. */
int log_line_at(const char *path, long long off, size_t max, struct buf *out, long long *full);
void vlines_free(struct vlines *v);

#endif
