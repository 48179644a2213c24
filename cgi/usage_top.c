/* The runs and tasks that used the most tokens, all time or in a window,
 * with their estimated cost when a price table is configured. */
#include "usage.h"
#include "pricing.h"
#include "usage_int.h"
#include <stdlib.h>
#include <string.h>

struct tacc {
	struct tokcost c;
	int proj1;            /* 1 + a project of it, 0 = none seen */
};

static void tacc_add(struct tacc *t, int proj, const char *agent, long long in, long long out)
{
	if (!t->proj1)
		t->proj1 = proj + 1;
	tokcost_add(&t->c, agent, in, out);
}

/* The project shown for a run: the filter's, else its first. */
static int shown_proj(const struct udb *d, int run, int proj)
{
	return proj >= 0 ? proj : d->runs[run].np ? d->runs[run].p1 : -1;
}

static void run_add(const struct udb *d, struct tacc *runs, struct tacc *tasks, int run,
		    int proj, const char *agent, long long in, long long out)
{
	const struct urun *u = &d->runs[run];
	int i, p = shown_proj(d, run, proj);

	if (runs)
		tacc_add(&runs[run], p, agent, in, out);
	for (i = 0; tasks && i < u->nt; i++)
		tacc_add(&tasks[i ? u->tx[i - 1] : u->t1], p, agent, in, out);
}

static void window_sums(const struct udb *d, int proj, long long lo, long long now,
			struct tacc *runs, struct tacc *tasks)
{
	size_t i;

	for (i = udb_first_at(d, lo); i < d->nrec && d->rec[i].t <= now; i++) {
		const struct urec *r = &d->rec[i];

		if (!udb_run_matches(d, r->run, proj) || (!r->in && !r->out))
			continue;
		run_add(d, runs, tasks, r->run, proj, d->agent.s[r->agent], r->in, r->out);
	}
}

/* All time: from each run's accumulators; a task adds its runs, each
 * step row once per task even when its runs share an ID. */
static void all_time_sums(const struct udb *d, int proj, struct tacc *runs, struct tacc *tasks)
{
	int k, a;

	for (k = 0; k < d->run.n; k++) {
		if (!udb_run_matches(d, k, proj))
			continue;
		for (a = 0; a < d->agent.n; a++) {
			const struct uacc *x = udb_acc(d, K_RUN, k, a);

			if (x && (x->in || x->out))
				run_add(d, runs, tasks, k, proj, d->agent.s[a], x->in, x->out);
		}
	}
}

static const struct tacc *cmp_base;
static const struct smap *cmp_names;

static int cmp_top(const void *pa, const void *pb)
{
	int a = *(const int *)pa, b = *(const int *)pb;
	long long ta = cmp_base[a].c.in + cmp_base[a].c.out, tb = cmp_base[b].c.in + cmp_base[b].c.out;

	if (ta != tb)
		return ta > tb ? -1 : 1;
	return strcmp(cmp_names->s[a], cmp_names->s[b]);
}

static void pick(const struct udb *d, enum usage_top_kind kind, const struct tacc *acc,
		 size_t limit, struct usage_top_list *out)
{
	const struct smap *names = kind == TOP_RUNS ? &d->run : &d->task;
	int *idx = malloc(((size_t)names->n + 1) * sizeof *idx), n = 0, k;
	size_t i;

	for (k = 0; k < names->n; k++)
		if (acc[k].c.in || acc[k].c.out)
			idx[n++] = k;
	cmp_base = acc;
	cmp_names = names;
	qsort(idx, (size_t)n, sizeof *idx, cmp_top);
	out->n = (size_t)n < limit ? (size_t)n : limit;
	out->v = calloc(out->n + 1, sizeof *out->v);
	for (i = 0; i < out->n; i++) {
		struct usage_top *t = &out->v[i];
		const struct tacc *a = &acc[idx[i]];
		int p = a->proj1 - 1;

		t->id = strdup(names->s[idx[i]]);
		t->project = strdup(p >= 0 ? d->proj.s[p] : "");
		t->in = a->c.in;
		t->out = a->c.out;
		t->usd = a->c.usd;
		t->usd_known = pricing_enabled() && !a->c.unpriced;
	}
	free(idx);
}

int usage_top(struct store *s, const char *project_dir, long long lo, long long now,
	      size_t limit, struct usage_top_list *top_runs, struct usage_top_list *top_tasks)
{
	struct udb *d = udb_get(s);
	struct tacc *runs = NULL, *tasks = NULL;
	int proj = -1;

	if (top_runs)
		memset(top_runs, 0, sizeof *top_runs);
	if (top_tasks)
		memset(top_tasks, 0, sizeof *top_tasks);
	if (!d)
		return -1;
	if (*project_dir && (proj = smap_find(&d->proj, project_dir)) < 0)
		return 0;
	if (top_runs)
		runs = calloc((size_t)d->run.n + 1, sizeof *runs);
	if (top_tasks)
		tasks = calloc((size_t)d->task.n + 1, sizeof *tasks);
	if (lo > 0 && lo >= d->horizon_ns)
		window_sums(d, proj, lo, now, runs, tasks);
	else
		all_time_sums(d, proj, runs, tasks);
	if (top_runs)
		pick(d, TOP_RUNS, runs, limit, top_runs);
	if (top_tasks)
		pick(d, TOP_TASKS, tasks, limit, top_tasks);
	free(runs);
	free(tasks);
	return 0;
}

void usage_top_free(struct usage_top_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].id);
		free(l->v[i].project);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}
