/* The output layer for pages. Every call names its context: H() takes only
 * string literals (markup we wrote), h_text/h_attr escape untrusted text,
 * h_seg percent-encodes one URL path segment, h_json embeds a JSON string.
 * Responders never touch the response body any other way; `make test`
 * checks that (tests/check_output_layer.sh). */
#ifndef CLOCHE_HTML_H
#define CLOCHE_HTML_H
#include "req.h"
#include <stddef.h>

void h_lit_(struct req *r, const char *lit);
#define H(r, lit) h_lit_((r), "" lit "")

void h_text(struct req *r, const char *s);
void h_textn(struct req *r, const char *s, size_t n);
void h_attr(struct req *r, const char *s);
void h_seg(struct req *r, const char *s);
void h_int(struct req *r, long long v);
void h_json(struct req *r, const char *s);
void h_base(struct req *r);

/* A URL inside the dashboard: mount point + literal + segment + literal. */
void h_url_(struct req *r, const char *a, const char *seg, const char *b);
#define H_URL(r, a, seg, b) h_url_((r), "" a "", (seg), "" b "")

void page_begin(struct req *r, const char *title);
void page_end(struct req *r);
/* A page's own stylesheet / script from public/ (file name literal). */
void page_style_(struct req *r, const char *file);
void page_script_(struct req *r, const char *file);
#define page_style(r, f) page_style_((r), "" f "")
#define page_script(r, f) page_script_((r), "" f "")
void page_notice(struct req *r, const char *cls, const char *msg);

#endif
