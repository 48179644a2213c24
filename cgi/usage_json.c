/* GetUsage summaries as the daemon's JSON (http.md 4.7). */
#include "usage.h"
#include "json.h"

struct json_object *usage_list_json(const struct usage_list *l)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < l->n; i++) {
		struct json_object *o = json_object_new_object();

		jadd_str(o, "agent_name", l->v[i].agent);
		jadd_int(o, "input_tokens", l->v[i].in);
		jadd_int(o, "output_tokens", l->v[i].out);
		jadd_int(o, "total_tokens", l->v[i].total);
		jadd(o, "burn_rate", jfloat(l->v[i].burn));
		json_object_array_add(a, o);
	}
	return a;
}
