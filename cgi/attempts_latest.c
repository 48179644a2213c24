/* Following the latest attempts of a project without rescanning the
 * attempts table (no index on project_dir) after every store change.
 * Saving an attempt is an INSERT OR REPLACE (store.md 2.3): a re-saved
 * attempt comes back with a new rowid, and a colliding id replaces
 * another task's attempt. So after a change we read the rows above the
 * highest rowid seen (new and re-saved attempts) and re-read the running
 * latest ones by id (the startup sweep fails them in place). A latest
 * attempt that now belongs to another task or project, or is gone, means
 * a rebuild. A few projects are kept, the least recently used goes. */
#include "attempts_latest.h"
#include "buf.h"
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NLISTS 4

static struct alist L[NLISTS];
static long long USE;
static long BUILDS;

/* One attempts row as both readers select it. */
struct arow {
	const char *id, *task, *started, *dir;
	long long rowid;
	int running;
};

static const char *col(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t ? t : "";
}

static void read_row(sqlite3_stmt *st, struct arow *r)
{
	r->id = col(st, 0);
	r->task = col(st, 1);
	r->started = col(st, 2);
	r->running = strcmp(col(st, 3), "running") == 0;
	r->dir = col(st, 4);
	r->rowid = sqlite3_column_int64(st, 5);
}

static void set_latest(struct alatest *e, const struct arow *r)
{
	e->task = str_pack3(r->task, r->id, r->started, &e->id, &e->started);
	e->rowid = r->rowid;
	e->running = r->running;
}

static void list_free(struct alist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].task);
	free(l->v);
	free(l->dir);
	memset(l, 0, sizeof *l);
}

/* Does row r come after attempt e of the same task? */
static int later(const struct arow *r, const struct alatest *e)
{
	int c = strcmp(r->started, e->started);

	return c > 0 || (c == 0 && r->rowid > e->rowid);
}

/* Index of task in l (sorted), or where it would go with *found = 0. */
static size_t find_task(const struct alist *l, const char *task, int *found)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->v[mid].task, task);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

/* A row of this project: a new task, or maybe its new latest attempt. */
static void offer(struct alist *l, const struct arow *r)
{
	int found;
	size_t k = find_task(l, r->task, &found);

	if (found) {
		if (later(r, &l->v[k])) {
			free(l->v[k].task);
			set_latest(&l->v[k], r);
		}
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
	}
	memmove(&l->v[k + 1], &l->v[k], (l->n - k) * sizeof *l->v);
	l->n++;
	set_latest(&l->v[k], r);
}

static const char SQL_COLS[] = "SELECT id, task_id, started_at, result, project_dir, rowid FROM attempts ";

static int by_task_then_order(const void *a, const void *b)
{
	const struct alatest *x = a, *y = b;
	int c = strcmp(x->task, y->task);

	if (!c)
		c = strcmp(x->started, y->started);
	if (!c)
		c = x->rowid < y->rowid ? -1 : x->rowid > y->rowid;
	return c;
}

/* Keeps the last attempt of each task of the sorted rows. */
static void keep_latest(struct alist *l)
{
	size_t i, k = 0;

	for (i = 0; i < l->n; i++) {
		if (i + 1 < l->n && strcmp(l->v[i].task, l->v[i + 1].task) == 0) {
			free(l->v[i].task);
			continue;
		}
		l->v[k++] = l->v[i];
	}
	l->n = k;
}

/* Sorting in memory rather than in SQL halves the time on a project with
 * 15,000 attempts. Rows without a task are left out, as before. */
static int build(struct store *s, struct alist *l)
{
	static char sql[160];
	sqlite3_stmt *st;
	int rc;

	l->maxrowid = store_int(s, "SELECT COALESCE(max(rowid), 0) FROM attempts");
	if (l->maxrowid < 0)
		return -1;
	snprintf(sql, sizeof sql, "%sWHERE project_dir = ?", SQL_COLS);
	st = store_prepare(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, l->dir, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct arow r;

		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			continue;
		read_row(st, &r);
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 64;
			l->v = realloc(l->v, l->cap * sizeof *l->v);
		}
		set_latest(&l->v[l->n++], &r);
	}
	store_done(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc);
	if (l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, by_task_then_order);
	keep_latest(l);
	BUILDS++;
	return 0;
}

/* The latest attempt whose id this is, or NULL. */
static struct alatest *by_id(struct alist *l, const char *id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].id, id) == 0)
			return &l->v[i];
	return NULL;
}

/* A row that carries the id of a latest attempt: the same attempt saved
 * again (follow it) or another task's attempt over it (1: rebuild). */
static int resaved(struct alist *l, struct alatest *e, const struct arow *r)
{
	if (strcmp(r->task, e->task) != 0 || strcmp(r->dir, l->dir) != 0 || strcmp(r->started, e->started) != 0)
		return 1;
	e->rowid = r->rowid;
	e->running = r->running;
	return 0;
}

static int by_id_ptr(const void *a, const void *b)
{
	return strcmp((*(struct alatest *const *)a)->id, (*(struct alatest *const *)b)->id);
}

static int cmp_key_id(const void *k, const void *e)
{
	return strcmp((const char *)k, (*(struct alatest *const *)e)->id);
}

/* The running latest attempts, sorted by id, and their ids as a JSON
 * array for json_each (owned by the caller, json_object_put). */
static struct alatest **running_set(struct alist *l, size_t *n, struct json_object **ids)
{
	struct alatest **v = malloc((l->n + 1) * sizeof *v);
	size_t i;

	*n = 0;
	for (i = 0; i < l->n; i++)
		if (l->v[i].running)
			v[(*n)++] = &l->v[i];
	qsort(v, *n, sizeof *v, by_id_ptr);
	*ids = json_object_new_array_ext((int)*n);
	for (i = 0; i < *n; i++)
		json_object_array_add(*ids, json_object_new_string(v[i]->id));
	return v;
}

/* 0 followed, 1 rebuild, -1 store error. */
static int reread_running(struct store *s, struct alist *l)
{
	static char sql[200];
	struct json_object *ids;
	size_t n, seen = 0;
	struct alatest **v = running_set(l, &n, &ids);
	sqlite3_stmt *st;
	int rc = 0, step = SQLITE_DONE;

	snprintf(sql, sizeof sql, "%sWHERE id IN (SELECT value FROM json_each(?))", SQL_COLS);
	st = n ? store_prepare(s, sql) : NULL;
	if (n && !st)
		rc = -1;
	if (st) {
		sqlite3_bind_text(st, 1, json_object_to_json_string_ext(ids, JSON_C_TO_STRING_PLAIN), -1,
				  SQLITE_TRANSIENT);
		while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
			struct alatest **e;
			struct arow r;

			read_row(st, &r);
			e = bsearch(r.id, v, n, sizeof *v, cmp_key_id);
			seen++;
			rc = e ? resaved(l, *e, &r) : 1;
		}
		store_done(st);
		if (rc == 0 && step != SQLITE_DONE)
			rc = store_fail(s, step);
	}
	if (rc == 0 && seen != n)
		rc = 1;  /* one is gone */
	json_object_put(ids);
	free(v);
	return rc;
}

/* Rows above maxrowid: new attempts and attempts saved again. */
static int read_new(struct store *s, struct alist *l)
{
	static char sql[200];
	sqlite3_stmt *st;
	int rc = 0, step = SQLITE_DONE, n = 0;

	snprintf(sql, sizeof sql, "%sWHERE rowid > ? ORDER BY rowid", SQL_COLS);
	st = store_prepare(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, l->maxrowid);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct alatest *e;
		struct arow r;

		/* each row looks up every latest id: after a long gap a
		 * rebuild is cheaper */
		if (++n > 256) {
			rc = 1;
			break;
		}
		read_row(st, &r);
		l->maxrowid = r.rowid;
		if ((e = by_id(l, r.id)))
			rc = resaved(l, e, &r);
		else if (sqlite3_column_type(st, 1) != SQLITE_NULL && strcmp(r.dir, l->dir) == 0)
			offer(l, &r);
	}
	store_done(st);
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_fail(s, step);
	return rc;
}

/* The list for dir: a kept one, or the least recently used slot. */
static struct alist *slot(const char *dir)
{
	struct alist *old = &L[0];
	int i;

	for (i = 0; i < NLISTS; i++) {
		if (L[i].dir && strcmp(L[i].dir, dir) == 0)
			return &L[i];
		if (L[i].used < old->used)
			old = &L[i];
	}
	list_free(old);
	old->dir = strdup(dir);
	return old;
}

const struct alist *attempts_latest(struct store *s, const char *dir)
{
	struct alist *l = slot(dir);
	long long ver = store_version(s);
	int rc = 1;

	l->used = ++USE;
	if (l->version == ver && l->gen == s->gen && l->version)
		return l;
	if (l->version && l->gen == s->gen) {
		rc = reread_running(s, l);
		if (rc == 0)
			rc = read_new(s, l);
	}
	if (rc != 0) {
		char *d = strdup(dir);

		list_free(l);
		l->dir = d;
		l->used = USE;
		if (rc < 0 || build(s, l) != 0) {
			list_free(l);
			return NULL;
		}
	}
	l->version = ver;
	l->gen = s->gen;
	return l;
}

void attempts_latest_reset(void)
{
	int i;

	for (i = 0; i < NLISTS; i++)
		list_free(&L[i]);
}

long attempts_latest_builds(void)
{
	return BUILDS;
}
