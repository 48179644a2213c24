/* The step list of a run (http.md 3.6): start/completion rows of
 * step_executions paired into entries, then child runs' steps inlined
 * after the workflow step that started them. Differences from the daemon
 * (docs/compatibility.md): a step still open after a repeat takes the
 * latest start row (D10a); a start row is one with result '' AND
 * completed_at '' (D10c); flattening keeps a visited set and a depth cap
 * so a parent_run_id cycle cannot recurse for ever (D20). */
#ifndef CLOCHE_STEPS_H
#define CLOCHE_STEPS_H
#include "runindex.h"
#include "runs.h"
#include "store.h"
#include <stddef.h>

#define STEPS_MAX_DEPTH 8

/* One stored row; strings borrowed from the caller. */
struct steprow {
	long long id;
	const char *name, *result, *started, *completed, *agent;
	long long in, out;
};

/* One entry. Every string is owned by the entry (steps_free). */
struct step {
	char *name, *result, *started, *completed, *agent;
	long long in, out;
	int has_usage;
	int open;           /* start row without completion */
	int index, depth, parent_index, is_workflow;
	char *run_id, *child_run_id, *child_state;
};

struct steps {
	struct step *v;
	size_t n, cap;
};

/* Pairs rows (in id order) and appends the entries to out. */
void steps_pair(const struct steprow *rows, size_t n, const char *run_id, struct steps *out);
/* The paired entries of one run id. 0 ok, -1 store error. */
int steps_load(struct store *s, struct runindex *ix, const char *run_id, struct steps *out);
/* The flattened list of a run, children inlined. 0 ok, -1 store error. */
int steps_flatten(struct store *s, struct runindex *ix, const struct run *run, struct steps *out);
void steps_free(struct steps *l);

#endif
