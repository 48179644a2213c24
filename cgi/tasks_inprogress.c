#include "tasks_inprogress.h"
#include "attempts_latest.h"
#include "json.h"
#include "timefmt.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tasks' latest attempts come from attempts_latest.c; the title is
 * joined only for the running ones. */
static const char SQL_TITLE[] = "SELECT title FROM tasks WHERE id = ?";

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

static void add_task(struct ip_tasks *t, size_t *cap, const struct alatest *a)
{
	struct ip_task *e;
	char when[32];

	if (t->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		t->v = realloc(t->v, *cap * sizeof *t->v);
	}
	e = &t->v[t->n++];
	memset(e, 0, sizeof *e);
	e->id = strdup(a->task);
	e->attempt_id = strdup(a->id);
	e->started_at = strdup(a->started);
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

/* The task's title, "" when it has no row (the daemon's LEFT JOIN). */
static int task_title(struct store *s, struct ip_task *e)
{
	sqlite3_stmt *st = store_prepare(s, SQL_TITLE);
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, e->id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	e->title = rc == SQLITE_ROW ? col(st, 0) : strdup("");
	store_done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(s, rc);
}

/* Keeps tasks whose last attempt runs. */
static int latest_running(struct store *s, const char *dir, struct ip_tasks *t)
{
	const struct alist *l = attempts_latest(s, dir);
	size_t i, cap = 0;
	int rc = l ? 0 : -1;

	for (i = 0; rc == 0 && i < l->n; i++) {
		if (!l->v[i].running)
			continue;
		add_task(t, &cap, &l->v[i]);
		rc = task_title(s, &t->v[t->n - 1]);
	}
	return rc;
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

static char *dup0(const char *x)
{
	return x ? strdup(x) : NULL;
}

/* A deep copy of a into b. */
static void tasks_copy(const struct ip_tasks *a, struct ip_tasks *b)
{
	size_t i;

	b->n = a->n;
	b->v = calloc(a->n ? a->n : 1, sizeof *b->v);
	for (i = 0; i < a->n; i++) {
		b->v[i] = a->v[i];
		b->v[i].id = dup0(a->v[i].id);
		b->v[i].title = dup0(a->v[i].title);
		b->v[i].attempt_id = dup0(a->v[i].attempt_id);
		b->v[i].started_at = dup0(a->v[i].started_at);
		b->v[i].assigned_at = dup0(a->v[i].assigned_at);
		b->v[i].run_id = dup0(a->v[i].run_id);
	}
}

/* The last answer, for its directory and store version: the project page
 * is rendered again when its TTL ends although the store did not change,
 * and /tasks asks for the same list. Owned here. */
static struct {
	char *dir;
	long long version;
	struct ip_tasks t;
} memo;

static int compute(struct store *s, const char *dir, struct ip_tasks *out);

int tasks_inprogress(struct store *s, const char *dir, struct ip_tasks *out)
{
	long long ver = store_version(s);

	if (memo.dir && memo.version == ver && strcmp(memo.dir, dir) == 0) {
		tasks_copy(&memo.t, out);
		return 0;
	}
	if (compute(s, dir, out) != 0)
		return -1;
	free(memo.dir);
	ip_tasks_free(&memo.t);
	memo.dir = strdup(dir);
	memo.version = ver;
	tasks_copy(out, &memo.t);
	return 0;
}

static int compute(struct store *s, const char *dir, struct ip_tasks *out)
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
