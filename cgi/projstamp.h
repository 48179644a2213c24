/* A cheap validator for the project routes' cached answers. Their output
 * depends on files (the .cloche entries, prompts, Dockerfile, version) and on the
 * git HEAD as well as on the store, and those change without the store
 * changing. The stamp is a hash of a handful of stat() results and of the
 * HEAD and branch ref files: computed before each cache lookup, it goes
 * into the cache key, so a cached answer is reused only while none of
 * them changed. */
#ifndef CLOCHE_PROJSTAMP_H
#define CLOCHE_PROJSTAMP_H
#include "req.h"

/* The stamp of a project directory: the .cloche directory, its workflow
 * files, Dockerfile, version and the entries of prompts/ and scripts/,
 * and the git HEAD of the repository holding dir. Never 0. */
unsigned long long projstamp(const char *dir);

/* For a request routed to a project-file route (route_uses_files), with
 * the store s already read for this request (its version is current): appends
 * "#<stamp>" to the cache key k. Matches the route itself (r->param is
 * filled, the responder's own match redoes it). Nothing is appended for
 * other routes or unknown projects (those answers depend on the store
 * only). */
struct store;
void projstamp_key(struct req *r, struct store *s, struct buf *k);

#endif
