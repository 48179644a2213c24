#include "runjson.h"
#include "daemon.h"
#include "grpc.h"
#include "json.h"
#include "timefmt.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATUS_DEADLINE_MS 400

int run_by_pk(struct store *s, long long pk, struct run *out)
{
	static char sql[1400];
	sqlite3_stmt *st;
	int rc;

	/* rowid: store.c's run_cols has no key on stores without pk */
	snprintf(sql, sizeof sql, "SELECT %s, rowid FROM runs WHERE rowid = ?", s->run_cols);
	st = store_prepare(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, pk);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		run_from_stmt(out, st);
		out->pk = sqlite3_column_int64(st, RUN_NCOLS);
	}
	store_done(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc);
}

static int scan_into(struct store *s, const struct runindex *ix, const uint32_t *idx, size_t n,
		     struct run *out, char *got)
{
	static char sql[1400];
	uint32_t *pos = malloc((ix->n + 1) * sizeof *pos);
	sqlite3_stmt *st;
	size_t i;
	int rc;

	memset(pos, 0xFF, (ix->n + 1) * sizeof *pos);
	for (i = 0; i < n; i++)
		pos[idx[i]] = (uint32_t)i;
	snprintf(sql, sizeof sql, "SELECT %s, rowid FROM runs", s->run_cols);
	st = store_prepare(s, sql);
	if (!st) {
		free(pos);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long pk = sqlite3_column_int64(st, RUN_NCOLS);
		uint32_t k = ix_by_pk(ix, pk);

		if (k == IX_NONE || pos[k] == IX_NONE || got[pos[k]])
			continue;
		run_from_stmt(&out[pos[k]], st);
		out[pos[k]].pk = pk;
		got[pos[k]] = 1;
	}
	store_done(st);
	free(pos);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc);
}

int runs_fetch(struct store *s, const struct runindex *ix, const uint32_t *idx, size_t n,
	       struct run *out, char *got)
{
	size_t i;

	if (n * 16 > ix->n)
		return scan_into(s, ix, idx, n, out, got);
	for (i = 0; i < n; i++) {
		int rc = run_by_pk(s, ix->v[idx[i]].pk, &out[i]);

		if (rc < 0)
			return -1;
		got[i] = (char)rc;
	}
	return 0;
}

int run_find(struct store *s, struct runindex *ix, const char *id, struct run *out)
{
	uint32_t k = ix ? ix_find_id(ix, id) : IX_NONE;
	int got;

	if (!ix)
		return run_by_id(s, id, out);
	if (k == IX_NONE)
		return 0;
	got = run_by_pk(s, ix->v[k].pk, out);
	if (got == 1 && strcmp(out->id, id) != 0) {  /* changed under us */
		run_free(out);
		return run_by_id(s, id, out);
	}
	return got;
}

static int cmp_started(const void *a, const void *b)
{
	const struct run *x = a, *y = b;
	int c = strcmp(x->started_at, y->started_at);

	return c ? c : (x->pk > y->pk) - (x->pk < y->pk);
}

long run_children(struct store *s, struct runindex *ix, const char *id, struct run **out)
{
	uint32_t off = ix_lookup(ix, id);
	size_t first, nk = off ? ix_kids(ix, off, &first) : 0, i;
	long n = 0;

	*out = calloc(nk + 1, sizeof **out);
	for (i = 0; i < nk; i++) {
		int got = run_by_pk(s, ix->v[ix->kids[first + i].run].pk, &(*out)[n]);

		if (got < 0) {
			runs_free(*out, n);
			*out = NULL;
			return -1;
		}
		n += got;
	}
	qsort(*out, (size_t)n, sizeof **out, cmp_started);
	return n;
}

void runs_free(struct run *v, long n)
{
	long i;

	for (i = 0; i < n; i++)
		run_free(&v[i]);
	free(v);
}

void run_current_step(struct buf *b, const struct run *r)
{
	const char *p;

	if (strcmp(r->state, "running") != 0)
		return;
	for (p = r->active_steps; *p; p++) {
		if (*p == ',')
			buf_puts(b, ", ");
		else
			buf_putc(b, *p);
	}
}

static void add_time(struct json_object *o, const char *key, const char *ts)
{
	char d[20];

	ts_display(d, ts);
	jadd_str(o, key, d);
}

struct json_object *run_json(const struct run *r, const struct projects *p, long long now)
{
	struct json_object *o = json_object_new_object();
	struct buf b = {0};

	jadd_str(o, "id", r->id);
	jadd_str(o, "workflow_name", r->workflow);
	jadd_str(o, "project_dir", r->project_dir);
	jadd_str(o, "project_label", project_label(p, r->project_dir));
	jadd_str(o, "state", r->state);
	run_current_step(&b, r);
	jadd_str_nonempty(o, "current_step", buf_str(&b));
	add_time(o, "started_at", r->started_at);
	add_time(o, "completed_at", r->completed_at);
	buf_reset(&b);
	fmt_timing(&b, r->state, r->started_at, r->completed_at, now);
	jadd_str(o, "timing", buf_str(&b));
	jadd_str(o, "container_id", r->container_id);
	jadd_str(o, "error_message", r->error_message);
	jadd_str(o, "title", r->title);
	jadd_bool(o, "is_host", r->is_host);
	jadd_str_nonempty(o, "parent_run_id", r->parent_run_id);
	jadd_str_nonempty(o, "task_id", r->task_id);
	buf_free(&b);
	return o;
}

struct json_object *step_json(const struct step *e)
{
	struct json_object *o = json_object_new_object();
	struct buf b = {0};

	jadd_str(o, "step_name", e->name);
	jadd_str(o, "result", e->result);
	add_time(o, "started_at", e->started);
	add_time(o, "completed_at", e->completed);
	fmt_step_duration(&b, e->started, e->completed);
	jadd_str(o, "duration", buf_str(&b));
	buf_free(&b);
	jadd_str_nonempty(o, "agent_name", e->agent);
	if (e->in)
		jadd_int(o, "input_tokens", e->in);
	if (e->out)
		jadd_int(o, "output_tokens", e->out);
	if (e->has_usage)
		jadd_bool(o, "has_usage", 1);
	jadd_int(o, "index", e->index);
	jadd_str(o, "run_id", e->run_id);
	jadd_int(o, "depth", e->depth);
	if (e->is_workflow)
		jadd_bool(o, "is_workflow", 1);
	jadd_int(o, "parent_index", e->parent_index);
	jadd_str_nonempty(o, "child_run_id", e->child_run_id);
	jadd_str_nonempty(o, "child_state", e->child_state);
	return o;
}

const char *cstate_name(enum cstate c)
{
	static const char *n[] = {"removed", "running", "available", "stopped", "removed"};

	return n[c];
}

/* http.md 3.7 through GetStatus. A run without a container is "removed"
 * without asking (the daemon's inspect of '' fails the same way). */
enum cstate container_state(const struct run *r, char *why, size_t cap)
{
	Cloche__V1__GetStatusRequest req = CLOCHE__V1__GET_STATUS_REQUEST__INIT;
	Cloche__V1__GetStatusResponse *resp;
	ProtobufCMessage *m = NULL;
	struct grpc_status st;
	enum cstate c;

	if (!*r->container_id)
		return CS_REMOVED;
	req.run_id = r->id;
	if (grpc_unary("GetStatus", &req.base, &cloche__v1__get_status_response__descriptor, &m,
		       NULL, 0, STATUS_DEADLINE_MS, &st) != 0) {
		if (why)
			snprintf(why, cap, "%s", st.msg);
		return CS_UNKNOWN;
	}
	resp = (Cloche__V1__GetStatusResponse *)m;
	if (resp->container_alive)
		c = CS_RUNNING;
	else if (resp->container_dead_since && *resp->container_dead_since)
		c = r->container_kept ? CS_AVAILABLE : CS_STOPPED;
	else
		c = CS_REMOVED;
	protobuf_c_message_free_unpacked(m, NULL);
	return c;
}
