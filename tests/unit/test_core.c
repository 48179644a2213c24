/* Unit tests for the core: decoding, route table, escaping, JSON numbers,
 * labels, health, time formats and the read-only store reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "buf.h"
#include "esc.h"
#include "json.h"
#include "pct.h"
#include "projects.h"
#include "req.h"
#include "route.h"
#include "store.h"
#include "timefmt.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_pct_decode(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(pct_decode("ws%2Fproj", 9, out, 0), 7);
	assert_string_equal(out, "ws/proj");
	assert_int_equal(pct_decode("a+b", 3, out, 1), 3);
	assert_string_equal(out, "a b");
	assert_int_equal(pct_decode("a+b", 3, out, 0), 3);
	assert_string_equal(out, "a+b");
	assert_int_equal(pct_decode("%zz", 3, out, 0), -1);
	assert_int_equal(pct_decode("%2", 2, out, 0), -1);
	assert_int_equal(pct_decode("%", 1, out, 0), -1);
	assert_int_equal(pct_decode("a%00b", 5, out, 0), -1);
	assert_int_equal(pct_decode("%2e%2E", 6, out, 0), 2);
	assert_string_equal(out, "..");
}

static void noop(struct req *r) { (void)r; }
static void other(struct req *r) { (void)r; }

static const struct route TAB[] = {
	{"GET", "/", noop},
	{"GET", "/api/projects/{name}/runs", noop},
	{"POST", "/api/runs/{id}/stop", other},
	{"GET", "/api/runs/{id}", noop},
	{NULL, NULL, NULL},
};

static enum route_result match(const char *method, const char *path, struct req *r,
			       const struct route **hit, char *allow)
{
	memset(r, 0, sizeof *r);
	r->path = strdup(path);
	return route_match(TAB, method, r, hit, allow, 64);
}

static void done(struct req *r)
{
	int i;

	for (i = 0; i < r->nparam; i++)
		free(r->param[i]);
	free(r->path);
}

static void test_route_match(void **state)
{
	struct req r;
	const struct route *hit;
	char allow[64];

	(void)state;
	assert_int_equal(match("GET", "/api/projects/ws%2Fproj/runs", &r, &hit, allow), ROUTE_OK);
	assert_int_equal(r.nparam, 1);
	assert_string_equal(r.param[0], "ws/proj");
	done(&r);
	assert_int_equal(match("HEAD", "/", &r, &hit, allow), ROUTE_OK);
	done(&r);
	assert_int_equal(match("GET", "/api/runs/x/stop", &r, &hit, allow), ROUTE_BAD_METHOD);
	assert_string_equal(allow, "POST");
	done(&r);
	assert_int_equal(match("POST", "/api/runs/x", &r, &hit, allow), ROUTE_BAD_METHOD);
	assert_string_equal(allow, "GET, HEAD");
	done(&r);
	assert_int_equal(match("GET", "/api/runs/", &r, &hit, allow), ROUTE_NOT_FOUND);
	done(&r);
	assert_int_equal(match("GET", "/api/runs//x", &r, &hit, allow), ROUTE_NOT_FOUND);
	done(&r);
	assert_int_equal(match("GET", "/nope", &r, &hit, allow), ROUTE_NOT_FOUND);
	done(&r);
	assert_int_equal(match("GET", "/api/runs/%2e%2e", &r, &hit, allow), ROUTE_BAD_PARAM);
	done(&r);
	assert_int_equal(match("GET", "/api/runs/a%0Ab", &r, &hit, allow), ROUTE_BAD_PARAM);
	done(&r);
	assert_int_equal(match("GET", "/api/runs/%zz", &r, &hit, allow), ROUTE_BAD_PARAM);
	done(&r);
}

static void test_route_param_length(void **state)
{
	struct req r;
	const struct route *hit;
	char allow[64], path[700];

	(void)state;
	strcpy(path, "/api/runs/");
	memset(path + 10, 'a', 600);
	path[610] = '\0';
	assert_int_equal(match("GET", path, &r, &hit, allow), ROUTE_BAD_PARAM);
	done(&r);
	path[10 + MAX_PARAM_LEN] = '\0';
	assert_int_equal(match("GET", path, &r, &hit, allow), ROUTE_OK);
	done(&r);
}

static char *html(const char *s, size_t n)
{
	struct buf b = {0};

	esc_html(&b, s, n);
	return buf_detach(&b);
}

static void test_esc_html(void **state)
{
	char *s;

	(void)state;
	s = html("<a href=\"x\" onclick='y'>&</a>", 29);
	assert_string_equal(s, "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
	free(s);
	s = html("ok\xff\xfe", 4);
	assert_string_equal(s, "ok\xEF\xBF\xBD\xEF\xBF\xBD");
	free(s);
	s = html("\xE2\x82\xAC \xED\xA0\x80", 7); /* € then a surrogate */
	assert_string_equal(s, "\xE2\x82\xAC \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	free(s);
	s = html("a\x1b[31mb", 7);
	assert_string_equal(s, "a\xEF\xBF\xBD[31mb");
	free(s);
}

static void test_esc_url_and_json(void **state)
{
	struct buf b = {0};

	(void)state;
	esc_url_seg(&b, "ws/proj x?#", 11);
	assert_string_equal(buf_str(&b), "ws%2Fproj%20x%3F%23");
	buf_reset(&b);
	esc_json_str(&b, "</script>&\n\x01\xff\xE2\x80\xA8", 16);
	assert_string_equal(buf_str(&b), "\"\\u003c/script\\u003e\\u0026\\n\\u0001\\ufffd\\u2028\"");
	buf_free(&b);
}

static void test_go_float(void **state)
{
	char out[64];
	static const struct { double v; const char *want; } cases[] = {
		{18234, "18234"}, {759.75, "759.75"}, {5144032.875, "5144032.875"},
		{1000.0 / 3, "333.3333333333333"}, {10.0 / 24, "0.4166666666666667"},
		{0, "0"}, {1e-7, "1e-7"}, {1e21, "1e+21"}, {1e20, "100000000000000000000"},
		{0.000001, "0.000001"}, {123456789.5, "123456789.5"}, {2.5e-8, "2.5e-8"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fmt_go_float(out, sizeof out, cases[i].v);
		assert_string_equal(out, cases[i].want);
	}
}

static void test_json_emit(void **state)
{
	struct json_object *o = json_object_new_object();
	struct buf b = {0};

	(void)state;
	jadd_str(o, "path", "a/b <x>");
	jadd(o, "rate", jfloat(759.75));
	jadd(o, "bad", jstrn("\xff", 1));
	json_emit(&b, o);
	assert_string_equal(buf_str(&b), "{\"path\":\"a/b \\u003cx\\u003e\",\"rate\":759.75,\"bad\":\"\\ufffd\"}");
	json_object_put(o);
	buf_free(&b);
}

static void test_labels(void **state)
{
	struct projects p = {0};
	const char *dirs[] = {"/home/u/ws/proj", "/home/u/other", "/srv/proj"};
	size_t i;

	(void)state;
	p.n = 3;
	p.v = calloc(3, sizeof *p.v);
	for (i = 0; i < 3; i++)
		p.v[i].dir = strdup(dirs[i]);
	projects_assign_labels(&p);
	assert_string_equal(p.v[0].label, "ws/proj");
	assert_string_equal(p.v[1].label, "other");
	assert_string_equal(p.v[2].label, "srv/proj");
	projects_free(&p);

	char *b = label_base("/w/proj/");
	assert_string_equal(b, "proj");
	free(b);
	b = label_base("/");
	assert_string_equal(b, "/");
	free(b);
	b = label_base("a/b");
	assert_string_equal(b, "b");
	free(b);
	b = label_parent_base("/proj");
	assert_string_equal(b, "/");
	free(b);
	assert_true(is_worktree_dir("/x/.GitWorktrees/y"));
	assert_false(is_worktree_dir("/x/.gitworktrees"));
}

static void test_health(void **state)
{
	(void)state;
	assert_string_equal(health_status(0, 0, 0), "grey");
	assert_string_equal(health_status(0, 0, 2), "blue");
	assert_string_equal(health_status(2, 0, 2), "green");
	assert_string_equal(health_status(0, 3, 4), "red");
	assert_string_equal(health_status(3, 1, 4), "yellow");
}

static void test_time(void **state)
{
	long long a, b;
	char d[20];
	struct buf s = {0};

	(void)state;
	assert_int_equal(ts_parse("2026-07-01T14:03:05.12+02:00", &a), 0);
	assert_int_equal(ts_parse("2026-07-01T12:03:05.12Z", &b), 0);
	assert_true(a == b);
	assert_int_equal(ts_parse("2026-07-01T12:03:05.000000007Z", &b), 0);
	assert_true(b - a == 7 - 120000000);
	assert_int_equal(ts_parse("", &a), -1);
	assert_int_equal(ts_parse("0001-01-01T00:00:00Z", &a), -1);
	assert_int_equal(ts_parse("2026-07-01 12:03:05Z", &a), -1);
	ts_display(d, "2026-07-01T14:03:05.12+02:00");
	assert_string_equal(d, "2026-07-01 14:03:05");
	ts_display(d, "garbage");
	assert_string_equal(d, "");
	fmt_timing(&s, "succeeded", "2026-01-01T10:00:00Z", "2026-01-01T10:10:00Z",
		   1767262800LL * 1000000000LL); /* 10:10 + 10m */
	assert_string_equal(buf_str(&s), "10m, 10m ago");
	buf_reset(&s);
	fmt_span(&s, 7500LL * 1000000000LL);
	assert_string_equal(buf_str(&s), "2h5m");
	buf_reset(&s);
	fmt_step_duration(&s, "2026-01-01T10:00:00Z", "2026-01-01T12:05:10Z");
	assert_string_equal(buf_str(&s), "125m10s");
	buf_reset(&s);
	fmt_step_duration(&s, "2026-01-01T10:00:00Z", "2026-01-01T10:00:05Z");
	assert_string_equal(buf_str(&s), "5.0s");
	buf_reset(&s);
	fmt_step_duration(&s, "2026-01-01T10:00:00.5Z", "2026-01-01T10:00:00.85Z");
	assert_string_equal(buf_str(&s), "350ms");
	buf_free(&s);
}

static char dbpath[256];

static void make_db(const char *sql)
{
	sqlite3 *db;

	unlink(dbpath);
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	if (sql)
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int exists(const char *suffix)
{
	char p[300];
	struct stat st;

	snprintf(p, sizeof p, "%s%s", dbpath, suffix);
	return stat(p, &st) == 0;
}

/* base and path from SCRIPT_NAME, REQUEST_URI and PATH_INFO. */
static void split(const char *sn, const char *uri, const char *pi, const char *base, const char *path)
{
	char a[256], b[256], c[256];
	char *env[] = {a, b, c, NULL};
	struct req r;

	snprintf(a, sizeof a, "SCRIPT_NAME=%s", sn);
	snprintf(b, sizeof b, "REQUEST_URI=%s", uri);
	snprintf(c, sizeof c, "PATH_INFO=%s", pi);
	req_init(&r, env);
	req_parse(&r);
	assert_string_equal(r.base, base);
	assert_string_equal(r.path, path);
	req_free(&r);
}

static void test_mount_point(void **state)
{
	(void)state;
	split("/tools/cloche", "/tools/cloche/runs?x=1", "/runs", "/tools/cloche", "/runs");
	split("", "/api/projects", "/api/projects", "", "/api/projects");
	/* Rerouted inside the server (lighttpd mod_magnet: /cloche -> /~alice/cloche):
	 * the mount point is the one the browser used. */
	split("/~alice/cloche", "/cloche/api/projects", "/api/projects", "/cloche", "/api/projects");
	split("/~alice/cloche", "/cloche/", "/", "/cloche", "/");
	split("/~alice/cloche", "/cloche/runs/a%2Fb", "/runs/a%2Fb", "/cloche", "/runs/a%2Fb");
	/* PATH_INFO with more segments than the URI: no mount point. */
	split("/x", "/a", "/a/b/c", "", "/a");
}

static void test_store_reader(void **state)
{
	struct store *s;
	const struct projects *p;

	(void)state;
	snprintf(dbpath, sizeof dbpath, "/tmp/cloche-unit-%d.db", (int)getpid());
	setenv("CLOCHE_DB", dbpath, 1);
	make_db("PRAGMA journal_mode=WAL;"
		"CREATE TABLE runs (pk INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, workflow_name TEXT NOT NULL, state TEXT NOT NULL, active_steps TEXT, started_at TEXT, completed_at TEXT, project_dir TEXT NOT NULL DEFAULT '');"
		"INSERT INTO runs(id,workflow_name,state,started_at,project_dir) VALUES ('a-main','main','succeeded','2026-01-01T00:00:00Z','/p/x'),('b-main','main','running','2025-01-01T00:00:00Z','/p/x');");
	assert_false(exists("-wal"));
	s = store_get();
	assert_int_equal(s->state, STORE_OK);
	assert_true(s->immutable);
	p = projects_get(s);
	assert_non_null(p);
	assert_int_equal(p->n, 1);
	assert_string_equal(p->v[0].label, "x");
	assert_string_equal(p->v[0].dots[0].id, "b-main"); /* running first */
	assert_int_equal(p->v[0].active, 1);
	assert_string_equal(p->v[0].health, "green");
	/* T1: a read-only open must not create the WAL files. */
	assert_false(exists("-wal"));
	assert_false(exists("-shm"));
	store_close();

	make_db(NULL);
	s = store_get();
	assert_int_equal(s->state, STORE_UNINITIALISED);
	store_close();

	FILE *f = fopen(dbpath, "w");
	fputs("this is not a database at all, just text padding padding padding", f);
	fclose(f);
	s = store_get();
	assert_int_equal(s->state, STORE_CORRUPT);
	store_close();

	unlink(dbpath);
	s = store_get();
	assert_int_equal(s->state, STORE_MISSING);
	assert_non_null(strstr(s->err, dbpath));
	store_close();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pct_decode),
		cmocka_unit_test(test_route_match),
		cmocka_unit_test(test_route_param_length),
		cmocka_unit_test(test_esc_html),
		cmocka_unit_test(test_esc_url_and_json),
		cmocka_unit_test(test_go_float),
		cmocka_unit_test(test_json_emit),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_mount_point),
		cmocka_unit_test(test_store_reader),
	};
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
