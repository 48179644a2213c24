#include "tasks_inprogress.h"
#include "json.h"
#include "timefmt.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Attempts of the project grouped by task, oldest first inside a task as
 * the daemon orders them (started_at text, store.md 2.7): the last row of
 * each group is the task's latest attempt. */
static const char SQL_ATTEMPTS[] =
	"SELECT a.task_id, a.id, a.started_at, a.result, COALESCE(t.title, '') "
	"FROM attempts a LEFT JOIN tasks t ON t.id = a.task_id "
	"WHERE a.project_dir = ? ORDER BY a.task_id, a.started_at, a.rowid";

/* Backed by the UNIQUE(attempt_id, id) index. */
static const char SQL_MAIN_RUN[] =
	"SELECT id, COALESCE(task_title, '') FROM runs WHERE attempt_id = ? AND id = ? "
	"ORDER BY rowid DESC LIMIT 1";

static const char SQL_ACTIVE[] =
	"SELECT 1 FROM runs WHERE attempt_id = ? AND state IN ('pending', 'running') LIMIT 1";

static char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return strdup(t ? (const char *)t : "");
}

void rfc3339_seconds(char out[32], const char *ts)
{
	long long ns;
	const char *p;

	out[0] = '\0';
	if (ts_parse(ts, &ns) != 0)
		return;
	p = ts + 19;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	snprintf(out, 32, "%.19s%s", ts, p);
}

static void add_task(struct ip_tasks *t, size_t *cap, sqlite3_stmt *st)
{
	struct ip_task *e;
	char when[32];

	if (t->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		t->v = realloc(t->v, *cap * sizeof *t->v);
	}
	e = &t->v[t->n++];
	memset(e, 0, sizeof *e);
	e->id = col(st, 0);
	e->attempt_id = col(st, 1);
	e->started_at = col(st, 2);
	e->title = col(st, 4);
	rfc3339_seconds(when, e->started_at);
	e->assigned_at = strdup(when);
	if (ts_parse(e->started_at, &e->started_ns) != 0)
		e->started_ns = 0;
}

static void task_free(struct ip_task *e)
{
	free(e->id); free(e->title); free(e->attempt_id);
	free(e->started_at); free(e->assigned_at); free(e->run_id);
}

/* One pass over the project's attempts; keeps tasks whose last attempt runs. */
static int latest_running(struct store *s, const char *dir, struct ip_tasks *t)
{
	sqlite3_stmt *st = store_prepare(s, SQL_ATTEMPTS);
	const char *task, *res;
	char *prev = NULL;
	int rc, kept = 0;
	size_t cap = 0;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, dir, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		task = (const char *)sqlite3_column_text(st, 0);
		res = (const char *)sqlite3_column_text(st, 3);
		if (!task)
			continue;
		/* A later attempt of the same task replaces the one kept. */
		if (kept && prev && strcmp(prev, task) == 0)
			task_free(&t->v[--t->n]);
		kept = res && strcmp(res, "running") == 0;
		if (kept)
			add_task(t, &cap, st);
		free(prev);
		prev = strdup(task);
	}
	free(prev);
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc);
}

/* run_id and the title fallback from <attempt>-main; stale from the
 * attempt's active runs. Both lookups use the (attempt_id, id) index. */
static int enrich(struct store *s, struct ip_task *e)
{
	sqlite3_stmt *st = store_prepare(s, SQL_MAIN_RUN);
	char rid[600];
	int rc;

	if (!st)
		return -1;
	snprintf(rid, sizeof rid, "%s-main", e->attempt_id);
	sqlite3_bind_text(st, 1, e->attempt_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, rid, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		e->run_id = col(st, 0);
		if (!*e->title) {
			free(e->title);
			e->title = col(st, 1);
		}
	}
	store_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, rc);
	if (!e->run_id)
		e->run_id = strdup("");
	st = store_prepare(s, SQL_ACTIVE);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, e->attempt_id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	e->stale = rc == SQLITE_DONE;
	store_done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(s, rc);
}

static int newest_first(const void *a, const void *b)
{
	const struct ip_task *x = a, *y = b;

	if (x->started_ns != y->started_ns)
		return x->started_ns < y->started_ns ? 1 : -1;
	return strcmp(x->id, y->id);
}

int tasks_inprogress(struct store *s, const char *dir, struct ip_tasks *out)
{
	size_t i;

	memset(out, 0, sizeof *out);
	if (!store_has(s, F_TASKS | F_ATTEMPTS))
		return 0;
	if (latest_running(s, dir, out) != 0)
		goto fail;
	for (i = 0; i < out->n; i++) {
		if (!store_has(s, F_ATTEMPT_ID)) {
			out->v[i].run_id = strdup("");
			continue;
		}
		if (enrich(s, &out->v[i]) != 0)
			goto fail;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, newest_first);
	return 0;
fail:
	ip_tasks_free(out);
	return -1;
}

void ip_tasks_free(struct ip_tasks *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		task_free(&t->v[i]);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

struct json_object *ip_task_json(const struct ip_task *t)
{
	struct json_object *o = json_object_new_object();

	jadd_str(o, "id", t->id);
	jadd_str(o, "status", "in-progress");
	jadd_str(o, "title", t->title);
	jadd_bool(o, "assigned", 1);
	jadd_str_nonempty(o, "assigned_at", t->assigned_at);
	jadd_str_nonempty(o, "run_id", t->run_id);
	if (t->stale)
		jadd_bool(o, "stale", 1);
	return o;
}
