/* libFuzzer target for the stream helper's resume cursor: Last-Event-ID
 * and ?from= values go through sse_parse_pos (a live ID "<seq>.<b>.<s>.<t>")
 * and sse_parse_id (a file offset). Invariants: an accepted position has
 * four parts of 1..18 digits each, is non-negative, and framing it with
 * sse_frame_pos gives back exactly the same bytes as its ID line, which
 * parses to the same position (what the browser sends back is what we
 * sent); an input is never both a position and a plain ID; nothing reads
 * past n (the input is copied without a terminator). Built by
 * tests/fuzz/run.sh with the helper's frame.c. */
#include "../../sse-helper/frame.c"
#include <stdint.h>
#include <stdlib.h>

static void round_trip(const struct sse_pos *p)
{
	struct buf b = {0};
	struct sse_pos q;
	const char *id, *nl;

	sse_frame_pos(&b, NULL, p, "x", 1);
	buf_putc(&b, '\0');
	if (strncmp(b.p, "id: ", 4) != 0)
		abort();
	id = b.p + 4;
	nl = strchr(id, '\n');
	if (!nl || !sse_parse_pos(id, (size_t)(nl - id), &q))
		abort();
	if (q.seq != p->seq || q.b != p->b || q.s != p->s || q.t != p->t)
		abort();
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char *s = malloc(n ? n : 1);
	struct sse_pos p;
	long long id;
	size_t i, dots = 0, run = 0;
	int is_pos, is_id;

	memcpy(s, d, n);
	is_pos = sse_parse_pos(s, n, &p);
	is_id = sse_parse_id(s, n, &id);
	if (is_pos && is_id)
		abort();
	if (is_pos) {
		for (i = 0; i < n; i++) {
			if (s[i] == '.') {
				if (run == 0 || run > 18)
					abort();
				dots++;
				run = 0;
			} else if (s[i] < '0' || s[i] > '9') {
				abort();
			} else {
				run++;
			}
		}
		if (dots != 3 || run == 0 || run > 18 || p.seq < 0 || p.b < 0 || p.s < 0 || p.t < 0)
			abort();
		round_trip(&p);
	}
	if (is_id && (id < 0 || n == 0 || n > 18))
		abort();
	free(s);
	return 0;
}
