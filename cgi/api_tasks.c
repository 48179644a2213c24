/* GET /api/tasks — task summaries (http.md 4.5, 3.8); null when none. */
#include "guard.h"
#include "json.h"
#include "resp.h"
#include "responders.h"
#include "runjson.h"
#include "runlist.h"
#include "timefmt.h"
#include <stdlib.h>

static struct json_object *summary_json(struct store *s, const struct runindex *ix,
					const struct task_summary *t, const struct projects *p,
					const struct run *run)
{
	struct json_object *o = json_object_new_object();
	char d[20];

	task_json_head(o, s, ix, t->task, t->latest, p, run);
	jadd_str(o, "status", ix_state_name(t->status));
	jadd_int(o, "attempt_count", t->attempts);
	if (run) {
		jadd_str_nonempty(o, "latest_result", run->state);
		ts_display(d, run->started_at);
		jadd_str_nonempty(o, "latest_time", d);
	}
	return o;
}

void api_tasks(struct req *r)
{
	const struct projects *p = need_projects(r);
	struct store *s = store_get();
	struct runindex *ix;
	struct task_summary *v;
	struct json_object *a = NULL;
	struct run *rows;
	uint32_t *idx;
	char *got;
	size_t n, i;

	if (!p)
		return;
	ix = runindex_get(s);
	if (!ix) {
		store_unavailable(r, s);
		return;
	}
	n = task_summaries(ix, &v);
	rows = calloc(n + 1, sizeof *rows);
	idx = malloc((n + 1) * sizeof *idx);
	got = calloc(n + 1, 1);
	for (i = 0; i < n; i++)
		idx[i] = v[i].latest;
	if (runs_fetch(s, ix, idx, n, rows, got) == 0) {
		if (n)
			a = json_object_new_array();
		for (i = 0; i < n; i++)
			json_object_array_add(a, summary_json(s, ix, &v[i], p, got[i] ? &rows[i] : NULL));
		resp_json(r, 200, a);
		r->cacheable = 1;
	} else {
		store_unavailable(r, s);
	}
	for (i = 0; i < n; i++)
		if (got[i])
			run_free(&rows[i]);
	free(rows);
	free(idx);
	free(got);
	free(v);
}
