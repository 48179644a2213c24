/* ANSI escape sequences in log text → HTML. SGR colours and attributes
 * become <span class="ansi-..."> with class names from a fixed set (no
 * style attributes: our CSP forbids them); every other escape sequence is
 * removed; text goes through h_textn, so nothing in a log can become
 * markup. 256-colour and true-colour values map to the nearest of the 16
 * standard colours. */
#ifndef CLOCHE_ANSI_H
#define CLOCHE_ANSI_H
#include "req.h"
#include <stddef.h>

struct ansi_style {
	int fg, bg;        /* -1 default, else 0..15 */
	int bold, dim, italic, underline;
};

/* Applies one CSI ... m parameter string to *st. */
void ansi_sgr(struct ansi_style *st, const char *p, size_t n);
/* Length of the escape sequence at s[0] == ESC (at least 1). */
size_t ansi_seq_len(const char *s, size_t n, int *is_sgr);
/* Writes s as escaped HTML with colour spans. */
void ansi_html(struct req *r, const char *s, size_t n);

#endif
