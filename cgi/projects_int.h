/* Shared by the full scan (projects_scan.c) and the incremental update
 * (projects_live.c) of the project list. */
#ifndef CLOCHE_PROJECTS_INT_H
#define CLOCHE_PROJECTS_INT_H
#include "projects.h"

/* One runs row as both read it; strings belong to the statement. */
struct prow {
	long long pk;
	const char *dir, *id, *state, *started;
	int kept;
};

int proj_is_final(const char *state);
int proj_is_active(const char *state);
/* Puts a run that is not in pr's window at its place; the window stays
 * the project's exact first nwin runs (nruns already counts this one). */
void proj_place(struct project *pr, const struct prow *r);
/* Takes run pk out of the window: 1 if it was there. */
int proj_unplace(struct project *pr, long long pk);
void proj_finish(struct project *pr);
void proj_free_dot(struct run_dot *d);
void proj_open_add(struct projects *p, const struct project *pr, const struct prow *r);
unsigned long long proj_sig(const char *state, const char *started);
void proj_open_free(struct projects *p);
int projects_scan(struct store *s, struct projects *out);
void projects_sort(struct projects *p);  /* directory text order */
long projects_scans(void);  /* full scans so far (tests) */

#endif
