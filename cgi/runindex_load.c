/* Keeping the run index in step with the store. A full build is one scan
 * of runs. After a change we read only rows with a pk above the last one
 * seen and re-read the runs that were not terminal (the daemon changes a
 * run row only while it is active, and the whole-row rewrites of the
 * container actions keep every indexed column), then check the row count;
 * any surprise (a row gone, a count that does not add up, a schema change)
 * falls back to a full build. Step id ranges (ix_step_range) are built on
 * the second request that needs one and then extended by id, since
 * step_executions only ever grows. */
#include "runindex.h"
#include "buf.h"
#include "runjson.h"
#include "runs.h"
#include "timefmt.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct runindex IX;
static char IX_COLS[1024];  /* run_cols the index was built with */

/* Every statement here names rowid: it is pk on current stores, and the
 * key on stores without pk (whose run_cols cannot give it). */
static const char *text(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t ? t : "";
}

static void add_row(struct runindex *ix, sqlite3_stmt *st)
{
	ix_add(ix, sqlite3_column_int64(st, RUN_NCOLS), text(st, RUN_ID), text(st, RUN_WORKFLOW),
	       text(st, RUN_STATE), text(st, RUN_STARTED), text(st, RUN_PROJECT),
	       text(st, RUN_PARENT), text(st, RUN_TASK), text(st, RUN_TASK_TITLE),
	       sqlite3_column_int(st, RUN_IS_HOST));
}

/* Rows with pk > after, in pk order. -1 on a store error. */
static int read_from(struct store *s, struct runindex *ix, long long after)
{
	static char sql[1400];
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof sql, "SELECT %s, rowid FROM runs WHERE rowid > ? ORDER BY rowid",
		 s->run_cols);
	st = store_prepare(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		add_row(ix, st);
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc);
}

static int is_final(int state)
{
	return state == RS_SUCCEEDED || state == RS_FAILED || state == RS_CANCELLED;
}

static int differs(const struct ixrun *x, const char *state, const char *started)
{
	long long ns, sec = ts_parse(started, &ns) == 0 && ns > 0 ? ns / 1000000000LL : 0;

	return ix_state_code(state) != x->state || sec != (long long)x->sec ||
	       (sec && (ns / 1000000LL) % 1000 != x->ms);
}

/* The open (non-terminal) runs whose state or start changed, asked in one
 * statement (a JSON array of rowids) rather than one query each: most of
 * them have not changed. Returns how many open rows still exist, -1 on a
 * store error. */
static long scan_open(struct store *s, struct runindex *ix, uint32_t *changed, size_t *nch,
		      size_t *nopen)
{
	sqlite3_stmt *st;
	struct buf list = {0};
	long seen = 0;
	size_t i;
	int rc;

	*nopen = 0;
	buf_putc(&list, '[');
	for (i = 0; i < ix->n; i++) {
		if (is_final(ix->v[i].state))
			continue;
		if ((*nopen)++)
			buf_putc(&list, ',');
		buf_putll(&list, ix->v[i].pk);
	}
	buf_putc(&list, ']');
	st = store_prepare(s, "SELECT rowid, state, COALESCE(started_at,'') FROM runs "
			      "WHERE rowid IN (SELECT value FROM json_each(?))");
	if (!st) {
		buf_free(&list);
		return -1;
	}
	sqlite3_bind_text(st, 1, buf_str(&list), (int)list.len, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t k = ix_by_pk(ix, sqlite3_column_int64(st, 0));

		seen++;
		if (k != IX_NONE && differs(&ix->v[k], text(st, 1), text(st, 2)))
			changed[(*nch)++] = k;
	}
	store_done(st);
	buf_free(&list);
	return rc == SQLITE_DONE ? seen : store_fail(s, rc);
}

/* 1 re-read, 0 the row is gone, -1 store error. */
static int reread(struct store *s, struct runindex *ix, uint32_t pk)
{
	struct run r;
	int got = run_by_pk(s, pk, &r);

	if (got == 1) {
		ix_add(ix, r.pk, r.id, r.workflow, r.state, r.started_at, r.project_dir,
		       r.parent_run_id, r.task_id, r.task_title, r.is_host);
		run_free(&r);
	}
	return got;
}

/* Is this still the store the index was built from? The daemon never
 * deletes runs, so the first, middle and last indexed rows must still be
 * there with the same ids (a store file replaced by another fails this). */
static int same_store(struct store *s, struct runindex *ix)
{
	size_t at[3] = {0, ix->n / 2, ix->n ? ix->n - 1 : 0}, i;

	for (i = 0; i < 3 && ix->n; i++) {
		struct run r;
		int got = run_by_pk(s, ix->v[at[i]].pk, &r), same;

		if (got < 0)
			return -1;
		if (!got)
			return 0;
		same = strcmp(r.id, ix_str(ix, ix->v[at[i]].id)) == 0;
		run_free(&r);
		if (!same)
			return 0;
	}
	return 1;
}

/* 0 updated (*changed lists the runs that moved or are new, malloc'd),
 * 1 needs a full build, -1 store error. */
static int incremental(struct store *s, struct runindex *ix, uint32_t **changed, size_t *nch)
{
	size_t i, n0 = ix->n, nopen, nmoved;
	long seen;
	int rc = same_store(s, ix);

	*changed = NULL;
	*nch = 0;
	if (rc <= 0)
		return rc < 0 ? -1 : 1;
	*changed = malloc((n0 + 1) * sizeof **changed);
	seen = scan_open(s, ix, *changed, nch, &nopen);
	if (seen < 0)
		return -1;
	if ((size_t)seen != nopen)
		return 1;  /* an open run is gone: not a store we can follow */
	nmoved = *nch;
	for (i = 0; i < nmoved; i++)
		if (reread(s, ix, ix->v[(*changed)[i]].pk) != 1)
			return 1;
	if (read_from(s, ix, ix->maxpk) != 0)
		return -1;
	if (store_runs_count(s) != (long long)ix->n)
		return 1;  /* rows pruned, or a store error (seen again by the rebuild) */
	*changed = realloc(*changed, (*nch + ix->n - n0 + 1) * sizeof **changed);
	for (i = n0; i < ix->n; i++)
		(*changed)[(*nch)++] = (uint32_t)i;
	return 0;
}

/* Carries step ranges over a full rebuild (run indexes change). */
static void move_steps(struct runindex *from, struct runindex *to)
{
	size_t i;

	if (!from->step_ready)
		return;
	to->step_lo = calloc(to->cap + 1, sizeof *to->step_lo);
	to->step_hi = calloc(to->cap + 1, sizeof *to->step_hi);
	to->nsteps_runs = to->cap;
	for (i = 0; i < from->n && i < from->nsteps_runs; i++) {
		uint32_t k;

		if (!from->step_lo[i])
			continue;
		k = ix_find_id(to, ix_str(from, from->v[i].id));
		if (k != IX_NONE) {
			to->step_lo[k] = from->step_lo[i];
			to->step_hi[k] = from->step_hi[i];
		}
	}
	to->step_max = from->step_max;
	to->step_ready = 1;
	to->step_uses = from->step_uses;
}

static int full_build(struct store *s)
{
	struct runindex fresh = {0};

	long long most = store_int(s, "SELECT COALESCE(max(rowid), 0) FROM runs");

	if (most < 0)
		return -1;
	ix_reset(&fresh);
	ix_reserve(&fresh, most < 4000000 ? (size_t)most : 4000000);
	if (read_from(s, &fresh, -1) != 0) {
		ix_free(&fresh);
		return -1;
	}
	ix_compact(&fresh);
	move_steps(&IX, &fresh);
	ix_free(&IX);
	IX = fresh;
	return 0;
}

struct runindex *runindex_get(struct store *s)
{
	long long ver;
	int rc = 1;

	if (s->state != STORE_OK)
		return NULL;
	ver = store_version(s);
	if (IX.version == ver && IX.pool)
		return &IX;
	if (IX.pool && strcmp(IX_COLS, s->run_cols) == 0) {
		uint32_t *changed;
		size_t nch;

		rc = incremental(s, &IX, &changed, &nch);
		if (rc == 0)
			ix_refresh(&IX, changed, nch);
		free(changed);
		if (rc < 0)
			return NULL;
	}
	if (rc != 0) {
		if (full_build(s) != 0)
			return NULL;
		ix_finish(&IX);
	}
	snprintf(IX_COLS, sizeof IX_COLS, "%s", s->run_cols);
	IX.version = ver;
	return &IX;
}

/* Extends the step map with rows above step_max. */
static int scan_steps(struct store *s, struct runindex *ix)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT id, run_id FROM step_executions WHERE id > ? ORDER BY id");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, ix->step_max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);
		uint32_t k = ix_find_id(ix, text(st, 1));

		ix->step_max = id;
		if (k == IX_NONE || k >= ix->nsteps_runs || id > 0xFFFFFFFFLL)
			continue;
		if (!ix->step_lo[k])
			ix->step_lo[k] = (uint32_t)id;
		ix->step_hi[k] = (uint32_t)id;
	}
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc);
}

int ix_step_range(struct store *s, struct runindex *ix, const char *run_id,
		  long long *lo, long long *hi)
{
	uint32_t k = ix_find_id(ix, run_id);

	if (!ix->step_ready && ++ix->step_uses < 2)
		return 0;
	if (!ix->step_ready) {
		ix->step_lo = calloc(ix->cap + 1, sizeof *ix->step_lo);
		ix->step_hi = calloc(ix->cap + 1, sizeof *ix->step_hi);
		ix->nsteps_runs = ix->cap;
		ix->step_max = 0;
		ix->step_ready = 1;
	}
	if (scan_steps(s, ix) != 0)
		return 0;
	if (k == IX_NONE || k >= ix->nsteps_runs)
		return 0;
	*lo = ix->step_lo[k];
	*hi = ix->step_hi[k];
	return 1;
}
