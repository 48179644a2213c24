/* The project list followed through store changes (projects_live.c)
 * against a full scan of the same store after every change: new runs and
 * projects, open runs changing state and start, ties, mixed offsets,
 * worktree and empty directories, containers deleted on finished runs.
 * Also that the updates are incremental: full scans stay rare. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon_schema.h"
#include "projects_int.h"
#include "store.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char DB[256];
static sqlite3 *W;  /* the writer, in WAL mode like the daemon */
static unsigned SEED = 12345;

static const char *STATES[] = {"pending", "running", "waiting", "parked", "succeeded", "failed", "cancelled"};
static const char *DIRS[] = {"/w/a", "/w/b", "/x/b", "/w/c", "/w/a/.gitworktrees/t1", "", "/w/d", "/w/e"};
/* Mixed offsets, equal texts (ties), no fraction, unset: store.md 2.1. */
static const char *STARTS[] = {"2026-03-01T10:00:00Z", "2026-03-01T11:00:00+01:00", "2026-03-01T10:00:00.5Z",
			       "2026-03-02T09:00:00-05:00", "", "2026-02-28T23:59:59.999999999Z",
			       "2026-03-01T10:00:00Z", "2026-03-03T00:00:00+14:00"};

static unsigned rnd(unsigned n)
{
	SEED = SEED * 1103515245u + 12345u;
	return (SEED >> 16) % n;
}

static void drop_files(void)
{
	drop_store_files(DB);
}

static void exec(const char *sql, long long a, const char *b, const char *c, const char *d)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(W, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_text(st, 3, c, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 4)
		sqlite3_bind_text(st, 4, d, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static long long NRUNS;

static void new_run(int ndirs)
{
	const char *state = STATES[rnd(7)];
	int final = strcmp(state, "failed") == 0 || strcmp(state, "cancelled") == 0;
	sqlite3_stmt *st;
	char id[32];

	snprintf(id, sizeof id, "r%lld-main", ++NRUNS);
	assert_int_equal(sqlite3_prepare_v2(W, "INSERT INTO runs (id, workflow_name, state, started_at, project_dir, "
		"container_kept) VALUES (?, 'main', ?, ?, ?, ?)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, STARTS[rnd(8)], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, DIRS[rnd((unsigned)ndirs)], -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, final && rnd(3));
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* The daemon's changes to a run that is not finished: its state, and its
 * start when it begins. */
static void move_open(void)
{
	long long pk = 1 + rnd((unsigned)NRUNS);
	const char *to = STATES[rnd(7)];

	exec("UPDATE runs SET state = ?2, started_at = CASE WHEN ?1 % 3 = 0 THEN ?3 ELSE started_at END, "
	     "container_kept = CASE WHEN ?2 IN ('failed', 'cancelled') THEN 1 ELSE 0 END "
	     "WHERE pk = ?1 AND state NOT IN ('succeeded', 'failed', 'cancelled')",
	     pk, to, STARTS[rnd(8)], NULL);
}

/* A container deleted through the daemon: a finished run's row rewritten. */
static void delete_container(void)
{
	exec("UPDATE runs SET container_kept = 0 WHERE pk = ?1 AND container_kept = 1", 1 + rnd((unsigned)NRUNS),
	     NULL, NULL, NULL);
}

static void same_project(const struct project *a, const struct project *b)
{
	int i;

	assert_string_equal(a->dir, b->dir);
	assert_string_equal(a->label, b->label);
	assert_int_equal(a->active, b->active);
	assert_int_equal(a->kept, b->kept);
	assert_int_equal(a->ndots, b->ndots);
	assert_int_equal(a->passed, b->passed);
	assert_int_equal(a->failed, b->failed);
	assert_int_equal(a->total, b->total);
	assert_string_equal(a->health, b->health);
	for (i = 0; i < a->ndots; i++) {
		assert_string_equal(a->dots[i].id, b->dots[i].id);
		assert_string_equal(a->dots[i].state, b->dots[i].state);
	}
}

/* What a fresh process would show for the store as it is now. */
static void check_against_scan(void)
{
	struct store *s = store_get();
	const struct projects *p = projects_get_kept(s);
	struct projects fresh = {0};
	size_t i;

	assert_non_null(p);
	assert_int_equal(projects_scan(s, &fresh), 0);
	assert_int_equal(p->n, fresh.n);
	for (i = 0; i < p->n; i++)
		same_project(&p->v[i], &fresh.v[i]);
	projects_free(&fresh);
}

static void fixture(void)
{
	if (W)
		sqlite3_close(W);
	store_close();
	drop_files();
	NRUNS = 0;
	assert_int_equal(sqlite3_open(DB, &W), SQLITE_OK);
	assert_int_equal(sqlite3_exec(W, "PRAGMA journal_mode=WAL", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(W, DAEMON_RUNS_SQL, NULL, NULL, NULL), SQLITE_OK);
}

static void test_follows_changes(void **state)
{
	long scans0;
	int i, k;

	(void)state;
	fixture();
	for (i = 0; i < 200; i++)
		new_run(5);
	check_against_scan();
	scans0 = projects_scans();
	for (i = 0; i < 400; i++) {
		int op = (int)rnd(10);

		/* a few changes per commit, sometimes one, as the daemon does */
		for (k = 0; k < 1 + (int)rnd(3); k++) {
			if (op < 4)
				new_run(i < 200 ? 6 : 8);  /* new projects come later */
			else if (op < 9)
				move_open();
			else
				delete_container();
		}
		if (rnd(4) == 0)
			projects_get(store_get());  /* a route that needs no kept count */
		check_against_scan();
	}
	/* Each change was followed without a scan, but for the rare window
	 * that ran short (more than PROJ_DEPTH - HEALTH_WINDOW runs moved
	 * down in one project). */
	printf("full scans in 400 changes: %ld\n", projects_scans() - scans0);
	assert_true(projects_scans() - scans0 < 20);
}

/* A store replaced by another one, and rows that vanish, are seen. */
static void test_replaced_store(void **state)
{
	struct store *s;
	const struct projects *p;
	long scans;

	(void)state;
	fixture();
	new_run(1);
	new_run(1);
	exec("UPDATE runs SET state = 'succeeded', project_dir = '/w/a' WHERE pk = ?1", 1, NULL, NULL, NULL);
	exec("UPDATE runs SET state = 'running', project_dir = '/w/a' WHERE pk = ?1", 2, NULL, NULL, NULL);
	s = store_get();
	p = projects_get(s);
	assert_non_null(p);
	assert_int_equal(p->n, 1);
	assert_int_equal(p->v[0].active, 1);
	/* the open run disappears (not something the daemon does) */
	exec("DELETE FROM runs WHERE pk = ?1", 2, NULL, NULL, NULL);
	check_against_scan();
	p = projects_get(store_get());
	assert_int_equal(p->v[0].active, 0);
	/* a finished run deleted below the last row (someone pruning): only
	 * the row count shows it */
	new_run(1);
	exec("UPDATE runs SET state = 'failed', project_dir = '/w/a' WHERE pk = ?1", 3, NULL, NULL, NULL);
	check_against_scan();
	scans = projects_scans();
	exec("DELETE FROM runs WHERE pk = ?1", 1, NULL, NULL, NULL);
	check_against_scan();
	assert_int_equal(projects_scans(), scans + 1);
	p = projects_get(store_get());
	assert_int_equal(p->v[0].nruns, 1);
	/* the last row is another one now */
	exec("DELETE FROM runs WHERE pk = ?1", 3, NULL, NULL, NULL);
	exec("INSERT INTO runs (pk, id, workflow_name, state, started_at, project_dir) VALUES (?1, ?2, 'main', 'running', '', ?3)",
	     3, "other-main", "/w/z", NULL);
	check_against_scan();
	p = projects_get(store_get());
	assert_int_equal(p->n, 1);
	assert_string_equal(p->v[0].label, "z");
	assert_string_equal(p->v[0].dots[0].id, "other-main");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_follows_changes),
		cmocka_unit_test(test_replaced_store),
	};
	int rc;

	snprintf(DB, sizeof DB, "/tmp/test_projects_%d.db", (int)getpid());
	setenv("CLOCHE_DB", DB, 1);
	rc = cmocka_run_group_tests_name("projects", tests, NULL, NULL);
	if (W)
		sqlite3_close(W);
	store_close();
	drop_files();
	return rc;
}
