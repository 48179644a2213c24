/* Grouping runs into tasks and attempts (http.md 3.3), aggregate status
 * (3.4), task summaries (3.8) and failed open tasks (3.9), all computed
 * on the run index; callers fetch full rows only for what they show.
 * Decisions (docs/compatibility.md, "Runs and tasks"): orphans are listed
 * once (D7); parked counts as pending in aggregates (D9); "top level"
 * means the same everywhere, orphans included (D21). */
#ifndef CLOCHE_RUNGROUP_H
#define CLOCHE_RUNGROUP_H
#include "runindex.h"

struct gfilter {
	uint32_t proj;      /* project_dir offset when by_proj */
	int by_proj;
	uint32_t task;      /* task number, IX_NONE = every run */
	int keep_listtasks; /* the task page keeps list-tasks runs */
	int state;          /* RS_* the item's status must equal, -1 = any */
	/* Text search: NULL = off; else per run / per task "matches" flags
	 * (runlist.c computes them with one scan of runs). */
	const unsigned char *qrun, *qtask;
};

enum gkind { GE_TASK = 1, GE_ATTEMPT, GE_RUN };

struct gentry {
	uint8_t kind, is_parent, is_child, status; /* status (RS_*) of task/attempt headers */
	uint32_t task;      /* task number of headers */
	uint32_t run;       /* run row; the attempt's top-level run; the task's first */
	int attempt_num;
};

/* Owned by the caller: glist_free. */
struct glist {
	struct gentry *v;
	size_t n, cap;
	size_t items;       /* top-level items (task groups, single runs) that match */
};

void gfilter_init(struct gfilter *f);
int agg_status(const struct runindex *ix, const uint32_t *runs, size_t n);
/* page counts from 1; page 0 = every item. */
void group_runs(const struct runindex *ix, const struct gfilter *f, size_t page, size_t per,
		struct glist *out);
void glist_free(struct glist *l);

struct task_summary {
	uint32_t task, latest;
	int status, attempts;
};
/* Tasks in first-appearance order; *out is malloc'd, caller frees. */
size_t task_summaries(const struct runindex *ix, struct task_summary **out);

struct failed_task {
	uint32_t task, latest;
	int failed_count;
};
size_t failed_tasks(const struct runindex *ix, struct failed_task **out);

#endif
