#include "req.h"
#include "config.h"
#include "pct.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

const char *req_env(const struct req *r, const char *name)
{
	size_t n = strlen(name);
	char **e;

	for (e = r->env; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* First occurrence wins, as in the daemon. Returns a decoded copy. */
char *req_query(const struct req *r, const char *name)
{
	const char *q = r->query, *amp, *eq;
	size_t nl = strlen(name), klen, vlen;
	char *v;

	while (q && *q) {
		amp = strchr(q, '&');
		klen = amp ? (size_t)(amp - q) : strlen(q);
		eq = memchr(q, '=', klen);
		vlen = eq ? klen - (size_t)(eq - q) - 1 : 0;
		if ((eq ? (size_t)(eq - q) : klen) == nl && memcmp(q, name, nl) == 0) {
			v = malloc(vlen + 1);
			if (pct_decode(eq ? eq + 1 : q + klen, vlen, v, 1) < 0) {
				free(v);
				return NULL;
			}
			return v;
		}
		q = amp ? amp + 1 : NULL;
	}
	return NULL;
}

/* 0 ok (absent → def), -1 present but not an integer in [min,max]. */
int req_query_int(const struct req *r, const char *name, long long def, long long min,
		  long long max, long long *out)
{
	char *v = req_query(r, name), *end;
	long long n;

	*out = def;
	if (!v)
		return 0;
	n = strtoll(v, &end, 10);
	if (!*v || *end || n < min || n > max) {
		free(v);
		return -1;
	}
	free(v);
	*out = n;
	return 0;
}

/* Malformed escapes anywhere in the query are refused up front (400). */
static int query_valid(const char *q)
{
	const char *p;

	for (p = q; p && *p; p++) {
		if (*p != '%')
			continue;
		if (!p[1] || !p[2] || !strchr("0123456789abcdefABCDEF", p[1]) ||
		    !strchr("0123456789abcdefABCDEF", p[2]))
			return 0;
	}
	return 1;
}

/* When the front server rerouted the request internally (lighttpd's
 * mod_magnet maps /cloche/X to /~USER/cloche/X), SCRIPT_NAME names the
 * new route while REQUEST_URI keeps the one the browser used: the mount
 * point is then the part of the raw URI before as many '/'-separated
 * segments as PATH_INFO has (the server does not decode %2F). */
static size_t base_from_path_info(struct req *r, const char *uri, size_t ulen)
{
	const char *pi = req_env(r, "PATH_INFO");
	size_t want = 0, got = 0, i;

	if (!pi || *pi != '/')
		return 0;
	for (i = 0; pi[i]; i++)
		want += pi[i] == '/';
	for (i = ulen; i > 0; i--) {
		if (uri[i - 1] == '/' && ++got == want)
			return i - 1;
	}
	return 0;
}

/* The mount point: configured, else SCRIPT_NAME when the raw URI starts
 * with it (CGI, nginx, lighttpd with fix-root-scriptname), else what
 * PATH_INFO leaves of the URI. */
static void split_base(struct req *r, const char *uri, size_t ulen)
{
	const char *base = cfg_get_req(r, "CLOCHE_DASH_BASE");
	size_t bl;

	if (!base)
		base = req_env(r, "SCRIPT_NAME");
	if (!base)
		base = "";
	bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		bl--;
	if (bl > ulen || memcmp(uri, base, bl) != 0 || (ulen > bl && uri[bl] != '/'))
		bl = base_from_path_info(r, uri, ulen);
	r->base = strndup(uri, bl);
	if (ulen == bl)
		r->path = strdup("/");
	else
		r->path = strndup(uri + bl, ulen - bl);
}

/* Use the front server's request id (nginx: fastcgi_param REQUEST_ID
 * $request_id) so both logs carry the same one; only [A-Za-z0-9-] kept. */
static void reqid_from_server(struct req *r)
{
	const char *id = req_env(r, "REQUEST_ID");
	size_t i, o = 0;

	if (!id || !*id)
		return;
	for (i = 0; id[i] && o + 1 < sizeof r->reqid; i++)
		if ((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '-')
			r->reqid[o++] = id[i];
	if (o)
		r->reqid[o] = '\0';
}

int req_parse(struct req *r)
{
	const char *uri = req_env(r, "REQUEST_URI");
	const char *qm;
	size_t ulen;

	r->method = req_env(r, "REQUEST_METHOD");
	if (!r->method)
		r->method = "GET";
	r->query = req_env(r, "QUERY_STRING");
	if (!uri || uri[0] != '/') {
		/* Plain CGI servers without REQUEST_URI: rebuild it. */
		const char *sn = req_env(r, "SCRIPT_NAME"), *pi = req_env(r, "PATH_INFO");
		static char tmp[4096];

		snprintf(tmp, sizeof tmp, "%s%s", sn ? sn : "", pi ? pi : "/");
		uri = tmp;
	}
	reqid_from_server(r);
	qm = strchr(uri, '?');
	ulen = qm ? (size_t)(qm - uri) : strlen(uri);
	if (!r->query && qm)
		r->query = qm + 1;
	split_base(r, uri, ulen);
	r->is_api = strncmp(r->path, "/api/", 5) == 0;
	return query_valid(r->query) ? 0 : -1;
}

void req_init(struct req *r, char **env)
{
	struct timeval tv;
	static unsigned long counter;

	memset(r, 0, sizeof *r);
	r->env = env;
	r->status = 200;
	r->ctype = "text/html; charset=utf-8";
	gettimeofday(&tv, NULL);
	r->started_us = (long long)tv.tv_sec * 1000000 + tv.tv_usec;
	snprintf(r->reqid, sizeof r->reqid, "%lx-%lx", (unsigned long)r->started_us & 0xffffffffUL,
		 ++counter);
}

void resp_header(struct req *r, const char *name, const char *value)
{
	size_t n;
	char *h, *p;

	if (r->nhdr == MAX_HEADERS)
		return;
	n = strlen(name) + strlen(value) + 3;
	h = malloc(n);
	snprintf(h, n, "%s: %s", name, value);
	/* A header value never carries a line break, whatever it came from. */
	for (p = h; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	r->hdr[r->nhdr++] = h;
}

void req_free(struct req *r)
{
	int i;

	for (i = 0; i < r->nparam; i++)
		free(r->param[i]);
	for (i = 0; i < r->nhdr; i++)
		free(r->hdr[i]);
	free(r->base);
	free(r->path);
	free(r->in);
	buf_free(&r->body);
}
