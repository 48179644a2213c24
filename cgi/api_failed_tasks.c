/* GET /api/failed-tasks — open tasks whose latest attempt failed
 * (http.md 4.6, 3.9). open_in_bead is always false: only the daemon's
 * loop memory knows it (http.md 2.6). */
#include "guard.h"
#include "json.h"
#include "resp.h"
#include "responders.h"
#include "runjson.h"
#include "runlist.h"
#include "timefmt.h"
#include <stdlib.h>

static struct json_object *failed_json(struct store *s, const struct runindex *ix,
				       const struct failed_task *t, const struct projects *p,
				       const struct run *run)
{
	struct json_object *o = json_object_new_object();
	char d[20];

	task_json_head(o, s, ix, t->task, t->latest, p, run);
	jadd_int(o, "failed_count", t->failed_count);
	jadd_str(o, "latest_run_id", run ? run->id : ix_str(ix, ix->v[t->latest].id));
	if (run) {
		jadd_str_nonempty(o, "latest_error", run->error_message);
		ts_display(d, run->started_at);
		jadd_str_nonempty(o, "latest_time", d);
	}
	jadd_bool(o, "open_in_bead", 0);
	return o;
}

/* The daemon answers [] even when the store cannot be read. */
void api_failed_tasks(struct req *r)
{
	struct store *s = store_get();
	const struct projects *p = s->state == STORE_OK ? projects_get(s) : NULL;
	struct runindex *ix = p ? runindex_get(s) : NULL;
	struct json_object *a = json_object_new_array();
	struct failed_task *v = NULL;
	size_t n = ix ? failed_tasks(ix, &v) : 0, i;
	struct run *rows = calloc(n + 1, sizeof *rows);
	uint32_t *idx = malloc((n + 1) * sizeof *idx);
	char *got = calloc(n + 1, 1);
	int ok;

	for (i = 0; i < n; i++)
		idx[i] = v[i].latest;
	ok = !ix || runs_fetch(s, ix, idx, n, rows, got) == 0;
	for (i = 0; ok && i < n; i++)
		json_object_array_add(a, failed_json(s, ix, &v[i], p, got[i] ? &rows[i] : NULL));
	resp_json(r, 200, a);
	r->cacheable = ix != NULL && ok;
	for (i = 0; i < n; i++)
		if (got[i])
			run_free(&rows[i]);
	free(rows);
	free(idx);
	free(got);
	free(v);
}
