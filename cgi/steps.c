/* Step pairing and flattening (http.md 3.6, store.md 2.5, T7). */
#include "steps.h"
#include "runjson.h"
#include "timefmt.h"
#include <stdlib.h>
#include <string.h>

static char *dup(const char *s)
{
	return strdup(s ? s : "");
}

static struct step *push(struct steps *l)
{
	struct step *e;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
	}
	e = &l->v[l->n++];
	memset(e, 0, sizeof *e);
	e->parent_index = -1;
	return e;
}

void steps_free(struct steps *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		struct step *e = &l->v[i];

		free(e->name); free(e->result); free(e->started); free(e->completed);
		free(e->agent); free(e->run_id); free(e->child_run_id); free(e->child_state);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int is_start(const struct steprow *r)
{
	return !*r->result && !*r->completed;
}

static void entry(struct steps *out, const struct steprow *r, const char *started,
		  const char *run_id, int open)
{
	struct step *e = push(out);

	e->name = dup(r->name);
	e->result = dup(open ? "" : r->result);
	e->started = dup(started);
	e->completed = dup(open ? "" : r->completed);
	e->run_id = dup(run_id);
	e->open = open;
	e->agent = dup(open ? "" : r->agent);
	if (!open && (r->in > 0 || r->out > 0 || *r->agent)) {
		e->in = r->in;
		e->out = r->out;
		e->has_usage = 1;
	}
}

/* Start rows still waiting for their completion, at most one per name
 * (the latest: D10a); kept in row order. Usually a handful. */
struct pending {
	size_t *v, n;
};

static long find_open(const struct pending *p, const struct steprow *rows, const char *name)
{
	size_t k;

	for (k = 0; k < p->n; k++)
		if (strcmp(rows[p->v[k]].name, name) == 0)
			return (long)k;
	return -1;
}

static void drop_open(struct pending *p, long k)
{
	memmove(p->v + k, p->v + k + 1, (p->n - (size_t)k - 1) * sizeof *p->v);
	p->n--;
}

void steps_pair(const struct steprow *rows, size_t n, const char *run_id, struct steps *out)
{
	struct pending p = {malloc((n + 1) * sizeof *p.v), 0};
	size_t i;

	for (i = 0; i < n; i++) {
		const struct steprow *r = &rows[i];
		long k = find_open(&p, rows, r->name);
		size_t m = k >= 0 ? p.v[k] : 0;

		if (k >= 0)
			drop_open(&p, k);
		if (is_start(r)) {
			p.v[p.n++] = i;
			continue;
		}
		entry(out, r, k >= 0 ? rows[m].started : r->started, run_id, 0);
	}
	for (i = 0; i < p.n; i++)
		entry(out, &rows[p.v[i]], rows[p.v[i]].started, run_id, 1);
	free(p.v);
}

static const char *SQL_RANGE_TOK =
	"SELECT id, COALESCE(step_name,''), COALESCE(result,''), COALESCE(started_at,''), "
	"COALESCE(completed_at,''), COALESCE(input_tokens,0), COALESCE(output_tokens,0), "
	"COALESCE(agent_name,'') FROM step_executions WHERE id BETWEEN ? AND ? AND run_id = ? ORDER BY id";
static const char *SQL_RANGE =
	"SELECT id, COALESCE(step_name,''), COALESCE(result,''), COALESCE(started_at,''), "
	"COALESCE(completed_at,''), 0, 0, '' FROM step_executions "
	"WHERE id BETWEEN ? AND ? AND run_id = ? ORDER BY id";

struct rowbuf {
	struct steprow *v;
	size_t n, cap;
};

static const char *col(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return strdup(t ? t : "");
}

static void rows_free(struct rowbuf *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free((char *)b->v[i].name); free((char *)b->v[i].result);
		free((char *)b->v[i].started); free((char *)b->v[i].completed);
		free((char *)b->v[i].agent);
	}
	free(b->v);
}

static int read_rows(struct store *s, struct runindex *ix, const char *run_id, struct rowbuf *b)
{
	sqlite3_stmt *st = store_prepare(s, store_has(s, F_TOKENS) ? SQL_RANGE_TOK : SQL_RANGE);
	long long lo = 0, hi = 0x7FFFFFFFFFFFFFFFLL;
	int rc;

	if (!st)
		return -1;
	if (ix && ix_step_range(s, ix, run_id, &lo, &hi) && !lo)
		hi = -1;  /* known to have no rows */
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	sqlite3_bind_text(st, 3, run_id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct steprow *r;

		if (b->n == b->cap) {
			b->cap = b->cap ? b->cap * 2 : 32;
			b->v = realloc(b->v, b->cap * sizeof *b->v);
		}
		r = &b->v[b->n++];
		r->id = sqlite3_column_int64(st, 0);
		r->name = col(st, 1);
		r->result = col(st, 2);
		r->started = col(st, 3);
		r->completed = col(st, 4);
		r->in = sqlite3_column_int64(st, 5);
		r->out = sqlite3_column_int64(st, 6);
		r->agent = col(st, 7);
	}
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc);
}

int steps_load(struct store *s, struct runindex *ix, const char *run_id, struct steps *out)
{
	struct rowbuf b = {0};
	int rc = read_rows(s, ix, run_id, &b);

	if (rc == 0)
		steps_pair(b.v, b.n, run_id, out);
	rows_free(&b);
	return rc;
}

struct kids {
	struct run *v;
	char *used;
	long n;
};

static int load_kids(struct store *s, struct runindex *ix, const char *id, struct kids *k)
{
	k->n = run_children(s, ix, id, &k->v);
	if (k->n < 0) {
		k->n = 0;
		return -1;
	}
	k->used = calloc((size_t)k->n + 1, 1);
	return 0;
}

static void kids_free(struct kids *k)
{
	runs_free(k->v, k->n);
	free(k->used);
}

static int within(const struct step *e, const struct run *c)
{
	long long cs, ss, se;

	if (ts_parse(c->started_at, &cs) != 0)
		return 1;
	if (ts_parse(e->started, &ss) == 0 && cs < ss)
		return 0;
	if (ts_parse(e->completed, &se) == 0 && cs > se)
		return 0;
	return 1;
}

static long match_kid(struct kids *k, const struct step *e)
{
	long i, best = -1;
	long long bs = 0, cs;

	for (i = 0; i < k->n; i++)
		if (!k->used[i] && strcmp(k->v[i].parent_step_name, e->name) == 0)
			return i;
	for (i = 0; i < k->n; i++) {
		const struct run *c = &k->v[i];

		if (k->used[i] || *c->parent_step_name || strcmp(c->workflow, e->name) != 0 || !within(e, c))
			continue;
		if (ts_parse(c->started_at, &cs) != 0)
			cs = 0;
		if (best < 0 || cs < bs) {
			best = i;
			bs = cs;
		}
	}
	return best;
}

struct visit {
	const char **ids;
	int n;
};

static int visited(const struct visit *v, const char *id)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->ids[i], id) == 0)
			return 1;
	return 0;
}

static int flatten(struct store *s, struct runindex *ix, const char *run_id, int depth,
		   int parent_index, struct visit *vis, struct steps *out)
{
	struct steps own = {0};
	struct kids k = {0};
	size_t i;
	int rc = steps_load(s, ix, run_id, &own);

	if (rc == 0)
		rc = load_kids(s, ix, run_id, &k);
	vis->ids[vis->n++] = run_id;
	for (i = 0; rc == 0 && i < own.n; i++) {
		struct step *e = push(out);
		long c;
		int me;

		*e = own.v[i];
		memset(&own.v[i], 0, sizeof own.v[i]);
		e->index = me = (int)out->n - 1;
		e->depth = depth;
		e->parent_index = parent_index;
		c = match_kid(&k, e);
		if (c < 0)
			continue;
		k.used[c] = 1;
		e->is_workflow = 1;
		e->child_run_id = dup(k.v[c].id);
		e->child_state = dup(k.v[c].state);
		if (depth + 1 < STEPS_MAX_DEPTH && !visited(vis, k.v[c].id))
			rc = flatten(s, ix, k.v[c].id, depth + 1, me, vis, out);
	}
	vis->n--;
	kids_free(&k);
	steps_free(&own);
	return rc;
}

int steps_flatten(struct store *s, struct runindex *ix, const struct run *run, struct steps *out)
{
	const char *ids[STEPS_MAX_DEPTH + 1];
	struct visit vis = {ids, 0};

	return flatten(s, ix, run->id, 0, -1, &vis, out);
}
