/* One grouped run list as a request asks for it: query parameters
 * (state=, q=, page=, per=) checked, the grouping done on the run index,
 * then the full rows of just the listed runs fetched by pk. Shared by
 * /runs, /projects/{name}/runs and their /api twins. */
#ifndef CLOCHE_RUNLIST_H
#define CLOCHE_RUNLIST_H
#include "projects.h"
#include "req.h"
#include "rungroup.h"
#include "runs.h"
#include <json-c/json.h>

#define RUNLIST_PER 30
#define RUNLIST_MAX_PER 500
#define RUNLIST_MAX_Q 200
/* An unpaged API answer holds at most this many items (the daemon has no
 * limit; 100,000 runs would be tens of MB): truncated answers say so in
 * X-Total-Items / X-Truncated. */
#define RUNLIST_MAX_ALL 2000

struct runlist {
	struct glist g;
	struct run *rows;        /* rows[i] belongs to g.v[i] */
	struct runindex *ix;     /* borrowed, process-wide */
	long long page, per;     /* page 0 = everything (the daemon's API answer) */
	long long pages;
	char *q, *state;         /* as given, owned; NULL when absent */
	unsigned char *qrun, *qtask; /* search hits (owned) */
	int paged;               /* any of the new parameters was given */
	int truncated;           /* unpaged, but more than RUNLIST_MAX_ALL items */
};

/* Reads the parameters; on a bad value answers 400 and returns -1.
 * paged_default: 1 for pages (page 1 of RUNLIST_PER), 0 for the API. */
int runlist_params(struct req *r, struct runlist *l, int paged_default);
/* Groups and fetches. pr NULL = all projects. -1: answered (503). */
int runlist_load(struct req *r, struct store *s, const struct project *pr, struct runlist *l);
void runlist_free(struct runlist *l);
/* ?project=<dir> of a listed project: answers the 302 (http.md 4.2, 7.2)
 * and returns 1. api_runs.c. */
int runs_redirect(struct req *r);
/* The run named by r->param[0] (newest pk). 1 found; 0/-1 answered:
 * 404 (text "run not found" on /api, an HTML page otherwise) or 503. */
int need_run(struct req *r, struct store **s, struct runindex **ix, struct run *out);
/* Adds task_id, task_title (omitempty) and project_label (omitempty) of
 * a task whose newest run is latest; run is that run's row or NULL. */
void task_json_head(struct json_object *o, struct store *s, const struct runindex *ix,
		    uint32_t task, uint32_t latest, const struct projects *p, const struct run *run);
/* Title of a task number (its newest non-empty runs.task_title), ""
 * when none; malloc'd, caller frees. */
char *task_title(struct store *s, const struct runindex *ix, uint32_t task);

#endif
