/* POST /api/runs/{id}/stop — Cancel (http.md 5.2): StopRun with the run's
 * task ID, which cancels EVERY active run of that task. */
#include "action.h"
#include "json.h"
#include "responders.h"
#include "runs.h"
#include <stdio.h>
#include <string.h>

static void stop(struct req *r, const struct run *run)
{
	struct daemon_err e;
	struct json_object *o;
	char flash[600];

	if (strcmp(run->state, "pending") != 0 && strcmp(run->state, "running") != 0) {
		action_fail(r, 400, "run is not active");
		return;
	}
	/* The daemon's fallback for task-less runs (docker stop + a store
	 * write) has no gRPC equivalent: compatibility.md. */
	if (!*run->task_id) {
		action_fail(r, 400, "container management not available");
		return;
	}
	if (daemon_stop_run(run->task_id, &e) != 0) {
		action_daemon_fail(r, "failed to stop run: ", &e);
		return;
	}
	o = json_object_new_object();
	jadd_str(o, "status", "ok");
	snprintf(flash, sizeof flash, "Cancelled every active run of task %s", run->task_id);
	action_reply(r, 200, o, flash);
}

void act_run_stop(struct req *r)
{
	struct run run;

	if (!action_run(r, &run))
		return;
	stop(r, &run);
	run_free(&run);
}
