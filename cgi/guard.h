/* Lookups every responder needs, each answering the error itself:
 * 503 when the store cannot be read, 404 for unknown projects. */
#ifndef CLOCHE_GUARD_H
#define CLOCHE_GUARD_H
#include "projects.h"
#include "req.h"
#include "store.h"

struct store *need_store(struct req *r);
const struct projects *need_projects(struct req *r);
/* The same with each project's kept container count filled in. */
const struct projects *need_projects_kept(struct req *r);
const struct project *need_project(struct req *r, const char *label);
void store_unavailable(struct req *r, struct store *s);

#endif
