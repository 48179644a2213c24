/* Grouping runs into tasks and attempts (http.md 3.3), aggregate status
 * (3.4, with parked as pending: D9), orphans once (D7), paging and
 * filters, task summaries (3.8) and failed tasks (3.9), on a run index
 * filled by hand. The cases follow http.md 9.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rungroup.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct runindex IX;
static long long PK;

static void start(void)
{
	ix_reset(&IX);
	PK = 0;
}

/* minute: start time offset in minutes (larger = newer); "" task = none. */
static void add(const char *id, const char *wf, const char *state, int minute,
		const char *task, const char *parent, const char *proj)
{
	char ts[40];

	snprintf(ts, sizeof ts, "2026-03-03T10:%02d:00Z", minute);
	ix_add(&IX, ++PK, id, wf, state, minute < 0 ? "" : ts, proj ? proj : "/p/a",
	       parent ? parent : "", task, "", 1);
}

static void group(struct gfilter *f, size_t page, size_t per, struct glist *g)
{
	struct gfilter dflt;

	if (!f) {
		gfilter_init(&dflt);
		f = &dflt;
	}
	ix_finish(&IX);
	group_runs(&IX, f, page, per, g);
}

static const char *rid(const struct glist *g, size_t i)
{
	return ix_str(&IX, IX.v[g->v[i].run].id);
}

static void test_two_attempts(void **state)
{
	struct glist g;

	(void)state;
	start();
	add("a1-main", "main", "failed", 1, "T-1", NULL, NULL);
	add("a2-main", "main", "running", 5, "T-1", NULL, NULL);
	group(NULL, 0, 0, &g);
	assert_int_equal(g.n, 5);
	assert_int_equal(g.v[0].kind, GE_TASK);
	assert_int_equal(g.v[0].status, RS_RUNNING);
	assert_int_equal(g.v[1].kind, GE_ATTEMPT);
	assert_int_equal(g.v[1].attempt_num, 2);
	assert_string_equal(rid(&g, 2), "a2-main");
	assert_true(g.v[2].is_child);
	assert_int_equal(g.v[3].attempt_num, 1);
	assert_int_equal(g.v[3].status, RS_FAILED);
	assert_string_equal(rid(&g, 4), "a1-main");
	assert_int_equal(g.items, 1);
	glist_free(&g);
}

static void test_untasked_and_interleaving(void **state)
{
	struct glist g;

	(void)state;
	start();
	add("old", "develop", "succeeded", 1, "", NULL, NULL);
	add("t-main", "main", "succeeded", 2, "T-2", NULL, NULL);
	add("new", "develop", "failed", 3, "", NULL, NULL);
	add("list-tasks-1", "list-tasks", "succeeded", 4, "", NULL, NULL);
	group(NULL, 0, 0, &g);
	/* list-tasks dropped; ungrouped runs interleave with the task by time */
	assert_int_equal(g.n, 5);
	assert_string_equal(rid(&g, 0), "new");
	assert_int_equal(g.v[1].kind, GE_TASK);
	assert_string_equal(rid(&g, 4), "old");
	assert_false(g.v[0].is_child);
	glist_free(&g);
}

static void test_children_and_orphans(void **state)
{
	struct glist g;
	size_t i;
	int orphan_rows = 0;

	(void)state;
	start();
	add("h-main", "main", "succeeded", 1, "T-3", NULL, NULL);
	add("c-develop", "develop", "running", 2, "T-3", "h-main", NULL);
	add("c-test", "test", "succeeded", 3, "T-3", "h-main", NULL);
	add("orphan", "develop", "failed", 4, "", "gone-parent", NULL);
	group(NULL, 0, 0, &g);
	/* orphan (top level, newest) first, then task, one attempt, three rows */
	assert_string_equal(rid(&g, 0), "orphan");
	assert_int_equal(g.v[1].kind, GE_TASK);
	assert_int_equal(g.v[1].status, RS_RUNNING);  /* succeeded parent + running child */
	assert_int_equal(g.v[2].attempt_num, 1);
	assert_string_equal(rid(&g, 3), "c-test");    /* newest first inside the attempt */
	assert_string_equal(rid(&g, 4), "c-develop");
	assert_string_equal(rid(&g, 5), "h-main");
	for (i = 0; i < g.n; i++)
		orphan_rows += g.v[i].kind == GE_RUN && strcmp(rid(&g, i), "orphan") == 0;
	assert_int_equal(orphan_rows, 1);             /* D7: once */
	assert_int_equal(g.n, 6);
	glist_free(&g);
}

static void test_parent_without_task(void **state)
{
	struct glist g;

	(void)state;
	start();
	add("p", "main", "succeeded", 1, "", NULL, NULL);
	add("k", "develop", "failed", 2, "", "p", NULL);
	group(NULL, 0, 0, &g);
	assert_int_equal(g.n, 2);
	assert_true(g.v[0].is_parent);
	assert_true(g.v[1].is_child);
	glist_free(&g);
}

static int agg(const char **states, const char **wfs, int n)
{
	uint32_t set[8];
	int i;

	start();
	for (i = 0; i < n; i++) {
		add(wfs[i], wfs[i], states[i], i + 1, "", NULL, NULL);
		set[i] = (uint32_t)i;
	}
	ix_finish(&IX);
	return agg_status(&IX, set, (size_t)n);
}

static void test_aggregate(void **state)
{
	const char *w2[] = {"a", "b"}, *w3[] = {"a", "b", "c"}, *same[] = {"a", "a"};
	const char *ok2[] = {"succeeded", "succeeded"}, *pend[] = {"succeeded", "pending"};
	const char *run3[] = {"failed", "pending", "running"}, *canc[] = {"succeeded", "cancelled"};
	const char *pc[] = {"cancelled", "pending"}, *f1[] = {"failed"}, *park[] = {"parked", "parked"};
	const char *rerun[] = {"failed", "succeeded"}, *wait[] = {"waiting", "failed"};

	(void)state;
	assert_int_equal(agg(ok2, w2, 2), RS_SUCCEEDED);
	assert_int_equal(agg(pend, w2, 2), RS_PENDING);
	assert_int_equal(agg(run3, w3, 3), RS_RUNNING);
	assert_int_equal(agg(canc, w2, 2), RS_CANCELLED);
	assert_int_equal(agg(pc, w2, 2), RS_PENDING);
	assert_int_equal(agg(f1, w2, 1), RS_FAILED);
	assert_int_equal(agg(park, w2, 2), RS_PENDING);      /* D9: not "succeeded" */
	assert_int_equal(agg(rerun, same, 2), RS_SUCCEEDED); /* the later run of a supersedes */
	assert_int_equal(agg(wait, w2, 2), RS_WAITING);
	assert_int_equal(agg_status(&IX, NULL, 0), RS_PENDING);
}

static void test_task_status_cases(void **state)
{
	struct glist g;

	(void)state;
	/* earlier failed, later succeeded attempt → succeeded */
	start();
	add("x1", "main", "failed", 1, "T", NULL, NULL);
	add("x2", "main", "succeeded", 2, "T", NULL, NULL);
	group(NULL, 0, 0, &g);
	assert_int_equal(g.v[0].status, RS_SUCCEEDED);
	glist_free(&g);
	/* host failed + later child succeeded → failed */
	start();
	add("h", "main", "failed", 1, "T", NULL, NULL);
	add("c", "develop", "succeeded", 2, "T", "h", NULL);
	group(NULL, 0, 0, &g);
	assert_int_equal(g.v[0].status, RS_FAILED);
	assert_int_equal(g.v[1].status, RS_FAILED);
	glist_free(&g);
}

static void test_paging_and_filters(void **state)
{
	struct glist g;
	struct gfilter f;

	(void)state;
	start();
	add("r1", "develop", "succeeded", 1, "", NULL, "/p/a");
	add("r2", "develop", "failed", 2, "", NULL, "/p/b");
	add("t1", "main", "failed", 3, "T-9", NULL, "/p/a");
	add("t2", "main", "succeeded", 4, "T-9", NULL, "/p/a");
	add("r3", "develop", "running", 5, "", NULL, "/p/a");
	group(NULL, 1, 2, &g);
	assert_int_equal(g.items, 4);
	assert_string_equal(rid(&g, 0), "r3");
	assert_int_equal(g.v[1].kind, GE_TASK);
	assert_int_equal(g.n, 1 + 1 + 2 * 2);
	glist_free(&g);
	group(NULL, 2, 2, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(rid(&g, 0), "r2");
	assert_string_equal(rid(&g, 1), "r1");
	glist_free(&g);
	group(NULL, 3, 2, &g);
	assert_int_equal(g.n, 0);
	glist_free(&g);

	gfilter_init(&f);
	f.by_proj = 1;
	f.proj = ix_lookup(&IX, "/p/b");
	group(&f, 0, 0, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(rid(&g, 0), "r2");
	glist_free(&g);

	gfilter_init(&f);
	f.state = RS_SUCCEEDED;  /* task T-9 (latest attempt succeeded) and r1 */
	group(&f, 0, 0, &g);
	assert_int_equal(g.items, 2);
	assert_int_equal(g.v[0].kind, GE_TASK);
	assert_string_equal(rid(&g, g.n - 1), "r1");
	glist_free(&g);
}

static void test_summaries_and_failed(void **state)
{
	struct task_summary *ts;
	struct failed_task *ft;
	size_t n;

	(void)state;
	start();
	add("a1", "main", "failed", 1, "A", NULL, NULL);
	add("a2", "main", "failed", 2, "A", NULL, NULL);
	add("b1", "main", "failed", 3, "B", NULL, NULL);
	add("b2", "main", "succeeded", 4, "B", NULL, NULL);
	add("c1", "main", "running", 0, "C", NULL, NULL);
	add("d1", "main", "failed", 6, "", NULL, NULL);
	ix_finish(&IX);
	n = failed_tasks(&IX, &ft);
	assert_int_equal(n, 1);
	assert_string_equal(ix_str(&IX, IX.t[ft[0].task].id), "A");
	assert_int_equal(ft[0].failed_count, 2);
	assert_string_equal(ix_str(&IX, IX.v[ft[0].latest].id), "a2");
	free(ft);
	n = task_summaries(&IX, &ts);
	assert_int_equal(n, 3);
	assert_string_equal(ix_str(&IX, IX.t[ts[0].task].id), "C");  /* running first */
	assert_int_equal(ts[0].status, RS_RUNNING);
	assert_string_equal(ix_str(&IX, IX.t[ts[1].task].id), "B");
	assert_int_equal(ts[1].attempts, 2);
	assert_int_equal(ts[1].status, RS_SUCCEEDED);
	free(ts);
}

static void test_ids_and_incremental_order(void **state)
{
	uint32_t changed[1];

	(void)state;
	start();
	add("dup", "main", "failed", 1, "", NULL, NULL);
	add("dup", "main", "succeeded", 2, "", NULL, NULL);
	add("z", "main", "succeeded", 3, "", NULL, NULL);
	ix_finish(&IX);
	assert_int_equal(IX.v[ix_find_id(&IX, "dup")].pk, 2);  /* newest pk (T4) */
	assert_int_equal(ix_find_id(&IX, "nope"), IX_NONE);
	assert_int_equal(ix_by_pk(&IX, 3), 2);
	/* a new running run goes first without a full sort */
	add("late", "main", "running", 0, "", NULL, NULL);
	changed[0] = (uint32_t)(IX.n - 1);
	ix_refresh(&IX, changed, 1);
	assert_int_equal(IX.norder, 4);
	assert_string_equal(ix_str(&IX, IX.v[IX.order[0]].id), "late");
	assert_string_equal(ix_str(&IX, IX.v[IX.order[1]].id), "z");
}

static void sql(sqlite3 *db, const char *q)
{
	char *err = NULL;

	if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", q, err);
}

/* The order the index keeps after incremental updates must equal the one
 * a fresh build gives. */
static void order_ids(const struct runindex *ix, char *out, size_t cap)
{
	size_t i;

	out[0] = 0;
	for (i = 0; i < ix->norder; i++) {
		strncat(out, ix_str(ix, ix->v[ix->order[i]].id), cap - strlen(out) - 2);
		strncat(out, " ", cap - strlen(out) - 1);
	}
}

static void test_store_incremental(void **state)
{
	char path[] = "/tmp/test_runindex_XXXXXX", a[512], b[512];
	int fd = mkstemp(path);
	sqlite3 *db;
	struct store *s;
	struct runindex *ix;
	struct runindex fresh = {0};
	size_t i;

	(void)state;
	close(fd);
	setenv("CLOCHE_DB", path, 1);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sql(db, "CREATE TABLE runs (pk INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, workflow_name TEXT NOT NULL, "
		"state TEXT NOT NULL, active_steps TEXT, started_at TEXT, completed_at TEXT, project_dir TEXT NOT NULL DEFAULT '', "
		"task_id TEXT NOT NULL DEFAULT '', task_title TEXT NOT NULL DEFAULT '', parent_run_id TEXT NOT NULL DEFAULT '');"
		"CREATE TABLE step_executions (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, step_name TEXT NOT NULL, "
		"result TEXT, started_at TEXT NOT NULL, completed_at TEXT);"
		"INSERT INTO runs (id, workflow_name, state, started_at, task_id) VALUES "
		"('r1','main','succeeded','2026-03-03T10:01:00Z','T'),('r2','main','running','2026-03-03T10:02:00Z','T'),"
		"('r3','main','pending','','U');");
	s = store_get();
	assert_int_equal(s->state, STORE_OK);
	ix = runindex_get(s);
	assert_non_null(ix);
	assert_int_equal(ix->n, 3);
	order_ids(ix, a, sizeof a);
	assert_string_equal(a, "r2 r1 r3 ");
	sleep(1);  /* a new mtime for the immutable reader */
	sql(db, "UPDATE runs SET state='failed', completed_at='2026-03-03T10:09:00Z' WHERE id='r2';"
		"UPDATE runs SET state='running', started_at='2026-03-03T10:05:00Z' WHERE id='r3';"
		"INSERT INTO runs (id, workflow_name, state, started_at) VALUES ('r4','main','succeeded','2026-03-03T10:07:00Z');");
	s = store_get();
	ix = runindex_get(s);
	assert_non_null(ix);
	assert_int_equal(ix->n, 4);
	order_ids(ix, a, sizeof a);
	ix_reset(&fresh);
	for (i = 0; i < ix->n; i++) {
		static const char *st[] = {"failed", "running", "succeeded"};
		/* rebuild from what the store now says */
		const char *id = ix_str(ix, ix->v[i].id);
		int k = strcmp(id, "r2") == 0 ? 0 : strcmp(id, "r3") == 0 ? 1 : 2;
		char ts[40];

		snprintf(ts, sizeof ts, "2026-03-03T10:0%d:00Z", strcmp(id, "r1") == 0 ? 1 : strcmp(id, "r2") == 0 ? 2 :
			 strcmp(id, "r3") == 0 ? 5 : 7);
		ix_add(&fresh, ix->v[i].pk, id, "main", st[k], ts, "", "", "", "", 0);
	}
	ix_finish(&fresh);
	order_ids(&fresh, b, sizeof b);
	assert_string_equal(a, b);
	assert_string_equal(a, "r3 r4 r2 r1 ");
	assert_int_equal(ix->v[ix_find_id(ix, "r2")].state, RS_FAILED);
	ix_free(&fresh);
	sqlite3_close(db);
	store_close();
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_attempts),
		cmocka_unit_test(test_untasked_and_interleaving),
		cmocka_unit_test(test_children_and_orphans),
		cmocka_unit_test(test_parent_without_task),
		cmocka_unit_test(test_aggregate),
		cmocka_unit_test(test_task_status_cases),
		cmocka_unit_test(test_paging_and_filters),
		cmocka_unit_test(test_summaries_and_failed),
		cmocka_unit_test(test_ids_and_incremental_order),
		cmocka_unit_test(test_store_incremental),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	ix_free(&IX);
	return rc;
}
