/* The runs and tasks that used the most tokens, all time or in a window,
 * with their estimated cost when a price table is configured. */
#include "usage.h"
#include "pricing.h"
#include "usage_int.h"
#include <stdlib.h>
#include <string.h>

struct tacc {
	long long in, out;
	double usd;
	int unpriced;         /* some tokens came from an agent without a price */
};

static void tacc_add(struct tacc *t, const char *agent, long long in, long long out)
{
	double usd;

	t->in += in;
	t->out += out;
	if (pricing_cost(agent, in, out, &usd))
		t->usd += usd;
	else if (in || out)
		t->unpriced = 1;
}

static int run_first_proj(const struct udb *d, int run)
{
	return d->runs[run].np ? d->runs[run].p1 : -1;
}

static void run_tasks_add(const struct udb *d, struct tacc *tasks, int run, const char *agent,
			  long long in, long long out)
{
	const struct urun *u = &d->runs[run];
	int i;

	for (i = 0; i < u->nt; i++)
		tacc_add(&tasks[i ? u->tx[i - 1] : u->t1], agent, in, out);
}

static void window_sums(const struct udb *d, int proj, long long lo, long long now,
			struct tacc *runs, struct tacc *tasks)
{
	size_t i;

	for (i = udb_first_at(d, lo); i < d->nrec && d->rec[i].t <= now; i++) {
		const struct urec *r = &d->rec[i];

		if (!udb_run_matches(d, r->run, proj) || (!r->in && !r->out))
			continue;
		tacc_add(&runs[r->run], d->agent.s[r->agent], r->in, r->out);
		run_tasks_add(d, tasks, r->run, d->agent.s[r->agent], r->in, r->out);
	}
}

/* All time: per run from its accumulators; a task counts each step once
 * (its own accumulators), restricted to tasks with a run in the project. */
static void all_time_sums(const struct udb *d, int proj, struct tacc *runs, struct tacc *tasks,
			  char *task_in_proj)
{
	int k, a, i;

	for (k = 0; k < d->run.n; k++) {
		const struct urun *u = &d->runs[k];

		if (!udb_run_matches(d, k, proj))
			continue;
		for (i = 0; i < u->nt; i++)
			task_in_proj[i ? u->tx[i - 1] : u->t1] = 1;
		for (a = 0; a < d->agent.n; a++) {
			const struct uacc *x = udb_acc(d, K_RUN, k, a);

			if (x && (x->in || x->out))
				tacc_add(&runs[k], d->agent.s[a], x->in, x->out);
		}
	}
	udb_tasks((struct udb *)d);
	for (k = 0; k < d->task.n; k++) {
		if (!task_in_proj[k])
			continue;
		for (a = 0; a < d->agent.n; a++) {
			const struct uacc *x = udb_acc(d, K_TASK, k, a);

			if (x && (x->in || x->out))
				tacc_add(&tasks[k], d->agent.s[a], x->in, x->out);
		}
	}
}

static const struct tacc *cmp_base;
static const struct smap *cmp_names;

static int cmp_top(const void *pa, const void *pb)
{
	int a = *(const int *)pa, b = *(const int *)pb;
	long long ta = cmp_base[a].in + cmp_base[a].out, tb = cmp_base[b].in + cmp_base[b].out;

	if (ta != tb)
		return ta > tb ? -1 : 1;
	return strcmp(cmp_names->s[a], cmp_names->s[b]);
}

static int task_proj(const struct udb *d, int task, int proj)
{
	int k, i;

	if (proj >= 0)
		return proj;
	for (k = 0; k < d->run.n; k++)
		for (i = 0; i < d->runs[k].nt; i++)
			if ((i ? d->runs[k].tx[i - 1] : d->runs[k].t1) == task && d->runs[k].np)
				return d->runs[k].p1;
	return -1;
}

static void pick(const struct udb *d, enum usage_top_kind kind, const struct tacc *acc,
		 int proj, size_t limit, struct usage_top_list *out)
{
	const struct smap *names = kind == TOP_RUNS ? &d->run : &d->task;
	int *idx = malloc(((size_t)names->n + 1) * sizeof *idx), n = 0, k;
	size_t i;

	for (k = 0; k < names->n; k++)
		if (acc[k].in || acc[k].out)
			idx[n++] = k;
	cmp_base = acc;
	cmp_names = names;
	qsort(idx, (size_t)n, sizeof *idx, cmp_top);
	out->n = (size_t)n < limit ? (size_t)n : limit;
	out->v = calloc(out->n + 1, sizeof *out->v);
	for (i = 0; i < out->n; i++) {
		struct usage_top *t = &out->v[i];
		const struct tacc *a = &acc[idx[i]];
		int p = kind == TOP_RUNS ? (proj >= 0 ? proj : run_first_proj(d, idx[i]))
					 : task_proj(d, idx[i], proj);

		t->id = strdup(names->s[idx[i]]);
		t->project = strdup(p >= 0 ? d->proj.s[p] : "");
		t->in = a->in;
		t->out = a->out;
		t->usd = a->usd;
		t->usd_known = pricing_enabled() && !a->unpriced;
	}
	free(idx);
}

int usage_top(struct store *s, enum usage_top_kind kind, const char *project_dir,
	      long long lo, long long now, size_t limit, struct usage_top_list *out)
{
	struct udb *d = udb_get(s);
	struct tacc *runs, *tasks;
	char *task_in_proj;
	int proj = -1;

	memset(out, 0, sizeof *out);
	if (!d)
		return -1;
	if (*project_dir && (proj = smap_find(&d->proj, project_dir)) < 0)
		return 0;
	runs = calloc((size_t)d->run.n + 1, sizeof *runs);
	tasks = calloc((size_t)d->task.n + 1, sizeof *tasks);
	task_in_proj = calloc((size_t)d->task.n + 1, 1);
	if (lo > 0 && lo >= d->horizon_ns)
		window_sums(d, proj, lo, now, runs, tasks);
	else
		all_time_sums(d, proj, runs, tasks, task_in_proj);
	pick(d, kind, kind == TOP_RUNS ? runs : tasks, proj, limit, out);
	free(runs);
	free(tasks);
	free(task_in_proj);
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
