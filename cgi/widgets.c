#include "widgets.h"
#include "html.h"

void run_dots(struct req *r, const struct project *p)
{
	int i;

	for (i = 0; i < p->ndots; i++) {
		H(r, "<a class=\"run-dot run-dot-");
		h_attr(r, p->dots[i].state);
		H(r, "\" href=\"");
		H_URL(r, "/runs/", p->dots[i].id, "");
		H(r, "\" title=\"");
		h_attr(r, p->dots[i].id);
		H(r, ": ");
		h_attr(r, p->dots[i].state);
		H(r, "\"><span class=\"sr-only\">run ");
		h_text(r, p->dots[i].id);
		H(r, " ");
		h_text(r, p->dots[i].state);
		H(r, "</span></a>");
	}
}
