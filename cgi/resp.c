#include "resp.h"
#include "html.h"
#include "json.h"
#include <string.h>

const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	}
	return "Unknown";
}

void resp_json(struct req *r, int status, struct json_object *o)
{
	buf_reset(&r->body);
	r->status = status;
	r->ctype = "application/json";
	json_emit(&r->body, o);
	buf_putc(&r->body, '\n');
	json_object_put(o);
}

void resp_plain_bytes(struct req *r, int status, const char *p, size_t n)
{
	buf_reset(&r->body);
	r->status = status;
	r->ctype = "text/plain; charset=utf-8";
	buf_put(&r->body, p, n);
}

void resp_text(struct req *r, int status, const char *msg)
{
	resp_plain_bytes(r, status, msg, strlen(msg));
	buf_putc(&r->body, '\n');
}

void resp_json_error(struct req *r, int status, const char *msg)
{
	struct json_object *o = json_object_new_object();

	jadd_str(o, "error", msg);
	resp_json(r, status, o);
	r->cacheable = 0;
}

void resp_html_error(struct req *r, int status, const char *title, const char *msg)
{
	buf_reset(&r->body);
	r->status = status;
	r->cacheable = 0;
	page_begin(r, title);
	H(r, "<h1>");
	h_text(r, title);
	H(r, "</h1>\n<div class=\"error-box\">");
	h_text(r, msg);
	H(r, "</div>\n<p><a href=\"");
	H_URL(r, "/", NULL, "");
	H(r, "\">Back to projects</a></p>\n");
	page_end(r);
}

void resp_error(struct req *r, int status, const char *msg)
{
	if (r->is_api)
		resp_json_error(r, status, msg);
	else
		resp_html_error(r, status, status_text(status), msg);
}

void resp_redirect(struct req *r, int status, const char *location)
{
	buf_reset(&r->body);
	r->status = status;
	r->ctype = "text/html; charset=utf-8";
	resp_header(r, "Location", location);
	H(r, "<a href=\"");
	h_attr(r, location);
	H(r, "\">");
	h_text(r, status_text(status));
	H(r, "</a>.\n\n");
}
