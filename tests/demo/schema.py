"""Replays the Cloche daemon's (v3.18.2) migration sequence on a SQLite file.

Test fixtures must produce exactly the schema the daemon makes, including the
quirks a reader has to cope with (store.md 1.4-1.6, traps T3/T14):
  * `runs` is rebuilt by the v3 step, so its stored SQL starts `CREATE TABLE "runs"`
    and `UNIQUE(attempt_id, id)` is backed by sqlite_autoindex_runs_1;
  * the v3 rebuild does not carry `parent_step_name`; the "evolution" ALTERs that
    run at the *next* daemon start add it back as the last column.  A fresh
    database therefore reaches its final shape only after a second start, and
    create_schema(variant="current") replays two starts;
  * the FK clauses on step_executions/log_files point at runs(id), which is no
    longer unique, so foreign_keys must stay OFF (T3).

Usage:
    from schema import open_store, create_schema, close_store
    conn = open_store(path)              # WAL + busy_timeout like the daemon
    create_schema(conn, "current")       # or v2 / legacy / uninitialised / migrating
    ... inserts ...
    close_store(conn)                    # checkpoints; no -wal/-shm left behind

The statements are written in autocommit mode, like the daemon (the v3 rebuild
is deliberately not wrapped in a transaction).
"""
import os
import sqlite3

VARIANTS = ("current", "v2", "legacy", "uninitialised", "migrating", "first_start")

BASE = [
    """CREATE TABLE IF NOT EXISTS runs (
\t\t\tid TEXT PRIMARY KEY,
\t\t\tworkflow_name TEXT NOT NULL,
\t\t\tstate TEXT NOT NULL,
\t\t\tactive_steps TEXT,
\t\t\tstarted_at TEXT,
\t\t\tcompleted_at TEXT
\t\t)""",
    """CREATE TABLE IF NOT EXISTS step_executions (
\t\t\tid INTEGER PRIMARY KEY AUTOINCREMENT,
\t\t\trun_id TEXT NOT NULL,
\t\t\tstep_name TEXT NOT NULL,
\t\t\tresult TEXT,
\t\t\tstarted_at TEXT NOT NULL,
\t\t\tcompleted_at TEXT,
\t\t\tlogs TEXT,
\t\t\tgit_ref TEXT,
\t\t\tFOREIGN KEY (run_id) REFERENCES runs(id)
\t\t)""",
]

# The "evolution" ALTERs, in the daemon's order (store.md 1.4).  Each start
# runs all of them and ignores "duplicate column" errors.
ALTERS = [
    "ALTER TABLE runs ADD COLUMN project_dir TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE step_executions ADD COLUMN prompt_text TEXT",
    "ALTER TABLE step_executions ADD COLUMN agent_output TEXT",
    "ALTER TABLE step_executions ADD COLUMN attempt_number INTEGER DEFAULT 0",
    "ALTER TABLE runs ADD COLUMN error_message TEXT",
    "ALTER TABLE runs ADD COLUMN container_id TEXT",
    "ALTER TABLE runs ADD COLUMN base_sha TEXT",
    "ALTER TABLE runs ADD COLUMN container_kept INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE runs ADD COLUMN title TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE runs ADD COLUMN is_host INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE runs ADD COLUMN parent_run_id TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE runs ADD COLUMN task_id TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE runs ADD COLUMN task_title TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE runs ADD COLUMN parent_step_name TEXT",
    "ALTER TABLE step_executions ADD COLUMN input_tokens INTEGER DEFAULT 0",
    "ALTER TABLE step_executions ADD COLUMN output_tokens INTEGER DEFAULT 0",
    "ALTER TABLE step_executions ADD COLUMN agent_name TEXT DEFAULT ''",
]

# How many ALTERs an old "legacy" daemon had applied: up to runs.title, so
# is_host, parent_run_id, task_id, task_title, parent_step_name and the token
# columns are all absent.
LEGACY_ALTERS = 9

LOG_FILES = """CREATE TABLE IF NOT EXISTS log_files (
\t\tid INTEGER PRIMARY KEY AUTOINCREMENT,
\t\trun_id TEXT NOT NULL,
\t\tstep_name TEXT,
\t\tfile_type TEXT NOT NULL,
\t\tfile_path TEXT NOT NULL,
\t\tfile_size INTEGER,
\t\tcreated_at TEXT NOT NULL,
\t\tFOREIGN KEY (run_id) REFERENCES runs(id)
\t)"""

MERGE_QUEUE = """CREATE TABLE IF NOT EXISTS merge_queue (
\t\trun_id TEXT PRIMARY KEY,
\t\tbranch TEXT NOT NULL,
\t\tproject TEXT NOT NULL,
\t\tstatus TEXT NOT NULL DEFAULT 'pending',
\t\tenqueued_at TEXT NOT NULL,
\t\tcompleted_at TEXT
\t)"""

V2 = [
    """CREATE TABLE IF NOT EXISTS _migrations (
\t\tid TEXT PRIMARY KEY,
\t\tapplied_at TEXT NOT NULL
\t)""",
    """CREATE TABLE IF NOT EXISTS tasks (
\t\tid TEXT PRIMARY KEY,
\t\ttitle TEXT NOT NULL DEFAULT '',
\t\tsource TEXT NOT NULL DEFAULT 'external',
\t\tproject_dir TEXT NOT NULL DEFAULT '',
\t\tcreated_at TEXT NOT NULL DEFAULT ''
\t)""",
    """CREATE TABLE IF NOT EXISTS attempts (
\t\tid TEXT PRIMARY KEY,
\t\ttask_id TEXT NOT NULL REFERENCES tasks(id),
\t\tstarted_at TEXT NOT NULL DEFAULT '',
\t\tended_at TEXT,
\t\tresult TEXT NOT NULL DEFAULT 'running',
\t\tproject_dir TEXT NOT NULL DEFAULT ''
\t)""",
]
V2_ALTER = "ALTER TABLE runs ADD COLUMN attempt_id TEXT NOT NULL DEFAULT ''"

V3_CREATE = """CREATE TABLE IF NOT EXISTS runs_new (
\t\t\tpk           INTEGER PRIMARY KEY AUTOINCREMENT,
\t\t\tid           TEXT NOT NULL,
\t\t\tworkflow_name TEXT NOT NULL,
\t\t\tstate        TEXT NOT NULL,
\t\t\tactive_steps  TEXT,
\t\t\tstarted_at   TEXT,
\t\t\tcompleted_at  TEXT,
\t\t\tproject_dir  TEXT NOT NULL DEFAULT '',
\t\t\terror_message TEXT,
\t\t\tcontainer_id  TEXT,
\t\t\tbase_sha     TEXT,
\t\t\tcontainer_kept INTEGER NOT NULL DEFAULT 0,
\t\t\ttitle        TEXT NOT NULL DEFAULT '',
\t\t\tis_host      INTEGER NOT NULL DEFAULT 0,
\t\t\tparent_run_id TEXT NOT NULL DEFAULT '',
\t\t\ttask_id      TEXT NOT NULL DEFAULT '',
\t\t\ttask_title   TEXT NOT NULL DEFAULT '',
\t\t\tattempt_id   TEXT NOT NULL DEFAULT '',
\t\t\tUNIQUE(attempt_id, id)
\t\t)"""
V3_COPY = """INSERT OR IGNORE INTO runs_new
\t\t\t(id, workflow_name, state, active_steps, started_at, completed_at,
\t\t\t project_dir, error_message, container_id, base_sha, container_kept,
\t\t\t title, is_host, parent_run_id, task_id, task_title, attempt_id)
\t\t SELECT id, workflow_name, state, active_steps, started_at, completed_at,
\t\t\tproject_dir, COALESCE(error_message,''), COALESCE(container_id,''),
\t\t\tCOALESCE(base_sha,''), COALESCE(container_kept,0), COALESCE(title,''),
\t\t\tCOALESCE(is_host,0), COALESCE(parent_run_id,''), COALESCE(task_id,''),
\t\t\tCOALESCE(task_title,''), COALESCE(attempt_id,'')
\t\t FROM runs"""
V3_DROP = "DROP TABLE runs"
V3_RENAME = "ALTER TABLE runs_new RENAME TO runs"

V4_ALTER = "ALTER TABLE attempts ADD COLUMN previous_attempt_id TEXT NOT NULL DEFAULT ''"

ATTEMPT_LOGS = """CREATE TABLE IF NOT EXISTS attempt_logs (
\t\tid INTEGER PRIMARY KEY AUTOINCREMENT,
\t\tattempt_id TEXT NOT NULL,
\t\ttask_id TEXT NOT NULL,
\t\tfile_type TEXT NOT NULL,
\t\tfile_path TEXT NOT NULL,
\t\tfile_size INTEGER,
\t\tcreated_at TEXT NOT NULL,
\t\tFOREIGN KEY (attempt_id) REFERENCES attempts(id)
\t)"""

EVOLUTION_LOG = """CREATE TABLE IF NOT EXISTS evolution_log (
\t\tid TEXT PRIMARY KEY,
\t\tproject_dir TEXT NOT NULL,
\t\tworkflow_name TEXT NOT NULL,
\t\ttrigger_run_id TEXT NOT NULL,
\t\tcreated_at TEXT NOT NULL,
\t\tclassification TEXT,
\t\tchanges_json TEXT NOT NULL,
\t\tknowledge_delta TEXT
\t)"""

CONTEXT_KV = """CREATE TABLE IF NOT EXISTS context_kv (
\t\ttask_id    TEXT NOT NULL,
\t\tattempt_id TEXT NOT NULL,
\t\trun_id     TEXT NOT NULL DEFAULT '',
\t\tkey        TEXT NOT NULL,
\t\tvalue      TEXT NOT NULL,
\t\tupdated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
\t\tPRIMARY KEY (task_id, attempt_id, run_id, key)
\t)"""

ACTIVITY_LOG = """CREATE TABLE IF NOT EXISTS activity_log (
\t\tid          INTEGER PRIMARY KEY AUTOINCREMENT,
\t\tts          TEXT NOT NULL,
\t\tkind        TEXT NOT NULL,
\t\tproject_dir TEXT NOT NULL,
\t\ttask_id     TEXT NOT NULL DEFAULT '',
\t\tattempt_id  TEXT NOT NULL DEFAULT '',
\t\tworkflow    TEXT NOT NULL DEFAULT '',
\t\tstep        TEXT NOT NULL DEFAULT '',
\t\tresult      TEXT NOT NULL DEFAULT '',
\t\tstate       TEXT NOT NULL DEFAULT ''
\t)"""
ACTIVITY_INDEX = "CREATE INDEX IF NOT EXISTS activity_log_project_ts ON activity_log (project_dir, ts)"

HUMAN_STEP_POLLS = """CREATE TABLE IF NOT EXISTS human_step_polls (
\t\trun_id      TEXT NOT NULL,
\t\tstep_name   TEXT NOT NULL,
\t\tstarted_at  TEXT NOT NULL,
\t\tlast_poll_at TEXT NOT NULL,
\t\tpoll_count  INTEGER NOT NULL DEFAULT 0,
\t\tPRIMARY KEY (run_id, step_name)
\t)"""

REPOSITORIES = """CREATE TABLE IF NOT EXISTS repositories (
\t\tid          INTEGER PRIMARY KEY AUTOINCREMENT,
\t\tproject_dir TEXT NOT NULL,
\t\tname        TEXT NOT NULL DEFAULT '',
\t\tpath        TEXT NOT NULL,
\t\tremote_url  TEXT NOT NULL DEFAULT ''
\t)"""
REPOSITORIES_INDEX = "CREATE INDEX IF NOT EXISTS repositories_project_dir ON repositories(project_dir)"


def open_store(path):
    """Opens (creating) a store the way the daemon does: WAL, busy_timeout 5 s,
    foreign_keys left OFF, autocommit.  Caller closes it with close_store()."""
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL").fetchall()
    conn.execute("PRAGMA busy_timeout=5000").fetchall()
    return conn


def close_store(conn):
    """Checkpoints and closes, so no -wal/-shm files remain (journal_mode WAL
    stays recorded in the header)."""
    if conn.in_transaction:
        conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    conn.close()


def columns(conn, table):
    return [r[1] for r in conn.execute("SELECT * FROM pragma_table_info(?)", (table,))]


def tables(conn):
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]


def _try(conn, sql):
    # The daemon ignores errors of these statements (duplicate column etc.).
    try:
        conn.execute(sql)
    except sqlite3.OperationalError:
        pass


def _base(conn, n_alters=len(ALTERS)):
    for s in BASE:
        conn.execute(s)
    for s in ALTERS[:n_alters]:
        _try(conn, s)


def _v2(conn):
    conn.execute(LOG_FILES)
    conn.execute(MERGE_QUEUE)
    for s in V2:
        conn.execute(s)
    _try(conn, V2_ALTER)


def _v3(conn, crash_before_rename=False):
    if "pk" in columns(conn, "runs"):
        return
    conn.execute(V3_CREATE)
    conn.execute(V3_COPY)
    conn.execute(V3_DROP)
    if crash_before_rename:
        return
    conn.execute(V3_RENAME)


def _context_kv(conn):
    conn.execute(CONTEXT_KV)
    if "run_id" in columns(conn, "context_kv"):
        return
    # Old context_kv without run_id: rebuilt in a transaction, old rows get run_id ''.
    conn.execute("BEGIN")
    conn.execute("ALTER TABLE context_kv RENAME TO context_kv_old")
    conn.execute(CONTEXT_KV)
    conn.execute("""INSERT INTO context_kv (task_id, attempt_id, run_id, key, value, updated_at)
        SELECT task_id, attempt_id, '', key, value, updated_at FROM context_kv_old""")
    conn.execute("DROP TABLE context_kv_old")
    conn.execute("COMMIT")


def daemon_start(conn):
    """One daemon startup's migrate() (store.md 1.4), all steps idempotent."""
    _base(conn)
    _v2(conn)
    _v3(conn)
    _try(conn, V4_ALTER)
    conn.execute(ATTEMPT_LOGS)
    conn.execute(EVOLUTION_LOG)
    _context_kv(conn)
    conn.execute(ACTIVITY_LOG)
    conn.execute(ACTIVITY_INDEX)
    conn.execute(HUMAN_STEP_POLLS)
    conn.execute(REPOSITORIES)
    conn.execute(REPOSITORIES_INDEX)


def create_schema(conn, variant="current"):
    """Builds one schema variant on an empty database (see module doc).

    current       two daemon starts: the final v3.18.2 schema (store.md 1.5)
    v2            base + ALTERs + log_files + merge_queue + v2; runs.id is the
                  TEXT PRIMARY KEY, no pk column, attempt_id present
    legacy        base + the first LEGACY_ALTERS ALTERs only: no tasks/attempts,
                  no is_host/task_id/..., no token columns
    uninitialised a valid SQLite file with no tables
    migrating     an upgrade from v2 that crashed between DROP and RENAME:
                  runs_new exists, runs does not
    first_start   a fresh file after exactly one daemon start: like current but
                  runs has no parent_step_name yet (the v3 rebuild dropped it)
    """
    if variant not in VARIANTS:
        raise ValueError("unknown variant %r" % variant)
    if variant == "uninitialised":
        # Make sure page 1 exists so the file is a real database, not 0 bytes.
        conn.execute("PRAGMA user_version=0")
        conn.execute("CREATE TABLE _tmp(x)")
        conn.execute("DROP TABLE _tmp")
        return
    if variant == "legacy":
        _base(conn, LEGACY_ALTERS)
        return
    if variant in ("v2", "migrating"):
        _base(conn)
        _v2(conn)
        if variant == "migrating":
            _v3(conn, crash_before_rename=True)
        return
    daemon_start(conn)
    if variant == "current":
        daemon_start(conn)


def insert(conn, table, row):
    """Inserts a dict into table, keeping only the columns the table has (so a
    fixture written for the current schema also loads into older variants).
    Returns lastrowid."""
    have = set(columns(conn, table))
    keys = [k for k in row if k in have]
    sql = "INSERT INTO %s (%s) VALUES (%s)" % (
        table, ", ".join(keys), ", ".join("?" * len(keys)))
    return conn.execute(sql, [row[k] for k in keys]).lastrowid


def make_store(path, variant="current"):
    """Convenience for tests: creates path with the given variant and returns
    the open connection (caller must close_store it)."""
    if os.path.exists(path):
        os.remove(path)
    conn = open_store(path)
    create_schema(conn, variant)
    return conn


if __name__ == "__main__":
    import sys
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: schema.py DB [variant]")
    c = make_store(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else "current")
    close_store(c)
