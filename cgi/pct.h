/* Percent-decoding of one path segment or query component. */
#ifndef CLOCHE_PCT_H
#define CLOCHE_PCT_H
#include <stddef.h>

/* Decodes n bytes of in into out (at least n+1 bytes). Returns the decoded
 * length, or -1 for a malformed escape or a NUL byte. plus_space turns '+'
 * into ' ' (query strings only). */
long pct_decode(const char *in, size_t n, char *out, int plus_space);

#endif
