/* POST /api/projects/{name}/loop/stop — Stop Loop (http.md 5.7):
 * DisableLoop, which also writes .cloche/.loop-stopped. */
#include "action.h"
#include "json.h"
#include "responders.h"
#include <stdio.h>

void act_loop_stop(struct req *r)
{
	const struct project *p = action_project(r);
	struct daemon_err e;
	struct json_object *o;
	char flash[300];

	if (!p)
		return;
	if (daemon_disable_loop(p->dir, &e) != 0) {
		action_daemon_fail(r, "", &e);
		return;
	}
	o = json_object_new_object();
	jadd_str(o, "project", p->label);
	jadd_str(o, "status", "ok");
	snprintf(flash, sizeof flash, "Stopped the orchestration loop of %s", p->label);
	action_reply(r, 200, o, flash);
}
