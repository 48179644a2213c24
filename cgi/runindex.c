/* The run index in memory: a string pool with one hash table, the run
 * array in pk order, the task table, the sort order and the child pairs.
 * Loading from the store is runindex_load.c. */
#include "runindex.h"
#include "timefmt.h"
#include <stdlib.h>
#include <string.h>

static const char *STATE_NAMES[RS_NSTATES] = {
	"", "pending", "running", "waiting", "succeeded", "failed", "cancelled", "parked",
};

int ix_state_code(const char *state)
{
	int i;

	for (i = 1; i < RS_NSTATES; i++)
		if (strcmp(state, STATE_NAMES[i]) == 0)
			return i;
	return RS_OTHER;
}

const char *ix_state_name(int code)
{
	return code > 0 && code < RS_NSTATES ? STATE_NAMES[code] : "";
}

static uint32_t fnv(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Pool entry: [u32 aux][bytes][NUL], padded to 4; the offset points at
 * aux. aux is the run index of the newest run with this id (IX_NONE when
 * the string is not a run id). Offset 0 is "". */
const char *ix_str(const struct runindex *ix, uint32_t off)
{
	return ix->pool + off + 4;
}

static uint32_t *aux(const struct runindex *ix, uint32_t off)
{
	return (uint32_t *)(void *)(ix->pool + off);
}

static void pool_append(struct runindex *ix, const char *s, size_t len, uint32_t *off)
{
	size_t need = (4 + len + 1 + 3) & ~(size_t)3;

	if (ix->plen + need > ix->pcap) {
		ix->pcap = ix->pcap ? ix->pcap * 2 : 65536;
		while (ix->plen + need > ix->pcap)
			ix->pcap *= 2;
		ix->pool = realloc(ix->pool, ix->pcap);
	}
	*off = (uint32_t)ix->plen;
	*aux(ix, *off) = IX_NONE;
	memcpy(ix->pool + ix->plen + 4, s, len);
	memset(ix->pool + ix->plen + 4 + len, 0, need - 4 - len);
	ix->plen += need;
}

static void rehash(struct runindex *ix, size_t cap)
{
	uint32_t *old = ix->hash;
	size_t oldcap = ix->hcap, i, j;

	ix->hash = calloc(cap, sizeof *ix->hash);
	ix->hcap = cap;
	for (i = 0; i < oldcap; i++) {
		if (!old[i])
			continue;
		for (j = fnv(ix_str(ix, old[i])) & (cap - 1); ix->hash[j]; j = (j + 1) & (cap - 1))
			;
		ix->hash[j] = old[i];
	}
	free(old);
}

static uint32_t *slot(const struct runindex *ix, const char *s)
{
	size_t j;

	if (!ix->hcap)
		return NULL;
	for (j = fnv(s) & (ix->hcap - 1); ix->hash[j]; j = (j + 1) & (ix->hcap - 1))
		if (strcmp(ix_str(ix, ix->hash[j]), s) == 0)
			return &ix->hash[j];
	return &ix->hash[j];
}

uint32_t ix_lookup(const struct runindex *ix, const char *s)
{
	uint32_t *sl;

	if (!s || !*s)
		return 0;
	sl = slot(ix, s);
	return sl ? *sl : 0;
}

static uint32_t intern(struct runindex *ix, const char *s)
{
	uint32_t *sl, off;

	if (!s || !*s)
		return 0;
	if ((ix->hused + 1) * 10 > ix->hcap * 7)
		rehash(ix, ix->hcap ? ix->hcap * 2 : 4096);
	sl = slot(ix, s);
	if (*sl)
		return *sl;
	pool_append(ix, s, strlen(s), &off);
	*sl = off;  /* the pool may have moved; the table did not */
	ix->hused++;
	return off;
}

uint32_t ix_find_id(const struct runindex *ix, const char *id)
{
	uint32_t off = ix_lookup(ix, id);

	return off ? *aux(ix, off) : IX_NONE;
}

uint32_t ix_run_of(const struct runindex *ix, uint32_t id_off)
{
	return id_off ? *aux(ix, id_off) : IX_NONE;
}

/* Task numbers by task id offset: a second small open-addressing table. */
static uint32_t *tslot(const struct runindex *ix, uint32_t off)
{
	size_t j;

	for (j = (off * 2654435761u) & (ix->tmcap - 1); ix->tmap[j] != IX_NONE;
	     j = (j + 1) & (ix->tmcap - 1))
		if (ix->t[ix->tmap[j]].id == off)
			break;
	return &ix->tmap[j];
}

static void tgrow(struct runindex *ix)
{
	size_t i;

	free(ix->tmap);
	ix->tmcap = ix->tmcap ? ix->tmcap * 2 : 1024;
	ix->tmap = malloc(ix->tmcap * sizeof *ix->tmap);
	memset(ix->tmap, 0xFF, ix->tmcap * sizeof *ix->tmap);
	for (i = 0; i < ix->nt; i++)
		*tslot(ix, ix->t[i].id) = (uint32_t)i;
}

static uint32_t task_num(struct runindex *ix, const char *task)
{
	uint32_t off = intern(ix, task), *sl;

	if (!off)
		return IX_NONE;
	if ((ix->nt + 1) * 2 > ix->tmcap)
		tgrow(ix);
	sl = tslot(ix, off);
	if (*sl != IX_NONE)
		return *sl;
	if (ix->nt == ix->tcap) {
		ix->tcap = ix->tcap ? ix->tcap * 2 : 1024;
		ix->t = realloc(ix->t, ix->tcap * sizeof *ix->t);
	}
	ix->t[ix->nt].id = off;
	ix->t[ix->nt].title_run = IX_NONE;
	*sl = (uint32_t)ix->nt;
	return (uint32_t)ix->nt++;
}

uint32_t ix_by_pk(const struct runindex *ix, long long pk)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ix->v[mid].pk < pk)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->n && ix->v[lo].pk == pk ? (uint32_t)lo : IX_NONE;
}

uint32_t ix_task_find(const struct runindex *ix, const char *task_id)
{
	uint32_t off = ix_lookup(ix, task_id), *sl;

	if (!off || !ix->tmcap)
		return IX_NONE;
	sl = tslot(ix, off);
	return *sl;
}

int ix_newer(const struct ixrun *a, const struct ixrun *b)
{
	if (a->sec != b->sec)
		return a->sec > b->sec;
	return a->ms > b->ms;
}

/* Store order as the daemon re-sorts it: running first, then newest. */
static int before(const struct ixrun *a, const struct ixrun *b)
{
	int ra = a->state == RS_RUNNING, rb = b->state == RS_RUNNING;

	if (ra != rb)
		return ra;
	if (a->sec != b->sec || a->ms != b->ms)
		return ix_newer(a, b);
	return a->pk > b->pk;
}

static void set_title(struct runindex *ix, uint32_t task, uint32_t run, const char *title)
{
	struct ixtask *t = &ix->t[task];

	if (!title || !*title)
		return;
	if (t->title_run != IX_NONE && t->title_run != run && !before(&ix->v[run], &ix->v[t->title_run]))
		return;
	t->title_run = run;
}

void ix_reset(struct runindex *ix)
{
	uint32_t off;

	ix_free(ix);
	ix->hused = 0;
	pool_append(ix, "", 0, &off);
}

static void grow_runs(struct runindex *ix)
{
	size_t old = ix->cap;

	ix->cap = ix->cap ? ix->cap * 2 : 4096;
	ix->v = realloc(ix->v, ix->cap * sizeof *ix->v);
	if (!ix->step_lo)
		return;
	ix->step_lo = realloc(ix->step_lo, ix->cap * sizeof *ix->step_lo);
	ix->step_hi = realloc(ix->step_hi, ix->cap * sizeof *ix->step_hi);
	memset(ix->step_lo + old, 0, (ix->cap - old) * sizeof *ix->step_lo);
	memset(ix->step_hi + old, 0, (ix->cap - old) * sizeof *ix->step_hi);
	ix->nsteps_runs = ix->cap;
}

/* Adds a run, or overwrites it when pk is already indexed (the array is
 * in pk order, rows arrive in pk order, so an old pk is found by search). */
void ix_add(struct runindex *ix, long long pk, const char *id, const char *wf, const char *state,
	    const char *started, const char *proj, const char *parent, const char *task,
	    const char *task_title, int is_host)
{
	struct ixrun *r;
	long long ns;
	uint32_t idx, idoff, *a;
	size_t lo = 0, hi = ix->n;

	if (!ix->n || ix->v[ix->n - 1].pk < pk)
		lo = hi = ix->n;  /* rows arrive in pk order: append */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ix->v[mid].pk < pk)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == ix->n || ix->v[lo].pk != pk) {
		if (ix->n == ix->cap)
			grow_runs(ix);
		lo = ix->n++;
		if (pk > ix->maxpk)
			ix->maxpk = (uint32_t)pk;
	}
	idx = (uint32_t)lo;
	r = &ix->v[idx];
	memset(r, 0, sizeof *r);
	r->pk = (uint32_t)pk;
	idoff = intern(ix, id);
	r->id = idoff;
	r->wf = intern(ix, wf);
	r->proj = intern(ix, proj);
	r->parent = intern(ix, parent);
	r->state = (uint8_t)ix_state_code(state);
	r->flags = (strcmp(wf, "list-tasks") == 0 ? IXF_LISTTASKS : 0) |
		   (parent && *parent ? IXF_PARENT : 0) | (is_host ? IXF_HOST : 0);
	if (ts_parse(started, &ns) == 0 && ns > 0) {
		long long sec = ns / 1000000000LL;

		r->sec = sec > 0xFFFFFFFFLL ? 0xFFFFFFFFu : (uint32_t)sec;
		r->ms = (uint16_t)((ns / 1000000LL) % 1000);
	}
	r->task = task_num(ix, task);
	if (idoff) {
		a = aux(ix, idoff);
		if (*a == IX_NONE || ix->v[*a].pk <= pk) {
			if (*a != IX_NONE && ix->step_lo && *a < ix->nsteps_runs && idx < ix->nsteps_runs) {
				ix->step_lo[idx] = ix->step_lo[*a];
				ix->step_hi[idx] = ix->step_hi[*a];
			}
			*a = idx;
		}
	}
	if (r->task != IX_NONE)
		set_title(ix, r->task, idx, task_title);
}

void ix_reserve(struct runindex *ix, size_t n)
{
	size_t h = 4096;

	if (n <= ix->cap)
		return;
	ix->cap = n + 1;
	ix->v = realloc(ix->v, ix->cap * sizeof *ix->v);
	if (ix->pcap < n * 20) {
		ix->pcap = n * 20;
		ix->pool = realloc(ix->pool, ix->pcap);
	}
	while (h * 7 < n * 16)
		h *= 2;
	if (h > ix->hcap)
		rehash(ix, h);
}

void ix_compact(struct runindex *ix)
{
	if (ix->n && ix->n < ix->cap && !ix->step_lo) {
		ix->cap = ix->n;
		ix->v = realloc(ix->v, ix->cap * sizeof *ix->v);
	}
	if (ix->plen < ix->pcap) {
		ix->pcap = ix->plen;
		ix->pool = realloc(ix->pool, ix->pcap);
	}
}

static const struct runindex *SORT_IX;

static int cmp_order(const void *a, const void *b)
{
	const struct ixrun *x = &SORT_IX->v[*(const uint32_t *)a], *y = &SORT_IX->v[*(const uint32_t *)b];

	if (before(x, y))
		return -1;
	if (before(y, x))
		return 1;
	return 0;
}

static int cmp_kid(const void *a, const void *b)
{
	const struct ixkid *x = a, *y = b;

	if (x->parent_id != y->parent_id)
		return x->parent_id < y->parent_id ? -1 : 1;
	return cmp_order(&x->run, &y->run);
}

void ix_finish(struct runindex *ix)
{
	size_t i, nk = 0;

	free(ix->order);
	ix->order = malloc((ix->n + 1) * sizeof *ix->order);
	for (i = 0; i < ix->n; i++) {
		ix->order[i] = (uint32_t)i;
		if ((ix->v[i].flags & IXF_PARENT) && *aux(ix, ix->v[i].parent) != IX_NONE)
			nk++;
	}
	SORT_IX = ix;
	qsort(ix->order, ix->n, sizeof *ix->order, cmp_order);
	ix->norder = ix->n;
	free(ix->kids);
	ix->kids = malloc((nk + 1) * sizeof *ix->kids);
	ix->nkids = 0;
	for (i = 0; i < ix->n; i++)
		if ((ix->v[i].flags & IXF_PARENT) && *aux(ix, ix->v[i].parent) != IX_NONE) {
			ix->kids[ix->nkids].parent_id = ix->v[i].parent;
			ix->kids[ix->nkids++].run = (uint32_t)i;
		}
	qsort(ix->kids, ix->nkids, sizeof *ix->kids, cmp_kid);
}

void ix_refresh(struct runindex *ix, const uint32_t *changed, size_t n)
{
	char *mark = calloc(ix->n + 1, 1);
	uint32_t *ch = malloc((n + 1) * sizeof *ch), *out = malloc((ix->n + 1) * sizeof *out);
	size_t i, k = 0, a = 0, b = 0, old_n = 0, nch = 0;
	int kids = 0;

	for (i = 0; i < n; i++) {
		if (mark[changed[i]])
			continue;
		mark[changed[i]] = 1;
		ch[nch++] = changed[i];
		kids |= (ix->v[changed[i]].flags & IXF_PARENT) != 0;
	}
	SORT_IX = ix;
	qsort(ch, nch, sizeof *ch, cmp_order);
	for (i = 0; i < ix->norder; i++)
		if (!mark[ix->order[i]])
			ix->order[old_n++] = ix->order[i];
	while (a < old_n || b < nch) {
		if (b == nch || (a < old_n && cmp_order(&ix->order[a], &ch[b]) <= 0))
			out[k++] = ix->order[a++];
		else
			out[k++] = ch[b++];
	}
	free(ix->order);
	ix->order = out;
	ix->norder = k;
	free(ch);
	free(mark);
	if (kids)
		ix_finish(ix);
}

size_t ix_kids(const struct runindex *ix, uint32_t parent_id, size_t *first)
{
	size_t lo = 0, hi = ix->nkids, end;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ix->kids[mid].parent_id < parent_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (end = lo; end < ix->nkids && ix->kids[end].parent_id == parent_id; end++)
		;
	return end - lo;
}

void ix_free(struct runindex *ix)
{
	free(ix->v);
	free(ix->t);
	free(ix->order);
	free(ix->kids);
	free(ix->pool);
	free(ix->hash);
	free(ix->tmap);
	free(ix->step_lo);
	free(ix->step_hi);
	memset(ix, 0, sizeof *ix);
}

size_t ix_bytes(const struct runindex *ix)
{
	return ix->cap * sizeof *ix->v + ix->tcap * sizeof *ix->t + ix->n * 4 +
	       ix->nkids * sizeof *ix->kids + ix->pcap + ix->hcap * 4 + ix->tmcap * 4 +
	       ix->nsteps_runs * 8;
}
