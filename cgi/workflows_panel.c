/* Stub until the workflow graph lands (owned by the DSL work). */
#include "html.h"
#include "panels.h"

void workflows_panel(struct req *r, const struct project *p)
{
	(void)p;
	page_notice(r, "notice-info", "Workflow graph not built yet.");
}
