#include "logapi.h"
#include "guard.h"
#include "json.h"
#include "logpath.h"
#include "logread.h"
#include "resp.h"
#include <stdlib.h>
#include <string.h>

int logs_run(struct req *r, struct run *run)
{
	struct store *s = need_store(r);
	int rc;

	if (!s)
		return 0;
	rc = run_by_id(s, r->param[0], run);
	if (rc < 0)
		store_unavailable(r, s);
	else if (rc == 0)
		resp_text(r, 404, "run not found");
	return rc > 0;
}

/* A signed decimal integer, or -1 when present and malformed. */
static int q_int(struct req *r, const char *name, int *present, long long *out)
{
	char *v = req_query(r, name), *end;
	int ok;

	*present = v != NULL;
	*out = 0;
	if (!v)
		return 0;
	*out = strtoll(v, &end, 10);
	ok = *v && !*end && strlen(v) < 19;
	free(v);
	return ok ? 0 : -1;
}

static struct json_object *lines_json(const struct vlines *v, int with_off)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < v->n; i++)
		json_object_array_add(a, logline_json(&v->v[i], with_off));
	return a;
}

/* http.md 6.3: {"end","lines","start","total"}, keys sorted. */
static void daemon_page(struct req *r, const char *path, long long end, int has_end, long long limit)
{
	struct vlines v;
	struct json_object *o = json_object_new_object();
	int rc = path ? log_window(path, has_end ? end : -1, limit, &v) : -1;

	if (rc < 0) {
		jadd_int(o, "end", 0);
		jadd(o, "lines", json_object_new_array());
		jadd_int(o, "start", 0);
		jadd_int(o, "total", 0);
		resp_json(r, 200, o);
		return;
	}
	jadd_int(o, "end", v.end);
	jadd(o, "lines", v.n ? lines_json(&v, 0) : NULL);
	jadd_int(o, "start", v.start);
	jadd_int(o, "total", v.total);
	resp_json(r, 200, o);
	vlines_free(&v);
}

/* Ours: lines before a byte offset, read backward; keys sorted too. */
static void cursor_page(struct req *r, const char *path, long long before, long long limit)
{
	struct vlines v;
	struct json_object *o;
	int rc = path ? log_back(path, before, (size_t)limit, &v) : -1;

	if (rc == -2) {
		resp_json_error(r, 400, "before is not the offset of a line start");
		return;
	}
	o = json_object_new_object();
	jadd_bool(o, "found", rc == 0);
	jadd(o, "lines", rc == 0 ? lines_json(&v, 1) : json_object_new_array());
	jadd_bool(o, "more", rc == 0 && v.first_off > 0);
	jadd_int(o, "next_before", rc == 0 ? v.first_off : 0);
	jadd_int(o, "size", rc == 0 ? v.size : 0);
	resp_json(r, 200, o);
	if (rc == 0)
		vlines_free(&v);
}

void logs_answer(struct req *r, const struct run *run)
{
	long long end, limit, before, tail;
	int has_end, has_limit, has_before, has_tail;
	char *path;

	if (q_int(r, "end", &has_end, &end) || q_int(r, "limit", &has_limit, &limit) ||
	    q_int(r, "before", &has_before, &before) || q_int(r, "tail", &has_tail, &tail)) {
		resp_json_error(r, 400, "end, limit, before and tail must be decimal integers");
		return;
	}
	if ((has_limit && limit > LOG_LIMIT_MAX) || (has_tail && (tail > LOG_LIMIT_MAX || tail < 1)) ||
	    (has_before && before < 0)) {
		resp_json_error(r, 400, "limit and tail must be at most 5000 (tail at least 1); before must not be negative");
		return;
	}
	if (!has_limit || limit <= 0)
		limit = 1000;
	path = logpath_full(run);
	if (has_before || has_tail)
		cursor_page(r, path, has_before ? before : -1, has_tail ? tail : limit);
	else
		daemon_page(r, path, end, has_end && end >= 0, limit);
	free(path);
}
