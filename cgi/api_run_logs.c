/* GET /api/runs/{id}/logs — visible log lines (http.md 6.3), plus our
 * cursor paging (?before=<byte offset>&limit=N, ?tail=N). */
#include "logapi.h"
#include "responders.h"

void api_run_logs(struct req *r)
{
	struct run run;

	if (!logs_run(r, &run))
		return;
	logs_answer(r, &run);
	run_free(&run);
}
