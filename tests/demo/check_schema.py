#!/usr/bin/python3
"""Builds every schema variant of schema.py in a temp dir and checks the facts
the dashboard relies on (store.md 1.4-1.6).  Prints "ok - ..." / "FAIL - ...",
exits 1 on any failure."""
import os
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import schema  # noqa: E402

FAILS = []


def check(cond, what):
    print(("ok - " if cond else "FAIL - ") + what)
    if not cond:
        FAILS.append(what)


def xinfo(conn, table):
    """(name, type, notnull, dflt) per column, in order."""
    return [(r[1], r[2], r[3], r[4]) for r in
            conn.execute("SELECT * FROM pragma_table_xinfo(?)", (table,))]


def sql_of(conn, name):
    r = conn.execute("SELECT sql FROM sqlite_master WHERE name=?", (name,)).fetchone()
    return r[0] if r else None


RUNS_CURRENT = [
    ("pk", "INTEGER", 0, None), ("id", "TEXT", 1, None),
    ("workflow_name", "TEXT", 1, None), ("state", "TEXT", 1, None),
    ("active_steps", "TEXT", 0, None), ("started_at", "TEXT", 0, None),
    ("completed_at", "TEXT", 0, None), ("project_dir", "TEXT", 1, "''"),
    ("error_message", "TEXT", 0, None), ("container_id", "TEXT", 0, None),
    ("base_sha", "TEXT", 0, None), ("container_kept", "INTEGER", 1, "0"),
    ("title", "TEXT", 1, "''"), ("is_host", "INTEGER", 1, "0"),
    ("parent_run_id", "TEXT", 1, "''"), ("task_id", "TEXT", 1, "''"),
    ("task_title", "TEXT", 1, "''"), ("attempt_id", "TEXT", 1, "''"),
    ("parent_step_name", "TEXT", 0, None),
]

STEPS = [
    ("id", "INTEGER", 0, None), ("run_id", "TEXT", 1, None),
    ("step_name", "TEXT", 1, None), ("result", "TEXT", 0, None),
    ("started_at", "TEXT", 1, None), ("completed_at", "TEXT", 0, None),
    ("logs", "TEXT", 0, None), ("git_ref", "TEXT", 0, None),
    ("prompt_text", "TEXT", 0, None), ("agent_output", "TEXT", 0, None),
    ("attempt_number", "INTEGER", 0, "0"), ("input_tokens", "INTEGER", 0, "0"),
    ("output_tokens", "INTEGER", 0, "0"), ("agent_name", "TEXT", 0, "''"),
]

CURRENT_TABLES = sorted([
    "runs", "step_executions", "log_files", "merge_queue", "_migrations",
    "tasks", "attempts", "attempt_logs", "evolution_log", "context_kv",
    "activity_log", "human_step_polls", "repositories", "sqlite_sequence"])


def check_current(conn):
    check(xinfo(conn, "runs") == RUNS_CURRENT, "current: runs columns, types, NOT NULL, defaults in order")
    check(xinfo(conn, "step_executions") == STEPS, "current: step_executions column order")
    check(schema.tables(conn) == CURRENT_TABLES, "current: table set incl. sqlite_sequence")
    check(sql_of(conn, "runs").startswith('CREATE TABLE "runs"'), 'current: stored SQL starts CREATE TABLE "runs"')
    idx = conn.execute("SELECT name FROM pragma_index_list('runs') WHERE \"unique\"=1").fetchall()
    check(idx == [("sqlite_autoindex_runs_1",)], "current: runs has exactly the UNIQUE autoindex")
    cols = [r[0] for r in conn.execute("SELECT name FROM pragma_index_info('sqlite_autoindex_runs_1')")]
    check(cols == ["attempt_id", "id"], "current: UNIQUE(attempt_id, id)")
    check([r[0] for r in conn.execute("SELECT name FROM pragma_index_info('activity_log_project_ts')")]
          == ["project_dir", "ts"], "current: index activity_log_project_ts (project_dir, ts)")
    check([r[0] for r in conn.execute("SELECT name FROM pragma_index_info('repositories_project_dir')")]
          == ["project_dir"], "current: index repositories_project_dir")
    pk = [r[1] for r in sorted((r[5], r[1]) for r in conn.execute("PRAGMA table_info(context_kv)") if r[5])]
    check(pk == ["task_id", "attempt_id", "run_id", "key"], "current: context_kv PK order")
    check(xinfo(conn, "attempts")[-1] == ("previous_attempt_id", "TEXT", 1, "''"), "current: attempts.previous_attempt_id last")
    user_idx = conn.execute("SELECT name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL ORDER BY name").fetchall()
    check(user_idx == [("activity_log_project_ts",), ("repositories_project_dir",)], "current: no extra indexes")
    check(conn.execute("PRAGMA foreign_keys").fetchone()[0] == 0, "current: foreign_keys OFF")
    check(conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal", "current: journal_mode wal")
    # UNIQUE(attempt_id,id): a second release-task row must fail.
    schema.insert(conn, "runs", {"id": "release-task", "workflow_name": "release-task", "state": "succeeded"})
    try:
        schema.insert(conn, "runs", {"id": "release-task", "workflow_name": "release-task", "state": "succeeded"})
        dup = True
    except sqlite3.IntegrityError:
        dup = False
    check(not dup, "current: duplicate (attempt_id,id) rejected")
    schema.insert(conn, "runs", {"id": "release-task", "attempt_id": "a1b2", "workflow_name": "x", "state": "failed"})
    check(conn.execute("SELECT count(*) FROM runs WHERE id='release-task'").fetchone()[0] == 2,
          "current: same id with another attempt allowed")
    # Inserts into step_executions work with FKs off (T3).
    schema.insert(conn, "step_executions", {"run_id": "release-task", "step_name": "s", "result": "", "started_at": "x", "completed_at": ""})
    check(True, "current: step insert with FK clause to non-unique runs(id)")
    # Replaying another daemon start changes nothing.
    before = conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    schema.daemon_start(conn)
    after = conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    check(before == after, "current: a further daemon start is a no-op")


def check_v2(conn):
    names = [c[0] for c in xinfo(conn, "runs")]
    check("pk" not in names and names[0] == "id", "v2: runs has no pk column, id first")
    check(names[-1] == "attempt_id", "v2: attempt_id is the last runs column")
    check(conn.execute("SELECT pk FROM pragma_table_info('runs') WHERE name='id'").fetchone()[0] == 1,
          "v2: runs.id is the PRIMARY KEY")
    check(sql_of(conn, "runs").startswith("CREATE TABLE runs"), "v2: stored SQL unquoted (never renamed)")
    check("tasks" in schema.tables(conn) and "attempts" in schema.tables(conn), "v2: tasks and attempts exist")
    check("previous_attempt_id" not in schema.columns(conn, "attempts"), "v2: no previous_attempt_id")
    check("activity_log" not in schema.tables(conn), "v2: no activity_log")


def check_legacy(conn):
    t = schema.tables(conn)
    check(t == ["runs", "sqlite_sequence", "step_executions"], "legacy: only runs, step_executions, sqlite_sequence")
    rc = schema.columns(conn, "runs")
    check("task_id" not in rc and "is_host" not in rc and "attempt_id" not in rc and "title" in rc,
          "legacy: runs lacks task_id/is_host/attempt_id, has title")
    check("input_tokens" not in schema.columns(conn, "step_executions"), "legacy: no token columns")
    schema.insert(conn, "runs", {"id": "develop", "workflow_name": "develop", "state": "succeeded", "task_id": "t"})
    check(conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1, "legacy: insert() drops absent columns")


def check_uninit(conn, path):
    check(schema.tables(conn) == [], "uninitialised: no tables")
    with open(path, "rb") as f:
        check(f.read(16) == b"SQLite format 3\x00", "uninitialised: valid SQLite header")


def check_migrating(conn):
    t = schema.tables(conn)
    check("runs_new" in t and "runs" not in t, "migrating: runs_new exists, runs does not")
    check(schema.columns(conn, "runs_new")[0] == "pk", "migrating: runs_new has pk")


def check_first_start(conn):
    names = [c[0] for c in xinfo(conn, "runs")]
    check(names == [c[0] for c in RUNS_CURRENT[:-1]], "first_start: runs lacks only parent_step_name")
    check(xinfo(conn, "step_executions") == STEPS, "first_start: step_executions complete")


def check_clean_close(d):
    p = os.path.join(d, "close.db")
    conn = schema.make_store(p, "current")
    schema.insert(conn, "runs", {"id": "x", "workflow_name": "x", "state": "running"})
    schema.close_store(conn)
    check(not os.path.exists(p + "-wal") and not os.path.exists(p + "-shm"), "close_store leaves no -wal/-shm")
    with open(p, "rb") as f:
        hdr = f.read(20)
    check(hdr[18] == 2 and hdr[19] == 2, "close_store keeps WAL in the header")
    ro = sqlite3.connect("file:%s?mode=ro" % p, uri=True)
    check(ro.execute("SELECT count(*) FROM runs").fetchone()[0] == 1, "data survives close")
    ro.close()


def main():
    with tempfile.TemporaryDirectory() as d:
        for v in schema.VARIANTS:
            p = os.path.join(d, v + ".db")
            conn = schema.make_store(p, v)
            if v == "current":
                check_current(conn)
            elif v == "v2":
                check_v2(conn)
            elif v == "legacy":
                check_legacy(conn)
            elif v == "uninitialised":
                schema.close_store(conn)
                conn = sqlite3.connect(p)
                check_uninit(conn, p)
            elif v == "first_start":
                check_first_start(conn)
            else:
                check_migrating(conn)
            schema.close_store(conn)
        check_clean_close(d)
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)


if __name__ == "__main__":
    main()
