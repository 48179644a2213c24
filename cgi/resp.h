/* Non-HTML responses and errors. Each takes over the whole body. */
#ifndef CLOCHE_RESP_H
#define CLOCHE_RESP_H
#include "req.h"
#include <json-c/json.h>
#include <stddef.h>

void resp_json(struct req *r, int status, struct json_object *o);   /* frees o */
void resp_text(struct req *r, int status, const char *msg);         /* msg + "\n" */
void resp_plain_bytes(struct req *r, int status, const char *p, size_t n);
void resp_json_error(struct req *r, int status, const char *msg);
void resp_html_error(struct req *r, int status, const char *title, const char *msg);
void resp_error(struct req *r, int status, const char *msg);        /* JSON for /api, HTML otherwise */
void resp_redirect(struct req *r, int status, const char *location);
const char *status_text(int status);

#endif
