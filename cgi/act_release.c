/* POST /api/projects/{name}/tasks/{taskId}/release — Release (http.md
 * 5.5, D16): the daemon's own release works once per database, so we run
 * the release-task host workflow through RunWorkflow with issue_id and a
 * fresh x-cloche-attempt-id (no task or attempt rows are written), then
 * follow the run with GetStatus for a few seconds and report. */
#include "action.h"
#include "config.h"
#include "json.h"
#include "responders.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* "rel" + 9 random [a-z0-9]: never a 4-character loop attempt ID. */
static void fresh_attempt_id(char out[16])
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[9];
	int i;

	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		for (i = 0; i < 9; i++)
			rnd[i] = (unsigned char)((ts.tv_nsec >> (i * 3)) ^ (ts.tv_sec >> i));
	}
	memcpy(out, "rel", 3);
	for (i = 0; i < 9; i++)
		out[3 + i] = al[rnd[i] % 36];
	out[12] = '\0';
}

static int terminal(const char *st)
{
	return strcmp(st, "succeeded") == 0 || strcmp(st, "failed") == 0 || strcmp(st, "cancelled") == 0;
}

/* The run's state after up to CLOCHE_DASH_RELEASE_WAIT_MS (5 s); "" when
 * the daemon never showed it. */
static void follow(const char *run_id, char *state, size_t cap, char *err, size_t ecap)
{
	const char *v = cfg_get("CLOCHE_DASH_RELEASE_WAIT_MS");
	long long wait = v ? atoll(v) : 5000, waited = 0;
	struct timespec nap = {0, 250 * 1000000L};

	if (wait < 0 || wait > 60000)
		wait = 5000;
	*state = *err = '\0';
	for (;;) {
		struct daemon_err e;
		Cloche__V1__GetStatusResponse *st = daemon_get_status(run_id, &e);

		if (st) {
			snprintf(state, cap, "%s", st->state);
			snprintf(err, ecap, "%s", st->error_message);
			daemon_free(st);
			if (terminal(state))
				return;
		} else if (e.http == 503 || e.http == 504) {
			return;
		}
		if (waited >= wait)
			return;
		nanosleep(&nap, NULL);
		waited += 250;
	}
}

static void report(struct req *r, const char *task, const char *attempt, const char *run_id)
{
	char state[32], err[600], msg[900];
	struct json_object *o = json_object_new_object();
	int failed;

	follow(run_id, state, sizeof state, err, sizeof err);
	failed = terminal(state) && strcmp(state, "succeeded") != 0;
	jadd_str(o, "attempt_id", attempt);
	if (failed) {
		snprintf(msg, sizeof msg, "failed to release task: release-task workflow finished with state %s%s%s",
			 state, *err ? ": " : "", err);
		jadd_str(o, "error", msg);
	}
	jadd_str(o, "run_id", run_id);
	jadd_str(o, "state", *state ? state : "pending");
	if (!failed)
		jadd_str(o, "status", "ok");
	if (!failed)
		snprintf(msg, sizeof msg, strcmp(state, "succeeded") == 0 ? "Released task %s (run %s)"
			 : "Release of task %s started (run %s is still running)", task, run_id);
	action_reply(r, failed ? 500 : 200, o, msg);
}

void act_release(struct req *r)
{
	const struct project *p = action_project(r);
	const char *task = r->param[1];
	struct daemon_err e;
	char attempt[16], run_id[256];

	if (!p)
		return;
	if (!*task) {
		action_fail(r, 400, "task ID is required");
		return;
	}
	fresh_attempt_id(attempt);
	if (daemon_run_workflow("release-task", p->dir, task, attempt, run_id, sizeof run_id, &e) != 0) {
		action_daemon_fail(r, "failed to release task: ", &e);
		return;
	}
	report(r, task, attempt, run_id);
}
