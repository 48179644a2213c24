/* Contained project file access (projfiles.h) and the .cloche directory
 * loader built on it (dsl_load_dir / dsl_dir_json: [] / null / order). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "buf.h"
#include "dsl.h"
#include "json.h"
#include "projfiles.h"

static char root[256], outside[256];

static void put(const char *dir, const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void sub(const char *dir, const char *rel)
{
	char p[512];

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void link_to(const char *target, const char *rel)
{
	char p[512];

	snprintf(p, sizeof p, "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/pf-XXXXXX");
	strcpy(outside, "/tmp/pfo-XXXXXX");
	assert_non_null(mkdtemp(root));
	assert_non_null(mkdtemp(outside));
	put(outside, "secret", "top secret\n");
	sub(root, ".cloche");
	sub(root, ".cloche/prompts");
	put(root, ".cloche/prompts/a.md", "prompt A\n");
	put(root, "README", "readme\n");
	link_to("../../README", ".cloche/prompts/inside-link");
	link_to(outside, ".cloche/out-dir");
	{
		char t[300];

		snprintf(t, sizeof t, "%s/secret", outside);
		link_to(t, ".cloche/prompts/abs-link");
	}
	link_to("../../../../../../../../etc/hostname", ".cloche/prompts/rel-escape");
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", root, outside);
	return system(cmd);
}

static int read_rc(const char *rel, long max)
{
	char *data;
	size_t len;
	int rc = pf_read(root, rel, max, &data, &len);

	free(data);
	return rc;
}

static void paths(void **state)
{
	(void)state;
	assert_true(pf_path_ok("a/b.md"));
	assert_true(pf_path_ok(".cloche/./x"));
	assert_true(pf_path_ok("a..b/..c"));
	assert_false(pf_path_ok(""));
	assert_false(pf_path_ok("/etc/passwd"));
	assert_false(pf_path_ok(".."));
	assert_false(pf_path_ok("a/../b"));
	assert_false(pf_path_ok("a//.."));
	assert_false(pf_path_ok(NULL));
}

static void reads(void **state)
{
	char *data;
	size_t len;

	(void)state;
	assert_int_equal(pf_read(root, ".cloche/prompts/a.md", PF_MAX_READ, &data, &len), PF_OK);
	assert_int_equal(len, 9);
	assert_string_equal(data, "prompt A\n");
	free(data);
	/* a symlink that stays inside the project is fine */
	assert_int_equal(pf_read(root, ".cloche/prompts/inside-link", PF_MAX_READ, &data, &len), PF_OK);
	assert_string_equal(data, "readme\n");
	free(data);
	assert_int_equal(read_rc(".cloche/prompts/a.md", 3), PF_ETOOBIG);
	assert_int_equal(read_rc(".cloche/prompts/missing", PF_MAX_READ), PF_ENOENT);
	assert_int_equal(read_rc(".cloche/prompts", PF_MAX_READ), PF_ENOTREG);
}

static void escapes(void **state)
{
	(void)state;
	assert_int_equal(read_rc("../x", PF_MAX_READ), PF_EBADPATH);
	assert_int_equal(read_rc("/etc/hostname", PF_MAX_READ), PF_EBADPATH);
	assert_int_equal(read_rc(".cloche/prompts/abs-link", PF_MAX_READ), PF_EESCAPE);
	assert_int_equal(read_rc(".cloche/prompts/rel-escape", PF_MAX_READ), PF_EESCAPE);
	assert_int_equal(read_rc(".cloche/out-dir/secret", PF_MAX_READ), PF_EESCAPE);
	assert_int_equal(pf_open(root, "/proc/self/root/etc/passwd", 0), PF_EBADPATH);
}

static void fifo_does_not_block(void **state)
{
	char p[512];

	(void)state;
	snprintf(p, sizeof p, "%s/.cloche/pipe.cloche", root);
	assert_int_equal(mkfifo(p, 0644), 0);
	assert_int_equal(read_rc(".cloche/pipe.cloche", PF_MAX_READ), PF_ENOTREG);
	unlink(p);
}

static void text_sniff(void **state)
{
	char big[PF_TEXT_SNIFF + 10];

	(void)state;
	assert_true(pf_is_text("", 0));
	assert_true(pf_is_text("abc", 3));
	assert_false(pf_is_text("a\0c", 3));
	memset(big, 'x', sizeof big);
	big[PF_TEXT_SNIFF + 2] = '\0';   /* after the sniffed prefix: still text */
	assert_true(pf_is_text(big, sizeof big));
	big[PF_TEXT_SNIFF - 1] = '\0';
	assert_false(pf_is_text(big, sizeof big));
}

static char *dir_json(const char *dir)
{
	struct dsl_dir d;
	struct buf b = {0};
	struct json_object *o;

	dsl_load_dir(dir, &d);
	o = dsl_dir_json(&d);
	json_emit(&b, o);
	json_object_put(o);
	dsl_dir_free(&d);
	return buf_detach(&b);
}

/* .cloche missing: []; nothing parses: null; otherwise files in name
 * order, only *.cloche regular files, broken ones dropped. */
static void directory(void **state)
{
	char *s, p[512];
	struct dsl_dir d;

	(void)state;
	s = dir_json(outside);
	assert_string_equal(s, "[]");
	free(s);
	put(root, ".cloche/zz.cloche", "# broken\n");
	s = dir_json(root);
	assert_string_equal(s, "null");
	free(s);
	put(root, ".cloche/b.cloche", "workflow two { step s { run = \"x\" } }\nworkflow one { step t { run = \"y\" } }\n");
	put(root, ".cloche/a.cloche", "workflow three { host {} step u { run = \"z\" } }\n");
	put(root, ".cloche/notes.cloche.txt", "workflow no { step v { run = \"z\" } }\n");
	sub(root, ".cloche/d.cloche");
	snprintf(p, sizeof p, "%s/secret", outside);
	link_to(p, ".cloche/c.cloche");
	s = dir_json(root);
	assert_non_null(strstr(s, "\"name\":\"three\",\"file\":\".cloche/a.cloche\",\"location\":\"host\""));
	assert_true(strstr(s, "\"three\"") < strstr(s, "\"two\""));
	assert_true(strstr(s, "\"two\"") < strstr(s, "\"one\""));
	assert_null(strstr(s, "\"no\""));
	free(s);
	dsl_load_dir(root, &d);
	assert_int_equal(d.n, 4);   /* a, b, c (escaping link: error), zz (parse error) */
	assert_string_equal(d.v[2].name, "c.cloche");
	assert_non_null(d.v[2].err);
	assert_string_equal(d.v[3].err, "line 1 col 1: expected \"workflow\", got \"#\"");
	assert_non_null(dsl_dir_find(&d, "one"));
	assert_null(dsl_dir_find(&d, "no"));
	dsl_dir_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paths),
		cmocka_unit_test(reads),
		cmocka_unit_test(escapes),
		cmocka_unit_test(fifo_does_not_block),
		cmocka_unit_test(text_sniff),
		cmocka_unit_test(directory),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
