/* The answer shared by /api/runs/{id}/logs and /api/attempts/{id}/logs:
 * the daemon's end/limit paging, or our byte-offset cursor paging. */
#ifndef CLOCHE_LOGAPI_H
#define CLOCHE_LOGAPI_H
#include "req.h"
#include "runs.h"

/* Looks the run up as the daemon does; on a miss answers 404 text
 * "run not found" (or 503) and returns 0. run_free the result. */
int logs_run(struct req *r, struct run *run);
void logs_answer(struct req *r, const struct run *run);

#endif
