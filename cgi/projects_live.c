/* The project list kept in step with the store. After the first scan
 * (projects_scan.c) a change costs a few indexed reads, not a scan of
 * every run: the daemon never deletes runs and changes a run's state or
 * start only until the run is terminal (store.md 2.3), so we read the rows
 * above the last pk and re-read the open runs. Anything unexpected (the
 * last row gone or another one, an open run gone, a window that got too
 * short to fill the health window) falls back to a full scan. */
#include "projects_int.h"
#include "buf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct projects P;
static long long P_GEN;  /* the store connection P was read through */
static unsigned P_FEATURES;  /* and the schema it had (a migration rescans) */
static long SCANS;

static const char *col(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t ? t : "";
}

/* 1 if the row at maxpk still has the id we saw, 0 if not, -1 error. */
static int same_store(struct store *s, const struct projects *p)
{
	sqlite3_stmt *st;
	int rc, same = 0;

	if (!p->maxid)
		return 1;
	st = store_prepare(s, "SELECT COALESCE(id,'') FROM runs WHERE rowid = ?");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, p->maxpk);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		same = strcmp(col(st, 0), p->maxid) == 0;
	store_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, rc);
	return same;
}

static int cmp_open(const void *k, const void *e)
{
	long long a = *(const long long *)k, b = ((const struct open_run *)e)->pk;

	return (a > b) - (a < b);
}

/* An open run whose state or start changed: its counts and its place. */
static void change(struct projects *p, struct open_run *o, const struct prow *r)
{
	struct project *pr = (struct project *)project_by_dir(p, o->dir);

	if (pr) {
		pr->active += proj_is_active(r->state) - o->active;
		proj_unplace(pr, r->pk);
		proj_place(pr, r);
	}
	o->sig = proj_sig(r->state, r->started);
	o->active = proj_is_active(r->state);
	o->final = proj_is_final(r->state);
}

/* Drops the runs that became terminal from the open list. */
static void compact_open(struct projects *p)
{
	size_t i, k = 0;

	for (i = 0; i < p->nopen; i++)
		if (!p->open[i].final)
			p->open[k++] = p->open[i];
	p->nopen = k;
}

static void open_pks(const struct projects *p, struct buf *b)
{
	size_t i;

	buf_putc(b, '[');
	for (i = 0; i < p->nopen; i++) {
		if (i)
			buf_putc(b, ',');
		buf_putll(b, p->open[i].pk);
	}
	buf_putc(b, ']');
}

/* Re-reads the open runs in one statement. 0 done, 1 one is gone. */
static int reread_open(struct store *s, struct projects *p)
{
	sqlite3_stmt *st;
	struct buf list = {0};
	size_t seen = 0;
	int rc;

	st = store_prepare(s, "SELECT rowid, COALESCE(state,''), COALESCE(started_at,''), COALESCE(id,'') "
			      "FROM runs WHERE rowid IN (SELECT value FROM json_each(?))");
	if (!st)
		return -1;
	open_pks(p, &list);
	sqlite3_bind_text(st, 1, buf_str(&list), (int)list.len, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long pk = sqlite3_column_int64(st, 0);
		struct open_run *o = bsearch(&pk, p->open, p->nopen, sizeof *p->open, cmp_open);
		struct prow r = {pk, "", col(st, 3), col(st, 1), col(st, 2), 0};

		seen++;
		if (o && proj_sig(r.state, r.started) != o->sig)
			change(p, o, &r);
	}
	store_done(st);
	buf_free(&list);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc);
	if (seen != p->nopen)
		return 1;
	compact_open(p);
	return 0;
}

/* The project of a new row's directory, added (and the list re-sorted)
 * on first sight; NULL for rows that belong to no listed project. */
static struct project *project_for(struct projects *p, const char *dir, int *added)
{
	struct project *pr = (struct project *)project_by_dir(p, dir);

	if (pr || !*dir || is_worktree_dir(dir))
		return pr;
	p->v = realloc(p->v, (p->n + 1) * sizeof *p->v);
	memset(&p->v[p->n], 0, sizeof p->v[0]);
	p->v[p->n++].dir = strdup(dir);
	projects_sort(p);
	*added = 1;
	return (struct project *)project_by_dir(p, dir);
}

static void add_new(struct projects *p, const struct prow *r, int *added)
{
	struct project *pr = project_for(p, r->dir, added);

	free(p->maxid);
	p->maxid = strdup(r->id);
	p->maxpk = r->pk;
	p->nrows++;
	if (!pr)
		return;
	pr->nruns++;
	proj_place(pr, r);
	pr->active += proj_is_active(r->state);
	if (!proj_is_final(r->state))
		proj_open_add(p, pr, r);
}

/* Rows above maxpk, in pk order. */
static int read_new(struct store *s, struct projects *p, int *added)
{
	static char sql[512];
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof sql, "SELECT %s, COALESCE(id,''), COALESCE(state,''), COALESCE(started_at,''), rowid "
		 "FROM runs WHERE rowid > ? ORDER BY rowid",
		 store_has(s, F_PROJECT_DIR) ? "COALESCE(project_dir,'')" : "''");
	st = store_prepare(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, p->maxpk);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct prow r = {sqlite3_column_int64(st, 4), col(st, 0), col(st, 1), col(st, 2), col(st, 3), 0};

		add_new(p, &r, added);
	}
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc);
}

/* 0 updated, 1 needs a full scan, -1 store error. */
static int update(struct store *s, struct projects *p)
{
	int rc = same_store(s, p), added = 0;
	long long n;
	size_t i;

	if (rc <= 0)
		return rc < 0 ? -1 : 1;
	rc = reread_open(s, p);
	if (rc != 0)
		return rc;
	if (read_new(s, p, &added) != 0)
		return -1;
	n = store_runs_count(s);  /* rows pruned below the last pk */
	if (n != p->nrows)
		return n < 0 ? -1 : 1;
	if (added)
		projects_assign_labels(p);
	for (i = 0; i < p->n; i++) {
		struct project *pr = &p->v[i];

		if (pr->nwin < HEALTH_WINDOW && pr->nwin < pr->nruns)
			return 1;
		proj_finish(pr);
	}
	return 0;
}

const struct projects *projects_get(struct store *s)
{
	long long ver;
	int rc = 1;

	if (s->state != STORE_OK)
		return NULL;
	ver = store_version(s);
	if (P.version == ver && P.version)
		return &P;
	if (P.version && P_GEN == s->gen && P_FEATURES == s->features)
		rc = update(s, &P);
	if (rc != 0) {
		projects_free(&P);
		if (rc < 0 || projects_scan(s, &P) != 0)
			return NULL;
		SCANS++;
		P.kept_version = ver;
	}
	P.version = ver;
	P_GEN = s->gen;
	P_FEATURES = s->features;
	return &P;
}

static int count_kept(struct store *s, struct projects *p)
{
	sqlite3_stmt *st;
	size_t i;
	int rc;

	for (i = 0; i < p->n; i++)
		p->v[i].kept = 0;
	if (!store_has(s, F_CONTAINER_KEPT) || !store_has(s, F_PROJECT_DIR))
		return 0;
	st = store_prepare(s, "SELECT COALESCE(project_dir,'') FROM runs WHERE container_kept = 1");
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct project *pr = (struct project *)project_by_dir(p, col(st, 0));

		if (pr)
			pr->kept++;
	}
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc);
}

const struct projects *projects_get_kept(struct store *s)
{
	const struct projects *p = projects_get(s);

	if (!p || P.kept_version == P.version)
		return p;
	if (count_kept(s, &P) != 0)
		return NULL;
	P.kept_version = P.version;
	return &P;
}

long projects_scans(void)
{
	return SCANS;
}
