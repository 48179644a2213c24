/* libFuzzer target for the bytes the stream helper parses itself (the
 * HTTP request is parsed by libevent): the stream path and its ID, the
 * Last-Event-ID / from= cursor, and the SSE framing of untrusted data.
 * Invariants: a frame is exactly one event (no blank line inside, one
 * "data:" line, ends with "\n\n"); IDs are digits; a parsed ID has no
 * control byte. Built by tests/fuzz/run.sh with the helper's frame.c. */
#include "../../sse-helper/frame.c"
#include <stdint.h>
#include <stdlib.h>

static void check_frame(const char *data, size_t n)
{
	struct buf b = {0};
	size_t i, nl = 0;

	sse_frame(&b, "done", 123, data, n);
	if (b.len < 2 || b.p[b.len - 1] != '\n' || b.p[b.len - 2] != '\n')
		abort();
	for (i = 0; i + 2 < b.len; i++) {
		if (b.p[i] == '\r' || b.p[i] == '\0')
			abort();
		if (b.p[i] == '\n' && b.p[i + 1] == '\n')
			abort(); /* an event ended early */
		nl += b.p[i] == '\n';
	}
	if (nl != 2 || memcmp(b.p, "event: done\nid: 123\ndata: ", 26) != 0)
		abort();
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char id[SSE_ID_MAX + 1], *q = malloc(n + 1);
	enum sse_kind kind;
	long long v;
	size_t fl, i;
	const char *from;

	memcpy(q, d, n);
	q[n] = '\0';
	if (sse_parse_path(q, n, &kind, id) == 0) {
		if (!id[0] || strlen(id) > SSE_ID_MAX || (kind != SSE_RUN && kind != SSE_ATTEMPT))
			abort();
		for (i = 0; id[i]; i++)
			if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
				abort();
	}
	if (sse_parse_id(q, n, &v) && (v < 0 || n > 18))
		abort();
	if ((from = sse_query_from(q, &fl)) && (from < q || from + fl > q + n))
		abort();
	check_frame(q, n);
	free(q);
	return 0;
}
