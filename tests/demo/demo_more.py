"""Runs of the smaller demo projects: srv/api (continuous mode, offset trap),
the HTML-named project, the legacy project and the broken-config project,
plus the hidden .gitworktrees/ project dir and the release-task run."""
import datetime as dt
import os

from demo_logs import claude_events, sj
from demo_main import HOUR, MIN, hexid
from demo_store import SEC, S, host_attempt
from demo_util import logts, write


def srv(b, P, now, m):
    ago = lambda d: now - d  # noqa: E731
    b.task("SRV-1", "Upgrade deps", P, ago(21 * MIN))
    host_attempt(b, P, "SRV-1", ago(20 * MIN), [
        S("build", dur=30), S("review", "agent", "success", 90, agent="codex", tin=2500, tout=800),
        S("bin")], "succeeded", "Upgrade deps")
    b.task("SRV-2", "Flaky <test>", P, ago(10.1 * HOUR))
    host_attempt(b, P, "SRV-2", ago(10 * HOUR), [
        S("build"), S("review", "agent", "fail", 60, agent="claude", tin=3100, tout=450)],
        "failed", "Flaky <test>", error="container exited with code 2", off=120)
    # Continuous mode: task_id '' -> no task/attempt rows, no findable logs.
    c1 = host_attempt(b, P, "", ago(15 * HOUR), [
        S("build"), S("review", "agent", "success", 60, agent="claude", tin=1500, tout=300), S("bin")],
        "succeeded")
    host_attempt(b, P, "", ago(27 * HOUR), [
        S("build"), S("review", "agent", "fail", 60, agent="codex", tin=800, tout=100)], "failed",
        error="daemon restarted while run was active")
    # Offset trap (T5): finished ~13 min ago but written at +02:00, so its text
    # sorts after a UTC "now" bound.
    tz = host_attempt(b, P, "", ago(15 * MIN), [
        S("build"), S("review", "agent", "success", 60, agent="claude", tin=777, tout=111), S("bin")],
        "succeeded", off=120)
    m.update(continuous_run=c1["id"], tz_trap_run=tz["id"])


def html(b, P, now, m):
    ago = lambda d: now - d  # noqa: E731
    t = "T\"<x>&'1"
    b.task(t, "<script>alert('title')</script>", P, ago(6.1 * HOUR))
    r = host_attempt(b, P, t, ago(6 * HOUR), [
        S("peek", "agent", "success", 30, agent="claude", tin=100, tout=10),
        S("shout", out=[b"<script>alert(1)</script>", b"\x1b[31mred\x1b[0m"]), S("escape")],
        "succeeded", "<script>alert('title')</script>", title="<b>bold</b> run")
    m.update(hostile_task=t, hostile_task_run=r["id"])
    t = "UTF8-BAD"
    b.task(t, "placeholder", P, ago(31 * HOUR))
    r = host_attempt(b, P, t, ago(30 * HOUR), [S("peek", "agent", "fail", 30)], "failed", "placeholder")
    bad = b"caf\xc3 \xff\xfe title"
    b.conn.execute("UPDATE runs SET task_title = CAST(? AS TEXT), title = CAST(? AS TEXT) WHERE pk = ?",
                   (bad, bad, r["pk"]))
    b.conn.execute("UPDATE tasks SET title = CAST(? AS TEXT) WHERE id = ?", (bad, t))
    m.update(bad_utf8_task=t, bad_utf8_run=r["id"],
             traversal_prompt={"project": os.path.basename(P), "workflow": "main", "step": "peek"},
             traversal_script={"project": os.path.basename(P), "workflow": "main", "step": "escape"})


def legacy_output(P, rid, files):
    d = os.path.join(P, ".cloche", rid, "output")
    for name, data in files.items():
        write(os.path.join(d, name), data)


def legacy(b, P, now, m, rng):
    ago = lambda d: now - d  # noqa: E731
    t0 = ago(40 * HOUR)
    host = b.run(id="main-7f3a", workflow_name="main", state="succeeded", project_dir=P, is_host=1,
                 task_id="LEG-1", task_title="Legacy <i>task</i>", started_at=b.ts(t0),
                 completed_at=b.ts(t0 + 30 * MIN), error_message=None, container_id=None, base_sha=None)
    child = b.run(id="develop-proud-nest-06cd", workflow_name="develop", state="succeeded", project_dir=P,
                  task_id="LEG-1", parent_run_id="main-7f3a", parent_step_name="develop",
                  container_id=hexid(rng, 64), base_sha=hexid(rng, 40), started_at=b.ts(t0 + MIN),
                  completed_at=b.ts(t0 + 25 * MIN), error_message=None)
    for rid, steps in ((host["id"], (("claim", 1, 2, "success"), ("develop", 3, 28, "success"))),
                       (child["id"], (("implement", 2, 20, "success"), ("test", 21, 24, "success")))):
        for name, s, e, res in steps:
            b.step_start(rid, name, t0 + s * MIN)
            b.step_end(rid, name, t0 + e * MIN, res)
    L = lambda mins, typ, c: b"[%s] [%s] %s" % (logts(t0 + mins * MIN).encode(), typ, c)  # noqa: E731
    legacy_output(P, host["id"], {
        "full.log": b"\n".join([L(1, b"status", b"step_started: claim"), L(2, b"script", b"claimed LEG-1"),
                                L(2, b"status", b"step_completed: claim -> success"),
                                L(3, b"status", b"step_started: develop"),
                                L(28, b"status", b"step_completed: develop -> success")]) + b"\n",
        "claim.log": b"claimed LEG-1\n"})
    ev = claude_events("Legacy implement <b>step</b>")
    legacy_output(P, child["id"], {
        "full.log": b"\n".join([L(20, b"llm", x) for x in ev] + [L(24, b"script", b"ok  tests passed")]) + b"\n",
        "implement.log": b"\n".join(ev) + b"\n", "llm-implement.log": b"\n".join(ev) + b"\n",
        "test.log": b"ok  tests passed\n",
        "container.log": sj({"type": "run_completed", "result": "succeeded"}) + b"\n"})
    b.run(id="list-tasks-8c1d", workflow_name="list-tasks", state="succeeded", project_dir=P, is_host=1,
          started_at=b.ts(ago(41 * HOUR)), completed_at=b.ts(ago(41 * HOUR) + 5 * SEC))
    z = b.run(id="develop-old-zero-0001", workflow_name="develop", state="failed", project_dir=P,
              started_at="0001-01-01T00:00:00Z", completed_at=None, error_message=None,
              container_id=None, base_sha=None)
    b.run(id="orphan-run-0000", workflow_name="develop", state="succeeded", project_dir="",
          started_at=b.ts(ago(50 * HOUR)), completed_at=b.ts(ago(49 * HOUR)))
    # v3 era: bare workflow-name ids shared by two attempts of one task.
    b.task("LEG-2", "Shared run id", P, ago(35 * HOUR))
    for h in (34, 33):
        host_attempt(b, P, "LEG-2", ago(h * HOUR), [S("implement"), S("test")],
                     "succeeded" if h == 33 else "failed", "Shared run id", wf="develop", rid="develop",
                     is_host=0)
    m.update(legacy_run=host["id"], child_run=child["id"], zero_time_run=z["id"], shared_id_run="develop",
             list_tasks_run="list-tasks-8c1d")


def broken(b, P, now, m):
    ago = lambda d: now - d  # noqa: E731
    b.task("BRK-1", "Broken config project", P, ago(5.1 * HOUR))
    host_attempt(b, P, "BRK-1", ago(5 * HOUR), [S("build", "script", "fail")], "failed", "Broken config",
                 error='step "build" returned undeclared result "maybe"')
    host_attempt(b, P, "BRK-1", ago(4.5 * HOUR), [S("build"), S("review", "agent", "success", 30), S("bin")],
                 "succeeded", "Broken config")


def extras(b, P, WT, now, m):
    ago = lambda d: now - d  # noqa: E731
    b.task("WT-1", "Worktree task", WT, ago(3.1 * HOUR))
    r = host_attempt(b, WT, "WT-1", ago(3 * HOUR), [S("claim")], "succeeded", logs=False)
    m["worktree_run"] = r["id"]
    rel = b.run(id="release-task", workflow_name="release-task", state="succeeded", project_dir=P, is_host=1,
                task_id="cloche-f41l", started_at=b.ts(ago(2.8 * HOUR)), completed_at=b.ts(ago(2.79 * HOUR)))
    b.step_start(rel["id"], "reopen", ago(2.8 * HOUR) + SEC)
    b.step_end(rel["id"], "reopen", ago(2.79 * HOUR), "success")
    m["release_run"] = rel["id"]
    b.task("../../../../../../tmp/cloche-evil", "Traversal", P, ago(9.1 * HOUR))
    tr = host_attempt(b, P, "../../../../../../tmp/cloche-evil", ago(9 * HOUR), [S("claim")], "succeeded",
                      logs=False)
    m["traversal_run"] = tr["id"]
    b.conn.execute("INSERT INTO evolution_log VALUES (?,?,?,?,?,?,?,?)",
                   ("evo-%d" % int(ago(10 * HOUR).timestamp() * 1e9), P, "develop", m["kept_container_run"],
                    b.ts(ago(10 * HOUR)), "bug", "3 changes", "2 lessons applied"))
    b.conn.execute("INSERT INTO _migrations VALUES (?, ?)",
                   ("v2-logs:" + P, ago(48 * HOUR).strftime("%Y-%m-%dT%H:%M:%SZ")))
