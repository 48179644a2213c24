/* Small pieces of markup that several pages draw the same way. */
#ifndef CLOCHE_WIDGETS_H
#define CLOCHE_WIDGETS_H
#include "projects.h"
#include "req.h"

/* The latest runs of a project as coloured dots, each a link to its run. */
void run_dots(struct req *r, const struct project *p);

#endif
