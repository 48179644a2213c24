#include "runs.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	int n = sqlite3_column_bytes(st, i);
	char *p = malloc((size_t)n + 1);

	if (t)
		memcpy(p, t, (size_t)n);
	p[t ? n : 0] = '\0';
	return p;
}

void run_from_stmt(struct run *r, sqlite3_stmt *st)
{
	r->pk = sqlite3_column_int64(st, RUN_PK);
	r->id = col(st, RUN_ID);
	r->workflow = col(st, RUN_WORKFLOW);
	r->state = col(st, RUN_STATE);
	r->active_steps = col(st, RUN_ACTIVE);
	r->started_at = col(st, RUN_STARTED);
	r->completed_at = col(st, RUN_COMPLETED);
	r->project_dir = col(st, RUN_PROJECT);
	r->error_message = col(st, RUN_ERROR);
	r->container_id = col(st, RUN_CONTAINER);
	r->container_kept = sqlite3_column_int(st, RUN_KEPT);
	r->title = col(st, RUN_TITLE);
	r->is_host = sqlite3_column_int(st, RUN_IS_HOST);
	r->parent_run_id = col(st, RUN_PARENT);
	r->task_id = col(st, RUN_TASK);
	r->task_title = col(st, RUN_TASK_TITLE);
	r->attempt_id = col(st, RUN_ATTEMPT);
	r->parent_step_name = col(st, RUN_PARENT_STEP);
}

void run_free(struct run *r)
{
	free(r->id); free(r->workflow); free(r->state); free(r->active_steps);
	free(r->started_at); free(r->completed_at); free(r->project_dir);
	free(r->error_message); free(r->container_id); free(r->title);
	free(r->parent_run_id); free(r->task_id); free(r->task_title);
	free(r->attempt_id); free(r->parent_step_name);
	memset(r, 0, sizeof *r);
}

int run_by_id(struct store *s, const char *id, struct run *out)
{
	char sql[1400];
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof sql, "SELECT %s FROM runs WHERE id = ? ORDER BY %s DESC LIMIT 1",
		 s->run_cols, store_has(s, F_PK) ? "pk" : "rowid");
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, sqlite3_errcode(s->db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		run_from_stmt(out, st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_fail(s, rc);
}

int run_is_terminal(const char *state)
{
	return strcmp(state, "succeeded") == 0 || strcmp(state, "failed") == 0 ||
	       strcmp(state, "cancelled") == 0;
}
