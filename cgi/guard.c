#include "guard.h"
#include "html.h"
#include "resp.h"

void store_unavailable(struct req *r, struct store *s)
{
	r->cacheable = 0;
	if (r->is_api) {
		resp_json_error(r, 503, s->err);
		return;
	}
	resp_html_error(r, 503, "Store unavailable", s->err);
}

struct store *need_store(struct req *r)
{
	struct store *s = store_get();

	if (s->state == STORE_OK)
		return s;
	store_unavailable(r, s);
	return NULL;
}

static const struct projects *projects_or_503(struct req *r, int kept)
{
	struct store *s = need_store(r);
	const struct projects *p;

	if (!s)
		return NULL;
	p = kept ? projects_get_kept(s) : projects_get(s);
	if (!p)
		store_unavailable(r, s);
	return p;
}

const struct projects *need_projects(struct req *r)
{
	return projects_or_503(r, 0);
}

const struct projects *need_projects_kept(struct req *r)
{
	return projects_or_503(r, 1);
}

/* Unknown label: JSON 404 {"error":"project not found"} on API routes as
 * the daemon does; an HTML page on page routes (compatibility.md). */
const struct project *need_project(struct req *r, const char *label)
{
	const struct projects *p = need_projects(r);
	const struct project *pr;

	if (!p)
		return NULL;
	pr = project_by_label(p, label);
	if (!pr) {
		if (r->is_api)
			resp_json_error(r, 404, "project not found");
		else
			resp_html_error(r, 404, "Project not found", "No project has this label. Labels come from the project directories that appear in the daemon's runs.");
	}
	return pr;
}
