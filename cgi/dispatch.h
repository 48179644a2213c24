/* The thin request layer: parameters → route table → responder →
 * response bytes, with security headers, the response cache and a log line. */
#ifndef CLOCHE_DISPATCH_H
#define CLOCHE_DISPATCH_H
#include <stddef.h>

typedef int (*write_fn)(void *ctx, const char *p, size_t n);
typedef long (*read_fn)(void *ctx, char *p, size_t n);

#define MAX_BODY (1 << 20)

void dispatch(char **env, write_fn w, void *wctx, read_fn rd, void *rctx);
void dispatch_shutdown(void);

#endif
