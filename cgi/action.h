/* Shared by the POST/DELETE responders (act_*.c): who may act, and how an
 * action answers. JSON for scripts and the CLI; for a no-JavaScript form
 * post (r->form) a 303 back to the page with a flash message instead. */
#ifndef CLOCHE_ACTION_H
#define CLOCHE_ACTION_H
#include "daemon.h"
#include "projects.h"
#include "req.h"
#include <json-c/json.h>

/* 1 when this user may act (CLOCHE_DASH_ACTION_USERS, comma-separated
 * REMOTE_USER names; unset or empty = anyone); otherwise 0 and a 403 has
 * been answered. */
int action_allowed(struct req *r);

/* Success (or a partial result): o is the JSON body (owned, freed here);
 * flash the one-line outcome a form post shows on the page. */
void action_reply(struct req *r, int status, struct json_object *o, const char *flash);
/* Failure: {"error": msg} with status, or a flash_error redirect. */
void action_fail(struct req *r, int status, const char *msg);
/* A failed daemon call: the daemon's message after prefix (may be ""),
 * status 502/503/504 from e. */
void action_daemon_fail(struct req *r, const char *prefix, const struct daemon_err *e);

/* The project named by r->param[0], allowed user and store checked; NULL
 * when the request has been answered already. */
const struct project *action_project(struct req *r);
/* 0 when the project's config.toml is safe to hand to the daemon (absent
 * or valid TOML); otherwise the refusal (409) has been answered. */
int action_config_ok(struct req *r, const struct project *p);

/* The run named by r->param[0] (highest pk, as the daemon); 1 found
 * (caller run_free()s it), 0 when the request has been answered (403,
 * 404 "run not found", 503). */
struct run;
int action_run(struct req *r, struct run *out);

/* Where a form post returns to: the `next` field if it is a path under
 * the mount point, else a same-origin Referer, else the mount root.
 * Returns a malloc'd path+query without flash parameters. */
char *action_return_path(struct req *r);

#endif
