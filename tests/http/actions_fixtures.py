"""Fixtures for the action tests (tests/http/test_actions.py and
tests/browser/test_actions.mjs): fresh projects and runs written into the
demo store the way the daemon writes them.

CLI (for the browser test):
  actions_fixtures.py project [TASK ...]   -> {"label":..., "dir":...}
  actions_fixtures.py run DIR STATE [WORKFLOW [CONTAINER]] -> {"run_id":..., "task_id":..., "attempt_id":...}
  actions_fixtures.py state RUN_ID         -> {"state":..., "container_kept":...}
  actions_fixtures.py cleanup              removes every fixture project and its rows
Environment: CLOCHE_DB, DEMO_DIR."""
import json
import os
import shutil
import sqlite3
import sys
import time
import uuid


def demo_dir():
    return os.environ.get("DEMO_DIR", "")


HOST_FLOW = '''workflow list-tasks {
  host {}
  step ready {
    run     = "true"
    results = [success, fail]
  }
  ready:success -> done
  ready:fail    -> abort
}

workflow main {
  host {}
  step work {
    run     = "true"
    results = [success, fail]
  }
  work:success -> done
  work:fail    -> abort
}

workflow release-task {
  host {}
  step reopen {
    run     = "true"
    results = [success, fail]
  }
  reopen:success -> done
  reopen:fail    -> abort
}
'''


def db():
    c = sqlite3.connect(os.environ["CLOCHE_DB"], isolation_level=None, timeout=10)
    c.execute("PRAGMA busy_timeout=5000")
    return c


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def uid():
    return uuid.uuid4().hex[:8]


def add_run(project, state="running", task=None, container="", kept=0, workflow="main"):
    """A run row (and its task/attempt rows) as the daemon writes them."""
    attempt = "t" + uid()
    task = task if task is not None else "TT-" + uid()
    rid = "%s-%s" % (attempt, workflow)
    c = db()
    done = state in ("succeeded", "failed", "cancelled")
    c.execute("INSERT INTO runs (id, workflow_name, state, active_steps, started_at, completed_at, project_dir, "
              "error_message, container_id, base_sha, container_kept, title, is_host, parent_run_id, task_id, "
              "task_title, attempt_id) VALUES (?,?,?,'',?,?,?,'',?,'',?,'',?,'',?,'',?)",
              (rid, workflow, state, now(), now() if done else "", project, container, kept,
               0 if container else 1, task, attempt))
    if task:
        c.execute("INSERT OR IGNORE INTO tasks (id, title, source, project_dir, created_at) VALUES (?,?,?,?,?)",
                  (task, "test task", "external", project, now()))
        c.execute("INSERT INTO attempts (id, task_id, started_at, ended_at, result, project_dir, previous_attempt_id) "
                  "VALUES (?,?,?,?,?,?,'')", (attempt, task, now(), now() if done else None,
                                                "running" if not done else state, project))
    c.close()
    return rid, task, attempt


def run_row(rid):
    c = db()
    c.row_factory = sqlite3.Row
    r = c.execute("SELECT * FROM runs WHERE id=? ORDER BY pk DESC LIMIT 1", (rid,)).fetchone()
    c.close()
    return dict(r) if r else None


def new_project(tasks=(), config="concurrency = 2\nstagger_seconds = 0.2\n", flows=HOST_FLOW):
    """A project directory with host workflows, known to the dashboard
    through one finished run; returns (label, dir)."""
    name = "act-" + uid()
    d = os.path.join(demo_dir(), "projects", name)
    os.makedirs(os.path.join(d, ".cloche"))
    with open(os.path.join(d, ".cloche", "host.cloche"), "w") as f:
        f.write(flows)
    with open(os.path.join(d, ".cloche", "config.toml"), "w") as f:
        f.write("active = true\n\n[orchestration]\n" + config)
    if tasks:
        with open(os.path.join(d, ".cloche", "standin-tasks.jsonl"), "w") as f:
            for t in tasks:
                f.write(json.dumps({"id": t, "status": "open", "title": "Task " + t}) + "\n")
    add_run(d, state="succeeded")
    return name, d


def cleanup():
    """Puts the demo back: the act-* projects' rows (ours and those the
    stand-in wrote for them) and directories go, so test files that run
    after ours see the demo as generated."""
    root = os.path.join(demo_dir(), "projects", "act-")
    like = root.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    c = db()
    c.execute("BEGIN IMMEDIATE")
    ids = "SELECT id FROM runs WHERE project_dir LIKE ? ESCAPE '\\'"
    for table in ("step_executions", "log_files"):
        c.execute("DELETE FROM %s WHERE run_id IN (%s)" % (table, ids), (like,))
    for table in ("runs", "tasks", "attempts", "activity_log"):
        c.execute("DELETE FROM %s WHERE project_dir LIKE ? ESCAPE '\\'" % table, (like,))
    c.execute("COMMIT")
    c.close()
    base = os.path.join(demo_dir(), "projects")
    for name in os.listdir(base):
        if name.startswith("act-"):
            shutil.rmtree(os.path.join(base, name), ignore_errors=True)


def main(argv):
    if argv[0] == "project":
        label, d = new_project(tasks=tuple(argv[1:]))
        print(json.dumps({"label": label, "dir": d}))
    elif argv[0] == "run":
        wf = argv[3] if len(argv) > 3 else "main"
        cont = argv[4] if len(argv) > 4 else ""
        rid, task, attempt = add_run(argv[1], argv[2], workflow=wf, container=cont, kept=1 if cont else 0)
        print(json.dumps({"run_id": rid, "task_id": task, "attempt_id": attempt}))
    elif argv[0] == "state":
        r = run_row(argv[1])
        print(json.dumps({"state": r["state"], "container_kept": r["container_kept"]} if r else None))
    elif argv[0] == "cleanup":
        cleanup()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
