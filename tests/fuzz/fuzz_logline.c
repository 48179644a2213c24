/* libFuzzer: the full.log line parser, the stream-json rewrite, the step
 * output converter and LogLine JSON; then the two file readers on the same
 * bytes, which must agree: paging backward by byte offset (log_back) gives
 * the same visible lines as the daemon-style forward read (log_window). */
#include "json.h"
#include "logparse.h"
#include "logread.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void parse_lines(const char *s, size_t size)
{
	const char *p = s, *e;
	struct logstate st = {0};
	struct logline l = {0};
	struct buf out = {0};
	size_t n;

	while (p < s + size) {
		e = memchr(p, '\n', (size_t)(s + size - p));
		n = e ? (size_t)(e - p) : (size_t)(s + size - p);
		if (log_parse(&st, p, n, (long long)n + (n & 1) * LOG_BIG, &l)) {
			struct json_object *o = logline_json(&l, 1);

			json_emit(&out, o);
			json_object_put(o);
			buf_reset(&out);
		}
		p = e ? e + 1 : s + size;
	}
	stepout_convert(s, size, &out);
	logline_free(&l);
	buf_free(&out);
}

static int same(const struct logline *a, const struct logline *b)
{
	return a->type.len == b->type.len && a->content.len == b->content.len &&
	       a->step.len == b->step.len && a->off == b->off &&
	       (!a->type.len || !memcmp(a->type.p, b->type.p, a->type.len)) &&
	       (!a->content.len || !memcmp(a->content.p, b->content.p, a->content.len)) &&
	       (!a->step.len || !memcmp(a->step.p, b->step.p, a->step.len));
}

/* Every page of 3 lines read backward, concatenated, equals the forward read. */
static void readers_agree(const char *path)
{
	struct vlines all, pg;
	long long before = -1, k;

	if (log_window(path, -1, 500, &all) != 0)
		return;
	k = all.total < 500 ? all.total : 500;
	while (before != 0 && k > 0) {
		if (log_back(path, before, 3, &pg) != 0)
			abort();
		if (!pg.n && pg.first_off)
			abort();
		for (size_t i = pg.n; i-- > 0;)
			if (k <= 0 || !same(&pg.v[i], &all.v[--k]))
				abort();
		before = pg.first_off;
		vlines_free(&pg);
		if (!before)
			break;
	}
	if (k != 0)
		abort();
	vlines_free(&all);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;

	parse_lines((const char *)data, size);
	if (fd < 0) {
		snprintf(path, sizeof path, "/tmp/fuzz_logline.XXXXXX");
		fd = mkstemp(path);
		if (fd < 0)
			return 0;
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	readers_agree(path);
	return 0;
}
