/* Where a live (daemon) event stands in full.log, so that its ID means the
 * same position on the live path and on the file path (docs/sse.md "One
 * position for both paths"). The daemon's live view and the file differ
 * (http.md 6.8): a script blob is one event but several file lines, inner
 * container steps have status events but no file lines. They agree on the
 * outer steps: each is one block in the file, from its step_started line
 * to its step_completed line, and inside a block every live line that is
 * not an inner status is one file line per physical line. So a position
 * is (b, s, t): the offset where the current outer block starts, and how
 * many of the status lines (s) and of the other lines (t) from there on
 * the live events so far stand for. Status lines on disk are only those of
 * outer steps, so block ends are exact; inside a block, the text count is
 * the best the two views allow and never runs past the block's end. */
#ifndef SSE_LIVEPOS_H
#define SSE_LIVEPOS_H
#include "frame.h"

struct livepos {
	char *project;     /* the run's project dir, for confinement (owned) */
	char *path;        /* full.log, unresolved (owned), NULL = none */
	long long cursor;  /* where to look for the next outer block */
	long long b, s, t; /* current position */
	char *outer;       /* open outer step (owned), NULL between steps */
	char *closing;     /* last outer step whose end may not be on disk yet (owned) */
	int depth;         /* inner steps open inside the outer one */
};

/* path may be NULL (no log directory: positions stay at 0). */
void livepos_init(struct livepos *p, const char *project, const char *path);
void livepos_free(struct livepos *p);
/* Accounts one daemon log entry (its message). */
void livepos_entry(struct livepos *p, const char *msg);
/* The file offset of position (b, s, t) in the file open as fd (only
 * complete lines count, or every line when at_eof_ok). */
long long livepos_offset(int fd, const struct sse_pos *pos, int at_eof_ok);
/* 1 when the live event that ends at pos is already in the file's first
 * upto bytes: its lines are all there (or the walk meets a line beyond
 * them) and end at or before upto. An event of a block not written yet
 * is never covered. */
int livepos_covered(int fd, const struct sse_pos *pos, long long upto);
/* The run's full.log opened read-only once it exists and is confined,
 * else -1. The caller closes it. */
int livepos_open(const struct livepos *p);

#endif
