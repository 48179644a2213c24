#include "runlist.h"
#include "guard.h"
#include "json.h"
#include "resp.h"
#include "runjson.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *STATES[] = {"pending", "running", "waiting", "succeeded", "failed",
			       "cancelled", "parked", NULL};

static int bad(struct req *r, const char *msg)
{
	resp_error(r, 400, msg);
	return -1;
}

static int state_ok(const char *s)
{
	int i;

	for (i = 0; STATES[i]; i++)
		if (strcmp(s, STATES[i]) == 0)
			return 1;
	return 0;
}

int runlist_params(struct req *r, struct runlist *l, int paged_default)
{
	memset(l, 0, sizeof *l);
	l->q = req_query(r, "q");
	l->state = req_query(r, "state");
	if (l->state && !*l->state) {
		free(l->state);
		l->state = NULL;
	}
	if (l->state && !state_ok(l->state))
		return bad(r, "state must be one of pending, running, waiting, succeeded, failed, cancelled, parked");
	if (l->q && strlen(l->q) > RUNLIST_MAX_Q)
		return bad(r, "q is longer than 200 bytes");
	if (l->q && !*l->q) {
		free(l->q);
		l->q = NULL;
	}
	if (req_query_int(r, "page", 0, 1, 1000000000, &l->page) != 0)
		return bad(r, "page must be a whole number from 1");
	if (req_query_int(r, "per", 0, 1, RUNLIST_MAX_PER, &l->per) != 0)
		return bad(r, "per must be a whole number from 1 to 500");
	l->paged = l->page || l->per || paged_default;
	if (l->paged) {
		if (!l->page)
			l->page = 1;
		if (!l->per)
			l->per = RUNLIST_PER;
	}
	return 0;
}

char *task_title(struct store *s, const struct runindex *ix, uint32_t task)
{
	static char sql[1400];
	sqlite3_stmt *st;
	const char *t;
	char *out = NULL;

	if (task == IX_NONE || ix->t[task].title_run == IX_NONE)
		return strdup("");
	snprintf(sql, sizeof sql, "SELECT %s FROM runs WHERE rowid = ?", s->run_cols);
	st = store_prepare(s, sql);
	if (st) {
		sqlite3_bind_int64(st, 1, ix->v[ix->t[task].title_run].pk);
		if (sqlite3_step(st) == SQLITE_ROW && (t = (const char *)sqlite3_column_text(st, RUN_TASK_TITLE)))
			out = strdup(t);
		store_done(st);
	}
	return out ? out : strdup("");
}

static int hit(sqlite3_stmt *st, int col, const char *q)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	return t && strcasestr(t, q) != NULL;
}

/* One scan of runs: which runs (id, title, workflow) and which tasks
 * (task id, task title, run title) contain q, ASCII case-insensitively. */
static int search(struct store *s, struct runlist *l)
{
	static char sql[1400];
	sqlite3_stmt *st;
	int rc;

	l->qrun = calloc(l->ix->n + 1, 1);
	l->qtask = calloc(l->ix->nt + 1, 1);
	snprintf(sql, sizeof sql, "SELECT %s, rowid FROM runs", s->run_cols);
	st = store_prepare(s, sql);
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t i = ix_by_pk(l->ix, sqlite3_column_int64(st, RUN_NCOLS));
		int title = hit(st, RUN_TITLE, l->q);

		if (i == IX_NONE)
			continue;
		l->qrun[i] = title || hit(st, RUN_ID, l->q) || hit(st, RUN_WORKFLOW, l->q);
		if (l->ix->v[i].task != IX_NONE && (title || hit(st, RUN_TASK, l->q) || hit(st, RUN_TASK_TITLE, l->q)))
			l->qtask[l->ix->v[i].task] = 1;
	}
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc);
}

/* A row deleted between the index walk and the fetch shows as empty. */
static void blank(struct run *r)
{
	char **f[] = {&r->id, &r->workflow, &r->state, &r->active_steps, &r->started_at,
		      &r->completed_at, &r->project_dir, &r->error_message, &r->container_id,
		      &r->title, &r->parent_run_id, &r->task_id, &r->task_title, &r->attempt_id,
		      &r->parent_step_name};
	size_t i;

	for (i = 0; i < sizeof f / sizeof f[0]; i++)
		*f[i] = strdup("");
}

static int fetch_rows(struct store *s, struct runlist *l)
{
	size_t i;

	l->rows = calloc(l->g.n + 1, sizeof *l->rows);
	for (i = 0; i < l->g.n; i++) {
		int got = run_by_pk(s, l->ix->v[l->g.v[i].run].pk, &l->rows[i]);

		if (got < 0)
			return -1;
		if (!got)
			blank(&l->rows[i]);
	}
	return 0;
}

int runlist_load(struct req *r, struct store *s, const struct project *pr, struct runlist *l)
{
	struct gfilter f;

	l->ix = runindex_get(s);
	if (!l->ix) {
		store_unavailable(r, s);
		return -1;
	}
	gfilter_init(&f);
	if (pr) {
		f.by_proj = 1;
		f.proj = ix_lookup(l->ix, pr->dir);
		if (!f.proj)
			f.proj = IX_NONE;  /* no run has it: match nothing */
	}
	f.state = l->state ? ix_state_code(l->state) : -1;
	if (l->q && search(s, l) != 0) {
		store_unavailable(r, s);
		return -1;
	}
	f.qrun = l->qrun;
	f.qtask = l->qtask;
	if (l->paged)
		group_runs(l->ix, &f, (size_t)l->page, (size_t)l->per, &l->g);
	else
		group_runs(l->ix, &f, 1, RUNLIST_MAX_ALL, &l->g);
	l->truncated = !l->paged && l->g.items > RUNLIST_MAX_ALL;
	if (l->paged)
		l->pages = l->g.items ? (long long)((l->g.items + (size_t)l->per - 1) / (size_t)l->per) : 1;
	if (fetch_rows(s, l) != 0) {
		store_unavailable(r, s);
		return -1;
	}
	return 0;
}

void runlist_free(struct runlist *l)
{
	size_t i;

	for (i = 0; l->rows && i < l->g.n; i++)
		run_free(&l->rows[i]);
	free(l->rows);
	glist_free(&l->g);
	free(l->q);
	free(l->state);
	free(l->qrun);
	free(l->qtask);
	memset(l, 0, sizeof *l);
}

int need_run(struct req *r, struct store **s, struct runindex **ix, struct run *out)
{
	int got;

	*s = store_get();
	*ix = runindex_get(*s);
	got = *ix ? run_find(*s, *ix, r->param[0], out) : -1;
	if (got < 0)
		store_unavailable(r, *s);
	else if (!got && r->is_api)
		resp_text(r, 404, "run not found");
	else if (!got)
		resp_html_error(r, 404, "Run not found", "No run has this ID.");
	return got;
}

void task_json_head(struct json_object *o, struct store *s, const struct runindex *ix,
		    uint32_t task, uint32_t latest, const struct projects *p, const struct run *run)
{
	char *title = run && ix->t[task].title_run == latest ? strdup(run->task_title)
							     : task_title(s, ix, task);

	jadd_str(o, "task_id", ix_str(ix, ix->t[task].id));
	jadd_str_nonempty(o, "task_title", title);
	free(title);
	if (run)
		jadd_str_nonempty(o, "project_label", project_label(p, run->project_dir));
}
