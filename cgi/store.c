#include "store.h"
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 2000

static struct store S;
static int S_init;
static long long busy_since_ms; /* first busy wait of this request, 0 = none */

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One busy budget per request, not per statement: a store locked by the
 * daemon answers 503 after BUSY_TIMEOUT_MS however many queries a page runs. */
static int busy_wait(void *arg, int count)
{
	long long now = mono_ms();

	(void)arg;
	(void)count;
	if (!busy_since_ms)
		busy_since_ms = now;
	if (now - busy_since_ms >= BUSY_TIMEOUT_MS)
		return 0;
	usleep(5000);
	return 1;
}

const char *store_state_name(enum store_state st)
{
	static const char *names[] = {"ok", "missing", "unreadable", "locked", "corrupt",
				      "recovery", "uninitialised", "migrating", "unsupported"};
	return names[st];
}

int store_has(const struct store *s, unsigned f)
{
	return (s->features & f) == f;
}

long long store_version(const struct store *s)
{
	return (s->gen << 32) ^ s->dv;
}

static void set_state(struct store *s, enum store_state st, const char *msg)
{
	s->state = st;
	snprintf(s->err, sizeof s->err, "%s", msg);
}

static void drop_statements(struct store *s);

static void close_db(struct store *s)
{
	drop_statements(s);
	if (s->db)
		sqlite3_close(s->db);
	s->db = NULL;
}

void store_close(void)
{
	close_db(&S);
}

static int file_exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

/* SQLite URI: percent-encode the bytes that would end or change the path. */
static void make_uri(char *out, size_t cap, const char *path, int immutable)
{
	size_t o = 0;
	const char *p;

	o += snprintf(out + o, cap - o, "file:");
	for (p = path; *p && o + 4 < cap; p++) {
		if (*p == '?' || *p == '#' || *p == '%' || (unsigned char)*p < 0x20)
			o += snprintf(out + o, cap - o, "%%%02X", (unsigned char)*p);
		else
			out[o++] = *p;
	}
	out[o] = '\0';
	snprintf(out + o, cap - o, immutable ? "?immutable=1" : "?mode=ro");
}

int store_fail(struct store *s, int rc)
{
	int prim = rc & 0xff;
	char msg[700];
	const char *e = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);

	if (rc == SQLITE_READONLY_RECOVERY || rc == SQLITE_READONLY_CANTINIT) {
		snprintf(msg, sizeof msg, "The store %s needs WAL recovery that only the daemon can do (%s). Restart cloched, then reload.", s->path, e);
		set_state(s, STORE_RECOVERY, msg);
	} else if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED) {
		snprintf(msg, sizeof msg, "The store %s stayed locked for more than %d ms (%s). The daemon may be in a long write; retry in a moment.", s->path, BUSY_TIMEOUT_MS, e);
		set_state(s, STORE_LOCKED, msg);
	} else if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB) {
		snprintf(msg, sizeof msg, "The file %s is not a readable SQLite database (%s). Check that CLOCHE_DB points at the daemon's cloche.db.", s->path, e);
		set_state(s, STORE_CORRUPT, msg);
	} else {
		snprintf(msg, sizeof msg, "The store %s cannot be read (%s). Check that the dashboard's user may read the file and its directory.", s->path, e);
		set_state(s, STORE_UNREADABLE, msg);
	}
	close_db(s);
	return -1;
}

static int has_table(struct store *s, const char *name)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		found = 1;
	sqlite3_finalize(st);
	return found;
}

static int has_col(struct store *s, const char *table, const char *col)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM pragma_table_info(?) WHERE name=?",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, col, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		found = 1;
	sqlite3_finalize(st);
	return found;
}

/* Appends "COALESCE(col,dflt)" or just the default when the column is absent. */
static void add_col(struct store *s, const char *col, const char *dflt)
{
	size_t o = strlen(s->run_cols);
	const char *sep = o ? ", " : "";

	if (has_col(s, "runs", col))
		snprintf(s->run_cols + o, sizeof s->run_cols - o, "%sCOALESCE(%s,%s)", sep, col, dflt);
	else
		snprintf(s->run_cols + o, sizeof s->run_cols - o, "%s%s", sep, dflt);
}

static void build_run_cols(struct store *s)
{
	s->run_cols[0] = '\0';
	/* rowid is not a column pragma_table_info knows: name it directly. */
	snprintf(s->run_cols, sizeof s->run_cols, "%s", s->features & F_PK ? "pk" : "rowid");
	add_col(s, "id", "''");
	add_col(s, "workflow_name", "''");
	add_col(s, "state", "''");
	add_col(s, "active_steps", "''");
	add_col(s, "started_at", "''");
	add_col(s, "completed_at", "''");
	add_col(s, "project_dir", "''");
	add_col(s, "error_message", "''");
	add_col(s, "container_id", "''");
	add_col(s, "container_kept", "0");
	add_col(s, "title", "''");
	add_col(s, "is_host", "0");
	add_col(s, "parent_run_id", "''");
	add_col(s, "task_id", "''");
	add_col(s, "task_title", "''");
	add_col(s, "attempt_id", "''");
	add_col(s, "parent_step_name", "''");
}

static void drop_statements(struct store *s)
{
	int i;

	for (i = 0; i < s->ncache; i++)
		sqlite3_finalize(s->cache[i]);
	s->ncache = 0;
}

static int detect_schema(struct store *s)
{
	int runs;

	drop_statements(s);
	runs = has_table(s, "runs");

	if (runs < 0)
		return store_fail(s, sqlite3_errcode(s->db));
	s->features = 0;
	if (!runs) {
		if (has_table(s, "runs_new") > 0)
			set_state(s, STORE_MIGRATING, "The store is half-way through the daemon's v3 migration (runs_new exists, runs does not). Start cloched once to finish it.");
		else
			set_state(s, STORE_UNINITIALISED, "The store has no tables yet: the daemon has never started with it. Start cloched once and it will create them.");
		return -1;
	}
	if (!has_col(s, "runs", "id") || !has_col(s, "runs", "state") ||
	    !has_col(s, "runs", "workflow_name")) {
		set_state(s, STORE_UNSUPPORTED, "The runs table lacks id, state or workflow_name: this is not a Cloche store of any known version.");
		return -1;
	}
	if (has_col(s, "runs", "pk")) s->features |= F_PK;
	if (has_col(s, "runs", "attempt_id")) s->features |= F_ATTEMPT_ID;
	if (has_col(s, "runs", "container_kept")) s->features |= F_CONTAINER_KEPT;
	if (has_col(s, "runs", "project_dir")) s->features |= F_PROJECT_DIR;
	if (has_col(s, "runs", "task_id")) s->features |= F_TASK_ID;
	if (has_col(s, "runs", "parent_run_id")) s->features |= F_PARENT;
	if (has_table(s, "tasks") > 0) s->features |= F_TASKS;
	if (has_table(s, "attempts") > 0) s->features |= F_ATTEMPTS;
	if (has_table(s, "activity_log") > 0) s->features |= F_ACTIVITY;
	if (has_table(s, "log_files") > 0) s->features |= F_LOG_FILES;
	if (has_col(s, "step_executions", "input_tokens")) s->features |= F_TOKENS;
	if (has_col(s, "attempts", "previous_attempt_id")) s->features |= F_PREV_ATTEMPT;
	build_run_cols(s);
	return 0;
}

static int pragma_int(struct store *s, const char *sql, long long *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Opens read-only. Without a -wal file the daemon is not running, and a
 * plain read-only open could create -wal/-shm owned by us (T1), so we use
 * immutable=1 then, and reopen as soon as a -wal appears. */
static int open_db(struct store *s)
{
	char uri[8300], wal[4200];
	struct stat st;
	int rc;

	if (stat(s->path, &st) != 0) {
		char msg[700];

		snprintf(msg, sizeof msg, "No store at %s (found via %s). Set CLOCHE_DB to the daemon's cloche.db, or start cloched so it creates one.", s->path, s->source);
		set_state(s, errno == ENOENT ? STORE_MISSING : STORE_UNREADABLE, msg);
		return -1;
	}
	snprintf(wal, sizeof wal, "%s-wal", s->path);
	s->immutable = !file_exists(wal);
	s->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	s->size = st.st_size;
	make_uri(uri, sizeof uri, s->path, s->immutable);
	rc = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	sqlite3_busy_handler(s->db, busy_wait, NULL);
	sqlite3_exec(s->db, "PRAGMA query_only=1", NULL, NULL, NULL);
	sqlite3_exec(s->db, "PRAGMA cache_size=-2048", NULL, NULL, NULL);
	s->gen++;
	rc = pragma_int(s, "PRAGMA data_version", &s->dv);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	s->state = STORE_OK;
	s->err[0] = '\0';
	return detect_schema(s);
}

/* Has the file changed under an immutable connection, or has the WAL
 * appeared/disappeared (daemon started or stopped)? */
static int needs_reopen(struct store *s)
{
	char wal[4200];
	struct stat st;
	int wal_now;

	if (!s->db)
		return 1;
	snprintf(wal, sizeof wal, "%s-wal", s->path);
	wal_now = file_exists(wal);
	if (wal_now == s->immutable)
		return 1;
	if (!s->immutable)
		return 0;
	if (stat(s->path, &st) != 0)
		return 1;
	return (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec != s->mtime_ns ||
	       st.st_size != s->size;
}

void store_begin_request(void)
{
	busy_since_ms = 0;
}

struct store *store_get(void)
{
	struct store *s = &S;
	long long dv;
	int rc;

	if (!S_init) {
		cfg_store_path(s->path, sizeof s->path, &s->source);
		S_init = 1;
	}
	/* Callers without requests (the stream helper) get a fresh budget
	 * once the last busy spell is well over. */
	if (busy_since_ms && mono_ms() - busy_since_ms > 5 * BUSY_TIMEOUT_MS)
		busy_since_ms = 0;
	if (needs_reopen(s)) {
		close_db(s);
		if (open_db(s) != 0)
			return s;
	}
	rc = pragma_int(s, "PRAGMA data_version", &dv);
	if (rc != SQLITE_OK) {
		store_fail(s, rc);
		return s;
	}
	if (dv != s->dv || s->state != STORE_OK) {
		s->dv = dv;
		s->state = STORE_OK;
		if (detect_schema(s) != 0 && s->db) {
			/* keep the connection: the daemon may create tables soon */
		}
	}
	return s;
}

/* sql must be a string literal or a buffer that lives until the next
 * schema change: cached statements are keyed by the pointer. */
sqlite3_stmt *store_prepare(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int i;

	for (i = 0; i < s->ncache; i++)
		if (s->cache_sql[i] == sql)
			return s->cache[i];
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		store_fail(s, sqlite3_errcode(s->db));
		return NULL;
	}
	if (s->ncache < 64) {
		s->cache[s->ncache] = st;
		s->cache_sql[s->ncache++] = sql;
	}
	return st;
}

/* Ends the statement's read transaction (store.md 1.3). Uncached
 * statements are finalized. */
void store_done(sqlite3_stmt *st)
{
	int i;

	if (!st)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	for (i = 0; i < S.ncache; i++)
		if (S.cache[i] == st)
			return;
	sqlite3_finalize(st);
}

/* The one integer a statement gives (sql: a constant, the statement is
 * cached by its address); -1 on a store error. */
long long store_int(struct store *s, const char *sql)
{
	sqlite3_stmt *st = store_prepare(s, sql);
	long long n = -1;
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	store_done(st);
	return rc == SQLITE_ROW ? n : store_fail(s, rc);
}

/* The daemon never deletes runs, but a person pruning the store might:
 * the models that follow the store compare this with their own count.
 * It walks the smallest index (about 2 ms for 100,000 runs). */
long long store_runs_count(struct store *s)
{
	return store_int(s, "SELECT count(*) FROM runs");
}
