/* GET /api/usage?project=P&agent=A&window_seconds=W — GetUsage over HTTP
 * (issue 8): P is a project label or directory ('' = all), A an agent
 * ('' = all), W seconds (0 or absent = all time). Answers
 * {"summaries":[...]} with the daemon's field names and number format. */
#include "guard.h"
#include "json.h"
#include "resp.h"
#include "responders.h"
#include "timefmt.h"
#include "usage.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A non-negative decimal integer that fits int64, else -1. */
static long long parse_window(const char *v)
{
	char *end;
	long long n;

	if (!v)
		return 0;
	if (!*v || strspn(v, "0123456789") != strlen(v))
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	return errno ? -1 : n;
}

/* Label first, then directory; NULL (and the 404 sent) when neither. */
static const char *project_dir_of(struct req *r, const char *q)
{
	const struct projects *ps;
	const struct project *p;

	if (!q || !*q)
		return "";
	ps = need_projects(r);
	if (!ps)
		return NULL;
	p = project_by_label(ps, q);
	if (!p)
		p = project_by_dir(ps, q);
	if (!p)
		resp_json_error(r, 404, "project not found");
	return p ? p->dir : NULL;
}

void api_usage(struct req *r)
{
	char *proj = req_query(r, "project"), *agent = req_query(r, "agent");
	char *wq = req_query(r, "window_seconds");
	long long w = parse_window(wq);
	struct store *s;
	const char *dir;
	struct usage_list l;
	struct json_object *o;

	if (w < 0)
		resp_json_error(r, 400, "window_seconds must be a non-negative integer");
	else if ((s = need_store(r)) && (dir = project_dir_of(r, proj))) {
		if (usage_get(s, dir, agent ? agent : "", w, now_ns(), &l) != 0)
			store_unavailable(r, s);
		else {
			o = json_object_new_object();
			jadd(o, "summaries", usage_list_json(&l));
			usage_list_free(&l);
			resp_json(r, 200, o);
			r->cacheable = 1;
			r->cache_ttl = w > 0 ? 5 : 0;
		}
	}
	free(proj);
	free(agent);
	free(wq);
}
