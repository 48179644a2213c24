/* GET /api/attempts/{id}/logs — the log of the attempt's host run
 * (http.md 6.4), same parameters as /api/runs/{id}/logs. */
#include "guard.h"
#include "logapi.h"
#include "logpath.h"
#include "resp.h"
#include "responders.h"

void api_attempt_logs(struct req *r)
{
	struct store *s = need_store(r);
	struct run run;
	int rc;

	if (!s)
		return;
	rc = attempt_host_run(s, r->param[0], &run);
	if (rc < 0) {
		store_unavailable(r, s);
		return;
	}
	if (rc == 0) {
		resp_text(r, 404, "attempt not found");
		return;
	}
	logs_answer(r, &run);
	run_free(&run);
}
