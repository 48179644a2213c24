/* GET /api/runs/{id} — one run with container state, flattened steps and
 * child runs (http.md 4.4). Unknown → 404 text "run not found". */
#include "guard.h"
#include "json.h"
#include "resp.h"
#include "responders.h"
#include "runjson.h"
#include "runlist.h"
#include "steps.h"
#include "timefmt.h"

static struct json_object *steps_json(const struct steps *l)
{
	struct json_object *a;
	size_t i;

	if (!l->n)
		return NULL;
	a = json_object_new_array();
	for (i = 0; i < l->n; i++)
		json_object_array_add(a, step_json(&l->v[i]));
	return a;
}

static void add_children(struct json_object *o, struct store *s, struct runindex *ix,
			 const struct run *run, const struct projects *p, long long now)
{
	struct run *kids;
	long n = run_children(s, ix, run->id, &kids), i;
	struct json_object *a;

	if (n <= 0) {
		runs_free(kids, 0);
		return;
	}
	a = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(a, run_json(&kids[i], p, now));
	jadd(o, "child_runs", a);
	runs_free(kids, n);
}

void api_run(struct req *r)
{
	const struct projects *p = need_projects(r);
	struct store *s;
	struct runindex *ix;
	struct run run;
	struct steps st = {0};
	struct json_object *o;
	long long now = now_ns();

	if (!p || need_run(r, &s, &ix, &run) != 1)
		return;
	o = run_json(&run, p, now);
	jadd_str(o, "container_state", cstate_name(container_state(&run, NULL, 0)));
	if (steps_flatten(s, ix, &run, &st) != 0)
		steps_free(&st);  /* errors read as "no steps", as in the daemon */
	jadd(o, "steps", steps_json(&st));
	add_children(o, s, ix, &run, p, now);
	resp_json(r, 200, o);
	r->cacheable = 1;
	r->cache_ttl = 1;
	steps_free(&st);
	run_free(&run);
}
