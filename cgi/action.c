#include "action.h"
#include "config.h"
#include "esc.h"
#include "guard.h"
#include "json.h"
#include "pct.h"
#include "runs.h"
#include "resp.h"
#include "security.h"
#include "toml_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int action_allowed(struct req *r)
{
	const char *list = cfg_get_req(r, "CLOCHE_DASH_ACTION_USERS");
	const char *user = req_env(r, "REMOTE_USER"), *p;
	size_t n;

	if (!list || !*list)
		return 1;
	n = user ? strlen(user) : 0;
	for (p = list; n && *p;) {
		size_t k = strcspn(p, ",");
		const char *s = p, *e = p + k;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - s) == n && memcmp(s, user, n) == 0)
			return 1;
		p += k + (p[k] == ',');
	}
	action_fail(r, 403, user && *user ? "this user may not run dashboard actions (CLOCHE_DASH_ACTION_USERS)"
					  : "actions need a logged-in user (CLOCHE_DASH_ACTION_USERS is set)");
	return 0;
}

/* A decoded field of the urlencoded form body (first wins), caller frees. */
static char *form_field(const struct req *r, const char *name)
{
	const char *q = r->in, *amp, *eq;
	size_t nl = strlen(name);

	while (q && *q) {
		size_t klen;

		amp = strchr(q, '&');
		klen = amp ? (size_t)(amp - q) : strlen(q);
		eq = memchr(q, '=', klen);
		if (eq && (size_t)(eq - q) == nl && memcmp(q, name, nl) == 0) {
			size_t vl = klen - nl - 1;
			char *v = malloc(vl + 1);

			if (pct_decode(eq + 1, vl, v, 1) < 0) {
				free(v);
				return NULL;
			}
			return v;
		}
		q = amp ? amp + 1 : NULL;
	}
	return NULL;
}

/* A path we may redirect to: under the mount point, no scheme or
 * authority, nothing that could end the Location header. */
static int local_path(const struct req *r, const char *p)
{
	size_t bl = strlen(r->base);
	const char *s;

	if (!p || p[0] != '/' || p[1] == '/' || p[1] == '\\')
		return 0;
	for (s = p; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '\\')
			return 0;
	if (strncmp(p, r->base, bl) != 0 || (p[bl] != '/' && p[bl] != '\0' && p[bl] != '?'))
		return 0;
	return strstr(p, "/../") == NULL && strstr(p, "/./") == NULL;
}

/* Drops earlier flash/flash_error parameters so they do not pile up. */
static char *strip_flash(const char *p)
{
	const char *q = strchr(p, '?');
	struct buf b = {0};
	const char *s;
	int first = 1;

	if (!q)
		return strdup(p);
	buf_put(&b, p, (size_t)(q - p));
	for (s = q + 1; *s;) {
		size_t k = strcspn(s, "&");

		if (!(k >= 6 && strncmp(s, "flash=", 6) == 0) && !(k >= 12 && strncmp(s, "flash_error=", 12) == 0) && k) {
			buf_putc(&b, first ? '?' : '&');
			buf_put(&b, s, k);
			first = 0;
		}
		s += k + (s[k] == '&');
	}
	return buf_detach(&b);
}

char *action_return_path(struct req *r)
{
	char *next = form_field(r, "next"), own[512], *out;
	const char *ref = req_env(r, "HTTP_REFERER");
	size_t n;

	if (!next)
		next = req_query(r, "next");
	if (local_path(r, next)) {
		out = strip_flash(next);
		free(next);
		return out;
	}
	free(next);
	own_origin(r, own, sizeof own);
	n = strlen(own);
	if (ref && strncmp(ref, own, n) == 0 && local_path(r, ref + n))
		return strip_flash(ref + n);
	n = strlen(r->base) + 2;
	out = malloc(n);
	snprintf(out, n, "%s/", r->base);
	return out;
}

static void form_redirect(struct req *r, const char *key, const char *msg)
{
	char *path = action_return_path(r);
	struct buf loc = {0};
	const char *s;

	buf_puts(&loc, path);
	buf_putc(&loc, strchr(path, '?') ? '&' : '?');
	buf_puts(&loc, key);
	buf_putc(&loc, '=');
	for (s = msg; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-_.~", c)) {
			buf_putc(&loc, c);
		} else {
			char hex[4];

			snprintf(hex, sizeof hex, "%%%02X", c);
			buf_puts(&loc, hex);
		}
	}
	resp_redirect(r, 303, buf_str(&loc));
	r->cacheable = 0;
	buf_free(&loc);
	free(path);
}

void action_reply(struct req *r, int status, struct json_object *o, const char *flash)
{
	if (r->form) {
		json_object_put(o);
		form_redirect(r, status < 400 ? "flash" : "flash_error", flash);
		return;
	}
	resp_json(r, status, o);
	r->cacheable = 0;
}

void action_fail(struct req *r, int status, const char *msg)
{
	if (r->form) {
		form_redirect(r, "flash_error", msg);
		return;
	}
	resp_json_error(r, status, msg);
}

void action_daemon_fail(struct req *r, const char *prefix, const struct daemon_err *e)
{
	char msg[800];

	snprintf(msg, sizeof msg, "%s%s", prefix, e->msg);
	action_fail(r, e->http ? e->http : 502, msg);
}

const struct project *action_project(struct req *r)
{
	if (!action_allowed(r))
		return NULL;
	if (r->form) {
		/* need_project answers JSON on /api routes; a form wants a flash */
		struct store *s = store_get();
		const struct projects *ps = s->state == STORE_OK ? projects_get(s) : NULL;
		const struct project *p = ps ? project_by_label(ps, r->param[0]) : NULL;

		if (!ps)
			action_fail(r, 503, s->err);
		else if (!p)
			action_fail(r, 404, "project not found");
		return p;
	}
	return need_project(r, r->param[0]);
}

int action_config_ok(struct req *r, const struct project *p)
{
	char why[300], msg[700];

	if (project_config_check(p->dir, why, sizeof why) == 0)
		return 0;
	snprintf(msg, sizeof msg, "refusing to ask the daemon: .cloche/config.toml of %s does not parse (%s); "
		 "the daemon would crash on it, fix the file first", p->label, why);
	action_fail(r, 409, msg);
	return -1;
}

int action_run(struct req *r, struct run *out)
{
	struct store *s;
	int found;

	if (!action_allowed(r) || !(s = need_store(r)))
		return 0;
	found = run_by_id(s, r->param[0], out);
	if (found < 0)
		store_unavailable(r, s);
	else if (!found)
		action_fail(r, 404, "run not found");
	return found > 0;
}
