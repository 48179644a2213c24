/* Live lines from the daemon (StreamLogs with x-cloche-follow). */
#include "sse.h"

int live_try(struct client *c, const char *run_id, long long resume)
{
	(void)c;
	(void)run_id;
	(void)resume;
	return -1;
}

void live_detach(struct client *c)
{
	(void)c;
}
