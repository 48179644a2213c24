/* The latest attempt of each task, followed through store changes
 * (attempts_latest.c), against an SQL answer from the writer after every
 * change: new attempts, attempts saved again with INSERT OR REPLACE (new
 * rowid), ids that collide with another task's attempt, the startup sweep,
 * ties in started_at. Also that following is incremental. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "attempts_latest.h"
#include "daemon_schema.h"
#include "store.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char DB[256];
static sqlite3 *W;  /* the writer, in WAL mode like the daemon */
static unsigned SEED = 4242;

static const char *DIRS[] = {"/w/a", "/w/b", "/w/c"};
static const char *STARTS[] = {"2026-03-01T10:00:00Z", "2026-03-01T11:00:00+01:00", "2026-03-01T10:00:00.5Z",
			       "2026-03-02T09:00:00-05:00", "2026-02-28T23:59:59Z", "2026-03-01T10:00:00Z"};

static unsigned rnd(unsigned n)
{
	SEED = SEED * 1103515245u + 12345u;
	return (SEED >> 16) % n;
}

static void drop_files(void)
{
	drop_store_files(DB);
}

static void sql(const char *q)
{
	assert_int_equal(sqlite3_exec(W, q, NULL, NULL, NULL), SQLITE_OK);
}

/* Task k lives in DIRS[k % 3]. */
static void make_tasks(int n)
{
	char q[200];
	int k;

	for (k = 0; k < n; k++) {
		snprintf(q, sizeof q, "INSERT INTO tasks (id, title, project_dir) VALUES ('t%d', 'task %d', '%s')", k, k,
			 DIRS[k % 3]);
		sql(q);
	}
}

/* The daemon's save: INSERT OR REPLACE of the whole row. */
static void save(const char *id, int task, const char *started, const char *result)
{
	sqlite3_stmt *st;
	char t[16];

	snprintf(t, sizeof t, "t%d", task);
	assert_int_equal(sqlite3_prepare_v2(W, "INSERT OR REPLACE INTO attempts (id, task_id, started_at, ended_at, "
		"result, project_dir) VALUES (?1, ?2, ?3, CASE WHEN ?4 = 'running' THEN NULL ELSE '2026-03-04T00:00:00Z' END, ?4, ?5)",
		-1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, t, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, started, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, result, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, DIRS[task % 3], -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* A new attempt; ids from a small space collide now and then when
 * `collide` (store.md 2.3: 4 random characters, no check). */
static void new_attempt(int ntasks, int collide)
{
	static int serial;
	char id[16];

	if (collide)
		snprintf(id, sizeof id, "c%02u", rnd(40));
	else
		snprintf(id, sizeof id, "a%04d", ++serial);
	save(id, (int)rnd((unsigned)ntasks), STARTS[rnd(6)], "running");
}

/* A running attempt ends: saved again with its result. */
static void finish_one(void)
{
	static const char *RESULTS[] = {"succeeded", "failed", "cancelled"};
	sqlite3_stmt *st;
	char id[16], started[64];
	int task;

	assert_int_equal(sqlite3_prepare_v2(W, "SELECT id, substr(task_id, 2), started_at FROM attempts "
		"WHERE result = 'running' ORDER BY random() LIMIT 1", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(started, sizeof started, "%s", (const char *)sqlite3_column_text(st, 2));
		task = sqlite3_column_int(st, 1);
		sqlite3_finalize(st);
		save(id, task, started, RESULTS[rnd(3)]);
		return;
	}
	sqlite3_finalize(st);
}

/* "task id running" lines of the latest attempts of dir, by task. */
static void expected(const char *dir, char *out, size_t cap)
{
	sqlite3_stmt *st;
	size_t n = 0;

	out[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(W, "SELECT task_id, id, result = 'running' FROM attempts a "
		"WHERE project_dir = ?1 AND NOT EXISTS (SELECT 1 FROM attempts b WHERE b.project_dir = ?1 "
		"AND b.task_id = a.task_id AND (b.started_at > a.started_at OR (b.started_at = a.started_at "
		"AND b.rowid > a.rowid))) ORDER BY task_id", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, dir, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		n += (size_t)snprintf(out + n, cap - n, "%s %s %d\n", sqlite3_column_text(st, 0),
				      sqlite3_column_text(st, 1), sqlite3_column_int(st, 2));
	sqlite3_finalize(st);
}

static long SEEN_RUNNING, SEEN_DONE;  /* latest attempts compared */

static void got(const struct alist *l, char *out, size_t cap)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < l->n; i++) {
		n += (size_t)snprintf(out + n, cap - n, "%s %s %d\n", l->v[i].task, l->v[i].id, l->v[i].running);
		if (l->v[i].running)
			SEEN_RUNNING++;
		else
			SEEN_DONE++;
	}
}

static void check(const char *dir)
{
	static char want[65536], have[65536];
	const struct alist *l = attempts_latest(store_get(), dir);

	assert_non_null(l);
	expected(dir, want, sizeof want);
	got(l, have, sizeof have);
	assert_string_equal(have, want);
}

static void fixture(void)
{
	if (W)
		sqlite3_close(W);
	store_close();
	attempts_latest_reset();
	drop_files();
	assert_int_equal(sqlite3_open(DB, &W), SQLITE_OK);
	sql("PRAGMA journal_mode=WAL");
	sql(DAEMON_RUNS_SQL);
	sql(DAEMON_TASKS_SQL);
}

static void run_changes(int collide, int rounds)
{
	int i, k;

	for (i = 0; i < rounds; i++) {
		int op = (int)rnd(10);

		for (k = 0; k < 1 + (int)rnd(3); k++) {
			if (op < 5)
				new_attempt(30, collide);
			else if (op < 9)
				finish_one();
			else if (rnd(8) == 0)
				sql("UPDATE attempts SET result = 'failed' WHERE result = 'running'");  /* sweep */
		}
		check(DIRS[rnd(3)]);
	}
}

static void test_follows_saves(void **state)
{
	long builds;
	int i;

	(void)state;
	fixture();
	make_tasks(30);
	for (i = 0; i < 60; i++)
		new_attempt(30, 0);
	for (i = 0; i < 3; i++)
		check(DIRS[i]);
	builds = attempts_latest_builds();
	run_changes(0, 300);
	assert_true(SEEN_RUNNING > 100 && SEEN_DONE > 100);
	printf("full builds in 300 changes without collisions: %ld\n", attempts_latest_builds() - builds);
	assert_int_equal(attempts_latest_builds() - builds, 0);
}

/* Colliding ids replace other tasks' attempts: rebuilds, never a wrong
 * answer. */
static void test_collisions(void **state)
{
	long builds = attempts_latest_builds();

	(void)state;
	fixture();
	make_tasks(30);
	run_changes(1, 300);
	printf("full builds in 300 changes with colliding ids: %ld\n", attempts_latest_builds() - builds);
	assert_true(attempts_latest_builds() - builds > 3);  /* collisions did hit latest attempts */
}

/* The startup sweep fails running attempts in place (same rowid); a row
 * that vanishes (not something the daemon does) is seen too. */
static void test_sweep_and_gone(void **state)
{
	const struct alist *l;

	(void)state;
	fixture();
	make_tasks(3);
	save("a1", 0, STARTS[0], "running");
	save("a2", 3 % 3, STARTS[3], "running");  /* task 0 again, later: latest */
	save("b1", 1, STARTS[0], "running");
	check("/w/a");
	l = attempts_latest(store_get(), "/w/a");
	assert_int_equal(l->n, 1);
	assert_string_equal(l->v[0].id, "a2");
	assert_int_equal(l->v[0].running, 1);
	sql("UPDATE attempts SET result = 'failed' WHERE result = 'running'");
	check("/w/a");
	l = attempts_latest(store_get(), "/w/a");
	assert_int_equal(l->v[0].running, 0);
	save("a3", 0, STARTS[4], "running");  /* earlier start: not the latest */
	save("a4", 0, STARTS[3], "running");  /* same start, inserted later: latest */
	check("/w/a");
	sql("DELETE FROM attempts WHERE id = 'a4'");
	check("/w/a");
	l = attempts_latest(store_get(), "/w/a");
	assert_string_equal(l->v[0].id, "a2");
}

/* An answer for a fifth project drops the least recently used list. */
static void test_lists_kept(void **state)
{
	long builds;

	(void)state;
	fixture();
	make_tasks(3);
	new_attempt(3, 0);
	check("/w/a");
	check("/w/b");
	builds = attempts_latest_builds();
	check("/w/a");
	check("/w/b");
	assert_int_equal(attempts_latest_builds(), builds);
	check("/x/1");
	check("/x/2");
	check("/x/3");  /* evicts /w/a, the least recently used */
	check("/w/b");
	assert_int_equal(attempts_latest_builds(), builds + 3);
	check("/w/a");
	assert_int_equal(attempts_latest_builds(), builds + 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_follows_saves),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_sweep_and_gone),
		cmocka_unit_test(test_lists_kept),
	};
	int rc;

	snprintf(DB, sizeof DB, "/tmp/test_attempts_%d.db", (int)getpid());
	setenv("CLOCHE_DB", DB, 1);
	rc = cmocka_run_group_tests_name("attempts", tests, NULL, NULL);
	if (W)
		sqlite3_close(W);
	store_close();
	attempts_latest_reset();
	drop_files();
	return rc;
}
