/* The live→file position of the stream helper (sse-helper/livepos.c): a
 * live event's ID must name the same place in full.log, so a client that
 * resumes in the file after the run ended gets no line twice and misses
 * none at step boundaries (docs/sse.md "One position for both paths"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../sse-helper/frame.c"
#include "../../sse-helper/lineread.c"
#include "../../sse-helper/livepos.c"

static char proj[64], logp[160];

static void append(const char *s)
{
	int fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
}

/* A fresh project with an empty log directory; logp names its full.log. */
static void fresh_log(const char *tag)
{
	char dir[160];

	snprintf(proj, sizeof proj, "/tmp/%s.%d", tag, (int)getpid());
	snprintf(dir, sizeof dir, "%s/.cloche/logs/t/a", proj);
	assert_int_equal(system(strcat(strcpy((char[200]){0}, "mkdir -p "), dir)), 0);
	snprintf(logp, sizeof logp, "%s/full.log", dir);
}

static long long offset_of(const struct livepos *p, int final)
{
	struct sse_pos at = {0, p->b, p->s, p->t};
	int fd = open(logp, O_RDONLY);
	long long off = livepos_offset(fd, &at, final);

	close(fd);
	return off;
}

static const char A[] = "[t] [status] step_started: build\n[t] [script] running build\n[t] [script] build: ok\n"
			"[t] [status] step_completed: build -> success\n";
static const char B1[] = "[t] [status] step_started: agent\n";
static const char B2[] = "[t] [llm] one\n[t] [llm] two\n[t] [status] step_completed: agent -> success\n";

/* The history of step build is replayed after its block is on disk (late
 * viewer); step agent starts before anything of it is written. */
static void test_positions_match_the_file(void **state)
{
	struct livepos p;

	(void)state;
	fresh_log("test_livepos");
	append(A);
	livepos_init(&p, proj, logp);
	livepos_entry(&p, "step_started: build");
	assert_int_equal(offset_of(&p, 0), strchr(A, '\n') - A + 1);
	livepos_entry(&p, "running build\nbuild: ok\n");
	livepos_entry(&p, "step_completed: build -> success");
	assert_int_equal(offset_of(&p, 0), (long long)strlen(A));
	livepos_entry(&p, "step_started: agent");
	assert_int_equal(p.b, (long long)strlen(A)); /* where the block will be */
	livepos_entry(&p, "step_started: inner");     /* inner: no file line */
	livepos_entry(&p, "{\"type\":\"system\"}");  /* dropped live, a line on disk */
	append(B1);
	append(B2);
	assert_int_equal(offset_of(&p, 1), (long long)(strlen(A) + strlen(B1) + 14));
	livepos_entry(&p, "{\"type\":\"x\"}");
	livepos_entry(&p, "{\"type\":\"y\"}"); /* one more than on disk */
	livepos_entry(&p, "step_completed: inner -> success");
	/* Inside the step the text count stops at the block's end line. */
	assert_int_equal(offset_of(&p, 1), (long long)(strlen(A) + strlen(B1) + strlen(B2)) - 46);
	livepos_entry(&p, "step_completed: agent -> success");
	assert_int_equal(offset_of(&p, 1), (long long)(strlen(A) + strlen(B1) + strlen(B2)));
	livepos_free(&p);
	assert_int_equal(system(strcat(strcpy((char[200]){0}, "rm -rf "), proj)), 0);
}

static int covered(long long b, long long s, long long t, long long upto)
{
	struct sse_pos at = {0, b, s, t};
	int fd = open(logp, O_RDONLY), rc = livepos_covered(fd, &at, upto);

	close(fd);
	return rc;
}

/* A viewer that read full.log up to a byte offset and then goes live
 * skips exactly the live events whose lines are in those bytes; the
 * events of a step not written yet are always new to it. */
static void test_covered_by_a_file_offset(void **state)
{
	long long a = (long long)strlen(A), l1 = strchr(A, '\n') - A + 1;

	(void)state;
	fresh_log("test_livepos_cov");
	append(A);
	assert_true(covered(0, 1, 0, l1));    /* step_started: build */
	assert_false(covered(0, 1, 0, 0));     /* a viewer with nothing */
	assert_false(covered(0, 1, 2, l1));    /* its output: after l1 */
	assert_true(covered(0, 1, 2, a));
	assert_false(covered(0, 2, 2, a - 1)); /* step_completed */
	assert_true(covered(0, 2, 2, a));
	assert_true(covered(0, 1, 5, a));      /* more live lines than on disk */
	assert_true(covered(0, 0, 1, a));      /* a line before any step */
	assert_false(covered(a, 1, 0, a));     /* step agent: not written yet */
	assert_false(covered(a, 1, 2, a));
	append(B1);
	append(B2);
	assert_false(covered(a, 1, 2, a + (long long)strlen(B1)));
	assert_true(covered(a, 1, 2, a + (long long)(strlen(B1) + strlen(B2))));
	assert_int_equal(system(strcat(strcpy((char[200]){0}, "rm -rf "), proj)), 0);
}

static void test_parse_pos(void **state)
{
	struct sse_pos p;

	(void)state;
	assert_int_equal(sse_parse_pos("1000000000000005.120.2.3", 24, &p), 1);
	assert_true(p.seq == 1000000000000005LL && p.b == 120 && p.s == 2 && p.t == 3);
	assert_int_equal(sse_parse_pos("1.2.3", 5, &p), 0);
	assert_int_equal(sse_parse_pos("1.2.3.4.", 8, &p), 0);
	assert_int_equal(sse_parse_pos("1..3.4", 6, &p), 0);
	assert_int_equal(sse_parse_pos("1.2.3.x", 7, &p), 0);
	assert_int_equal(sse_parse_pos("123", 3, &p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_pos),
		cmocka_unit_test(test_positions_match_the_file),
		cmocka_unit_test(test_covered_by_a_file_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
