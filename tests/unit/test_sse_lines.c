/* The stream helper's position-based reading (sse-helper/lineread.c) and
 * framing (frame.c): offsets after each line are the event IDs, so they
 * must agree with what a resumed stream reads, whatever the terminators. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../sse-helper/frame.c"
#include "../../sse-helper/lineread.c"

static int tmpfile_with(const char *s, size_t n)
{
	char path[] = "/tmp/test_sse_lines.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, s, n), (ssize_t)n);
	return fd;
}

static void t_lines_and_offsets(void **u)
{
	static const char data[] = "a\r\nbb\n\ncc\rx\nlast";
	int fd = tmpfile_with(data, sizeof data - 1);
	struct lread r;
	const char *s;
	size_t n;
	long long full, next, off = 0;

	(void)u;
	lread_init(&r, fd);
	assert_int_equal(lread_line(&r, off, 0, &s, &n, &full, &next), 1);
	assert_int_equal(n, 1);
	assert_memory_equal(s, "a", 1);
	assert_int_equal(next, 3);          /* CRLF: CR dropped, both consumed */
	assert_int_equal(lread_line(&r, next, 0, &s, &n, &full, &next), 1);
	assert_int_equal(next, 6);
	assert_int_equal(lread_line(&r, next, 0, &s, &n, &full, &next), 1);
	assert_int_equal(n, 0);             /* empty line */
	assert_int_equal(lread_line(&r, next, 0, &s, &n, &full, &next), 1);
	assert_int_equal(n, 4);             /* a lone CR stays inside the line */
	assert_memory_equal(s, "cc\rx", 4);
	off = next;
	/* unterminated last line: only when the run is over */
	assert_int_equal(lread_line(&r, off, 0, &s, &n, &full, &next), 0);
	assert_int_equal(lread_line(&r, off, 1, &s, &n, &full, &next), 1);
	assert_int_equal(next, (long long)sizeof data - 1);
	assert_int_equal(lread_line(&r, next, 1, &s, &n, &full, &next), 0);
	lread_done(&r);
	close(fd);
}

static void t_tail_and_state(void **u)
{
	struct buf b = {0};
	long long total, start, end;
	struct logstate st;
	int fd, i;

	(void)u;
	buf_puts(&b, "[t0] [status] step_started: build\n");
	for (i = 0; i < 30; i++) {
		buf_puts(&b, "[t1] [script] line ");
		buf_putll(&b, i);
		buf_putc(&b, '\n');
	}
	buf_puts(&b, "[t2] [llm] {\"type\":\"user\"}\n"); /* invisible */
	fd = tmpfile_with(b.p, b.len);
	assert_int_equal(lread_tail(fd, 0, 10, &total, &start, &end), 0);
	assert_int_equal(total, 31);
	assert_int_equal(end, (long long)b.len);
	assert_memory_equal(b.p + start, "[t1] [script] line 20\n", 22);
	assert_int_equal(lread_state(fd, start, &st), 0);
	assert_string_equal(st.step, "build");
	assert_string_equal(st.ts, "t1");
	close(fd);
	buf_free(&b);
}

static void t_frames(void **u)
{
	struct buf b = {0};
	long long id;
	enum sse_kind k;
	char out[SSE_ID_MAX + 1];
	size_t n;

	(void)u;
	sse_frame(&b, NULL, 42, "x\r\ndata: y\n\nid: 1\0z", 19);
	assert_string_equal(buf_str(&b), "id: 42\ndata: x  data: y  id: 1 z\n\n");
	buf_free(&b);
	assert_int_equal(sse_parse_id("123", 3, &id), 1);
	assert_int_equal(id, 123);
	assert_int_equal(sse_parse_id("12a", 3, &id), 0);
	assert_int_equal(sse_parse_id("", 0, &id), 0);
	assert_int_equal(sse_parse_id("1234567890123456789", 19, &id), 0);
	assert_int_equal(sse_parse_path("/base/api/runs/a%2Fb/stream", 27, &k, out), 0);
	assert_int_equal(k, SSE_RUN);
	assert_string_equal(out, "a/b");
	assert_int_equal(sse_parse_path("/api/attempts/x/stream", 22, &k, out), 0);
	assert_int_equal(k, SSE_ATTEMPT);
	assert_int_equal(sse_parse_path("/api/runs//stream", 17, &k, out), -1); /* no ID: no route */
	assert_int_equal(sse_parse_path("/api/runs/%zz/stream", 20, &k, out), -2);
	assert_int_equal(sse_parse_path("/api/runs/%0a/stream", 20, &k, out), -2);
	assert_int_equal(sse_parse_path("/api/runs/x/streams", 19, &k, out), -1);
	assert_int_equal(sse_parse_path("/api/run/x/stream", 17, &k, out), -1);
	assert_non_null(sse_query_from("a=1&from=77", &n));
	assert_int_equal(n, 2);
	assert_null(sse_query_from("xfrom=1", &n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_lines_and_offsets),
		cmocka_unit_test(t_tail_and_state),
		cmocka_unit_test(t_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
