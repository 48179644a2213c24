#!/usr/bin/python3
"""Runs gen_demo.py into a temp dir (twice, to prove it is repeatable) and
checks that every manifest id exists in the store and the promised files
exist.  Prints "ok - ..." / "FAIL - ...", exits 1 on failure.

usage: test_generators.py [--keep DIR]   (DIR: generate there and keep it)"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FAILS = []


def check(cond, what):
    print(("ok - " if cond else "FAIL - ") + what)
    if not cond:
        FAILS.append(what)


def gen(out, seed=1):
    t = time.time()
    r = subprocess.run([sys.executable, os.path.join(HERE, "gen_demo.py"), "--out", out, "--seed", str(seed)],
                       capture_output=True, text=True)
    check(r.returncode == 0, "gen_demo exit 0 (%s)" % r.stderr.strip()[-300:])
    secs = time.time() - t
    # Time is reported, not asserted: speed belongs to benchmarks, and a
    # loaded CI machine would make a limit here fail for nothing.
    print("# gen_demo took %.1fs" % secs)
    with open(os.path.join(out, "manifest.json")) as f:
        return json.load(f)


def run_row(c, rid):
    return c.execute("SELECT state, project_dir, task_id, attempt_id, container_kept, parent_run_id "
                     "FROM runs WHERE id = ? ORDER BY pk DESC LIMIT 1", (rid,)).fetchone()


def check_store(m, out):
    db = m["store"]
    check(db == os.path.join(out, "cloche.db") and os.path.exists(db), "store exists")
    check(not os.path.exists(db + "-wal") and not os.path.exists(db + "-shm"), "no -wal/-shm left")
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    c.text_factory = bytes
    want_state = {"running_run": b"running", "waiting_run": b"waiting", "pending_run": b"pending",
                  "cancelled_run": b"cancelled", "parked_run": b"parked", "hostile_run": b"failed",
                  "big_log_run": b"succeeded", "long_log_run": b"succeeded", "legacy_run": b"succeeded",
                  "child_run": b"succeeded", "kept_container_run": b"failed", "errored_step_run": b"failed",
                  "release_run": b"succeeded", "continuous_run": b"succeeded", "traversal_run": b"succeeded",
                  "stopped_container_run": b"succeeded", "running_container_run": b"running",
                  "zero_time_run": b"failed", "tz_trap_run": b"succeeded", "worktree_run": b"succeeded"}
    for k, st in want_state.items():
        r = run_row(c, m[k])
        check(r is not None and r[0] == st, "%s %s exists with state %s" % (k, m[k], st.decode()))
    check(run_row(c, m["kept_container_run"])[4] == 1, "kept container has container_kept=1")
    check(run_row(c, m["child_run"])[5] == m["legacy_run"].encode(), "child_run points at legacy_run")
    check(run_row(c, m["continuous_run"])[2] == b"", "continuous run has task_id ''")
    check(run_row(c, m["release_run"])[3] == b"", "release-task has attempt_id ''")
    n = c.execute("SELECT count(*) FROM runs WHERE id = ?", (m["shared_id_run"],)).fetchone()[0]
    check(n == 2, "shared_id_run has two rows")
    for k in ("failed_task", "multi_attempt_task", "hostile_task"):
        n = c.execute("SELECT count(*) FROM attempts WHERE task_id = ?", (m[k],)).fetchone()[0]
        check(n >= 1, "%s has attempts" % k)
    n = c.execute("SELECT count(*) FROM attempts WHERE task_id = ?", (m["multi_attempt_task"],)).fetchone()[0]
    check(n == 3, "multi_attempt_task has 3 attempts")
    check(c.execute("SELECT count(*) FROM attempts WHERE id = ?", (m["attempt_with_log"],)).fetchone()[0] == 1,
          "attempt_with_log in attempts")
    e = c.execute("SELECT error_message FROM runs WHERE id = ?", (m["truncated_error_run"],)).fetchone()[0]
    check(len(e) == 1015 and e.endswith(b"... (truncated)"), "truncated error is 1015 bytes")
    try:
        e.decode()
        check(False, "truncated error is invalid UTF-8")
    except UnicodeDecodeError:
        check(True, "truncated error is invalid UTF-8")
    errored = c.execute("SELECT step_name FROM step_executions WHERE run_id = ? GROUP BY step_name "
                        "HAVING sum(result = '' AND completed_at = '') = count(*)", (m["errored_step_run"],)).fetchall()
    check(sorted(r[0].decode() for r in errored) == m["errored_steps"], "errored steps have only start rows")
    labels = set(m["projects"])
    check(len(labels) == 5 and {"ws/api", "srv/api"} <= labels, "labels include ws/api and srv/api")
    hidden = c.execute("SELECT count(*) FROM runs WHERE project_dir = ?", (m["worktree_dir"],)).fetchone()[0]
    check(hidden >= 1 and m["worktree_dir"] not in m["projects"].values(), "worktree dir has runs, not listed")
    agents = {r[0] for r in c.execute("SELECT DISTINCT agent_name FROM step_executions")}
    check({b"claude", b"codex", b""} <= agents, "agents claude, codex and ''")
    c.close()


def check_files(m):
    main = m["projects"][m["main_project"]]
    for rel in (".cloche/build.cloche", ".cloche/host.cloche", ".cloche/docs.cloche", ".cloche/version",
                ".cloche/config.toml", ".cloche/Dockerfile", ".cloche/prompts/draft.md", ".gitignore"):
        check(os.path.isfile(os.path.join(main, rel)), "main project has " + rel)
    for k in ("long_log_run", "big_log_run", "hostile_run"):
        d = os.path.join(main, ".cloche", "logs")
        hits = [p for p, _, fs in os.walk(d) if "full.log" in fs and p.endswith("/" + m[k].split("-")[0])]
        check(len(hits) == 1, "%s has a v2 full.log" % k)
        if k == "long_log_run" and hits:
            with open(os.path.join(hits[0], "full.log"), "rb") as f:
                check(sum(1 for _ in f) > 5000, "long log has > 5000 lines")
        if k == "big_log_run" and hits:
            with open(os.path.join(hits[0], "full.log"), "rb") as f:
                longest = max(len(x) for x in f)
            check(longest > 2 * 1024 * 1024, "big log has a > 2 MiB line")
    leg = m["projects"][m["legacy_project"]]
    for rid in (m["legacy_run"], m["child_run"]):
        check(os.path.isfile(os.path.join(leg, ".cloche", rid, "output", "full.log")), "legacy log for " + rid)
    broken = m["projects"][m["broken_config_project"]]
    with open(os.path.join(broken, ".cloche", "config.toml")) as f:
        check("[orchestration\n" in f.read(), "broken project has an invalid config.toml")
    hist = m["prompt_history"][m["renamed_prompt"]]
    log = subprocess.run(["git", "-C", main, "log", "--follow", "--format=%H", "--", m["renamed_prompt"]],
                         capture_output=True, text=True).stdout.split()
    check(log == hist and len(hist) >= 4, "renamed prompt history follows the rename")
    check(os.path.isdir(os.path.join(m["worktree_dir"], ".cloche")), "worktree checkout exists")
    check(not os.path.exists("/tmp/cloche-evil"), "traversal task id created nothing outside")


def check_bench(d):
    out = os.path.join(d, "bench")
    t = time.time()
    r = subprocess.run([sys.executable, os.path.join(HERE, "gen_bench.py"), "--out", out, "--runs", "3000",
                        "--steps", "30000", "--projects", "5", "--commits", "50"], capture_output=True, text=True)
    check(r.returncode == 0, "gen_bench small run exit 0 (%.1fs) %s" % (time.time() - t, r.stderr[-300:]))
    with open(os.path.join(out, "manifest.json")) as f:
        m = json.load(f)
    c = sqlite3.connect("file:%s?mode=ro" % m["store"], uri=True)
    n_runs = c.execute("SELECT count(*) FROM runs").fetchone()[0]
    n_steps = c.execute("SELECT count(*) FROM step_executions").fetchone()[0]
    check(n_runs == 3000 and abs(n_steps - 30000) <= 2, "bench counts %d runs, %d steps" % (n_runs, n_steps))
    idx = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL ORDER BY 1")]
    check(idx == ["activity_log_project_ts", "repositories_project_dir"], "bench has no extra indexes")
    active = c.execute("SELECT count(*) FROM runs WHERE state IN ('running','pending')").fetchone()[0]
    check(0 < active < n_runs * 0.03, "bench has a few running/pending runs (%d)" % active)
    bad = c.execute("SELECT count(*) FROM runs WHERE is_host = 1 AND id <> attempt_id || '-main'").fetchone()[0]
    check(bad == 0, "bench host run ids are <attempt>-main")
    c.close()
    n = subprocess.run(["git", "-C", m["projects"][m["git_project"]], "rev-list", "--count", "HEAD"],
                       capture_output=True, text=True).stdout.strip()
    check(n == "50", "bench git project has 50 commits")


def main():
    keep = sys.argv[2] if len(sys.argv) == 3 and sys.argv[1] == "--keep" else None
    with tempfile.TemporaryDirectory() as d:
        out = keep or os.path.join(d, "demo")
        m = gen(out)
        check_store(m, out)
        check_files(m)
        m2 = gen(os.path.join(d, "demo2"))
        check(sorted(m2) == sorted(m) and m2["prompt_history"] == m["prompt_history"],
              "second run: same manifest keys and reproducible git history")
        check_bench(d)
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)


if __name__ == "__main__":
    main()
