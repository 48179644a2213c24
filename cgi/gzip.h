/* gzip for answers whose client asks for it (Accept-Encoding). The
 * project info with a long prompt history is half a megabyte of JSON, a
 * run page with its steps a few hundred kilobytes: compressed once when
 * the answer is cached, they cost a tenth of the bytes on every later
 * request. zlib, because libgit2 already brings it. */
#ifndef CLOCHE_GZIP_H
#define CLOCHE_GZIP_H
#include "buf.h"

/* Does this Accept-Encoding value allow gzip (gzip or *, not q=0)? */
int gz_accepted(const char *accept_encoding);

/* Is a body of this type and length worth compressing? */
int gz_worth(const char *ctype, size_t len);

/* body := gzip(body). 0 on success; on failure body is unchanged. */
int gz_body(struct buf *body);

#endif
