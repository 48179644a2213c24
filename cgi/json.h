/* JSON through json-c, serialised the way the daemon's Go encoder does:
 * no slash escaping, <>& and U+2028/9 escaped, invalid UTF-8 as \ufffd,
 * shortest round-trip floats. */
#ifndef CLOCHE_JSON_H
#define CLOCHE_JSON_H
#include "buf.h"
#include <json-c/json.h>

struct json_object *jstr(const char *s);
struct json_object *jstrn(const char *s, size_t n);
struct json_object *jfloat(double v);
void jadd(struct json_object *o, const char *key, struct json_object *v);
void jadd_str(struct json_object *o, const char *key, const char *s);
void jadd_str_nonempty(struct json_object *o, const char *key, const char *s);
void jadd_int(struct json_object *o, const char *key, long long v);
void jadd_bool(struct json_object *o, const char *key, int v);
void json_emit(struct buf *b, struct json_object *o);

#endif
