/* Builds and maintains the usage aggregate (usage_int.h).
 *
 * A full build reads runs (id, project, task) and then every row of
 * step_executions once. Afterwards, a new store version reads only runs
 * rows with a higher pk and step rows with a higher id: the daemon only
 * appends to both tables, and never changes a run's id, project or task.
 * When a new runs row gives an already-counted run ID another project or
 * task (a shared ID, T4), or the horizon for exact windows gets old, the
 * aggregate is rebuilt from scratch. */
#include "usage_int.h"
#include "timefmt.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HORIZON_NS (31LL * 86400 * 1000000000LL)  /* records kept for windows */
#define REBUILD_NS (12LL * 3600 * 1000000000LL)   /* refresh the horizon */

static struct udb D;

static unsigned long long mix(unsigned long long k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

/* FNV-1a, then mixed: FNV's low bits alone cluster on similar IDs. */
unsigned long long udb_hash(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return mix(h);
}

static void smap_grow(struct smap *m)
{
	size_t ns = m->nslot ? m->nslot * 2 : 64, i;
	int k;

	free(m->slot);
	free(m->hash);
	m->slot = malloc(ns * sizeof *m->slot);
	m->hash = malloc(ns * sizeof *m->hash);
	for (i = 0; i < ns; i++)
		m->slot[i] = -1;
	m->nslot = ns;
	for (k = 0; k < m->n; k++) {
		unsigned long long h = udb_hash(m->s[k]);

		for (i = h & (ns - 1); m->slot[i] >= 0; i = (i + 1) & (ns - 1))
			;
		m->slot[i] = k;
		m->hash[i] = (unsigned)(h >> 32);
	}
}

/* The slot holding s, or the empty slot where it would go. */
static size_t smap_probe(const struct smap *m, const char *s, unsigned long long h)
{
	size_t i;

	for (i = h & (m->nslot - 1); m->slot[i] >= 0; i = (i + 1) & (m->nslot - 1))
		if (m->hash[i] == (unsigned)(h >> 32) && strcmp(m->s[m->slot[i]], s) == 0)
			break;
	return i;
}

int smap_find(const struct smap *m, const char *s)
{
	if (!m->nslot)
		return -1;
	return m->slot[smap_probe(m, s, udb_hash(s))];
}

static int smap_add(struct smap *m, const char *s)
{
	unsigned long long h = udb_hash(s);
	size_t i;

	if ((size_t)(m->n + 1) * 2 > m->nslot)
		smap_grow(m);
	i = smap_probe(m, s, h);
	if (m->slot[i] >= 0)
		return m->slot[i];
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->s = realloc(m->s, (size_t)m->cap * sizeof *m->s);
	}
	m->s[m->n] = strdup(s);
	m->slot[i] = m->n;
	m->hash[i] = (unsigned)(h >> 32);
	return m->n++;
}

static void smap_free(struct smap *m)
{
	int k;

	for (k = 0; k < m->n; k++)
		free(m->s[k]);
	free(m->s);
	free(m->slot);
	free(m->hash);
	memset(m, 0, sizeof *m);
}

static void imap_put(struct imap *m, unsigned long long k, int v);

static void imap_grow(struct imap *m)
{
	struct imap old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 1024;
	m->k = calloc(m->cap, sizeof *m->k);
	m->v = malloc(m->cap * sizeof *m->v);
	m->n = 0;
	for (i = 0; i < old.cap; i++)
		if (old.k[i])
			imap_put(m, old.k[i], old.v[i]);
	free(old.k);
	free(old.v);
}

static int imap_get(const struct imap *m, unsigned long long k)
{
	size_t i;

	if (!m->cap)
		return -1;
	for (i = mix(k) & (m->cap - 1); m->k[i]; i = (i + 1) & (m->cap - 1))
		if (m->k[i] == k)
			return m->v[i];
	return -1;
}

static void imap_put(struct imap *m, unsigned long long k, int v)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		imap_grow(m);
	for (i = mix(k) & (m->cap - 1); m->k[i] && m->k[i] != k; i = (i + 1) & (m->cap - 1))
		;
	if (!m->k[i])
		m->n++;
	m->k[i] = k;
	m->v[i] = v;
}

/* kind in the top bits; +1 so that no key is 0. */
static unsigned long long acc_key(int kind, int ent, int agent)
{
	return ((unsigned long long)kind << 58 | (unsigned long long)ent << 24 | (unsigned)agent) + 1;
}

static const struct uacc *run_acc(const struct udb *d, int run, int agent)
{
	const struct urun *u = &d->runs[run];
	int i;

	for (i = 0; i < u->na; i++)
		if (u->ag[i] == agent)
			return &u->a[i];
	if (u->na < 3)
		return NULL;
	i = imap_get(&d->accmap, acc_key(K_RUN, run, agent));
	return i < 0 ? NULL : &d->acc[i];
}

const struct uacc *udb_acc(const struct udb *d, int kind, int ent, int agent)
{
	int i;

	if (kind == K_RUN)
		return run_acc(d, ent, agent);
	if (kind == K_TASK) {
		i = imap_get(&d->taskmap, acc_key(K_TASK, ent, agent));
		return i < 0 ? NULL : &d->tacc[i];
	}
	i = imap_get(&d->accmap, acc_key(kind, ent, agent));
	return i < 0 ? NULL : &d->acc[i];
}

static struct uacc *acc_slot(struct imap *m, struct uacc **v, size_t *n, size_t *cap,
			     unsigned long long k)
{
	int i = imap_get(m, k);

	if (i < 0) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*v = realloc(*v, *cap * sizeof **v);
		}
		i = (int)(*n)++;
		memset(&(*v)[i], 0, sizeof (*v)[i]);
		imap_put(m, k, i);
	}
	return &(*v)[i];
}

static void acc_inc(struct uacc *a, long long in, long long out)
{
	a->in += in;
	a->out += out;
	a->rows++;
}

static void acc_add(struct udb *d, int kind, int ent, int agent, long long in, long long out)
{
	acc_inc(acc_slot(&d->accmap, &d->acc, &d->nacc, &d->capacc, acc_key(kind, ent, agent)), in, out);
}

static void run_add(struct udb *d, int run, int agent, long long in, long long out)
{
	struct urun *u = &d->runs[run];
	int i;

	for (i = 0; i < u->na; i++)
		if (u->ag[i] == agent) {
			acc_inc(&u->a[i], in, out);
			return;
		}
	if (u->na < 3) {
		u->ag[u->na] = agent;
		memset(&u->a[u->na], 0, sizeof u->a[0]);
		acc_inc(&u->a[u->na++], in, out);
		return;
	}
	acc_add(d, K_RUN, run, agent, in, out);
}

void udb_tasks(struct udb *d)
{
	int k, a, i;

	if (d->task_version == d->version)
		return;
	free(d->taskmap.k);
	free(d->taskmap.v);
	memset(&d->taskmap, 0, sizeof d->taskmap);
	d->ntacc = 0;
	for (k = 0; k < d->run.n; k++) {
		const struct urun *u = &d->runs[k];

		for (i = 0; i < u->nt; i++)
			for (a = 0; a < d->agent.n; a++) {
				const struct uacc *x = run_acc(d, k, a);
				struct uacc *t;

				if (!x)
					continue;
				t = acc_slot(&d->taskmap, &d->tacc, &d->ntacc, &d->captacc,
					     acc_key(K_TASK, i ? u->tx[i - 1] : u->t1, a));
				t->in += x->in;
				t->out += x->out;
				t->rows += x->rows;
			}
	}
	d->task_version = d->version;
}

/* First record with t >= lo. */
size_t udb_first_at(const struct udb *d, long long lo)
{
	size_t a = 0, b = d->nrec;

	while (a < b) {
		size_t m = a + (b - a) / 2;

		if (d->rec[m].t < lo)
			a = m + 1;
		else
			b = m;
	}
	return a;
}

/* proj: -1 all projects (a run row must exist), else the project index. */
int udb_run_matches(const struct udb *d, int run, int proj)
{
	return proj < 0 ? d->runs[run].np > 0 : udb_run_in_proj(d, run, proj);
}

int udb_run_in_proj(const struct udb *d, int run, int proj)
{
	const struct urun *u = &d->runs[run];
	int i;

	if (u->np && u->p1 == proj)
		return 1;
	for (i = 0; i + 1 < u->np; i++)
		if (u->px[i] == proj)
			return 1;
	return 0;
}

/* Adds v to a (first, extras) set; 1 if it was new. */
static int set_add(int *n, int *first, int **extra, int v)
{
	int i;

	if (*n && *first == v)
		return 0;
	for (i = 0; i + 1 < *n; i++)
		if ((*extra)[i] == v)
			return 0;
	if (*n == 0)
		*first = v;
	else {
		*extra = realloc(*extra, (size_t)*n * sizeof **extra);
		(*extra)[*n - 1] = v;
	}
	(*n)++;
	return 1;
}

static int run_slot(struct udb *d, const char *id)
{
	int k;

	/* steps of one run are mostly adjacent: skip the hash for repeats */
	if (d->last_hit > 0 && strcmp(d->run.s[d->last_hit - 1], id) == 0)
		return d->last_hit - 1;
	k = smap_add(&d->run, id);
	d->last_hit = k + 1;

	if (k >= d->runs_cap) {
		int old = d->runs_cap;

		d->runs_cap = d->runs_cap ? d->runs_cap * 2 : 1024;
		while (k >= d->runs_cap)
			d->runs_cap *= 2;
		d->runs = realloc(d->runs, (size_t)d->runs_cap * sizeof *d->runs);
		memset(d->runs + old, 0, (size_t)(d->runs_cap - old) * sizeof *d->runs);
	}
	return k;
}

static void udb_free(struct udb *d)
{
	int i;

	for (i = 0; i < d->run.n; i++) {
		free(d->runs[i].px);
		free(d->runs[i].tx);
	}
	free(d->runs);
	smap_free(&d->proj);
	smap_free(&d->agent);
	smap_free(&d->task);
	smap_free(&d->run);
	free(d->accmap.k);
	free(d->accmap.v);
	free(d->acc);
	free(d->taskmap.k);
	free(d->taskmap.v);
	free(d->tacc);
	free(d->rec);
	memset(d, 0, sizeof *d);
}

void udb_reset(void)
{
	udb_free(&D);
}

/* Has any step row of this run ID been counted already? */
static int run_counted(const struct udb *d, int run)
{
	return d->runs[run].na > 0;
}

static const char *text(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t ? t : "";
}

/* 1 = a run ID that already has counted steps got a new project or task:
 * the caller rebuilds. */
static int read_runs(struct store *s, struct udb *d)
{
	static char sql[400];
	sqlite3_stmt *st;
	int rc, stale = 0;

	snprintf(sql, sizeof sql, "SELECT %s, COALESCE(id,''), %s, %s FROM runs WHERE %s > ?",
		 store_has(s, F_PK) ? "pk" : "rowid",
		 store_has(s, F_PROJECT_DIR) ? "COALESCE(project_dir,'')" : "''",
		 store_has(s, F_TASK_ID) ? "COALESCE(task_id,'')" : "''",
		 store_has(s, F_PK) ? "pk" : "rowid");
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, sqlite3_errcode(s->db)), -1;
	sqlite3_bind_int64(st, 1, d->last_run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int k = run_slot(d, text(st, 1)), changed;
		struct urun *u = &d->runs[k];

		if (sqlite3_column_int64(st, 0) > d->last_run) {
			d->last_run = sqlite3_column_int64(st, 0);
			snprintf(d->chk_run, sizeof d->chk_run, "%s", text(st, 1));
		}
		changed = set_add(&u->np, &u->p1, &u->px, smap_add(&d->proj, text(st, 2)));
		if (*text(st, 3))
			changed |= set_add(&u->nt, &u->t1, &u->tx, smap_add(&d->task, text(st, 3)));
		if (changed && !stale)
			stale = run_counted(d, k);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc), -1;
	return stale;
}

static void add_rec(struct udb *d, long long t, long long in, long long out, int run, int agent)
{
	struct urec *r;

	if (d->nrec == d->caprec) {
		d->caprec = d->caprec ? d->caprec * 2 : 4096;
		d->rec = realloc(d->rec, d->caprec * sizeof *d->rec);
	}
	r = &d->rec[d->nrec++];
	r->t = t;
	r->in = in;
	r->out = out;
	r->run = run;
	r->agent = agent;
}

/* One step row: once per distinct project and task of its run ID, once
 * for "all" (only when some runs row has the ID: the daemon's inner join). */
static void add_step(struct udb *d, const char *run_id, long long in, long long out,
		     const char *agent, const char *completed)
{
	int k = run_slot(d, run_id), a = smap_add(&d->agent, agent), i;
	struct urun *u = &d->runs[k];
	long long t;

	run_add(d, k, a, in, out);
	if (u->np)
		acc_add(d, K_ALL, 0, a, in, out);
	for (i = 0; i < u->np; i++)
		acc_add(d, K_PROJ, i ? u->px[i - 1] : u->p1, a, in, out);
	if (*completed && ts_parse(completed, &t) == 0 && t >= d->horizon_ns)
		add_rec(d, t, in, out, k, a);
}

static int cmp_rec(const void *a, const void *b)
{
	const struct urec *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}

static int read_steps(struct store *s, struct udb *d)
{
	static char sql[400];
	sqlite3_stmt *st;
	size_t first = d->nrec;
	long rows = 0;
	int rc;

	snprintf(sql, sizeof sql, "SELECT id, COALESCE(run_id,''), %s, COALESCE(completed_at,'') "
		 "FROM step_executions WHERE id > ?",
		 d->has_tokens ? "COALESCE(input_tokens,0), COALESCE(output_tokens,0), COALESCE(agent_name,'')"
			       : "0, 0, ''");
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, sqlite3_errcode(s->db));
	sqlite3_bind_int64(st, 1, d->last_step);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		d->last_step = sqlite3_column_int64(st, 0);
		rows++;
		add_step(d, text(st, 1), sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
			 text(st, 4), text(st, 5));
	}
	sqlite3_finalize(st);
	/* add_step() left the last row's run ID in last_hit; copied once, not per row */
	if (rows && d->last_hit > 0)
		snprintf(d->chk_step, sizeof d->chk_step, "%s", d->run.s[d->last_hit - 1]);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc);
	/* New rows are nearly in time order already; a full sort only on builds. */
	if (first == 0 && d->nrec)
		qsort(d->rec, d->nrec, sizeof *d->rec, cmp_rec);
	else {
		size_t i, j;

		for (i = first; i < d->nrec; i++) {
			struct urec r = d->rec[i];

			for (j = i; j > 0 && d->rec[j - 1].t > r.t; j--)
				d->rec[j] = d->rec[j - 1];
			d->rec[j] = r;
		}
	}
	return 0;
}

static int build(struct store *s, struct udb *d, long long now)
{
	udb_free(d);
	d->gen = s->gen;
	d->built_ns = now;
	d->horizon_ns = now - HORIZON_NS;
	d->has_tokens = store_has(s, F_TOKENS);
	if (read_runs(s, d) < 0 || read_steps(s, d) != 0) {
		udb_free(d);
		return -1;
	}
	d->version = store_version(s);
	return 0;
}

/* Does the row with primary key `key` still carry `want`? */
static int row_is(struct store *s, const char *sql, long long key, const char *want)
{
	sqlite3_stmt *st;
	int same = 0;

	if (!key)
		return 1;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, key);
	if (sqlite3_step(st) == SQLITE_ROW)
		same = strncmp(text(st, 0), want, sizeof D.chk_run - 1) == 0;
	sqlite3_finalize(st);
	return same;
}

/* A reopened store (the daemon started or stopped, or an immutable file
 * changed) is usually the same file with rows appended: keep the aggregate
 * when the last rows we read are still there with the same IDs. */
static int same_history(struct store *s, const struct udb *d)
{
	return row_is(s, "SELECT COALESCE(run_id,'') FROM step_executions WHERE id = ?", d->last_step,
		      d->chk_step) &&
	       row_is(s, store_has(s, F_PK) ? "SELECT COALESCE(id,'') FROM runs WHERE pk = ?"
					    : "SELECT COALESCE(id,'') FROM runs WHERE rowid = ?",
		      d->last_run, d->chk_run);
}

static struct udb *refresh(struct store *s, long long now)
{
	int stale;

	if (!D.version || now - D.built_ns >= REBUILD_NS || store_has(s, F_TOKENS) != D.has_tokens ||
	    (D.gen != s->gen && !same_history(s, &D)))
		return build(s, &D, now) == 0 ? &D : NULL;
	D.gen = s->gen;
	stale = read_runs(s, &D);
	if (stale < 0) {
		udb_free(&D);
		return NULL;
	}
	if (stale)
		return build(s, &D, now) == 0 ? &D : NULL;
	if (read_steps(s, &D) != 0) {
		udb_free(&D);
		return NULL;
	}
	D.version = store_version(s);
	return &D;
}

struct udb *udb_get(struct store *s)
{
	long long now = now_ns();
	struct udb *d;
	int txn;

	if (s->state != STORE_OK)
		return NULL;
	if (D.version == store_version(s) && D.version && now - D.built_ns < REBUILD_NS)
		return &D;
	/* runs and steps from one snapshot, so no step is read before its run */
	txn = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
	d = refresh(s, now);
	if (txn && s->db)
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return d;
}
