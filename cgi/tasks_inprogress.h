/* In-progress tasks of a project, approximated from the store because the
 * daemon keeps its loop snapshot only in memory (daemon.md 2.2, 6): tasks
 * whose latest attempt is running. assigned_at is the attempt's start,
 * the run is <attempt>-main when that row exists, and the entry is stale
 * when no pending or running run of the attempt remains. */
#ifndef CLOCHE_TASKS_INPROGRESS_H
#define CLOCHE_TASKS_INPROGRESS_H
#include "store.h"
#include <json-c/json.h>
#include <stddef.h>

struct ip_task {
	char *id, *title, *attempt_id;
	char *started_at;       /* as stored */
	char *assigned_at;      /* RFC3339 seconds in the stored offset, "" if unparseable */
	char *run_id;           /* "" when <attempt>-main has no row */
	long long started_ns;
	int stale;
};

struct ip_tasks {
	struct ip_task *v;      /* newest assignment first (owned) */
	size_t n;
};

/* 0 on success (possibly empty: old schemas have no attempts), -1 on a
 * store error (s->err says why). The caller frees with ip_tasks_free. */
int tasks_inprogress(struct store *s, const char *dir, struct ip_tasks *out);
void ip_tasks_free(struct ip_tasks *t);
/* The daemon's TaskEntry for one of them (http.md 4.12 key order). */
struct json_object *ip_task_json(const struct ip_task *t);
/* RFC3339 with the fraction dropped: "2026-03-03T10:00:00.5+01:00" gives
 * "2026-03-03T10:00:00+01:00"; "" for what ts_parse rejects. */
void rfc3339_seconds(char out[32], const char *ts);

#endif
