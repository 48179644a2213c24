/* One row of runs, read by name through store->run_cols (NULLs become ''
 * or 0, trap T6). Every string is owned by the struct; run_free frees them. */
#ifndef CLOCHE_RUNS_H
#define CLOCHE_RUNS_H
#include "store.h"

struct run {
	long long pk;
	char *id, *workflow, *state, *active_steps, *started_at, *completed_at;
	char *project_dir, *error_message, *container_id, *title, *parent_run_id;
	char *task_id, *task_title, *attempt_id, *parent_step_name;
	int container_kept, is_host;
};

void run_from_stmt(struct run *r, sqlite3_stmt *st);
void run_free(struct run *r);
/* By ID as the daemon does: the row with the highest pk (trap T4).
 * 1 found, 0 not found, -1 store error. */
int run_by_id(struct store *s, const char *id, struct run *out);
int run_is_terminal(const char *state);

#endif
