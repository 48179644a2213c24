/* Token usage from the store (store.md 4, daemon.md GetUsage), done right:
 * each step row is counted once even when several runs rows share its
 * run_id (T4), and windows compare instants, not text (T5).
 *
 * One scan of step_executions builds an in-memory aggregate (usage_db.c);
 * later store versions only read the rows added since (ids and pks grow),
 * so every query here is answered from memory. */
#ifndef CLOCHE_USAGE_H
#define CLOCHE_USAGE_H
#include "store.h"
#include <stddef.h>

#define NS_PER_S 1000000000LL

/* One agent's figures (one GetUsage summary). The list owns agent. */
struct usage_sum {
	char *agent;
	long long in, out, total;
	double burn;        /* tokens per hour; 0 without a window */
};

struct usage_list {
	struct usage_sum *v;
	size_t n;
	long long window_s;
};

/* GetUsage: project_dir exact ("" = all projects), agent exact ("" = all),
 * window_s <= 0 = all time, else completions in [now - W, now]. Rows come
 * sorted by agent name bytewise ('' first), as SQLite's GROUP BY gives
 * them. 0 on success, -1 when the store cannot be read. */
int usage_get(struct store *s, const char *project_dir, const char *agent,
	      long long window_s, long long now_ns, struct usage_list *out);
/* All-time per-agent figures of one run ID, or of the runs of one task
 * (each step row once, even when the task's runs share IDs). */
int usage_for_run(struct store *s, const char *run_id, struct usage_list *out);
int usage_for_task(struct store *s, const char *task_id, struct usage_list *out);
void usage_list_totals(const struct usage_list *l, long long *in, long long *out);
/* The totals of a list with their estimated cost (pricing.h). */
struct tokcost;
void usage_list_cost(const struct usage_list *l, struct tokcost *t);
/* One run ID's totals and cost, each of its step rows once, from a small
 * per-ID table kept across requests (usage_runs.c): for the runs lists.
 * Zeros for an ID without steps. 0 ok, -1 when the store cannot be read. */
int usage_run_tokens(struct store *s, const char *run_id, struct tokcost *t);
void usage_runs_reset(void);  /* tests: forget the table and cached prices */
void usage_list_free(struct usage_list *l);

/* Token totals per agent per time bucket, for charts: bucket i covers
 * [start + i*step, start + (i+1)*step), clipped at now. */
struct usage_chart {
	char **agent;         /* nagent names, sorted; owned */
	long long *tot;       /* nagent * nb totals, row per agent; owned */
	size_t nagent;
	int nb;
	long long start_ns, step_ns;
};
int usage_chart(struct store *s, const char *project_dir, long long start_ns,
		long long step_ns, int nb, long long now_ns, struct usage_chart *out);
void usage_chart_free(struct usage_chart *c);

/* The runs or tasks with the most tokens in [lo, now] (lo 0 = all time). */
struct usage_top {
	char *id;             /* run ID or task ID, owned */
	char *project;        /* a project dir of it, owned ('' if none) */
	long long in, out;
	double usd;           /* estimated cost (pricing.h), when usd_known */
	int usd_known;
};
struct usage_top_list {
	struct usage_top *v;
	size_t n;
};
enum usage_top_kind { TOP_RUNS, TOP_TASKS };
/* Both lists in one pass; either may be NULL. */
int usage_top(struct store *s, const char *project_dir, long long lo_ns, long long now_ns,
	      size_t limit, struct usage_top_list *runs, struct usage_top_list *tasks);
void usage_top_free(struct usage_top_list *l);

/* Formats (store.md 4.4-4.6); each writes a NUL-terminated string. */
void usage_fmt_thousands(char *out, size_t cap, long long n);  /* 12,345 */
void usage_fmt_burn_cli(char *out, size_t cap, double rate);    /* ~18.2k/hr */
void usage_fmt_web(char *out, size_t cap, long long n);          /* 18.3k, 1.2M */
void usage_fmt_rate_web(char *out, size_t cap, double rate);     /* ~18.3k/hr or - */
/* The CLI block and Tokens: line into b ('' when omitted). */
struct buf;
void usage_cli_block(struct buf *b, const struct usage_list *l);
void usage_tokens_line(struct buf *b, const struct usage_list *l);

/* [{"agent_name","input_tokens","output_tokens","total_tokens","burn_rate"}...]
 * in that key order, burn_rate in Go's shortest form (usage_json.c). */
struct json_object;
/* cli_usage.c: `cloche-dash usage ...`; argv[1] is "usage". */
int cli_usage(int argc, char **argv);
struct json_object *usage_list_json(const struct usage_list *l);

#endif
