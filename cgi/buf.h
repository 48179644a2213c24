/* Growable byte buffer. The owner calls buf_free; buf_detach hands the
 * bytes to the caller, who then owns them. */
#ifndef CLOCHE_BUF_H
#define CLOCHE_BUF_H
#include <stddef.h>

struct buf {
	char *p;
	size_t len, cap;
};

void buf_grow(struct buf *b, size_t need);
void buf_put(struct buf *b, const void *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, int c);
void buf_putll(struct buf *b, long long v);
/* a, b and c copied into one allocation (returned, owned by the caller:
 * free it alone); *pb and *pc point at the copies of b and c inside it. */
char *str_pack3(const char *a, const char *b, const char *c, char **pb, char **pc);
void buf_reset(struct buf *b);
const char *buf_str(struct buf *b);
char *buf_detach(struct buf *b);
void buf_free(struct buf *b);

#endif
