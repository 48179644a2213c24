/* Physical lines of a full.log read by byte position, so that a stream can
 * stop anywhere and go on from the same offset later (even in another
 * process): the offset after a line is the event ID we hand out. Same
 * rules as cgi/logread.c: LF ends a line, a CR before it is dropped, at
 * most LOG_HOLD bytes of a line are kept. */
#ifndef SSE_LINEREAD_H
#define SSE_LINEREAD_H
#include "buf.h"
#include "logparse.h"

struct lread {
	int fd;
	long long bo;       /* file offset of blk[0] */
	size_t bl;          /* valid bytes in blk */
	struct buf hold;    /* the current line's kept bytes */
	char *blk;          /* 64 KiB, owned */
};

/* The reader borrows fd (the caller closes it). lread_done frees buffers. */
void lread_init(struct lread *r, int fd);
void lread_done(struct lread *r);
/* The line starting at off: 1 with *s and *n (held bytes, valid until the next
 * call), *full (length without terminator) and *next (offset after it);
 * 0 when there is no complete line there (an unterminated last line counts
 * only when at_eof_ok); -1 on a read error. */
int lread_line(struct lread *r, long long off, int at_eof_ok, const char **s, size_t *n,
	       long long *full, long long *next);

/* 1 when off is where a line starts in the file (0, or just after a LF). */
int lread_line_start(int fd, long long off);

/* The parser state at offset upto, from a quick pass over [0, upto) that
 * looks only at the markers (no JSON parsing). 0 ok, -1 read error. */
int lread_state(int fd, long long upto, struct logstate *st);

/* For a first connection: counts visible lines in the file (complete
 * lines, plus an unterminated last one when at_eof_ok) and finds where
 * the last `keep` of them start. *total, *start (offset of the first line
 * to send; 0 when all fit), *end (offset after the last line counted). */
int lread_tail(int fd, int at_eof_ok, long long keep, long long *total, long long *start, long long *end);

#endif
