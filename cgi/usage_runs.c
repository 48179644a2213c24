/* Token totals and estimated cost per run ID, for the runs lists (issue 8).
 *
 * The full usage aggregate (usage_db.c) costs ~45 MB on the bench store;
 * a list only needs each run ID's in/out and cost. So this keeps one
 * small table keyed by a 64-bit hash of the ID (no strings): about 28
 * bytes a run ID. It is filled by one scan of step_executions and then
 * follows the store: a new version reads only the step rows with a
 * higher id (the daemon only appends), a reopened store is read again.
 * Every step row counts once for its run ID, however many runs rows
 * share that ID (T4). A 64-bit hash collision between two IDs of one
 * store (odds ~1e-10 at 100,000 IDs) would merge their figures. */
#include "usage.h"
#include "pricing.h"
#include "usage_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rtok {
	unsigned long long *key;   /* 0 = empty slot */
	long long *in, *out;
	float *usd;                /* < 0: some tokens had no price */
	size_t cap, n;             /* cap is a power of two */
	long long version, gen, last_step;
	int ready;
};

static struct rtok T;

/* Prices of the agents seen, so a scan does not search the table per row. */
#define NPRICE 16
static struct {
	char agent[64];
	double in, out;
	int known;
} pc[NPRICE];
static int npc;

static void rtok_free(struct rtok *t)
{
	free(t->key);
	free(t->in);
	free(t->out);
	free(t->usd);
	memset(t, 0, sizeof *t);
}

static size_t slot_of(const struct rtok *t, unsigned long long k)
{
	size_t i;

	for (i = k & (t->cap - 1); t->key[i] && t->key[i] != k; i = (i + 1) & (t->cap - 1))
		;
	return i;
}

static void grow(struct rtok *t)
{
	struct rtok old = *t;
	size_t i, j;

	t->cap = old.cap ? old.cap * 2 : 4096;
	t->key = calloc(t->cap, sizeof *t->key);
	t->in = calloc(t->cap, sizeof *t->in);
	t->out = calloc(t->cap, sizeof *t->out);
	t->usd = calloc(t->cap, sizeof *t->usd);
	for (i = 0; i < old.cap; i++) {
		if (!old.key[i])
			continue;
		j = slot_of(t, old.key[i]);
		t->key[j] = old.key[i];
		t->in[j] = old.in[i];
		t->out[j] = old.out[i];
		t->usd[j] = old.usd[i];
	}
	free(old.key);
	free(old.in);
	free(old.out);
	free(old.usd);
}

static unsigned long long key_of(const char *run_id)
{
	unsigned long long k = udb_hash(run_id);

	return k ? k : 1;
}

/* Cost of one row, or -1 when its agent has no price. */
static double row_cost(const char *agent, long long in, long long out)
{
	double usd;
	int i;

	for (i = 0; i < npc; i++)
		if (strcmp(pc[i].agent, agent) == 0)
			return pc[i].known ? ((double)in * pc[i].in + (double)out * pc[i].out) / 1e6 : -1;
	if (npc < NPRICE && strlen(agent) < sizeof pc[0].agent) {
		/* the per-million prices, read back through the one public lookup */
		snprintf(pc[npc].agent, sizeof pc[npc].agent, "%s", agent);
		pc[npc].known = pricing_cost(agent, 1000000, 0, &pc[npc].in);
		pricing_cost(agent, 0, 1000000, &pc[npc].out);
		npc++;
		return row_cost(agent, in, out);
	}
	return pricing_cost(agent, in, out, &usd) ? usd : -1;
}

static void add_row(struct rtok *t, const char *run_id, long long in, long long out,
		    const char *agent)
{
	unsigned long long k = key_of(run_id);
	double c;
	size_t i;

	if ((t->n + 1) * 8 > t->cap * 7)
		grow(t);
	i = slot_of(t, k);
	if (!t->key[i]) {
		t->key[i] = k;
		t->n++;
	}
	t->in[i] += in;
	t->out[i] += out;
	if (!in && !out)
		return;
	c = row_cost(agent, in, out);
	if (c < 0 || t->usd[i] < 0)
		t->usd[i] = -1;
	else
		t->usd[i] += (float)c;
}

static const char *col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	return v ? v : "";
}

static int read_rows(struct store *s, struct rtok *t)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT id, COALESCE(run_id,''), COALESCE(input_tokens,0), "
					    "COALESCE(output_tokens,0), COALESCE(agent_name,'') "
					    "FROM step_executions WHERE id > ? "
					    "AND (input_tokens != 0 OR output_tokens != 0)");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, t->last_step);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t->last_step = sqlite3_column_int64(st, 0);
		add_row(t, col(st, 1), sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
			col(st, 4));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc), -1;
	return 0;
}

/* The table for the current store version; NULL on a store error. */
static const struct rtok *rtok_get(struct store *s)
{
	if (s->state != STORE_OK)
		return NULL;
	if (T.ready && T.version == store_version(s) && T.gen == s->gen)
		return &T;
	if (T.gen != s->gen)
		rtok_free(&T);
	T.gen = s->gen;
	if (store_has(s, F_TOKENS) && read_rows(s, &T) != 0) {
		rtok_free(&T);
		return NULL;
	}
	if (!T.cap)
		grow(&T);
	T.version = store_version(s);
	T.ready = 1;
	return &T;
}

int usage_run_tokens(struct store *s, const char *run_id, struct tokcost *out)
{
	const struct rtok *t = rtok_get(s);
	size_t i;

	memset(out, 0, sizeof *out);
	if (!t)
		return -1;
	i = slot_of(t, key_of(run_id));
	if (!t->key[i])
		return 0;
	out->in = t->in[i];
	out->out = t->out[i];
	out->usd = t->usd[i] < 0 ? 0 : t->usd[i];
	out->unpriced = t->usd[i] < 0;
	return 0;
}

void usage_runs_reset(void)
{
	rtok_free(&T);
	npc = 0;
}
