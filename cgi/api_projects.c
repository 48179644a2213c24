/* GET /api/projects — project list with health (http.md 4.1; cloche health). */
#include "guard.h"
#include "json.h"
#include "resp.h"
#include "responders.h"

static struct json_object *project_json(const struct project *p)
{
	struct json_object *o = json_object_new_object(), *h = json_object_new_object();

	jadd_str(o, "dir", p->dir);
	jadd_str(o, "label", p->label);
	jadd_str(h, "status", p->health);
	jadd_int(h, "passed", p->passed);
	jadd_int(h, "failed", p->failed);
	jadd_int(h, "total", p->total);
	jadd(o, "health", h);
	jadd_int(o, "active_count", p->active);
	return o;
}

void api_projects(struct req *r)
{
	const struct projects *p = need_projects(r);
	struct json_object *a;
	size_t i;

	if (!p)
		return;
	a = json_object_new_array();
	for (i = 0; i < p->n; i++)
		json_object_array_add(a, project_json(&p->v[i]));
	resp_json(r, 200, a);
	r->cacheable = 1;
}
