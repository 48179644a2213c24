/* full.log parsing (store.md 3.6-3.7), paths (3.5, T9) and paging. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "logparse.h"
#include "logpath.h"
#include "logread.h"

static struct logline L;

static int parse(struct logstate *st, const char *s)
{
	return log_parse(st, s, strlen(s), (long long)strlen(s), &L);
}

static const char *content(void)
{
	return buf_str(&L.content);
}

static void t_marker(void **u)
{
	struct logstate st = {0};

	(void)u;
	assert_int_equal(parse(&st, "[2026-03-03T09:15:00Z] [script] hello ] [x] [y]"), 1);
	assert_string_equal(buf_str(&L.ts), "2026-03-03T09:15:00Z");
	assert_string_equal(buf_str(&L.type), "script");
	assert_string_equal(content(), "hello ] [x] [y]");
	assert_int_equal(parse(&st, "[ts] [script] "), 1);
	assert_string_equal(content(), "");
	/* no space after the type: not a marker, whole line is script content */
	assert_int_equal(parse(&st, "[ts2] [script]"), 1);
	assert_string_equal(content(), "[ts2] [script]");
	assert_string_equal(buf_str(&L.ts), "ts"); /* D18: last seen timestamp */
	assert_int_equal(parse(&st, "[] [script] x"), 1);
	assert_string_equal(content(), "[] [script] x");
	/* NUL, lone CR and invalid UTF-8 are content like any other byte */
	assert_int_equal(log_parse(&st, "[t] [script] a\0b\rc\xff", 19, 19, &L), 1);
	assert_int_equal(L.content.len, 6);
	assert_memory_equal(L.content.p, "a\0b\rc\xff", 6);
}

static void t_unmarked_first(void **u)
{
	struct logstate st = {0};

	(void)u;
	assert_int_equal(parse(&st, "plain"), 1);
	assert_int_equal(L.ts.len, 20); /* request time, RFC3339 Z */
	assert_int_equal(L.ts.p[19], 'Z');
	assert_string_equal(buf_str(&L.type), "script");
}

static void t_steps(void **u)
{
	struct logstate st = {0};

	(void)u;
	parse(&st, "[t] [script] before");
	assert_int_equal(L.step.len, 0);
	parse(&st, "[t] [status] step_started: build");
	assert_string_equal(buf_str(&L.step), "build");
	parse(&st, "[t] [status] step_skipped: other -> success");
	assert_string_equal(buf_str(&L.step), "build");
	parse(&st, "[t] [script] out");
	assert_string_equal(buf_str(&L.step), "build");
	parse(&st, "[t] [status] step_completed: build -> fail");
	assert_string_equal(buf_str(&L.step), "build");
	parse(&st, "[t] [script] after");
	assert_int_equal(L.step.len, 0);
	/* llm lines that are dropped keep the step unchanged */
	parse(&st, "[t] [status] step_started: x");
	assert_int_equal(parse(&st, "[t] [llm] {\"type\":\"system\"}"), 0);
	parse(&st, "[t] [script] y");
	assert_string_equal(buf_str(&L.step), "x");
}

static void t_llm(void **u)
{
	struct logstate st = {0};

	(void)u;
	assert_int_equal(parse(&st, "[t] [llm]    "), 0);
	assert_int_equal(parse(&st, "[t] [llm]   plain text  "), 1);
	assert_string_equal(content(), "plain text");
	assert_int_equal(parse(&st, "[t] [llm] {not json"), 1);
	assert_string_equal(content(), "{not json");
	assert_int_equal(parse(&st, "[t] [llm] {\"type\":\"user\",\"message\":{}}"), 0);
	assert_int_equal(parse(&st, "[t] [llm] {\"x\":1}"), 0);
	assert_int_equal(parse(&st, "[t] [llm] {\"type\":\"result\",\"result\":\"\"}"), 0);
	assert_int_equal(parse(&st, "[t] [llm] {\"type\":\"result\",\"result\":\"ok <b>\"}"), 1);
	assert_string_equal(content(), "ok <b>");
	assert_int_equal(parse(&st, "[t] [llm] {\"type\":\"assistant\",\"message\":{\"content\":["
			  "{\"type\":\"text\",\"text\":\"  I'll read it. \"},{\"type\":\"text\",\"text\":\"  \"},"
			  "{\"type\":\"tool_use\",\"name\":\"Read\",\"input\":{\"file_path\":\"a/b.go\"}}]}}"), 1);
	assert_string_equal(content(), "I'll read it.\n\n--- Tool: Read('a/b.go') ---\n");
	assert_int_equal(parse(&st, "[t] [llm] {\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\" \"}]}}"), 0);
	assert_int_equal(parse(&st, "[t] [llm] {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"de\"}}"), 1);
	assert_string_equal(content(), "de");
	assert_int_equal(parse(&st, "[t] [llm] {\"type\":\"content_block_start\",\"content_block\":{\"type\":\"tool_use\",\"name\":\"Glob\",\"input\":{\"pattern\":\"*.c\"}}}"), 1);
	assert_string_equal(content(), "\n--- Tool: Glob('*.c') ---\n");
	/* script lines are never rewritten */
	assert_int_equal(parse(&st, "[t] [script] {\"type\":\"system\"}"), 1);
}

static void tool(const char *json, const char *want)
{
	struct buf out = {0};

	assert_int_equal(llm_rewrite(json, strlen(json), &out), 1);
	assert_string_equal(buf_str(&out), want);
	buf_free(&out);
}

static void t_tools(void **u)
{
	char json[512], want[256], cmd[100];

	(void)u;
	memset(cmd, 'x', 90);
	cmd[90] = 0;
	snprintf(json, sizeof json, "{\"type\":\"content_block_start\",\"content_block\":{\"type\":\"tool_use\",\"name\":\"Bash\",\"input\":{\"command\":\"%s\"}}}", cmd);
	cmd[80] = 0;
	snprintf(want, sizeof want, "\n--- Tool: Bash('%s...') ---\n", cmd);
	tool(json, want);
	tool("{\"type\":\"content_block_start\",\"content_block\":{\"type\":\"tool_use\",\"name\":\"Mystery\",\"input\":{\"query\":\"q\",\"pattern\":\"p\"}}}",
	     "\n--- Tool: Mystery('p') ---\n");
	tool("{\"type\":\"content_block_start\",\"content_block\":{\"type\":\"tool_use\",\"name\":\"Read\",\"input\":{\"file_path\":7}}}",
	     "\n--- Tool: Read ---\n");
	tool("{\"type\":\"content_block_start\",\"content_block\":{\"type\":\"tool_use\",\"name\":\"Write\",\"input\":{}}}",
	     "\n--- Tool: Write ---\n");
	/* the cut is by bytes: 79 x + a 2-byte character → 80 bytes cut inside it */
	memset(cmd, 'x', 79);
	strcpy(cmd + 79, "\xC3\xA9zz");
	snprintf(json, sizeof json, "{\"type\":\"content_block_start\",\"content_block\":{\"type\":\"tool_use\",\"name\":\"Grep\",\"input\":{\"pattern\":\"%s\"}}}", cmd);
	cmd[80] = 0;
	snprintf(want, sizeof want, "\n--- Tool: Grep('%s...') ---\n", cmd);
	tool(json, want);
}

static void t_long_line(void **u)
{
	struct logstate st = {0};
	size_t n = (2u << 20) + 10;
	char *s = malloc(n + 1);

	(void)u;
	memcpy(s, "[t] [script] ", 13);
	memset(s + 13, 'A', n - 13);
	s[n] = 0;
	assert_int_equal(log_parse(&st, s, n, (long long)n, &L), 1);
	assert_int_equal(L.truncated, 1);
	assert_true(L.content.len < LOG_SHOW + 100);
	assert_non_null(strstr(content(), "line truncated"));
	/* held prefix of a huge llm user event: dropped as the full line would be */
	memcpy(s, "[t] [llm] {\"type\":\"user\",\"x\":\"", 31);
	assert_int_equal(log_parse(&st, s, n, (long long)n * 4, &L), 0);
	free(s);
}

static void t_stepout(void **u)
{
	struct buf out = {0};
	const char *plain = "a\r\n\n  b  \n";
	const char *mixed = "  hello \n\n{\"type\":\"result\",\"result\":\"R\"}\n{\"type\":\"system\"}\n";

	(void)u;
	stepout_convert(plain, strlen(plain), &out);
	assert_int_equal(out.len, strlen(plain));
	assert_memory_equal(out.p, plain, out.len);
	buf_reset(&out);
	stepout_convert(mixed, strlen(mixed), &out);
	assert_string_equal(buf_str(&out), "hello\nR");
	buf_free(&out);
}

static char dir[] = "/tmp/test_logparse.XXXXXX";

static void write_file(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "wb");

	fwrite(s, 1, n, f);
	fclose(f);
}

static void t_paging(void **u)
{
	char path[256];
	FILE *f;
	struct vlines v;
	int i;

	(void)u;
	snprintf(path, sizeof path, "%s/p.log", dir);
	f = fopen(path, "wb");
	fputs("[t] [status] step_started: s\r\n", f);
	for (i = 0; i < 2500; i++) {
		fprintf(f, "[t] [script] line %d\n", i);
		if (i % 7 == 0)
			fputs("[t] [llm] {\"type\":\"system\"}\n", f); /* dropped, not counted */
	}
	fputs("[t] [script] tail-no-newline", f);
	fclose(f);
	assert_int_equal(log_window(path, -1, 1000, &v), 0);
	assert_int_equal(v.total, 2502);
	assert_int_equal(v.start, 1502);
	assert_int_equal(v.n, 1000);
	assert_string_equal(buf_str(&v.v[999].content), "tail-no-newline");
	vlines_free(&v);
	assert_int_equal(log_window(path, 1501, 1000, &v), 0);
	assert_int_equal(v.start, 501);
	assert_string_equal(buf_str(&v.v[0].content), "line 500");
	assert_string_equal(buf_str(&v.v[0].step), "s");
	vlines_free(&v);
	assert_int_equal(log_window(path, 9999, 10, &v), 0); /* end > total → total */
	assert_int_equal(v.end, 2502);
	vlines_free(&v);
	/* backward paging: same lines, with offsets and the step recovered */
	assert_int_equal(log_back(path, -1, 3, &v), 0);
	assert_int_equal(v.n, 3);
	assert_string_equal(buf_str(&v.v[0].content), "line 2498");
	assert_string_equal(buf_str(&v.v[0].step), "s");
	assert_true(v.first_off > 0);
	i = (int)v.first_off;
	vlines_free(&v);
	assert_int_equal(log_back(path, i, 2, &v), 0);
	assert_string_equal(buf_str(&v.v[1].content), "line 2497");
	vlines_free(&v);
	assert_int_equal(log_back(path, i + 1, 2, &v), -2);
	assert_int_equal(log_back(path, 0, 5, &v), 0);
	assert_int_equal(v.n, 0);
	vlines_free(&v);
	/* first line: CRLF removed */
	assert_int_equal(log_back(path, 30, 5, &v), 0);
	assert_int_equal(v.n, 1);
	assert_string_equal(buf_str(&v.v[0].content), "step_started: s");
	vlines_free(&v);
	assert_int_equal(log_window("/nonexistent/x", -1, 10, &v), -1);
}

static void t_long_file_line(void **u)
{
	char path[256];
	size_t n = 3u << 20;
	char *s = malloc(n);
	struct vlines v;

	(void)u;
	snprintf(path, sizeof path, "%s/big.log", dir);
	memset(s, 'B', n);
	memcpy(s, "[t] [script] before\n[t] [script] ", 33);
	memcpy(s + n - 19, "\n[t] [script] after", 19);
	write_file(path, s, n);
	free(s);
	assert_int_equal(log_window(path, -1, 1000, &v), 0);
	assert_int_equal(v.total, 3); /* the daemon would give 0 (D3) */
	assert_int_equal(v.v[1].truncated, 1);
	assert_string_equal(buf_str(&v.v[2].content), "after");
	vlines_free(&v);
	assert_int_equal(log_back(path, -1, 2, &v), 0);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.v[0].truncated, 1);
	vlines_free(&v);
}

static struct run mkrun(const char *proj, const char *id, const char *task, const char *att)
{
	struct run r = {0};

	r.project_dir = (char *)proj, r.id = (char *)id, r.task_id = (char *)task;
	r.attempt_id = (char *)att, r.workflow = (char *)"main";
	return r;
}

static void t_paths(void **u)
{
	char p[512], *got;
	struct run r;

	(void)u;
	r = mkrun("/p", "a1-main", "T-1", "a1");
	got = logpath_dir(&r);
	assert_string_equal(got, "/p/.cloche/logs/T-1/a1/");
	free(got);
	r = mkrun("/p", "a1-main", "", "a1"); /* T9: both needed */
	got = logpath_dir(&r);
	assert_string_equal(got, "/p/.cloche/a1-main/output/");
	free(got);
	r = mkrun("/p", "x", "../../etc", "a1");
	assert_null(logpath_dir(&r));
	r = mkrun("/p", "..", "", "");
	assert_null(logpath_dir(&r));
	r = mkrun("", "x", "", "");
	assert_null(logpath_dir(&r));
	/* confinement: a symlink leaving .cloche is refused */
	snprintf(p, sizeof p, "%s/proj/.cloche/logs/T/a", dir);
	snprintf(p, sizeof p, "mkdir -p %s/proj/.cloche/logs/T/a %s/proj/.cloche/logs/E && "
		 "echo x > %s/proj/.cloche/logs/T/a/full.log && echo y > %s/outside.log && "
		 "ln -s %s %s/proj/.cloche/logs/E/a", dir, dir, dir, dir, dir, dir);
	assert_int_equal(system(p), 0);
	snprintf(p, sizeof p, "%s/proj", dir);
	r = mkrun(p, "a-main", "T", "a");
	got = logpath_full(&r);
	assert_non_null(got);
	free(got);
	r = mkrun(p, "a-main", "E", "a"); /* E/a → dir itself, outside .cloche */
	snprintf(p, sizeof p, "cp %s/outside.log %s/full.log", dir, dir);
	assert_int_equal(system(p), 0);
	assert_null(logpath_full(&r));
	assert_int_equal(logpath_step_ok("build"), 1);
	assert_int_equal(logpath_step_ok("../x"), 0);
	assert_int_equal(logpath_step_ok("a\\b"), 0);
	assert_int_equal(logpath_step_ok(".."), 0);
	assert_int_equal(logpath_step_ok("."), 0);
	assert_int_equal(logpath_step_ok(""), 0);
}

static int setup(void **u)
{
	(void)u;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **u)
{
	char cmd[300];

	(void)u;
	logline_free(&L);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_marker), cmocka_unit_test(t_unmarked_first),
		cmocka_unit_test(t_steps), cmocka_unit_test(t_llm), cmocka_unit_test(t_tools),
		cmocka_unit_test(t_long_line), cmocka_unit_test(t_stepout),
		cmocka_unit_test(t_paging), cmocka_unit_test(t_long_file_line),
		cmocka_unit_test(t_paths),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
