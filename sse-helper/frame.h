/* The parts of the stream protocol that touch bytes from the network or
 * from log files, kept free of libevent so the fuzzer can drive them:
 * the request path, Last-Event-ID, and the SSE framing of one event. */
#ifndef SSE_FRAME_H
#define SSE_FRAME_H
#include "buf.h"
#include <stddef.h>

enum sse_kind { SSE_RUN = 1, SSE_ATTEMPT = 2 };

#define SSE_ID_MAX 512          /* longest run/attempt ID we accept (bytes) */
/* Event IDs of daemon (live) lines: LIVE_BASE + entry index. File IDs are
 * byte offsets and stay far below it (a log of 10^15 bytes is 1 PB). */
#define SSE_LIVE_BASE 1000000000000000LL

/* A live event's ID: "<seq>.<b>.<s>.<t>", seq = SSE_LIVE_BASE + daemon
 * entries (where the live stream resumes), b/s/t = the same position in
 * full.log (sse-helper/livepos.h; where the file path resumes). */
struct sse_pos {
	long long seq, b, s, t;
};

/* Raw request path (no query) → kind and percent-decoded ID (out has
 * SSE_ID_MAX+1 bytes). Returns 0 ok, -1 not a stream route (404),
 * -2 malformed ID: bad escape, NUL, empty, control byte or too long (400). */
int sse_parse_path(const char *path, size_t n, enum sse_kind *kind, char *out);
/* Last-Event-ID (or ?from=): 1..18 ASCII digits → 1 and *id; anything else
 * → 0 (ignored, the stream starts from the beginning as the daemon's). */
int sse_parse_id(const char *s, size_t n, long long *id);
/* "<seq>.<b>.<s>.<t>", each 1..18 digits → 1 and *p; else 0. */
int sse_parse_pos(const char *s, size_t n, struct sse_pos *p);
/* The value of from= in a query string, or NULL; *n gets its length. */
const char *sse_query_from(const char *q, size_t *n);
/* One event: [event: <name>\n] id: <id>\n data: <data>\n \n. name is one
 * of our literals; data is untrusted and any CR, LF or NUL in it becomes a
 * space so it can never end the field or the event early. */
void sse_frame(struct buf *out, const char *event, long long id, const char *data, size_t n);
/* The same with a live position as the ID. */
void sse_frame_pos(struct buf *out, const char *event, const struct sse_pos *p, const char *data, size_t n);

#endif
