#include "dispatch.h"
#include "cache.h"
#include "gzip.h"
#include "projstamp.h"
#include "resp.h"
#include "route.h"
#include "security.h"
#include "store.h"
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define CSP "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
	    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

static unsigned long long fnv1a(const char *p, size_t n)
{
	unsigned long long h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h;
}

static void head_line(struct buf *b, const char *name, const char *value)
{
	buf_puts(b, name);
	buf_puts(b, ": ");
	buf_puts(b, value);
	buf_puts(b, "\r\n");
}

/* Everything but the request id and the final blank line, so that a
 * cached copy can be replayed as it is. */
static void build_head(struct req *r, struct buf *h, const char *etag)
{
	char line[64];
	int i, has_cc = 0;

	snprintf(line, sizeof line, "%d %s", r->status, status_text(r->status));
	head_line(h, "Status", line);
	head_line(h, "Content-Type", r->ctype);
	snprintf(line, sizeof line, "%zu", r->body.len);
	head_line(h, "Content-Length", line);
	head_line(h, "X-Content-Type-Options", "nosniff");
	head_line(h, "Referrer-Policy", "same-origin");
	head_line(h, "X-Frame-Options", "DENY");
	head_line(h, "Content-Security-Policy", CSP);
	if (*etag)
		head_line(h, "ETag", etag);
	for (i = 0; i < r->nhdr; i++) {
		has_cc |= strncmp(r->hdr[i], "Cache-Control:", 14) == 0;
		buf_puts(h, r->hdr[i]);
		buf_puts(h, "\r\n");
	}
	if (!has_cc)
		head_line(h, "Cache-Control", "no-cache");
}

static int is_head(const char *method)
{
	return strcmp(method, "HEAD") == 0;
}

static void send_raw(write_fn w, void *ctx, const char *method, const char *head,
		     const char *reqid, const char *body, size_t n)
{
	w(ctx, head, strlen(head));
	w(ctx, "X-Request-Id: ", 14);
	w(ctx, reqid, strlen(reqid));
	w(ctx, "\r\n\r\n", 4);
	if (!is_head(method) && n)
		w(ctx, body, n);
}

/* A cached body kept on disk (cache.c): the server sends the file. */
static void send_file(write_fn w, void *ctx, const char *head, const char *reqid, const char *file)
{
	w(ctx, head, strlen(head));
	w(ctx, "X-Sendfile: ", 12);
	w(ctx, file, strlen(file));
	w(ctx, "\r\nX-Request-Id: ", 16);
	w(ctx, reqid, strlen(reqid));
	w(ctx, "\r\n\r\n", 4);
}

static int not_modified(struct req *r, const char *etag)
{
	const char *inm = req_env(r, "HTTP_IF_NONE_MATCH");

	return *etag && inm && strstr(inm, etag) != NULL;
}

static void send_304(write_fn w, void *ctx, const char *etag, const char *reqid)
{
	struct buf h = {0};

	head_line(&h, "Status", "304 Not Modified");
	head_line(&h, "ETag", etag);
	head_line(&h, "Cache-Control", "no-cache");
	send_raw(w, ctx, "HEAD", buf_str(&h), reqid, NULL, 0);
	buf_free(&h);
}

static void log_line(struct req *r, int status)
{
	struct timeval tv;
	long long us;

	gettimeofday(&tv, NULL);
	us = (long long)tv.tv_sec * 1000000 + tv.tv_usec - r->started_us;
	fprintf(stderr, "cloche-dash rid=%s %s %s%s %d %lld.%03lldms\n", r->reqid, r->method,
		r->base, r->path, status, us / 1000, us % 1000);
}

static void route(struct req *r)
{
	const struct route *hit = NULL;
	char allow[64];
	const char *why;

	switch (route_match(ROUTES, r->method, r, &hit, allow, sizeof allow)) {
	case ROUTE_OK:
		why = cross_site_reason(r);
		if (why)
			resp_error(r, 403, why);
		else
			hit->fn(r);
		return;
	case ROUTE_BAD_METHOD:
		resp_header(r, "Allow", allow);
		resp_text(r, 405, "Method Not Allowed");
		return;
	case ROUTE_BAD_PARAM:
		resp_error(r, 400, "malformed path parameter (bad escape, control character, '.' or '..', or too long)");
		return;
	case ROUTE_NOT_FOUND:
		resp_error(r, 404, "404 page not found");
		return;
	}
}

static void cache_key(struct req *r, struct buf *k)
{
	buf_puts(k, r->base);
	buf_puts(k, r->path);
	buf_putc(k, '?');
	buf_puts(k, r->query ? r->query : "");
}

static int serve_cached(struct req *r, const char *key, long long ver, write_fn w, void *ctx)
{
	const struct cached *c = cache_find(key, ver, (long long)time(NULL));

	if (!c)
		return 0;
	if (not_modified(r, c->etag))
		send_304(w, ctx, c->etag, r->reqid);
	else if (c->file)
		send_file(w, ctx, c->head, r->reqid, c->file);
	else
		send_raw(w, ctx, r->method, c->head, r->reqid, c->body, c->body_len);
	log_line(r, c->status);
	return 1;
}

/* A body worth compressing says so in Vary either way, so that shared
 * caches keep the two apart; it is compressed when the client asked. */
static void maybe_gzip(struct req *r, int gz)
{
	if (r->status != 200 || !gz_worth(r->ctype, r->body.len))
		return;
	resp_header(r, "Vary", "Accept-Encoding");
	if (gz && gz_body(&r->body) == 0)
		resp_header(r, "Content-Encoding", "gzip");
}

static void respond(struct req *r, const char *key, long long ver, int gz, write_fn w, void *ctx)
{
	char etag[24] = "";
	struct buf head = {0};

	maybe_gzip(r, gz);
	if (r->cacheable && r->status == 200)
		snprintf(etag, sizeof etag, "\"%016llx\"", fnv1a(r->body.p ? r->body.p : "", r->body.len));
	build_head(r, &head, etag);
	if (*etag && key)
		cache_put(key, ver, (long long)time(NULL), r->cache_ttl, r->status, buf_str(&head),
			  buf_str(&r->body), r->body.len, etag);
	if (not_modified(r, etag))
		send_304(w, ctx, etag, r->reqid);
	else
		send_raw(w, ctx, r->method, buf_str(&head), r->reqid, buf_str(&r->body), r->body.len);
	log_line(r, r->status);
	buf_free(&head);
}

/* Bodies are read whole (bounded): only actions and the Connect/gRPC-Web
 * endpoint take one. -1 when the body is larger than MAX_BODY. */
static int read_body(struct req *r, read_fn rd, void *rctx)
{
	const char *cl = req_env(r, "CONTENT_LENGTH");
	long n = cl ? atol(cl) : 0, got = 0, k;

	if (n <= 0 || !rd)
		return 0;
	if (n > MAX_BODY)
		return -1;
	r->in = malloc((size_t)n + 1);
	while (got < n && (k = rd(rctx, r->in + got, (size_t)(n - got))) > 0)
		got += k;
	r->in[got] = '\0';
	r->in_len = (size_t)got;
	return 0;
}

/* HTML forms can only POST: "?_method=DELETE" on a form action stands for
 * DELETE, and a form submission is answered with a redirect and a flash. */
static void form_method(struct req *r)
{
	const char *ct = req_env(r, "CONTENT_TYPE");
	char *m;

	r->form = ct && (strncmp(ct, "application/x-www-form-urlencoded", 33) == 0 ||
			 strncmp(ct, "multipart/form-data", 19) == 0);
	if (strcmp(r->method, "POST") != 0)
		return;
	m = req_query(r, "_method");
	if (m && strcmp(m, "DELETE") == 0)
		r->method = "DELETE";
	free(m);
}

/* Rebuilding the per-version models (run index, usage, projects) after a
 * store change frees large temporary buffers; hand those pages back to the
 * kernel so the resident size stays small between changes. */
static void give_back_memory(long long ver)
{
	static long long last;

	if (ver == last)
		return;
	last = ver;
	malloc_trim(0);
}

void dispatch(char **env, write_fn w, void *ctx, read_fn rd, void *rctx)
{
	struct req r;
	struct buf key = {0};
	long long ver = 0;
	int get, gz;

	req_init(&r, env);
	store_begin_request();
	if (req_parse(&r) != 0)
		resp_error(&r, 400, "malformed query string (bad percent escape)");
	else if (owner_reason(&r)) /* before the cache: no page may reach another user */
		resp_error(&r, 403, owner_reason(&r));
	else if (read_body(&r, rd, rctx) != 0)
		resp_error(&r, 413, "request body too large");
	if (r.status != 200) {
		respond(&r, NULL, 0, 0, w, ctx);
		req_free(&r);
		return;
	}
	form_method(&r);
	get = !is_state_changing(r.method);
	gz = get && gz_accepted(req_env(&r, "HTTP_ACCEPT_ENCODING"));
	if (get) {
		struct store *s = store_get();

		ver = s->state == STORE_OK ? store_version(s) : 0;
		cache_key(&r, &key);
		if (ver)
			projstamp_key(&r, s, &key); /* files and git HEAD, for project routes */
		if (gz)
			buf_puts(&key, "#gzip");
		if (ver && serve_cached(&r, buf_str(&key), ver, w, ctx)) {
			buf_free(&key);
			req_free(&r);
			return;
		}
	}
	route(&r);
	if (!get || !ver)
		r.cacheable = 0;
	respond(&r, get && ver ? buf_str(&key) : NULL, ver, gz, w, ctx);
	buf_free(&key);
	req_free(&r);
	give_back_memory(ver);
}

void dispatch_shutdown(void)
{
	cache_clear();
	store_close();
}
