/* The response cache (cgi/cache.c): store-version invalidation, the TTL,
 * and bodies handed to the server as files (CLOCHE_DASH_SENDFILE_DIR):
 * written once, removed when the entry goes, small bodies kept in memory,
 * files of dead responders swept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cache.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char DIR_[64];

static int exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static char *big_body(size_t n, char fill)
{
	char *b = malloc(n);

	memset(b, fill, n);
	return b;
}

static void test_version_and_ttl(void **st)
{
	(void)st;
	unsetenv("CLOCHE_DASH_SENDFILE_DIR");
	cache_put("/a?", 7, 100, 0, 200, "H: 1\r\n", "body", 4, "\"e1\"");
	assert_non_null(cache_find("/a?", 7, 5000));
	assert_null(cache_find("/a?", 8, 5000)); /* store changed: gone */
	assert_null(cache_find("/a?", 7, 5000));
	cache_put("/t?", 7, 100, 1, 200, "H: 1\r\n", "body", 4, "\"e2\"");
	assert_non_null(cache_find("/t?", 7, 100));
	assert_null(cache_find("/t?", 7, 101)); /* clock-dependent: one second */
	cache_clear();
}

static void test_small_body_in_memory(void **st)
{
	const struct cached *c;

	(void)st;
	setenv("CLOCHE_DASH_SENDFILE_DIR", DIR_, 1);
	cache_put("/s?", 1, 1, 0, 200, "H: 1\r\n", "small", 5, "\"e3\"");
	c = cache_find("/s?", 1, 1);
	assert_non_null(c);
	assert_null(c->file);
	assert_memory_equal(c->body, "small", 5);
	cache_clear();
}

static void test_large_body_as_file(void **st)
{
	size_t n = SENDFILE_MIN + 1000;
	char *b = big_body(n, 'x'), *got, path[256];
	const struct cached *c;
	FILE *f;

	(void)st;
	setenv("CLOCHE_DASH_SENDFILE_DIR", DIR_, 1);
	cache_put("/big?", 1, 1, 0, 200, "H: 1\r\n", b, n, "\"e4\"");
	c = cache_find("/big?", 1, 1);
	assert_non_null(c);
	assert_non_null(c->file);
	assert_null(c->body);
	assert_int_equal(c->body_len, n);
	assert_true(strncmp(c->file, DIR_, strlen(DIR_)) == 0);
	snprintf(path, sizeof path, "%s", c->file);
	f = fopen(path, "rb");
	assert_non_null(f);
	got = malloc(n + 1);
	assert_int_equal(fread(got, 1, n + 1, f), n);
	fclose(f);
	assert_memory_equal(got, b, n);
	/* a new store version drops the entry and its file */
	assert_null(cache_find("/big?", 2, 1));
	assert_false(exists(path));
	free(got);
	free(b);
	cache_clear();
}

static void test_missing_file_is_a_miss(void **st)
{
	char *b = big_body(SENDFILE_MIN, 'w');
	const struct cached *c;

	(void)st;
	setenv("CLOCHE_DASH_SENDFILE_DIR", DIR_, 1);
	cache_put("/m?", 1, 1, 0, 200, "H: 1\r\n", b, SENDFILE_MIN, "\"e7\"");
	c = cache_find("/m?", 1, 1);
	assert_non_null(c);
	assert_non_null(c->file);
	unlink(c->file);
	assert_null(cache_find("/m?", 1, 1));
	cache_clear();
	free(b);
}

static void test_clear_removes_files(void **st)
{
	size_t n = SENDFILE_MIN;
	char *b = big_body(n, 'y'), path[256];
	const struct cached *c;

	(void)st;
	setenv("CLOCHE_DASH_SENDFILE_DIR", DIR_, 1);
	cache_put("/c?", 1, 1, 0, 200, "H: 1\r\n", b, n, "\"e5\"");
	c = cache_find("/c?", 1, 1);
	assert_non_null(c);
	assert_non_null(c->file);
	snprintf(path, sizeof path, "%s", c->file);
	assert_true(exists(path));
	cache_clear();
	assert_false(exists(path));
	free(b);
}

/* Runs first among the file tests: the sweep happens on the first file. */
static void test_dead_files_swept(void **st)
{
	char dead[256], live[256];
	char *b = big_body(SENDFILE_MIN, 'z');
	FILE *f;

	(void)st;
	/* pid 2^22+1 is above Linux's pid_max limit: never alive */
	snprintf(dead, sizeof dead, "%s/cloche-dash-4194305-1.body", DIR_);
	snprintf(live, sizeof live, "%s/cloche-dash-%ld-99.body", DIR_, (long)getppid());
	f = fopen(dead, "w");
	fclose(f);
	f = fopen(live, "w");
	fclose(f);
	setenv("CLOCHE_DASH_SENDFILE_DIR", DIR_, 1);
	cache_put("/d?", 1, 1, 0, 200, "H: 1\r\n", b, SENDFILE_MIN, "\"e6\"");
	assert_false(exists(dead));
	assert_true(exists(live)); /* another responder's, still running */
	unlink(live);
	cache_clear();
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_and_ttl),
		cmocka_unit_test(test_small_body_in_memory),
		cmocka_unit_test(test_dead_files_swept),
		cmocka_unit_test(test_large_body_as_file),
		cmocka_unit_test(test_clear_removes_files),
		cmocka_unit_test(test_missing_file_is_a_miss),
	};
	int rc;

	setenv("CLOCHE_DASH_CONFIG", "/nonexistent", 1);
	snprintf(DIR_, sizeof DIR_, "/tmp/test_cache.XXXXXX");
	if (!mkdtemp(DIR_))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(DIR_);
	return rc;
}
