/* DELETE /api/projects/{name}/containers and DELETE /api/containers —
 * bulk container clean-up (http.md 5.4): the kept containers listed in the
 * store, DeleteContainer(run ID) for each, per-run errors reported. */
#include "action.h"
#include "guard.h"
#include "json.h"
#include "responders.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kept {
	char **id;      /* owned */
	int *active;    /* 1 while pending/running: refused, as for one run */
	int n;
};

static void kept_free(struct kept *k)
{
	int i;

	for (i = 0; i < k->n; i++)
		free(k->id[i]);
	free(k->id);
	free(k->active);
}

/* Store order, as the daemon walks them. -1 on a store error. */
static int list_kept(struct store *s, const char *dir, struct kept *k)
{
	sqlite3_stmt *st;
	int rc, cap = 0;

	memset(k, 0, sizeof *k);
	if (!store_has(s, F_CONTAINER_KEPT))
		return 0;
	st = store_prepare(s, dir ? "SELECT id, state FROM runs WHERE container_kept = 1 AND container_id <> '' "
				    "AND project_dir = ? ORDER BY rowid"
				  : "SELECT id, state FROM runs WHERE container_kept = 1 AND container_id <> '' "
				    "AND ?1 IS NULL ORDER BY rowid");
	if (!st)
		return -1;
	if (dir)
		sqlite3_bind_text(st, 1, dir, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(st, 1);

		if (k->n == cap) {
			cap = cap ? cap * 2 : 16;
			k->id = realloc(k->id, (size_t)cap * sizeof *k->id);
			k->active = realloc(k->active, (size_t)cap * sizeof *k->active);
		}
		k->id[k->n] = strdup((const char *)sqlite3_column_text(st, 0));
		k->active[k->n++] = state && (strcmp(state, "pending") == 0 || strcmp(state, "running") == 0);
	}
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc);
}

static void delete_all(struct req *r, struct store *s, const char *dir)
{
	struct json_object *o, *errs = json_object_new_array();
	struct daemon_err e;
	struct kept k;
	char line[900], flash[200];
	int i, deleted = 0;

	if (list_kept(s, dir, &k) != 0) {
		json_object_put(errs);
		action_fail(r, 500, "failed to list runs");
		return;
	}
	for (i = 0; i < k.n; i++) {
		if (k.active[i]) {
			snprintf(line, sizeof line, "%s: run is still active", k.id[i]);
			json_object_array_add(errs, jstr(line));
			continue;
		}
		if (daemon_delete_container(k.id[i], &e) == 0) {
			deleted++;
			continue;
		}
		if (e.http == 503 || e.http == 504) {   /* the daemon is gone: stop asking */
			json_object_put(errs);
			kept_free(&k);
			action_daemon_fail(r, "", &e);
			return;
		}
		snprintf(line, sizeof line, "%s: %s", k.id[i], e.msg);
		json_object_array_add(errs, jstr(line));
	}
	o = json_object_new_object();
	jadd_int(o, "deleted", deleted);
	snprintf(flash, sizeof flash, "Deleted %d container(s)%s", deleted,
		 json_object_array_length(errs) ? "; some could not be deleted" : "");
	if (json_object_array_length(errs))
		jadd(o, "errors", errs);
	else
		json_object_put(errs);
	kept_free(&k);
	action_reply(r, 200, o, flash);
}

void act_project_containers(struct req *r)
{
	const struct project *p = action_project(r);

	if (p)
		delete_all(r, store_get(), p->dir);
}

void act_all_containers(struct req *r)
{
	struct store *s;

	if (action_allowed(r) && (s = need_store(r)))
		delete_all(r, s, NULL);
}
