/* DELETE /api/runs/{id}/container — Delete Container (http.md 5.3):
 * DeleteContainer with the run ID, which also clears container_kept.
 * Unlike the daemon (D11) we refuse while the run is pending or running:
 * docker rm -f would kill it. */
#include "action.h"
#include "json.h"
#include "responders.h"
#include "runs.h"
#include <stdio.h>
#include <string.h>

/* The daemon wraps docker errors once more than its web handler does
 * ("removing container: removing container: ..."); strip one prefix. */
static const char *web_text(const char *msg)
{
	const char *p = "removing container: ";
	size_t n = strlen(p);

	return strncmp(msg, p, n) == 0 && strncmp(msg + n, p, n) == 0 ? msg + n : msg;
}

static void delete(struct req *r, const struct run *run)
{
	struct daemon_err e;
	struct json_object *o;
	char flash[300], msg[800];

	if (!*run->container_id) {
		action_fail(r, 400, "container management not available");
		return;
	}
	if (strcmp(run->state, "pending") == 0 || strcmp(run->state, "running") == 0) {
		action_fail(r, 409, "run is still active: cancel it before deleting its container");
		return;
	}
	if (daemon_delete_container(run->id, &e) != 0) {
		if (strstr(e.msg, "has no associated container")) {
			action_fail(r, 400, "container management not available");
			return;
		}
		snprintf(msg, sizeof msg, "failed to remove container: %s", web_text(e.msg));
		action_fail(r, e.http ? e.http : 502, msg);
		return;
	}
	o = json_object_new_object();
	jadd_str(o, "status", "ok");
	snprintf(flash, sizeof flash, "Deleted the container of run %s", run->id);
	action_reply(r, 200, o, flash);
}

void act_run_container(struct req *r)
{
	struct run run;

	if (!action_run(r, &run))
		return;
	delete(r, &run);
	run_free(&run);
}
