/* Stub until the usage panel lands (owned by the usage work). */
#include "html.h"
#include "panels.h"

void usage_panel(struct req *r, const struct project *p)
{
	(void)p;
	page_notice(r, "notice-info", "Token usage not built yet.");
}
