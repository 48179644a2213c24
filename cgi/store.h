/* The daemon's SQLite store, opened strictly read-only (store.md 1.3):
 * never creates -wal/-shm, never writes, no transaction outlives a request.
 * In FastCGI mode one connection and its prepared statements live across
 * requests; store_version() changes whenever the daemon commits. */
#ifndef CLOCHE_STORE_H
#define CLOCHE_STORE_H
#include <sqlite3.h>

enum store_state {
	STORE_OK,
	STORE_MISSING,        /* no file at the path */
	STORE_UNREADABLE,     /* permissions, not a file */
	STORE_LOCKED,         /* busy past the timeout */
	STORE_CORRUPT,        /* not a database / malformed */
	STORE_RECOVERY,       /* WAL needs recovery by the daemon */
	STORE_UNINITIALISED,  /* no tables yet: the daemon never started */
	STORE_MIGRATING,      /* half-done v3 rebuild (runs_new without runs) */
	STORE_UNSUPPORTED,    /* runs lacks columns we cannot do without */
};

/* Feature flags detected by name (store.md 1.6, T14). */
enum {
	F_PK = 1 << 0, F_ATTEMPT_ID = 1 << 1, F_TASKS = 1 << 2, F_ATTEMPTS = 1 << 3,
	F_TOKENS = 1 << 4, F_ACTIVITY = 1 << 5, F_LOG_FILES = 1 << 6,
	F_CONTAINER_KEPT = 1 << 7, F_PROJECT_DIR = 1 << 8, F_TASK_ID = 1 << 9,
	F_PARENT = 1 << 10, F_PREV_ATTEMPT = 1 << 11,
};

struct store {
	sqlite3 *db;
	char path[4096];
	const char *source;   /* which rule found the path */
	int immutable;        /* opened with immutable=1: no -wal existed */
	long long mtime_ns, size;
	long long gen;        /* bumped on every reopen */
	long long dv;         /* last PRAGMA data_version */
	unsigned features;
	char run_cols[1024];  /* SELECT list for a run row, see RUN_* indexes */
	enum store_state state;
	char err[768];        /* what is wrong and what to do */
	sqlite3_stmt *cache[64];
	const char *cache_sql[64];
	int ncache;
};

/* Column order of store->run_cols. */
enum { RUN_PK, RUN_ID, RUN_WORKFLOW, RUN_STATE, RUN_ACTIVE, RUN_STARTED, RUN_COMPLETED,
       RUN_PROJECT, RUN_ERROR, RUN_CONTAINER, RUN_KEPT, RUN_TITLE, RUN_IS_HOST,
       RUN_PARENT, RUN_TASK, RUN_TASK_TITLE, RUN_ATTEMPT, RUN_PARENT_STEP, RUN_NCOLS };

struct store *store_get(void);             /* process-wide, refreshed per request */
void store_begin_request(void);            /* one busy-timeout budget per request */
long long store_version(const struct store *s);
sqlite3_stmt *store_prepare(struct store *s, const char *sql); /* cached; reset after use */
void store_done(sqlite3_stmt *st);
int store_fail(struct store *s, int rc);   /* classify an SQLite error into s->state */
const char *store_state_name(enum store_state st);
int store_has(const struct store *s, unsigned f);
void store_close(void);
long long store_int(struct store *s, const char *sql);  /* -1 on a store error */
long long store_runs_count(struct store *s);  /* -1 on a store error */

#endif
