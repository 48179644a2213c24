/* Stub until the log viewer lands (owned by the logs work). */
#include "html.h"
#include "panels.h"

void logview_panel(struct req *r, const struct run *run)
{
	(void)run;
	page_notice(r, "notice-info", "Log viewer not built yet.");
}
