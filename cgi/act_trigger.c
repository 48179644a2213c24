/* POST /api/projects/{name}/trigger — Trigger Orchestrator / Start Loop
 * (http.md 5.6): EnableLoop, then report what really happened. The daemon
 * always says "dispatched":1; we count the `main` runs the loop starts in
 * the store within a short wait, and list them so the page can link them.
 * Never called for a broken config.toml: EnableLoop would kill the daemon. */
#include "action.h"
#include "config.h"
#include "json.h"
#include "responders.h"
#include "store.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long last_rowid(struct store *s)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT ifnull(max(rowid), 0) FROM runs");
	long long v = 0;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	store_done(st);
	return v;
}

/* New `main` runs of the project since *after; appends them to a and
 * moves *after past them. Returns how many were added. */
static int new_runs(struct store *s, const char *dir, long long *after, struct json_object *a)
{
	sqlite3_stmt *st = store_prepare(s, store_has(s, F_TASKS) && store_has(s, F_ATTEMPT_ID) ?
		"SELECT rowid, id, attempt_id, task_id, ifnull((SELECT title FROM tasks WHERE tasks.id = runs.task_id), '') "
		"FROM runs WHERE rowid > ? AND project_dir = ? AND workflow_name = 'main' ORDER BY rowid" :
		"SELECT rowid, id, '', '', '' FROM runs WHERE rowid > ? AND project_dir = ? AND workflow_name = 'main' "
		"ORDER BY rowid");
	int n = 0;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, *after);
	sqlite3_bind_text(st, 2, dir, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct json_object *o = json_object_new_object();

		*after = sqlite3_column_int64(st, 0);
		jadd_str(o, "attempt_id", (const char *)sqlite3_column_text(st, 2));
		jadd_str(o, "run_id", (const char *)sqlite3_column_text(st, 1));
		jadd_str(o, "task_id", (const char *)sqlite3_column_text(st, 3));
		jadd_str(o, "title", (const char *)sqlite3_column_text(st, 4));
		json_object_array_add(a, o);
		n++;
	}
	store_done(st);
	return n;
}

/* Poll up to CLOCHE_DASH_TRIGGER_WAIT_MS (3 s); once something appeared,
 * stop when the loop has been quiet for a stagger or so. */
static void wait_dispatch(struct store *s, const char *dir, long long after, struct json_object *a)
{
	const char *v = cfg_get("CLOCHE_DASH_TRIGGER_WAIT_MS");
	long long wait = v ? atoll(v) : 3000, start = now_ms(), last = 0;
	struct timespec nap = {0, 150 * 1000000L};

	if (wait < 0 || wait > 30000)
		wait = 3000;
	for (;;) {
		if (new_runs(s, dir, &after, a))
			last = now_ms();
		if (now_ms() - start >= wait || (last && now_ms() - last >= 1600))
			return;
		nanosleep(&nap, NULL);
	}
}

static void flash_text(char *out, size_t cap, const struct project *p, struct json_object *a)
{
	size_t i, n = json_object_array_length(a), o;

	if (!n) {
		snprintf(out, cap, "Loop of %s started; no tasks ready", p->label);
		return;
	}
	o = (size_t)snprintf(out, cap, "Dispatched %zu:", n);
	for (i = 0; i < n && o < cap; i++) {
		struct json_object *e = json_object_array_get_idx(a, i), *t, *id;

		json_object_object_get_ex(e, "task_id", &t);
		json_object_object_get_ex(e, "run_id", &id);
		o += (size_t)snprintf(out + o, cap - o, "%s %s", i ? "," : "",
				      *json_object_get_string(t) ? json_object_get_string(t) : json_object_get_string(id));
	}
}

void act_trigger(struct req *r)
{
	const struct project *p = action_project(r);
	struct store *s = store_get();
	struct json_object *o, *a;
	struct daemon_err e;
	long long before;
	char flash[700];

	if (!p || action_config_ok(r, p) != 0)
		return;
	before = last_rowid(s);
	if (daemon_enable_loop(p->dir, &e) != 0) {
		action_daemon_fail(r, "", &e);
		return;
	}
	a = json_object_new_array();
	wait_dispatch(s, p->dir, before, a);
	flash_text(flash, sizeof flash, p, a);
	o = json_object_new_object();
	jadd(o, "attempts", a);
	jadd_int(o, "dispatched", (long long)json_object_array_length(a));
	jadd_str(o, "project", p->label);
	jadd_str(o, "status", "ok");
	action_reply(r, 200, o, flash);
}
