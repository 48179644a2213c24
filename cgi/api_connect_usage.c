/* POST /cloche.v1.ClocheService/GetUsage — the daemon's GetUsage method
 * for browsers and Connect clients: Connect unary (proto3 JSON or binary
 * protobuf) and gRPC-Web (binary or text), with the daemon's .proto
 * (cgi/proto/cloche.proto, protobuf-c). Same figures as /api/usage:
 * each step once, windows by instant. project_dir is matched exactly as
 * the daemon does, so an unknown directory gives no summaries. */
#include "cloche.pb-c.h"
#include "connect.h"
#include "json.h"
#include "responders.h"
#include "store.h"
#include "timefmt.h"
#include "usage.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct usage_req {
	char *project, *agent;   /* owned */
	long long window;
};

/* proto3 JSON: lowerCamelCase or the original field names; int64 as a
 * number or a decimal string. */
static const char *json_field(struct json_object *o, const char *camel, const char *snake,
			      struct json_object **v)
{
	if (json_object_object_get_ex(o, camel, v) || json_object_object_get_ex(o, snake, v))
		return json_object_is_type(*v, json_type_null) ? NULL : camel;
	return NULL;
}

static int json_int64(struct json_object *v, long long *out)
{
	const char *s;
	char *end;

	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	errno = 0;
	*out = strtoll(s, &end, 10);
	return !*s || *end || errno ? -1 : 0;
}

static int json_str(struct json_object *o, const char *camel, const char *snake, char **out)
{
	struct json_object *v;

	if (!json_field(o, camel, snake, &v)) {
		*out = strdup("");
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*out = strdup(json_object_get_string(v));
	return 0;
}

static int decode_json(const unsigned char *msg, size_t n, struct usage_req *q)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, (const char *)msg, (int)n), *v;
	int rc = -1;

	if (n == 0) {
		q->project = strdup("");
		q->agent = strdup("");
		rc = 0;
	} else if (o && json_object_is_type(o, json_type_object) &&
		   json_tokener_get_error(tok) == json_tokener_success &&
		   json_str(o, "projectDir", "project_dir", &q->project) == 0 &&
		   json_str(o, "agentName", "agent_name", &q->agent) == 0)
		rc = json_field(o, "windowSeconds", "window_seconds", &v) ? json_int64(v, &q->window) : 0;
	json_object_put(o);
	json_tokener_free(tok);
	return rc;
}

static int decode_proto(const unsigned char *msg, size_t n, struct usage_req *q)
{
	Cloche__V1__GetUsageRequest *m = cloche__v1__get_usage_request__unpack(NULL, n, msg);

	if (!m)
		return -1;
	q->project = strdup(m->project_dir ? m->project_dir : "");
	q->agent = strdup(m->agent_name ? m->agent_name : "");
	q->window = m->window_seconds;
	cloche__v1__get_usage_request__free_unpacked(m, NULL);
	return 0;
}

/* int64 is a JSON string in proto3 JSON; 0 is left out. */
static void add_int64(struct json_object *o, const char *key, long long v)
{
	char t[32];

	if (!v)
		return;
	snprintf(t, sizeof t, "%lld", v);
	jadd_str(o, key, t);
}

/* proto3 JSON leaves out fields at their default value. */
static void reply_json(struct req *r, enum rpc_proto p, const struct usage_list *l)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	struct buf b = {0};
	size_t i;

	for (i = 0; i < l->n; i++) {
		struct json_object *e = json_object_new_object();

		jadd_str_nonempty(e, "agentName", l->v[i].agent);
		add_int64(e, "inputTokens", l->v[i].in);
		add_int64(e, "outputTokens", l->v[i].out);
		add_int64(e, "totalTokens", l->v[i].total);
		if (l->v[i].burn != 0)
			jadd(e, "burnRate", jfloat(l->v[i].burn));
		json_object_array_add(a, e);
	}
	if (l->n)
		jadd(o, "summaries", a);
	else
		json_object_put(a);
	json_emit(&b, o);
	json_object_put(o);
	rpc_reply(r, p, (const unsigned char *)b.p, b.len);
	buf_free(&b);
}

static void reply_proto(struct req *r, enum rpc_proto p, const struct usage_list *l)
{
	Cloche__V1__GetUsageResponse m = CLOCHE__V1__GET_USAGE_RESPONSE__INIT;
	Cloche__V1__UsageSummary *v = calloc(l->n + 1, sizeof *v);
	Cloche__V1__UsageSummary **pv = calloc(l->n + 1, sizeof *pv);
	unsigned char *out;
	size_t i, n;

	for (i = 0; i < l->n; i++) {
		cloche__v1__usage_summary__init(&v[i]);
		v[i].agent_name = l->v[i].agent;
		v[i].input_tokens = l->v[i].in;
		v[i].output_tokens = l->v[i].out;
		v[i].total_tokens = l->v[i].total;
		v[i].burn_rate = l->v[i].burn;
		pv[i] = &v[i];
	}
	m.n_summaries = l->n;
	m.summaries = pv;
	n = cloche__v1__get_usage_response__get_packed_size(&m);
	out = malloc(n + 1);
	cloche__v1__get_usage_response__pack(&m, out);
	rpc_reply(r, p, out, n);
	free(out);
	free(v);
	free(pv);
}

static void answer(struct req *r, enum rpc_proto p, const struct usage_req *q)
{
	struct store *s = store_get();
	struct usage_list l;

	if (s->state != STORE_OK || usage_get(s, q->project, q->agent, q->window, now_ns(), &l) != 0) {
		rpc_error(r, p, GRPC_UNAVAILABLE, s->err);
		return;
	}
	if (rpc_is_json(p))
		reply_json(r, p, &l);
	else
		reply_proto(r, p, &l);
	usage_list_free(&l);
}

void api_connect_usage(struct req *r)
{
	enum rpc_proto p = rpc_detect(r);
	struct usage_req q = {NULL, NULL, 0};
	unsigned char *msg;
	size_t n;
	const char *why = "request message does not decode as GetUsageRequest";

	if (p == RPC_NONE) {
		rpc_error(r, RPC_CONNECT_JSON, GRPC_UNIMPLEMENTED,
			  "unsupported content type: use application/json, application/proto, "
			  "application/grpc-web(+proto|+json) or application/grpc-web-text");
		r->status = 415;
		return;
	}
	if (rpc_request_message(r, p, &msg, &n, &why) != 0) {
		rpc_error(r, p, GRPC_INVALID_ARGUMENT, why);
		return;
	}
	if ((rpc_is_json(p) ? decode_json(msg, n, &q) : decode_proto(msg, n, &q)) != 0)
		rpc_error(r, p, GRPC_INVALID_ARGUMENT, why);
	else
		answer(r, p, &q);
	free(msg);
	free(q.project);
	free(q.agent);
}
