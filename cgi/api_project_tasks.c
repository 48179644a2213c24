/* GET /api/projects/{name}/tasks — the daemon's TaskEntry array, so that
 * `cloche tasks` works against us (http.md 4.12, daemon.md 5.3). With
 * CLOCHE_DASH_DAEMON_HTTP set, the daemon's own snapshot is passed
 * through; otherwise, or when the daemon cannot be reached, the
 * in-progress approximation from the store. Always an array with 200. */
#include "guard.h"
#include "resp.h"
#include "responders.h"
#include "tasks_fetch.h"
#include "tasks_inprogress.h"
#include <stdio.h>

static void from_store(struct req *r, struct store *s, const struct project *p, int cache)
{
	struct ip_tasks t;
	struct json_object *a;
	size_t i;

	if (tasks_inprogress(s, p->dir, &t) != 0) {
		store_unavailable(r, s);
		return;
	}
	a = json_object_new_array();
	for (i = 0; i < t.n; i++)
		json_object_array_add(a, ip_task_json(&t.v[i]));
	ip_tasks_free(&t);
	resp_header(r, "X-Cloche-Tasks-Source", "store");
	resp_json(r, 200, a);
	/* A fallback after a daemon failure must not outlive the failure. */
	r->cacheable = cache;
}

void api_project_tasks(struct req *r)
{
	const struct project *p = need_project(r, r->param[0]);
	const char *addr;
	struct json_object *a;
	char err[256];

	if (!p)
		return;
	addr = daemon_http_addr(r);
	if (addr) {
		a = daemon_tasks_fetch(addr, p->label, err, sizeof err);
		if (a) {
			resp_header(r, "X-Cloche-Tasks-Source", "daemon");
			resp_json(r, 200, a);
			return;
		}
		fprintf(stderr, "cloche-dash: tasks of %s from the store: %s\n", p->label, err);
	}
	from_store(r, store_get(), p, addr == NULL);
}
