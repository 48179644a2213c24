/* Which file holds a run's log (store.md 3.5, 3.7; http.md 6.1, 4.14).
 * Every path handed out is resolved and confined to <project>/.cloche,
 * because task IDs come from external trackers (T9, D19) and step names
 * from URLs (D1). All returned strings are malloc'd; the caller frees. */
#ifndef CLOCHE_LOGPATH_H
#define CLOCHE_LOGPATH_H
#include "runs.h"
#include "store.h"

/* The v2 directory when task_id and attempt_id are both set, else the
 * legacy .cloche/<id>/output; unresolved, with a trailing '/'. NULL when
 * no directory can be named (no project, traversal in an ID). */
char *logpath_dir(const struct run *run);
/* realpath(path) when it is a regular file inside <project>/.cloche. */
char *logpath_confine(const struct run *run, const char *path);
/* The run's full.log, resolved; NULL = "no log" (no fallback, as the daemon). */
char *logpath_full(const struct run *run);
/* A step's output file (lookup order of store.md 3.7); NULL = not found.
 * step must already be checked with logpath_step_ok. */
char *logpath_step(struct store *s, const struct run *run, const char *step, const char *type);
/* A step name usable in a file name: not '', '.', '..', no '/', '\\'. */
int logpath_step_ok(const char *step);
/* An attempt's host run (first top-level run in list order, else the
 * first run). 1 found, 0 no such attempt, -1 store error. */
int attempt_host_run(struct store *s, const char *attempt, struct run *out);

#endif
