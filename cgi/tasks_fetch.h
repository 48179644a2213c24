/* The daemon's own loop snapshot, fetched from its built-in web server
 * (daemon.md 6, workaround (a)) when CLOCHE_DASH_DAEMON_HTTP names it:
 * GET http://<addr>/api/projects/<label>/tasks over plain HTTP/1.1, with
 * one 3-second budget for connect, send and receive. */
#ifndef CLOCHE_TASKS_FETCH_H
#define CLOCHE_TASKS_FETCH_H
#include "req.h"
#include <json-c/json.h>
#include <stddef.h>

#define DAEMON_HTTP_KEY "CLOCHE_DASH_DAEMON_HTTP"

/* The configured address ("host:port", an http:// prefix is dropped), or
 * NULL when none is set. */
const char *daemon_http_addr(const struct req *r);
/* The JSON array the daemon answered (caller puts it), or NULL with a
 * short reason in err: unreachable, timeout, non-200, not an array. */
struct json_object *daemon_tasks_fetch(const char *addr, const char *label, char *err,
				       size_t errcap);
/* Decodes a chunked HTTP/1.1 body in place; returns the new length or -1. */
long http_dechunk(char *p, size_t n);

#endif
