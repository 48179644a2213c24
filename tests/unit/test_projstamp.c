/* The project stamp (projstamp.h): it must move when anything the project
 * routes show changes (workflow files, prompts, scripts, Dockerfile,
 * version, the git HEAD or its branch), and stay put when only what they
 * do not show changes (logs, activity.log), or the cache would be stale or
 * useless. The git directory is laid out by hand: only HEAD and refs are
 * read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "projstamp.h"

static char root[256], proj[300];

static void put(const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void mk(const char *rel)
{
	char p[512];

	snprintf(p, sizeof p, "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof root, "/tmp/test_projstamp.XXXXXX");
	assert_non_null(mkdtemp(root));
	mk(".git");
	mk(".git/refs");
	mk(".git/refs/heads");
	put(".git/HEAD", "ref: refs/heads/main\n");
	put(".git/refs/heads/main", "1111111111111111111111111111111111111111\n");
	mk("sub");                       /* the project is below the work tree */
	mk("sub/.cloche");
	mk("sub/.cloche/prompts");
	mk("sub/.cloche/logs");
	put("sub/.cloche/main.cloche", "workflow main {}\n");
	put("sub/.cloche/prompts/a.md", "hello\n");
	put("sub/.cloche/version", "1\n");
	snprintf(proj, sizeof proj, "%s/sub", root);
	return 0;
}

static int teardown(void **state)
{
	char cmd[400];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd);
}

/* Writes that land in the same clock tick as the previous stamp would not
 * move an mtime; real edits are further apart. */
static unsigned long long later(void)
{
	usleep(20000);
	return projstamp(proj);
}

static void stable(void **state)
{
	(void)state;
	assert_int_equal(projstamp(proj), projstamp(proj));
	assert_true(projstamp(proj) != 0);
}

static void moves_with_files(void **state)
{
	unsigned long long s = projstamp(proj), t;

	(void)state;
	put("sub/.cloche/new.cloche", "workflow n {}\n");
	t = later();
	assert_true(t != s);
	put("sub/.cloche/main.cloche", "workflow MAIN{}\n");   /* same size, in place */
	s = later();
	assert_true(s != t);
	put("sub/.cloche/prompts/a.md", "HELLO\n");
	t = later();
	assert_true(t != s);
	put("sub/.cloche/Dockerfile", "FROM x\n");
	s = later();
	assert_true(s != t);
	put("sub/.cloche/version", "2\n");
	t = later();
	assert_true(t != s);
}

static void moves_with_git(void **state)
{
	unsigned long long s = projstamp(proj), t;

	(void)state;
	put(".git/refs/heads/main", "2222222222222222222222222222222222222222\n");
	t = projstamp(proj);
	assert_true(t != s);
	put(".git/HEAD", "ref: refs/heads/other\n");
	s = projstamp(proj);
	assert_true(s != t);
	put(".git/packed-refs", "3333333333333333333333333333333333333333 refs/heads/other\n");
	t = later();
	assert_true(t != s);
}

/* New log files go into logs/, and activity.log exists once the daemon
 * ran: writing them must not expire the project's cached pages. */
static void ignores_logs(void **state)
{
	unsigned long long s;

	(void)state;
	put("sub/.cloche/activity.log", "event\n");
	s = later();
	put("sub/.cloche/logs/run-1.log", "line\n");
	put("sub/.cloche/activity.log", "event\nevent\n");
	assert_int_equal(later(), s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stable),
		cmocka_unit_test(moves_with_files),
		cmocka_unit_test(moves_with_git),
		cmocka_unit_test(ignores_logs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
