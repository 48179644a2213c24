/* Markup pieces shared by the run pages (runs list, run, task, failed
 * tasks). Everything goes through html.h. */
#ifndef CLOCHE_RUNHTML_H
#define CLOCHE_RUNHTML_H
#include "projects.h"
#include "req.h"
#include "runs.h"
#include <stddef.h>

/* <span class="badge badge-STATE">TEXT</span>; text NULL = the state. */
void h_badge(struct req *r, const char *state, const char *text);
/* At most max bytes (cut on a character boundary) + "..." when longer. */
void h_excerpt(struct req *r, const char *s, size_t max);
/* Display time of a stored timestamp ('' when unset). */
void h_time(struct req *r, const char *ts);
void h_timing(struct req *r, const struct run *run, long long now);
/* A link to /runs/<id> with the id as text. */
void h_run_link(struct req *r, const char *id);
/* The nine cells of a runs-list row. */
void h_run_cells(struct req *r, const struct run *run, const struct projects *p,
		 long long now, int child);

struct steps;
/* The run page's steps table with output links (steps_html.c). */
void steps_table(struct req *r, const struct run *run, const struct steps *st);

#endif
