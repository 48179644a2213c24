/* Usage queries answered from the aggregate of usage_db.c. Windows inside
 * the 31-day horizon are summed from per-row instants; longer windows fall
 * back to one SQL scan (usage_sql.c). */
#include "usage.h"
#include "usage_int.h"
#include "pricing.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const struct udb *sorted_db;

static int cmp_agent_idx(const void *a, const void *b)
{
	return strcmp(sorted_db->agent.s[*(const int *)a], sorted_db->agent.s[*(const int *)b]);
}

/* Agent indexes in bytewise name order; caller frees. */
static int *agents_sorted(const struct udb *d)
{
	int *o = malloc(((size_t)d->agent.n + 1) * sizeof *o), i;

	for (i = 0; i < d->agent.n; i++)
		o[i] = i;
	sorted_db = d;
	qsort(o, (size_t)d->agent.n, sizeof *o, cmp_agent_idx);
	return o;
}

static void list_from(const struct udb *d, const struct uacc *per, long long window_s,
		      struct usage_list *out)
{
	int *ord = agents_sorted(d), i;

	out->v = calloc((size_t)d->agent.n + 1, sizeof *out->v);
	out->n = 0;
	out->window_s = window_s;
	for (i = 0; i < d->agent.n; i++) {
		const struct uacc *a = &per[ord[i]];
		struct usage_sum *u;

		if (!a->rows)
			continue;
		u = &out->v[out->n++];
		u->agent = strdup(d->agent.s[ord[i]]);
		u->in = a->in;
		u->out = a->out;
		u->total = a->in + a->out;
		u->burn = window_s > 0 ? (double)u->total / ((double)window_s / 3600.0) : 0;
	}
	free(ord);
}

static void sum_window(const struct udb *d, int proj, int agent, long long lo, long long hi,
		       struct uacc *per)
{
	size_t i;

	for (i = udb_first_at(d, lo); i < d->nrec && d->rec[i].t <= hi; i++) {
		const struct urec *r = &d->rec[i];

		if ((agent >= 0 && r->agent != agent) || !udb_run_matches(d, r->run, proj))
			continue;
		per[r->agent].in += r->in;
		per[r->agent].out += r->out;
		per[r->agent].rows++;
	}
}

static void sum_all_time(const struct udb *d, int proj, int agent, struct uacc *per)
{
	int a;

	for (a = 0; a < d->agent.n; a++) {
		const struct uacc *x = proj < 0 ? udb_acc(d, K_ALL, 0, a) : udb_acc(d, K_PROJ, proj, a);

		if (x && (agent < 0 || agent == a))
			per[a] = *x;
	}
}

int usage_get(struct store *s, const char *project_dir, const char *agent,
	      long long window_s, long long now, struct usage_list *out)
{
	struct udb *d = udb_get(s);
	int proj = -1, ag = -1;
	struct uacc *per;

	memset(out, 0, sizeof *out);
	if (!d)
		return -1;
	if (window_s > 0 && (window_s >= now / NS_PER_S || now - window_s * NS_PER_S < d->horizon_ns))
		return usage_get_sql(s, project_dir, agent, window_s, now, out);
	if (*project_dir && (proj = smap_find(&d->proj, project_dir)) < 0)
		return out->window_s = window_s > 0 ? window_s : 0, 0;
	if (*agent && (ag = smap_find(&d->agent, agent)) < 0)
		return out->window_s = window_s > 0 ? window_s : 0, 0;
	per = calloc((size_t)d->agent.n + 1, sizeof *per);
	if (window_s > 0)
		sum_window(d, proj, ag, now - window_s * NS_PER_S, now, per);
	else
		sum_all_time(d, proj, ag, per);
	list_from(d, per, window_s > 0 ? window_s : 0, out);
	free(per);
	return 0;
}

static int entity_list(struct store *s, int kind, const char *id, struct usage_list *out)
{
	struct udb *d = udb_get(s);
	struct uacc *per;
	int k, a;

	memset(out, 0, sizeof *out);
	if (!d)
		return -1;
	if (kind == K_TASK)
		udb_tasks(d);
	k = smap_find(kind == K_RUN ? &d->run : &d->task, id);
	if (k < 0)
		return 0;
	per = calloc((size_t)d->agent.n + 1, sizeof *per);
	for (a = 0; a < d->agent.n; a++) {
		const struct uacc *x = udb_acc(d, kind, k, a);

		if (x)
			per[a] = *x;
	}
	list_from(d, per, 0, out);
	free(per);
	return 0;
}

int usage_for_run(struct store *s, const char *run_id, struct usage_list *out)
{
	return entity_list(s, K_RUN, run_id, out);
}

int usage_for_task(struct store *s, const char *task_id, struct usage_list *out)
{
	return entity_list(s, K_TASK, task_id, out);
}

void usage_list_cost(const struct usage_list *l, struct tokcost *t)
{
	size_t i;

	memset(t, 0, sizeof *t);
	for (i = 0; i < l->n; i++)
		tokcost_add(t, l->v[i].agent, l->v[i].in, l->v[i].out);
}

void usage_list_totals(const struct usage_list *l, long long *in, long long *out)
{
	size_t i;

	*in = *out = 0;
	for (i = 0; i < l->n; i++) {
		*in += l->v[i].in;
		*out += l->v[i].out;
	}
}

void usage_list_free(struct usage_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].agent);
	free(l->v);
	memset(l, 0, sizeof *l);
}

int usage_chart(struct store *s, const char *project_dir, long long start, long long step,
		int nb, long long now, struct usage_chart *out)
{
	struct udb *d = udb_get(s);
	int proj = -1, *ord, *row, i;
	long long *tot;
	size_t r;

	memset(out, 0, sizeof *out);
	out->nb = nb;
	out->start_ns = start;
	out->step_ns = step;
	if (!d)
		return -1;
	if (*project_dir && (proj = smap_find(&d->proj, project_dir)) < 0)
		return 0;
	tot = calloc((size_t)(d->agent.n + 1) * (size_t)nb, sizeof *tot);
	for (r = udb_first_at(d, start); r < d->nrec && d->rec[r].t <= now; r++) {
		const struct urec *x = &d->rec[r];
		long long b = (x->t - start) / step;

		if (b < nb && udb_run_matches(d, x->run, proj))
			tot[(size_t)x->agent * (size_t)nb + (size_t)b] += x->in + x->out;
	}
	ord = agents_sorted(d);
	row = malloc(((size_t)d->agent.n + 1) * sizeof *row);
	for (i = 0; i < d->agent.n; i++) {
		long long sum = 0;
		int b;

		for (b = 0; b < nb; b++)
			sum += tot[(size_t)ord[i] * (size_t)nb + (size_t)b];
		if (sum)
			row[out->nagent++] = ord[i];
	}
	out->agent = calloc(out->nagent + 1, sizeof *out->agent);
	out->tot = calloc((out->nagent + 1) * (size_t)nb, sizeof *out->tot);
	for (r = 0; r < out->nagent; r++) {
		out->agent[r] = strdup(d->agent.s[row[r]]);
		memcpy(out->tot + r * (size_t)nb, tot + (size_t)row[r] * (size_t)nb, (size_t)nb * sizeof *tot);
	}
	free(ord);
	free(row);
	free(tot);
	return 0;
}

void usage_chart_free(struct usage_chart *c)
{
	size_t i;

	for (i = 0; i < c->nagent; i++)
		free(c->agent[i]);
	free(c->agent);
	free(c->tot);
	memset(c, 0, sizeof *c);
}
