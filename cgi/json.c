#include "json.h"
#include "esc.h"
#include <string.h>

struct json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

struct json_object *jstrn(const char *s, size_t n)
{
	return json_object_new_string_len(s ? s : "", s ? (int)n : 0);
}

struct json_object *jfloat(double v)
{
	char tmp[64];

	fmt_go_float(tmp, sizeof tmp, v);
	return json_object_new_double_s(v, tmp);
}

void jadd(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

void jadd_str(struct json_object *o, const char *key, const char *s)
{
	jadd(o, key, jstr(s));
}

void jadd_str_nonempty(struct json_object *o, const char *key, const char *s)
{
	if (s && *s)
		jadd(o, key, jstr(s));
}

void jadd_int(struct json_object *o, const char *key, long long v)
{
	jadd(o, key, json_object_new_int64(v));
}

void jadd_bool(struct json_object *o, const char *key, int v)
{
	jadd(o, key, json_object_new_boolean(v ? 1 : 0));
}

/* json-c leaves these bytes raw; outside strings they cannot occur, so a
 * byte-level pass over the serialised text is exact. */
static void go_fixups(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (u[i] == '<' || u[i] == '>' || u[i] == '&') {
			buf_puts(b, u[i] == '<' ? "\\u003c" : u[i] == '>' ? "\\u003e" : "\\u0026");
			i++;
			continue;
		}
		k = utf8_seq(u + i, n - i);
		if (!k) {
			buf_puts(b, "\\ufffd");
			i++;
			continue;
		}
		if (k == 3 && u[i] == 0xE2 && u[i + 1] == 0x80 && (u[i + 2] & 0xFE) == 0xA8)
			buf_puts(b, u[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
		else
			buf_put(b, s + i, k);
		i += k;
	}
}

void json_emit(struct buf *b, struct json_object *o)
{
	size_t n;
	const char *s = json_object_to_json_string_length(o,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);

	go_fixups(b, s, n);
}
