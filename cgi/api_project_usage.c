/* GET /api/projects/{name}/usage — the project's token burn (http.md 4.7):
 * one `now` for both windows, so the 1 h burn rate is the 1 h total and
 * the 24 h rate is the 24 h total / 24. Each step counts once (T4) and
 * the windows compare instants (T5); compatibility.md says why. */
#include "guard.h"
#include "json.h"
#include "resp.h"
#include "responders.h"
#include "timefmt.h"
#include "usage.h"

/* A failed query gives [] for its key, as the daemon does. */
static struct json_object *window_json(struct store *s, const char *dir, long long w,
				       long long now)
{
	struct usage_list l;
	struct json_object *a;

	if (usage_get(s, dir, "", w, now, &l) != 0)
		return json_object_new_array();
	a = usage_list_json(&l);
	usage_list_free(&l);
	return a;
}

void api_project_usage(struct req *r)
{
	const struct project *p = need_project(r, r->param[0]);
	struct store *s = store_get();
	struct json_object *o;
	long long now = now_ns();

	if (!p)
		return;
	o = json_object_new_object();
	jadd(o, "burn_rate_1h", window_json(s, p->dir, 3600, now));
	jadd(o, "totals_24h", window_json(s, p->dir, 86400, now));
	resp_json(r, 200, o);
	r->cacheable = 1;
	r->cache_ttl = 5;
}
