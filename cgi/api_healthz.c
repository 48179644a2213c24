/* GET /healthz — the deployment check of `cloche-dash --check` as JSON
 * (health.h): 200 when nothing is wrong, 503 with the problems otherwise.
 * Never cached: it probes the daemon and the stream helper every time. */
#include "health.h"
#include "resp.h"
#include "responders.h"

void api_healthz(struct req *r)
{
	int ok;
	struct json_object *o = health_report(&ok);

	resp_json(r, ok ? 200 : 503, o);
}
