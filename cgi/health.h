/* The deployment check behind `cloche-dash --check` and GET /healthz:
 * which store is read and how, the schema features seen, whether the
 * daemon and the stream helper answer. */
#ifndef CLOCHE_HEALTH_H
#define CLOCHE_HEALTH_H
#include <json-c/json.h>

/* A new object (the caller frees it, or hands it to resp_json); *ok is 1
 * when nothing is wrong. Every problem is also a line in "problems". */
struct json_object *health_report(int *ok);

#endif
