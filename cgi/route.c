#include "route.h"
#include "pct.h"
#include <stdlib.h>
#include <string.h>

/* Next segment of a raw path starting after a '/'; returns its length. */
static size_t seg_len(const char *p)
{
	const char *e = strchr(p, '/');

	return e ? (size_t)(e - p) : strlen(p);
}

int param_valid(const char *s, long n)
{
	long i;

	if (n <= 0 || n > MAX_PARAM_LEN)
		return 0;
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
			return 0;
	return 1;
}

static void clear_params(struct req *r)
{
	int i;

	for (i = 0; i < r->nparam; i++)
		free(r->param[i]);
	r->nparam = 0;
}

/* 1 = pattern matches, 0 = no match, -1 = matches but a parameter is bad. */
static int match_one(const char *pat, const char *path, struct req *r)
{
	size_t pl, sl;

	clear_params(r);
	if (strcmp(pat, "/") == 0 || strcmp(path, "/") == 0)
		return strcmp(pat, path) == 0;
	while (*pat == '/' && *path == '/') {
		pat++, path++;
		pl = seg_len(pat);
		sl = seg_len(path);
		if (sl == 0)
			return 0;
		if (pat[0] == '{') {
			char *v;
			long n;

			if (r->nparam == MAX_PARAMS || sl > MAX_PARAM_LEN * 3)
				return -1;
			v = malloc(sl + 1);
			n = pct_decode(path, sl, v, 0);
			r->param[r->nparam++] = v;
			if (!param_valid(v, n))
				return -1;
		} else if (pl != sl || memcmp(pat, path, pl) != 0) {
			return 0;
		}
		pat += pl, path += sl;
	}
	return *pat == '\0' && *path == '\0';
}

static int method_ok(const char *want, const char *got)
{
	return strcmp(want, got) == 0 || (strcmp(want, "GET") == 0 && strcmp(got, "HEAD") == 0);
}

static void allow_add(char *allow, size_t cap, const char *m)
{
	if (strstr(allow, m))
		return;
	if (*allow)
		strncat(allow, ", ", cap - strlen(allow) - 1);
	strncat(allow, m, cap - strlen(allow) - 1);
	if (strcmp(m, "GET") == 0)
		strncat(allow, ", HEAD", cap - strlen(allow) - 1);
}

enum route_result route_match(const struct route *tab, const char *method,
			      struct req *r, const struct route **hit,
			      char *allow, size_t allowcap)
{
	int bad = 0, m;
	const struct route *t;

	allow[0] = '\0';
	for (t = tab; t->pattern; t++) {
		m = match_one(t->pattern, r->path, r);
		if (m == 0)
			continue;
		if (!method_ok(t->method, method)) {
			allow_add(allow, allowcap, t->method);
			continue;
		}
		if (m < 0) {
			bad = 1;
			continue;
		}
		*hit = t;
		return ROUTE_OK;
	}
	clear_params(r);
	if (bad)
		return ROUTE_BAD_PARAM;
	return *allow ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}
