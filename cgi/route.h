/* Method + path pattern → responder. Patterns are literal segments and
 * {param} segments; a parameter matches exactly one raw segment, which is
 * then percent-decoded once and validated (store.md T12). */
#ifndef CLOCHE_ROUTE_H
#define CLOCHE_ROUTE_H
#include "req.h"

typedef void (*responder_fn)(struct req *r);

struct route {
	const char *method;
	const char *pattern;
	responder_fn fn;
};

enum route_result { ROUTE_OK, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD, ROUTE_BAD_PARAM };

/* On ROUTE_OK, *hit is the route and r->param holds the decoded values.
 * On ROUTE_BAD_METHOD, allow receives e.g. "GET, HEAD". */
enum route_result route_match(const struct route *tab, const char *method,
			      struct req *r, const struct route **hit,
			      char *allow, size_t allowcap);
int param_valid(const char *s, long n);

extern const struct route ROUTES[];
/* Responders whose answers depend on the project's files and git HEAD as
 * well as on the store (NULL-terminated): their cache key carries the
 * project's stamp (projstamp.h), so a file edit or a commit is seen at once. */
extern const responder_fn FILE_ROUTES[];
int route_uses_files(const struct route *t);

#endif
