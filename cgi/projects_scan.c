/* The project list built from one scan of runs: each project's first
 * runs in the daemon's list order (store.md 6), its active and kept
 * counts, and the runs that are not terminal, which projects_live.c
 * follows afterwards. */
#include "projects_int.h"
#include "buf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int proj_is_final(const char *state)
{
	return strcmp(state, "succeeded") == 0 || strcmp(state, "failed") == 0 ||
	       strcmp(state, "cancelled") == 0;
}

int proj_is_active(const char *state)
{
	return strcmp(state, "pending") == 0 || strcmp(state, "running") == 0;
}

/* Does run r come before dot d in the list order? Running first, then
 * started_at text descending; the daemon leaves ties to SQLite, we order
 * them by pk so that a scan and an update agree. */
static int before(const struct prow *r, const struct run_dot *d)
{
	int ra = strcmp(r->state, "running") == 0, rb = strcmp(d->state, "running") == 0, c;

	if (ra != rb)
		return ra;
	c = strcmp(r->started, d->started);
	if (c != 0)
		return c > 0;
	return r->pk < d->pk;
}

/* The three strings of a dot share one allocation, owned through id. */
void proj_free_dot(struct run_dot *d)
{
	free(d->id);
}

static void set_dot(struct run_dot *d, const struct prow *r)
{
	d->id = str_pack3(r->id, r->state, r->started, &d->state, &d->started);
	d->pk = r->pk;
}

void proj_place(struct project *pr, const struct prow *r)
{
	int pos = pr->nwin, i;

	while (pos > 0 && before(r, &pr->dots[pos - 1]))
		pos--;
	if (pos == pr->nwin && (pr->nwin == PROJ_DEPTH || pr->nwin != pr->nruns - 1))
		return;  /* after runs that are not kept: its place is unknown */
	if (pr->nwin == PROJ_DEPTH)
		proj_free_dot(&pr->dots[--pr->nwin]);
	for (i = pr->nwin; i > pos; i--)
		pr->dots[i] = pr->dots[i - 1];
	set_dot(&pr->dots[pos], r);
	pr->nwin++;
}

int proj_unplace(struct project *pr, long long pk)
{
	int i;

	for (i = 0; i < pr->nwin && pr->dots[i].pk != pk; i++)
		;
	if (i == pr->nwin)
		return 0;
	proj_free_dot(&pr->dots[i]);
	for (pr->nwin--; i < pr->nwin; i++)
		pr->dots[i] = pr->dots[i + 1];
	return 1;
}

void proj_finish(struct project *pr)
{
	int i;

	pr->ndots = pr->nwin < HEALTH_WINDOW ? pr->nwin : HEALTH_WINDOW;
	pr->total = pr->ndots;
	pr->passed = pr->failed = 0;
	for (i = 0; i < pr->ndots; i++) {
		const char *st = pr->dots[i].state;

		if (strcmp(st, "succeeded") == 0)
			pr->passed++;
		else if (strcmp(st, "failed") == 0 || strcmp(st, "cancelled") == 0)
			pr->failed++;
	}
	pr->health = health_status(pr->passed, pr->failed, pr->total);
}

/* FNV-1a over both texts and the NUL between them. */
unsigned long long proj_sig(const char *state, const char *started)
{
	unsigned long long h = 1469598103934665603ULL;
	const char *c;

	for (c = state; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	h *= 1099511628211ULL;
	for (c = started; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	return h;
}

void proj_open_add(struct projects *p, const struct project *pr, const struct prow *r)
{
	struct open_run *o;

	if (p->nopen == p->capopen) {
		p->capopen = p->capopen ? p->capopen * 2 : 64;
		p->open = realloc(p->open, p->capopen * sizeof *p->open);
	}
	o = &p->open[p->nopen++];
	o->pk = r->pk;
	o->dir = pr->dir;
	o->sig = proj_sig(r->state, r->started);
	o->active = proj_is_active(r->state);
	o->final = 0;
}

void proj_open_free(struct projects *p)
{
	free(p->open);
	p->open = NULL;
	p->nopen = p->capopen = 0;
}

/* Directory → project number (-1: a worktree directory, not listed), so a
 * scan of 100,000 runs costs one hash probe per row. Owned by scan(). */
struct dirmap {
	char **key;
	int *val;
	size_t cap, used;
};

/* Eight bytes per step: a byte-at-a-time hash of every row's directory
 * was the largest cost of a scan. */
static size_t dm_hash(const char *k, size_t n)
{
	unsigned long long h = n * 0x9E3779B97F4A7C15ULL, w;

	for (; n >= 8; k += 8, n -= 8) {
		memcpy(&w, k, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, k, n);
	h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
	return (size_t)(h ^ (h >> 32));
}

static size_t dm_slot(const struct dirmap *m, const char *k)
{
	size_t n = strlen(k), i;

	for (i = dm_hash(k, n) & (m->cap - 1); m->key[i] && strcmp(m->key[i], k) != 0; i = (i + 1) & (m->cap - 1))
		;
	return i;
}

static void dm_grow(struct dirmap *m)
{
	struct dirmap old = *m;
	size_t i, j;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->key = calloc(m->cap, sizeof *m->key);
	m->val = calloc(m->cap, sizeof *m->val);
	for (i = 0; i < old.cap; i++) {
		if (!old.key[i])
			continue;
		j = dm_slot(m, old.key[i]);
		m->key[j] = old.key[i];
		m->val[j] = old.val[i];
	}
	free(old.key);
	free(old.val);
}

/* Keys of listed projects belong to the projects; worktree keys to us. */
static void dm_free(struct dirmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		if (m->key[i] && m->val[i] < 0)
			free(m->key[i]);
	free(m->key);
	free(m->val);
}

/* The project of a run's directory, added on first sight; NULL for
 * directories that are not listed (worktrees). */
static struct project *find_or_add(struct projects *p, size_t *cap, struct dirmap *m, const char *dir)
{
	size_t i;

	if ((m->used + 1) * 2 > m->cap)
		dm_grow(m);
	i = dm_slot(m, dir);
	if (m->key[i])
		return m->val[i] < 0 ? NULL : &p->v[m->val[i]];
	if (is_worktree_dir(dir)) {
		m->val[i] = -1;
		m->key[i] = strdup(dir);
		m->used++;
		return NULL;
	}
	if (p->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		p->v = realloc(p->v, *cap * sizeof *p->v);
	}
	memset(&p->v[p->n], 0, sizeof p->v[0]);
	p->v[p->n].dir = strdup(dir);
	m->key[i] = p->v[p->n].dir;
	m->val[i] = (int)p->n;
	m->used++;
	return &p->v[p->n++];
}

static void add_row(struct projects *out, size_t *cap, struct dirmap *m, const struct prow *r)
{
	struct project *pr;

	if (!*r->dir || !(pr = find_or_add(out, cap, m, r->dir)))
		return;
	pr->nruns++;
	proj_place(pr, r);
	pr->active += proj_is_active(r->state);
	pr->kept += r->kept == 1;
	if (!proj_is_final(r->state))
		proj_open_add(out, pr, r);
}

static const char *col(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t ? t : "";
}

/* Newest row first: the window fills with new runs at once, and most
 * older rows are settled by one comparison with its last run. */
static int scan_rows(struct store *s, struct projects *out)
{
	static char sql[512];
	sqlite3_stmt *st;
	struct dirmap m = {0};
	size_t cap = 0;
	int rc;

	snprintf(sql, sizeof sql, "SELECT %s, COALESCE(id,''), COALESCE(state,''), COALESCE(started_at,''), %s, rowid "
		 "FROM runs ORDER BY rowid DESC",
		 store_has(s, F_PROJECT_DIR) ? "COALESCE(project_dir,'')" : "''",
		 store_has(s, F_CONTAINER_KEPT) ? "COALESCE(container_kept,0)" : "0");
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, sqlite3_errcode(s->db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct prow r = {sqlite3_column_int64(st, 5), col(st, 0), col(st, 1), col(st, 2), col(st, 3),
				 sqlite3_column_int(st, 4)};

		out->nrows++;
		if (!out->maxid) {
			out->maxpk = r.pk;
			out->maxid = strdup(r.id);
		}
		add_row(out, &cap, &m, &r);
	}
	sqlite3_finalize(st);
	dm_free(&m);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc);
}

static void reverse_open(struct projects *p)
{
	size_t i;

	for (i = 0; i < p->nopen / 2; i++) {
		struct open_run t = p->open[i];

		p->open[i] = p->open[p->nopen - 1 - i];
		p->open[p->nopen - 1 - i] = t;
	}
}

int projects_scan(struct store *s, struct projects *out)
{
	size_t i;

	if (scan_rows(s, out) != 0) {
		projects_free(out);
		return -1;
	}
	reverse_open(out);
	projects_sort(out);
	for (i = 0; i < out->n; i++)
		proj_finish(&out->v[i]);
	projects_assign_labels(out);
	return 0;
}
