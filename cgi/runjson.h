/* Run rows by pk, the apiRun object (http.md 3.2), step objects (3.6)
 * and the container state (3.7), shared by the run pages and APIs. */
#ifndef CLOCHE_RUNJSON_H
#define CLOCHE_RUNJSON_H
#include "buf.h"
#include "projects.h"
#include "runs.h"
#include "steps.h"
#include <json-c/json.h>

/* 1 found (out filled, run_free it), 0 no such pk, -1 store error. */
int run_by_pk(struct store *s, long long pk, struct run *out);
/* Rows of the runs idx[0..n) (index positions) into out[] (zeroed by the
 * caller; got[i] = 1 when found). Point lookups for a few, one scan of
 * runs when many are wanted (/api/tasks asks for tens of thousands). */
int runs_fetch(struct store *s, const struct runindex *ix, const uint32_t *idx, size_t n,
	       struct run *out, char *got);
/* By id through the index (newest pk, as the daemon). 1/0/-1 as above. */
int run_find(struct store *s, struct runindex *ix, const char *id, struct run *out);
/* Runs whose parent_run_id is id, started_at text ascending; *out is
 * malloc'd (run_free each, then free). -1 store error. */
long run_children(struct store *s, struct runindex *ix, const char *id, struct run **out);
void runs_free(struct run *v, long n);
/* current_step: active_steps re-joined with ", " while running, else "". */
void run_current_step(struct buf *b, const struct run *r);
struct json_object *run_json(const struct run *r, const struct projects *p, long long now);
struct json_object *step_json(const struct step *e);

enum cstate { CS_REMOVED, CS_RUNNING, CS_AVAILABLE, CS_STOPPED, CS_UNKNOWN };
/* From the daemon's GetStatus (short deadline). CS_UNKNOWN when the
 * daemon could not be asked; the JSON then says "removed" as the daemon
 * does when its own inspect fails. why (may be NULL) gets the reason. */
enum cstate container_state(const struct run *r, char *why, size_t cap);
const char *cstate_name(enum cstate c);

#endif
