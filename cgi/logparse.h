/* full.log lines → visible lines (store.md 3.6-3.7, http.md 6.2).
 * One physical line at a time, with the little state the format needs
 * (current step, last timestamp). Shared by the responder and the SSE
 * helper, so both show the same thing. */
#ifndef CLOCHE_LOGPARSE_H
#define CLOCHE_LOGPARSE_H
#include "buf.h"
#include <json-c/json.h>
#include <stddef.h>

#define LOG_HOLD   (4u << 20)  /* bytes of one physical line kept for parsing */
#define LOG_BIG    (1u << 20)  /* the daemon gives up at this length (D3) */
#define LOG_SHOW   (64u << 10) /* content kept of a line >= LOG_BIG */
#define LOG_STEPMAX 1024       /* step names are cut here (bounded state) */

struct logstate {
	char step[LOG_STEPMAX + 1]; /* current step, '' = none */
	char ts[64];                /* last marker timestamp seen (D18), '' = none */
};

struct logline {           /* one visible line; buffers owned, logline_free */
	struct buf ts, type, content, step;
	long long off;      /* byte offset of the physical line in the file */
	long long len;      /* its full length without the terminator */
	int truncated;      /* content cut for display (line >= LOG_BIG) */
};

/* raw/n: the held bytes of the line (n <= LOG_HOLD, terminator and the
 * CR before it removed); full: the line's real length. 1 = visible and
 * *out filled (previous contents replaced), 0 = dropped. */
int log_parse(struct logstate *st, const char *raw, size_t n, long long full,
	      struct logline *out);
/* LogLine JSON: timestamp,type,content[,step_name]; with_off adds
 * "offset" (our cursor API); truncated lines add truncated/bytes/offset. */
struct json_object *logline_json(const struct logline *l, int with_off);
void logline_free(struct logline *l);

/* stream-json rewrite of one llm content (already trimmed, starts with
 * '{'). 1 = JSON, *out holds the text ('' = drop); 0 = not JSON. */
int llm_rewrite(const char *s, size_t n, struct buf *out);
/* Trim Unicode white space as Go's strings.TrimSpace does. */
void utrim(const char **s, size_t *n);
/* The per-step output converter of store.md 3.7 (whole file). */
void stepout_convert(const char *s, size_t n, struct buf *out);

#endif
