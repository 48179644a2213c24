/* Escaping for every output context. Each function appends to a buffer and
 * never fails; invalid UTF-8 becomes U+FFFD so that no byte sequence can
 * change meaning on the way to the browser. */
#ifndef CLOCHE_ESC_H
#define CLOCHE_ESC_H
#include "buf.h"
#include <stddef.h>

size_t utf8_seq(const unsigned char *s, size_t n);
void esc_utf8(struct buf *b, const char *s, size_t n);
void esc_html(struct buf *b, const char *s, size_t n);
void esc_url_seg(struct buf *b, const char *s, size_t n);
void esc_json_str(struct buf *b, const char *s, size_t n);
void fmt_go_float(char *out, size_t cap, double v);

#endif
