/* Panels that one page borrows from another feature's module. Each is
 * implemented by its feature (the file named in the comment). */
#ifndef CLOCHE_PANELS_H
#define CLOCHE_PANELS_H
#include "projects.h"
#include "req.h"
#include "runs.h"

/* logview.c: the run page's log viewer (history rendered server-side,
 * live stream and paging by public/logview.js). */
void logview_panel(struct req *r, const struct run *run);
/* workflows_panel.c: tabs per workflow and the DAG drawn as inline SVG. */
void workflows_panel(struct req *r, const struct project *p);
/* usage_panel.c: token burn for one project with a 24 h chart. */
void usage_panel(struct req *r, const struct project *p);

#endif
