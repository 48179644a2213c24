/* The thin request layer: parameters → route table → responder →
 * response bytes, with security headers, the response cache and a log line. */
#ifndef CLOCHE_DISPATCH_H
#define CLOCHE_DISPATCH_H
#include <stddef.h>

typedef int (*write_fn)(void *ctx, const char *p, size_t n);

void dispatch(char **env, write_fn w, void *ctx);
void dispatch_shutdown(void);

#endif
