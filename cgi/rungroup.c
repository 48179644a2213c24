/* Grouping on the run index. Every function walks ix->order (running
 * first, then newest start), so one pass decides what is shown and a
 * second collects the runs of the task groups on the requested page. */
#include "rungroup.h"
#include <stdlib.h>
#include <string.h>

void gfilter_init(struct gfilter *f)
{
	memset(f, 0, sizeof *f);
	f->task = IX_NONE;
	f->state = -1;
}

static int incl(const struct runindex *ix, const struct gfilter *f, uint32_t i)
{
	const struct ixrun *r = &ix->v[i];

	if ((r->flags & IXF_LISTTASKS) && !f->keep_listtasks)
		return 0;
	if (f->by_proj && r->proj != f->proj)
		return 0;
	return f->task == IX_NONE || r->task == f->task;
}

/* A child when its parent_run_id names a run that is in the list. */
static int is_child(const struct runindex *ix, const struct gfilter *f, uint32_t i)
{
	uint32_t p;

	if (!(ix->v[i].flags & IXF_PARENT))
		return 0;
	p = ix_run_of(ix, ix->v[i].parent);
	return p != IX_NONE && incl(ix, f, p);
}

/* The run and its children in the list, children in store order.
 * Returns the count; *set is malloc'd (caller frees). */
static size_t with_kids(const struct runindex *ix, const struct gfilter *f, uint32_t run,
			uint32_t **set)
{
	size_t first, nk = ix_kids(ix, ix->v[run].id, &first), i, n = 0;

	*set = malloc((nk + 1) * sizeof **set);
	(*set)[n++] = run;
	for (i = 0; i < nk; i++)
		if (incl(ix, f, ix->kids[first + i].run))
			(*set)[n++] = ix->kids[first + i].run;
	return n;
}

static int severity(int st)
{
	return st == RS_SUCCEEDED ? 0 : st == RS_CANCELLED ? 1 : st == RS_FAILED ? 2 : -1;
}

/* Superseded by a later run of the same workflow (first one wins ties)? */
static int superseded(const struct runindex *ix, const uint32_t *runs, size_t n, size_t i)
{
	const struct ixrun *r = &ix->v[runs[i]];
	size_t j;

	if (!r->wf)
		return 0;
	for (j = 0; j < n; j++) {
		const struct ixrun *o = &ix->v[runs[j]];

		if (j == i || o->wf != r->wf)
			continue;
		if (ix_newer(o, r) || (j < i && !ix_newer(r, o)))
			return 1;
	}
	return 0;
}

/* http.md 3.4, except that parked counts as pending (D9). */
int agg_status(const struct runindex *ix, const uint32_t *runs, size_t n)
{
	int run = 0, wait = 0, pend = 0, worst = RS_SUCCEEDED;
	size_t i;

	if (n == 0)
		return RS_PENDING;
	for (i = 0; i < n; i++) {
		int st = ix->v[runs[i]].state;

		if (n > 1 && superseded(ix, runs, n, i))
			continue;
		run |= st == RS_RUNNING;
		wait |= st == RS_WAITING;
		pend |= st == RS_PENDING || st == RS_PARKED;
		if (severity(st) > severity(worst))
			worst = st;
	}
	return run ? RS_RUNNING : wait ? RS_WAITING : pend ? RS_PENDING : worst;
}

static int status_of(const struct runindex *ix, const struct gfilter *f, uint32_t run)
{
	uint32_t *set;
	size_t first, n;
	int st;

	if (ix_kids(ix, ix->v[run].id, &first) == 0)
		return agg_status(ix, &run, 1);
	n = with_kids(ix, f, run, &set);
	st = agg_status(ix, set, n);

	free(set);
	return st;
}

static struct gentry *push(struct glist *l, int kind)
{
	struct gentry *e;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
	}
	e = &l->v[l->n++];
	memset(e, 0, sizeof *e);
	e->kind = (uint8_t)kind;
	e->task = IX_NONE;
	return e;
}

void glist_free(struct glist *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int item_matches(const struct runindex *ix, const struct gfilter *f, uint32_t run, int status)
{
	const struct ixrun *r = &ix->v[run];

	if (f->state >= 0 && status != f->state)
		return 0;
	if (!f->qrun)
		return 1;
	return r->task != IX_NONE ? f->qtask[r->task] : f->qrun[run];
}

/* Run rows of one attempt: the run and its children, newest first (stable). */
static void attempt_rows(const struct runindex *ix, const struct gfilter *f, uint32_t top,
			 struct glist *out)
{
	uint32_t *set;
	size_t n = with_kids(ix, f, top, &set), i, j;

	for (i = 1; i < n; i++) {
		uint32_t x = set[i];

		for (j = i; j > 0 && ix_newer(&ix->v[x], &ix->v[set[j - 1]]); j--)
			set[j] = set[j - 1];
		set[j] = x;
	}
	for (i = 0; i < n; i++) {
		struct gentry *e = push(out, GE_RUN);

		e->run = set[i];
		e->is_child = 1;
	}
	free(set);
}

static void emit_task(const struct runindex *ix, const struct gfilter *f, const uint32_t *tops,
		      size_t n, struct glist *out)
{
	struct gentry *e = push(out, GE_TASK);
	size_t i;

	e->task = ix->v[tops[0]].task;
	e->run = tops[0];
	e->status = (uint8_t)status_of(ix, f, tops[0]);
	for (i = 0; i < n; i++) {
		e = push(out, GE_ATTEMPT);
		e->task = ix->v[tops[i]].task;
		e->run = tops[i];
		e->attempt_num = (int)(n - i);
		e->status = (uint8_t)status_of(ix, f, tops[i]);
		attempt_rows(ix, f, tops[i], out);
	}
}

static void emit_single(const struct runindex *ix, const struct gfilter *f, uint32_t run,
			struct glist *out)
{
	uint32_t *set;
	size_t n = with_kids(ix, f, run, &set), i;
	struct gentry *e = push(out, GE_RUN);

	e->run = run;
	e->is_parent = n > 1;
	for (i = 1; i < n; i++) {
		e = push(out, GE_RUN);
		e->run = set[i];
		e->is_child = 1;
	}
	free(set);
}

struct item {
	uint32_t run;         /* first top-level run of the item */
	uint32_t *tops;       /* task groups: every top-level run, in order */
	size_t ntops, cap;
};

static void add_top(struct item *it, uint32_t run)
{
	if (it->ntops == it->cap) {
		it->cap = it->cap ? it->cap * 2 : 4;
		it->tops = realloc(it->tops, it->cap * sizeof *it->tops);
	}
	it->tops[it->ntops++] = run;
}

void group_runs(const struct runindex *ix, const struct gfilter *f, size_t page, size_t per,
		struct glist *out)
{
	uint32_t *seen = calloc(ix->nt + 1, sizeof *seen); /* 0 new, 1 seen, 2+k on page as item k */
	struct item *items = NULL;
	size_t nitems = 0, icap = 0, k, lo = page ? (page - 1) * per : 0, hi = page ? page * per : (size_t)-1;

	memset(out, 0, sizeof *out);
	for (k = 0; k < ix->n; k++) {
		uint32_t i = ix->order[k], t = ix->v[i].task;
		int st;

		if (!incl(ix, f, i) || is_child(ix, f, i) || (t != IX_NONE && seen[t]))
			continue;
		if (t != IX_NONE)
			seen[t] = 1;
		st = t == IX_NONE ? ix->v[i].state : f->state >= 0 ? status_of(ix, f, i) : 0;
		if (!item_matches(ix, f, i, st))
			continue;
		if (out->items >= lo && out->items < hi) {
			if (nitems == icap) {
				icap = icap ? icap * 2 : 64;
				items = realloc(items, icap * sizeof *items);
			}
			memset(&items[nitems], 0, sizeof *items);
			items[nitems].run = i;
			if (t != IX_NONE)
				seen[t] = 2 + (uint32_t)nitems;
			nitems++;
		}
		out->items++;
	}
	for (k = 0; k < ix->n; k++) {
		uint32_t i = ix->order[k], t = ix->v[i].task;

		if (t != IX_NONE && seen[t] >= 2 && incl(ix, f, i) && !is_child(ix, f, i))
			add_top(&items[seen[t] - 2], i);
	}
	for (k = 0; k < nitems; k++) {
		if (items[k].ntops)
			emit_task(ix, f, items[k].tops, items[k].ntops, out);
		else
			emit_single(ix, f, items[k].run, out);
		free(items[k].tops);
	}
	free(items);
	free(seen);
}

size_t task_summaries(const struct runindex *ix, struct task_summary **out)
{
	struct gfilter f;
	uint32_t *slot = malloc((ix->nt + 1) * sizeof *slot);
	struct task_summary *v = malloc((ix->nt + 1) * sizeof *v);
	size_t n = 0, k;

	gfilter_init(&f);
	memset(slot, 0xFF, (ix->nt + 1) * sizeof *slot);
	for (k = 0; k < ix->n; k++) {
		uint32_t i = ix->order[k], t = ix->v[i].task;

		if (t == IX_NONE || !incl(ix, &f, i) || is_child(ix, &f, i))
			continue;
		if (slot[t] == IX_NONE) {
			slot[t] = (uint32_t)n;
			v[n].task = t;
			v[n].latest = i;
			v[n].status = status_of(ix, &f, i);
			v[n++].attempts = 0;
		}
		v[slot[t]].attempts++;
	}
	free(slot);
	*out = v;
	return n;
}

static const struct runindex *CMP_IX;

static int cmp_newest(const void *a, const void *b)
{
	const struct ixrun *x = &CMP_IX->v[((const struct failed_task *)a)->latest];
	const struct ixrun *y = &CMP_IX->v[((const struct failed_task *)b)->latest];

	if (ix_newer(x, y))
		return -1;
	if (ix_newer(y, x))
		return 1;
	return x->pk > y->pk ? -1 : x->pk < y->pk;
}

/* http.md 3.9: by start instant only (no running-first rule). */
size_t failed_tasks(const struct runindex *ix, struct failed_task **out)
{
	struct gfilter f;
	uint32_t *newest = malloc((ix->nt + 1) * sizeof *newest);
	int *fails = calloc(ix->nt + 1, sizeof *fails);
	struct failed_task *v = malloc((ix->nt + 1) * sizeof *v);
	size_t n = 0, k;

	gfilter_init(&f);
	memset(newest, 0xFF, (ix->nt + 1) * sizeof *newest);
	for (k = 0; k < ix->n; k++) {
		uint32_t i = ix->order[k], t = ix->v[i].task;

		if (t == IX_NONE || !incl(ix, &f, i) || is_child(ix, &f, i))
			continue;
		if (newest[t] == IX_NONE || ix_newer(&ix->v[i], &ix->v[newest[t]]))
			newest[t] = i;
		if (status_of(ix, &f, i) == RS_FAILED)
			fails[t]++;
	}
	for (k = 0; k < ix->nt; k++)
		if (newest[k] != IX_NONE && status_of(ix, &f, newest[k]) == RS_FAILED) {
			v[n].task = (uint32_t)k;
			v[n].latest = newest[k];
			v[n++].failed_count = fails[k];
		}
	CMP_IX = ix;
	qsort(v, n, sizeof *v, cmp_newest);
	free(newest);
	free(fails);
	*out = v;
	return n;
}
