/* The project stamp (projstamp.h): it must move when anything the project
 * routes show changes (workflow files, prompts, scripts, Dockerfile,
 * version, the git HEAD or its branch), and stay put when only what they
 * do not show changes (logs, activity.log), or the cache would be stale or
 * useless. The git directory is laid out by hand: only HEAD and refs are
 * read. Every test runs twice: on projstamp() itself and on the inotify-
 * kept stamp of a FastCGI process (projwatch_stamp()). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include "projstamp.h"

static char root[256], proj[300];
static unsigned long long (*stamp)(const char *dir) = projstamp;

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
	return stamp(proj);
}

static void stable(void **state)
{
	(void)state;
	assert_int_equal(stamp(proj), stamp(proj));
	assert_true(stamp(proj) != 0);
}

static void moves_with_files(void **state)
{
	unsigned long long s = stamp(proj), t;

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
	unsigned long long s = stamp(proj), t;

	(void)state;
	put(".git/refs/heads/main", "2222222222222222222222222222222222222222\n");
	t = stamp(proj);
	assert_true(t != s);
	put(".git/HEAD", "ref: refs/heads/other\n");
	s = stamp(proj);
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

/* An in-place edit that keeps the size and, within one clock tick, the
 * mtime: stat() cannot tell, inotify can. */
static void watch_sees_same_stat_edit(void **state)
{
	struct timespec keep[2];
	struct stat st;
	char p[512];
	unsigned long long s, raw;

	(void)state;
	snprintf(p, sizeof p, "%s/sub/.cloche/main.cloche", root);
	put("sub/.cloche/prompts/tick.md", "x\n");   /* the next stamp is computed afresh */
	s = stamp(proj);
	assert_int_equal(stamp(proj), s);
	raw = projstamp(proj);
	assert_int_equal(stat(p, &st), 0);
	keep[0] = st.st_atim;
	keep[1] = st.st_mtim;
	put("sub/.cloche/main.cloche", "workflow mAIN{}\n");
	assert_int_equal(utimensat(AT_FDCWD, p, keep, 0), 0);
	assert_int_equal(projstamp(proj), raw);     /* what stat() sees */
	assert_true(stamp(proj) != s);
}

/* Cached: what the daemon and git write all the time (logs, the index,
 * objects) does not even recompute the stamp; an edit does, once. */
static void watch_keeps_stamp(void **state)
{
	unsigned long long s = stamp(proj);
	long n = projwatch_computed();

	(void)state;
	assert_int_equal(stamp(proj), s);
	put("sub/.cloche/logs/run-2.log", "line\n");
	put("sub/.cloche/activity.log", "event\nevent\nevent\n");
	put(".git/index", "index\n");
	put(".git/ORIG_HEAD", "4444444444444444444444444444444444444444\n");
	assert_int_equal(stamp(proj), s);
	assert_int_equal(projwatch_computed(), n);
	put("sub/.cloche/prompts/b.md", "new prompt\n");
	assert_true(stamp(proj) != s);
	assert_int_equal(projwatch_computed(), n + 1);
	s = stamp(proj);
	assert_int_equal(projwatch_computed(), n + 1);
	put(".git/refs/heads/other", "5555555555555555555555555555555555555555\n");
	assert_true(stamp(proj) != s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stable),
		cmocka_unit_test(moves_with_files),
		cmocka_unit_test(moves_with_git),
		cmocka_unit_test(ignores_logs),
	};
	const struct CMUnitTest watched[] = {
		cmocka_unit_test(stable),
		cmocka_unit_test(moves_with_files),
		cmocka_unit_test(moves_with_git),
		cmocka_unit_test(ignores_logs),
		cmocka_unit_test(watch_sees_same_stat_edit),
		cmocka_unit_test(watch_keeps_stamp),
	};
	int fails = cmocka_run_group_tests_name("projstamp", tests, setup, teardown);

	projwatch_enable();
	stamp = projwatch_stamp;
	return fails + cmocka_run_group_tests_name("projwatch", watched, setup, teardown);
}
