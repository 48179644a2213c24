#include "security.h"
#include <stdio.h>
#include "config.h"
#include <string.h>
#include <strings.h>

int is_state_changing(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

/* Is the peer one of the configured reverse proxies (comma-separated
 * addresses in CLOCHE_DASH_TRUSTED_PROXIES)? Only then do X-Forwarded-*
 * and Forwarded say anything about the browser. */
int from_trusted_proxy(const struct req *r)
{
	const char *list = cfg_get_req(r, "CLOCHE_DASH_TRUSTED_PROXIES");
	const char *peer = req_env(r, "REMOTE_ADDR");
	size_t n;

	if (!list || !peer || !*peer)
		return 0;
	n = strlen(peer);
	while (*list) {
		size_t len = strcspn(list, ", ");

		if (len == n && strncmp(list, peer, n) == 0)
			return 1;
		list += len;
		list += strspn(list, ", ");
	}
	return 0;
}

/* The value of key= in the first element of a Forwarded header. */
static int forwarded_param(const char *fwd, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key), n;
	const char *p = fwd;

	while (p && *p && *p != ',') {
		p += strspn(p, " ;");
		if (strncasecmp(p, key, kl) == 0 && p[kl] == '=') {
			p += kl + 1;
			if (*p == '"')
				p++;
			n = strcspn(p, "\";, ");
			snprintf(out, cap, "%.*s", (int)n, p);
			return 1;
		}
		p += strcspn(p, ";,");
	}
	return 0;
}

/* scheme://host as the browser sees us, behind a trusted proxy too. */
void own_origin(const struct req *r, char *out, size_t cap)
{
	const char *https = req_env(r, "HTTPS");
	const char *host = req_env(r, "HTTP_HOST");
	const char *scheme = https && (strcmp(https, "on") == 0 || strcmp(https, "1") == 0) ? "https" : "http";
	char fproto[16], fhost[256];

	if (from_trusted_proxy(r)) {
		const char *fwd = req_env(r, "HTTP_FORWARDED");
		const char *xp = req_env(r, "HTTP_X_FORWARDED_PROTO");
		const char *xh = req_env(r, "HTTP_X_FORWARDED_HOST");

		if (fwd && forwarded_param(fwd, "proto", fproto, sizeof fproto))
			scheme = strcmp(fproto, "https") == 0 ? "https" : "http";
		else if (xp)
			scheme = strncmp(xp, "https", 5) == 0 ? "https" : "http";
		if (fwd && forwarded_param(fwd, "host", fhost, sizeof fhost))
			host = fhost;
		else if (xh)
			host = xh;
	}
	snprintf(out, cap, "%s://%s", scheme, host ? host : "");
}

/* Browsers send Origin (and Sec-Fetch-Site) on every cross-site POST and
 * DELETE; the CLI and curl send neither, and are let through. */
const char *cross_site_reason(const struct req *r)
{
	const char *site = req_env(r, "HTTP_SEC_FETCH_SITE");
	const char *origin = req_env(r, "HTTP_ORIGIN");
	const char *referer = req_env(r, "HTTP_REFERER");
	char own[512];
	size_t n;

	if (!is_state_changing(r->method))
		return NULL;
	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return "cross-site request refused (Sec-Fetch-Site)";
	own_origin(r, own, sizeof own);
	if (origin)
		return strcmp(origin, own) == 0 ? NULL : "cross-site request refused (Origin does not match this dashboard)";
	n = strlen(own);
	if (referer && (strncmp(referer, own, n) != 0 || (referer[n] != '/' && referer[n] != '\0')))
		return "cross-site request refused (Referer does not match this dashboard)";
	return NULL;
}

/* A per-user dashboard serves one user (CLOCHE_DASH_OWNER). When the front
 * server authenticated someone else, refuse, whatever its routing says:
 * user A never sees or drives user B's dashboard. */
const char *owner_reason(const struct req *r)
{
	const char *owner = cfg_get_req(r, "CLOCHE_DASH_OWNER");
	const char *user = req_env(r, "REMOTE_USER");

	if (!owner || !user || !*user || strcmp(owner, user) == 0)
		return NULL;
	return "this dashboard belongs to another user";
}
