/* GET /api/projects/{name}/workflows — the parsed workflow DAGs
 * (http.md 4.10, daemon.md 3.6): [] when .cloche cannot be read, null when
 * nothing parsed, files that do not parse dropped. */
#include "dsl.h"
#include "guard.h"
#include "resp.h"
#include "responders.h"

void api_workflows(struct req *r)
{
	const struct project *p = need_project(r, r->param[0]);
	struct dsl_dir d;

	if (!p)
		return;
	dsl_load_dir(p->dir, &d);
	resp_json(r, 200, dsl_dir_json(&d));
	dsl_dir_free(&d);
	/* The files are in the cache key too (projstamp.h). */
	r->cacheable = 1;
}
