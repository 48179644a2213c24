/* Cross-site request refusal for state-changing methods (docs/security.md). */
#ifndef CLOCHE_SECURITY_H
#define CLOCHE_SECURITY_H
#include "req.h"

int is_state_changing(const char *method);
/* NULL when the request may proceed, else the reason to refuse it (403). */
const char *cross_site_reason(const struct req *r);
void own_origin(const struct req *r, char *out, size_t cap);
int from_trusted_proxy(const struct req *r);
const char *owner_reason(const struct req *r);

#endif
