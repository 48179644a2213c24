/* Response cache keyed on the request and the store version: while the
 * daemon commits nothing, a page is rendered once and then served from
 * memory. Bounded in entries and bytes so the responder stays small. */
#ifndef CLOCHE_CACHE_H
#define CLOCHE_CACHE_H
#include <stddef.h>

struct cached {
	int status;
	char *head;          /* header lines, each ending in \r\n */
	char *body;          /* NULL when the body is in file */
	char *file;          /* the body on disk for X-Sendfile (see cache.c), or NULL */
	size_t body_len;
	char etag[24];
};

/* Bodies smaller than this are cheaper to copy than to hand over as files. */
#define SENDFILE_MIN (16u << 10)

const struct cached *cache_find(const char *key, long long version, long long now_s);
void cache_put(const char *key, long long version, long long now_s, int ttl,
	       int status, const char *head, const char *body, size_t body_len, const char *etag);
void cache_clear(void);

#endif
