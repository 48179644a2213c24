#include "security.h"
#include <stdio.h>
#include <string.h>

int is_state_changing(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

/* scheme://host as the browser sees us. */
void own_origin(const struct req *r, char *out, size_t cap)
{
	const char *https = req_env(r, "HTTPS");
	const char *host = req_env(r, "HTTP_HOST");
	const char *scheme = https && (strcmp(https, "on") == 0 || strcmp(https, "1") == 0) ? "https" : "http";

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
