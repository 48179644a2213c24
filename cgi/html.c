#include "html.h"
#include "daemon_info.h"
#include "esc.h"
#include <stdlib.h>
#include <string.h>

void h_lit_(struct req *r, const char *lit)
{
	buf_puts(&r->body, lit);
}

void h_text(struct req *r, const char *s)
{
	if (s)
		esc_html(&r->body, s, strlen(s));
}

void h_textn(struct req *r, const char *s, size_t n)
{
	esc_html(&r->body, s, n);
}

/* Attribute values are always double-quoted by our markup, and esc_html
 * escapes both quote kinds, so text and attribute escaping coincide. */
void h_attr(struct req *r, const char *s)
{
	h_text(r, s);
}

void h_seg(struct req *r, const char *s)
{
	if (s)
		esc_url_seg(&r->body, s, strlen(s));
}

void h_int(struct req *r, long long v)
{
	buf_putll(&r->body, v);
}

/* A JSON string; esc_json_str escapes < > & so it cannot end a <script>
 * block, and the HTML pass makes it safe inside an attribute too. */
void h_json(struct req *r, const char *s)
{
	struct buf tmp = {0};

	esc_json_str(&tmp, s ? s : "", s ? strlen(s) : 0);
	esc_html(&r->body, tmp.p, tmp.len);
	buf_free(&tmp);
}

void h_base(struct req *r)
{
	h_attr(r, r->base);
}

void h_url_(struct req *r, const char *a, const char *seg, const char *b)
{
	h_base(r);
	buf_puts(&r->body, a);
	h_seg(r, seg);
	buf_puts(&r->body, b);
}

static void nav(struct req *r)
{
	H(r, "<nav class=\"navbar\"><div class=\"container nav-inner\">"
	     "<a class=\"logo\" href=\"");
	H_URL(r, "/", NULL, "");
	H(r, "\">Cloche</a><a href=\"");
	H_URL(r, "/runs", NULL, "");
	H(r, "\">Runs</a><a href=\"");
	H_URL(r, "/failed-tasks", NULL, "");
	H(r, "\">Failed Tasks</a><a href=\"");
	H_URL(r, "/usage", NULL, "");
	H(r, "\">Usage</a></div></nav>\n");
}

/* The outcome of an action submitted without JavaScript (see action.c). */
static void flash(struct req *r)
{
	char *ok = req_query(r, "flash"), *err = req_query(r, "flash_error");

	if (ok && *ok)
		page_notice(r, "notice-ok", ok);
	if (err && *err)
		page_notice(r, "notice-error", err);
	free(ok);
	free(err);
}

void page_begin(struct req *r, const char *title)
{
	r->ctype = "text/html; charset=utf-8";
	H(r, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	     "<title>");
	h_text(r, title);
	H(r, " — Cloche</title><link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"");
	H_URL(r, "/static/style.css?v=", ASSET_VERSION, "");
	H(r, "\"><script defer src=\"");
	H_URL(r, "/static/app.js?v=", ASSET_VERSION, "");
	H(r, "\"></script></head>\n<body data-base=\"");
	h_base(r);
	H(r, "\">");
	nav(r);
	H(r, "<main class=\"container\">\n");
	flash(r);
}

void page_notice(struct req *r, const char *cls, const char *msg)
{
	H(r, "<div class=\"notice ");
	h_attr(r, cls);
	H(r, "\" role=\"status\">");
	h_text(r, msg);
	H(r, "</div>\n");
}

void page_end(struct req *r)
{
	H(r, "</main>\n<footer class=\"version-watermark\">");
	daemon_footer(r);
	H(r, "</footer>\n</body></html>\n");
}

/* A stylesheet link is valid in <body>; call right after page_begin. */
void page_style_(struct req *r, const char *file)
{
	H(r, "<link rel=\"stylesheet\" href=\"");
	h_base(r);
	H(r, "/static/");
	buf_puts(&r->body, file);
	H(r, "?v=" ASSET_VERSION "\">\n");
}

void page_script_(struct req *r, const char *file)
{
	H(r, "<script defer src=\"");
	h_base(r);
	H(r, "/static/");
	buf_puts(&r->body, file);
	H(r, "?v=" ASSET_VERSION "\"></script>\n");
}
