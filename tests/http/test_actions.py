#!/usr/bin/python3
"""Actions through the real web server against the stand-in daemon
(tests/standin/cloched.py, started by tests/run.sh with --demo DEMO_DIR).

Every test makes its own rows (fresh IDs) in the store, so the file can run
once per front server against the same demo. It asserts the RPC the
stand-in received (its --record file) and the store row that changed.
Environment: DASH_URL, DEMO_DIR, CLOCHE_DB; STANDIN_RECORD / STANDIN_CONTROL
default to DEMO_DIR/standin-record.jsonl and DEMO_DIR/standin-control.json;
DASH_DAEMON_TIMEOUT_MS is the dashboard's deadline (default 10000)."""
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import base_url, check, delete, demo_dir, eq, get, post, run_tests  # noqa: E402
from actions_fixtures import add_run, cleanup, db, new_project, run_row, uid  # noqa: E402

RECORD = os.environ.get("STANDIN_RECORD") or os.path.join(demo_dir(), "standin-record.jsonl")
CONTROL = os.environ.get("STANDIN_CONTROL") or os.path.join(demo_dir(), "standin-control.json")
TIMEOUT_MS = int(os.environ.get("DASH_DAEMON_TIMEOUT_MS", "10000"))


def origin():
    u = urllib.parse.urlsplit(base_url())
    return "%s://%s" % (u.scheme, u.netloc)


def prefix():
    return urllib.parse.urlsplit(base_url()).path.rstrip("/")


def same_origin():
    return {"Origin": origin()}


def rec_mark():
    try:
        return os.path.getsize(RECORD)
    except OSError:
        return 0


def rpcs_since(mark, method=None):
    try:
        with open(RECORD) as f:
            f.seek(mark)
            out = [json.loads(line) for line in f if line.strip()]
    except OSError:
        return []
    return [r for r in out if method is None or r["method"] == method]


def control(**kw):
    tmp = CONTROL + ".tmp"
    with open(tmp, "w") as f:
        json.dump(kw, f)
    os.replace(tmp, CONTROL)
    time.sleep(0.05)


def jbody(b):
    return json.loads(b)


def pq(s):
    return urllib.parse.quote(s, safe="")


# ---- cancel -------------------------------------------------------------------

def test_stop_cancels_every_run_of_the_task():
    _, d = new_project()
    rid, task, attempt = add_run(d, "running")
    other, _, _ = add_run(d, "running", task=task, workflow="develop")
    m = rec_mark()
    st, _, body = post("/api/runs/%s/stop" % rid, same_origin())
    eq(st, 200, "status " + body.decode())
    eq(jbody(body), {"status": "ok"}, "body")
    calls = rpcs_since(m, "StopRun")
    eq([c["request"]["task_id"] for c in calls], [task], "StopRun task_id")
    eq(run_row(rid)["state"], "cancelled", "run state")
    eq(run_row(other)["state"], "cancelled", "other run of the task")
    check(run_row(rid)["completed_at"] != "", "completed_at set")


def test_stop_refuses_inactive_and_unknown_runs():
    _, d = new_project()
    rid, _, _ = add_run(d, "succeeded")
    m = rec_mark()
    st, _, body = post("/api/runs/%s/stop" % rid)
    eq((st, jbody(body)), (400, {"error": "run is not active"}), "finished run")
    st, _, body = post("/api/runs/no-such-run-%s/stop" % uid())
    eq((st, jbody(body)), (404, {"error": "run not found"}), "unknown run")
    eq(rpcs_since(m, "StopRun"), [], "no StopRun sent")


def test_stop_shows_the_daemon_error_text():
    _, d = new_project()
    rid, task, _ = add_run(d, "running")
    control(fail={"StopRun": 'task "%s" has no active runs' % task})
    try:
        st, _, body = post("/api/runs/%s/stop" % rid)
    finally:
        control()
    eq(st, 502, "status")
    eq(jbody(body)["error"], 'failed to stop run: task "%s" has no active runs' % task, "error")
    eq(run_row(rid)["state"], "running", "run untouched")


# ---- containers ------------------------------------------------------------------

def test_delete_container_clears_kept():
    _, d = new_project()
    rid, _, _ = add_run(d, "failed", container="c0ffee" + uid(), kept=1, workflow="develop")
    m = rec_mark()
    st, _, body = delete("/api/runs/%s/container" % rid, same_origin())
    eq((st, jbody(body)), (200, {"status": "ok"}), "answer")
    eq([c["request"]["id"] for c in rpcs_since(m, "DeleteContainer")], [rid], "DeleteContainer id = run ID")
    eq(run_row(rid)["container_kept"], 0, "container_kept")


def test_delete_container_of_running_run_refused():
    _, d = new_project()
    rid, _, _ = add_run(d, "running", container="beef" + uid(), kept=0, workflow="develop")
    m = rec_mark()
    st, _, body = delete("/api/runs/%s/container" % rid)
    eq(st, 409, "status")
    check("still active" in jbody(body)["error"], body)
    eq(rpcs_since(m, "DeleteContainer"), [], "no DeleteContainer sent")


def test_delete_container_without_container():
    _, d = new_project()
    rid, _, _ = add_run(d, "failed")
    st, _, body = delete("/api/runs/%s/container" % rid)
    eq((st, jbody(body)), (400, {"error": "container management not available"}), "answer")


def test_bulk_delete_project_containers():
    label, d = new_project()
    a, _, _ = add_run(d, "failed", container="aa" + uid(), kept=1, workflow="develop")
    b, _, _ = add_run(d, "cancelled", container="bb" + uid(), kept=1, workflow="develop")
    add_run(d, "failed", container="", kept=1, workflow="develop")       # no container: not a candidate
    live, _, _ = add_run(d, "running", container="cc" + uid(), kept=1, workflow="develop")
    m = rec_mark()
    st, _, body = delete("/api/projects/%s/containers" % pq(label), same_origin())
    eq(st, 200, "status " + body.decode())
    eq(jbody(body), {"deleted": 2, "errors": ["%s: run is still active" % live]}, "body")
    eq(sorted(c["request"]["id"] for c in rpcs_since(m, "DeleteContainer")), sorted([a, b]), "RPCs")
    eq((run_row(a)["container_kept"], run_row(b)["container_kept"], run_row(live)["container_kept"]), (0, 0, 1),
       "flags")


# ---- loop -----------------------------------------------------------------------

def test_trigger_reports_real_dispatches_and_loop_cycle():
    label, d = new_project(tasks=("T-%s" % uid(), "T-%s" % uid()))
    open(os.path.join(d, ".cloche", ".loop-stopped"), "w").write("stopped\n")
    m = rec_mark()
    st, _, body = post("/api/projects/%s/trigger" % pq(label), same_origin())
    eq(st, 200, "status " + body.decode())
    j = jbody(body)
    eq((j["status"], j["project"]), ("ok", label), "status/project")
    eq(j["dispatched"], 2, "dispatched: %s" % j)
    eq(len(j["attempts"]), 2, "attempts listed")
    for a in j["attempts"]:
        eq(a["run_id"], a["attempt_id"] + "-main", "run id")
        check(run_row(a["run_id"]) is not None, "run row exists")
    eq([c["request"]["project_dir"] for c in rpcs_since(m, "EnableLoop")], [d], "EnableLoop project_dir")
    check(not os.path.exists(os.path.join(d, ".cloche", ".loop-stopped")), "flag removed")
    eq(jbody(get("/api/projects/%s/loop/status" % pq(label))[2]), {"running": True}, "loop status")

    st, _, body = post("/api/projects/%s/loop/stop" % pq(label), same_origin())
    eq((st, jbody(body)), (200, {"project": label, "status": "ok"}), "loop stop")
    eq(open(os.path.join(d, ".cloche", ".loop-stopped")).read(), "stopped\n", "flag file")
    eq(jbody(get("/api/projects/%s/loop/status" % pq(label))[2]), {"running": False}, "loop status after stop")
    eq(len(rpcs_since(m, "DisableLoop")), 1, "DisableLoop sent")


def test_trigger_with_no_tasks_ready():
    label, d = new_project()
    st, _, body = post("/api/projects/%s/trigger" % pq(label))
    eq(st, 200, "status")
    j = jbody(body)
    eq((j["dispatched"], j["attempts"]), (0, []), "nothing dispatched")
    post("/api/projects/%s/loop/stop" % pq(label))


def test_broken_config_never_reaches_the_daemon():
    label, d = new_project()
    with open(os.path.join(d, ".cloche", "config.toml"), "w") as f:
        f.write('active = true\n[orchestration\nconcurrency = = 2\n')
    m = rec_mark()
    st, _, body = post("/api/projects/%s/trigger" % pq(label), same_origin())
    eq(st, 409, "trigger status")
    check("config.toml" in jbody(body)["error"], body)
    st, _, body = get("/api/projects/%s/loop/status" % pq(label))
    eq(st, 200, "loop status")
    j = jbody(body)
    eq((j["running"], j["source"]), (False, "flag-file"), "fallback answer")
    eq([c["method"] for c in rpcs_since(m) if c["method"] in ("EnableLoop", "GetProjectInfo")], [],
       "no EnableLoop/GetProjectInfo")


# ---- release ----------------------------------------------------------------------

def test_release_works_every_time():
    label, d = new_project()
    task = "REL-" + uid()
    add_run(d, "failed", task=task)
    c = db()
    before = c.execute("SELECT count(*) FROM attempts WHERE task_id=?", (task,)).fetchone()[0]
    c.close()
    for i in range(2):
        m = rec_mark()
        st, _, body = post("/api/projects/%s/tasks/%s/release" % (pq(label), pq(task)), same_origin())
        eq(st, 200, "release %d: %s" % (i, body.decode()))
        j = jbody(body)
        eq((j["status"], j["state"]), ("ok", "succeeded"), "answer")
        calls = rpcs_since(m, "RunWorkflow")
        eq(len(calls), 1, "one RunWorkflow")
        req, md = calls[0]["request"], calls[0]["metadata"]
        eq((req["workflow_name"], req["issue_id"], req["project_dir"]), ("release-task", task, d), "fields")
        eq(md.get("x-cloche-attempt-id"), j["attempt_id"], "attempt metadata")
        row = run_row(j["run_id"])
        eq((row["task_id"], row["attempt_id"], row["state"]), (task, j["attempt_id"], "succeeded"), "run row")
    c = db()
    eq(c.execute("SELECT count(*) FROM attempts WHERE task_id=?", (task,)).fetchone()[0], before, "no new attempts")
    c.close()


# ---- safety -----------------------------------------------------------------------

def test_cross_site_post_refused():
    _, d = new_project()
    rid, _, _ = add_run(d, "running")
    m = rec_mark()
    st, _, _ = post("/api/runs/%s/stop" % rid, {"Origin": "http://evil.example"})
    eq(st, 403, "Origin")
    st, _, _ = post("/api/runs/%s/stop" % rid, {"Sec-Fetch-Site": "cross-site"})
    eq(st, 403, "Sec-Fetch-Site")
    eq(rpcs_since(m), [], "nothing sent to the daemon")
    eq(run_row(rid)["state"], "running", "run untouched")


def test_get_never_mutates():
    label, d = new_project()
    rid, _, _ = add_run(d, "running")
    m = rec_mark()
    for path in ("/api/runs/%s/stop" % rid, "/api/runs/%s/container" % rid,
                 "/api/projects/%s/trigger" % pq(label), "/api/projects/%s/loop/stop" % pq(label),
                 "/api/projects/%s/tasks/x/release" % pq(label), "/api/containers"):
        st, h, _ = get(path)
        eq(st, 405, "GET " + path)
    eq([c["method"] for c in rpcs_since(m) if c["method"] != "GetVersion"], [], "no action RPC")
    eq(run_row(rid)["state"], "running", "run untouched")


def test_daemon_down_503():
    label, d = new_project()
    control(down=True)
    try:
        time.sleep(0.6)
        st, _, body = post("/api/projects/%s/loop/stop" % pq(label))
        eq(st, 503, "status " + body.decode())
        check("not reachable" in jbody(body)["error"], body)
        st, _, body = get("/api/projects/%s/loop/status" % pq(label))
        j = jbody(body)
        eq((st, j["source"]), (200, "flag-file"), "loop status fallback")
        # No flag file, but without the daemon nobody knows: never "running".
        eq((j["running"], j["loop_stopped_flag"]), (False, False), "fallback is not a guess")
        check("would_autostart" in j, "auto-start prediction labelled as such")
    finally:
        control()
        time.sleep(0.8)
    check(not os.path.exists(os.path.join(d, ".cloche", ".loop-stopped")), "nothing happened")


def test_daemon_slow_504():
    label, d = new_project()
    control(delay_ms=TIMEOUT_MS + 1500, delay_methods=["DisableLoop"])
    try:
        t = time.time()
        st, _, body = post("/api/projects/%s/loop/stop" % pq(label))
        took = time.time() - t
    finally:
        control()
    eq(st, 504, "status " + body.decode())
    check("did not answer" in jbody(body)["error"], body)
    check(took < TIMEOUT_MS / 1000.0 + 1.0, "answered within the deadline (%.1fs)" % took)


def test_daemon_unimplemented_502():
    label, d = new_project()
    control(fail={"DisableLoop": "UNIMPLEMENTED:method DisableLoop not implemented"})
    try:
        st, _, body = post("/api/projects/%s/loop/stop" % pq(label))
    finally:
        control()
    eq((st, jbody(body)), (502, {"error": "method DisableLoop not implemented"}), "answer")


# ---- forms and pages ----------------------------------------------------------------

def test_form_post_redirects_with_flash():
    label, d = new_project()
    rid, task, _ = add_run(d, "running")
    nxt = prefix() + "/runs/" + rid
    hdr = dict(same_origin(), **{"Content-Type": "application/x-www-form-urlencoded"})
    st, h, _ = post("/api/runs/%s/stop" % rid, hdr, body="next=" + urllib.parse.quote(nxt, safe=""))
    eq(st, 303, "status")
    loc = h["location"]
    check(loc.startswith(nxt + "?flash="), "location " + loc)
    check(task in urllib.parse.unquote(loc), "flash names the task")
    eq(run_row(rid)["state"], "cancelled", "run cancelled")
    # errors come back as flash_error; a foreign `next` is ignored
    st, h, _ = post("/api/runs/%s/stop" % rid, hdr, body="next=" + urllib.parse.quote("//evil.example/x"))
    eq(st, 303, "status")
    check(h["location"].startswith(prefix() + "/?flash_error=run%20is%20not%20active"), h["location"])


def test_form_delete_override():
    _, d = new_project()
    rid, _, _ = add_run(d, "failed", container="dd" + uid(), kept=1, workflow="develop")
    hdr = dict(same_origin(), **{"Content-Type": "application/x-www-form-urlencoded"})
    st, h, _ = post("/api/runs/%s/container?_method=DELETE" % rid, hdr, body="")
    eq(st, 303, "status")
    check("flash=" in h["location"], h["location"])
    eq(run_row(rid)["container_kept"], 0, "container_kept")


def test_footer_shows_daemon_version():
    st, _, body = get("/")
    eq(st, 200, "status")
    check("daemon 3.18.2" in body.decode(), "footer")


def test_overview_has_trigger_form():
    st, _, body = get("/")
    text = body.decode()
    check('class="inline-form js-action' in text, "js-action form")
    check("/static/actions.js" in text, "actions.js")


# ---- models that follow the store (projects_live.c, attempts_latest.c) ---------
# Each responder process keeps the project list and the latest attempts and
# follows store changes rather than rescanning; these read every process
# (several requests each) before and after a change.

def every_answer(path, n=4):
    out = []
    for _ in range(n):
        st, _, body = get(path)
        eq(st, 200, "GET " + path)
        out.append(body.decode())
    return out


def project_entry(label):
    for _ in range(4):
        st, _, body = get("/api/projects")
        eq(st, 200, "/api/projects")
        got = [p for p in json.loads(body) if p["label"] == label]
        yield got[0] if got else None


def test_kept_counts_follow_a_container_delete():
    label, d = new_project()
    a, _, _ = add_run(d, "failed", container="k1" + uid(), kept=1, workflow="develop")
    add_run(d, "cancelled", container="k2" + uid(), kept=1, workflow="develop")
    page, runs = "/projects/%s" % pq(label), "/projects/%s/runs" % pq(label)
    for t in every_answer(page):
        check(">Delete 2 containers</button>" in t, "project page before: 2 kept")
    for t in every_answer(runs):
        check("Clean up 2 old containers" in t, "runs page before: 2 kept")
    st, _, body = delete("/api/runs/%s/container" % a, same_origin())
    eq(st, 200, "delete: " + body.decode())
    # a finished run's row rewritten: no new row, no open run changed
    for t in every_answer(page):
        check(">Delete 1 container</button>" in t and "Delete 2" not in t, "project page after: 1 kept")
    for t in every_answer(runs):
        check("Clean up 1 old container<" in t, "runs page after: 1 kept")


def test_active_count_and_health_follow_run_state():
    label, d = new_project()  # one succeeded run
    rid, _, _ = add_run(d, "running")
    for e in project_entry(label):
        eq((e["active_count"], e["health"]), (1, {"status": "green", "passed": 1, "failed": 0, "total": 2}),
           "while running")
    c = db()
    c.execute("UPDATE runs SET state = 'failed', completed_at = started_at WHERE id = ?", (rid,))
    c.close()
    for e in project_entry(label):
        eq((e["active_count"], e["health"]), (0, {"status": "yellow", "passed": 1, "failed": 1, "total": 2}),
           "after it failed")


def test_in_progress_task_follows_the_attempt():
    label, d = new_project()
    rid, task, attempt = add_run(d, "running")
    path = "/api/projects/%s/tasks" % pq(label)
    for t in every_answer(path):
        eq([e["id"] for e in json.loads(t)], [task], "in progress while the attempt runs")
    # the loop ends the attempt: the daemon saves it again (INSERT OR REPLACE)
    c = db()
    row = c.execute("SELECT task_id, started_at, project_dir FROM attempts WHERE id = ?", (attempt,)).fetchone()
    c.execute("INSERT OR REPLACE INTO attempts (id, task_id, started_at, ended_at, result, project_dir, "
              "previous_attempt_id) VALUES (?, ?, ?, ?, 'succeeded', ?, '')",
              (attempt, row[0], row[1], row[1], row[2]))
    c.execute("UPDATE runs SET state = 'succeeded', completed_at = started_at WHERE id = ?", (rid,))
    c.close()
    for t in every_answer(path):
        eq(json.loads(t), [], "nothing in progress once the attempt ended")


def test_pruned_project_leaves_the_list():
    """The daemon never deletes runs; someone pruning the store does."""
    label, d = new_project()
    rid, task, _ = add_run(d, "failed")
    for e in project_entry(label):
        check(e is not None, "listed")
    for t in every_answer("/runs"):
        check(rid in t, "newest run on /runs")
    for t in every_answer("/api/failed-tasks"):
        check(task in t, "its task failed")
    c = db()
    c.execute("DELETE FROM runs WHERE project_dir = ?", (d,))
    c.close()
    for e in project_entry(label):
        eq(e, None, "gone from /api/projects")
    for t in every_answer("/runs"):
        check(rid not in t, "gone from /runs (the run index)")
    for t in every_answer("/api/failed-tasks"):
        check(task not in t, "its task gone from /api/failed-tasks")
    st, _, _ = get("/projects/%s" % pq(label))
    eq(st, 404, "its page")


def test_zz_cleanup_fixtures():
    """Last: the loops of our projects have finished their runs, then every
    fixture row and directory goes, so later test files see the plain demo."""
    time.sleep(2)
    cleanup()
    c = db()
    n = c.execute("SELECT count(*) FROM runs WHERE project_dir LIKE ?",
                  (os.path.join(demo_dir(), "projects", "act-") + "%",)).fetchone()[0]
    c.close()
    eq(n, 0, "fixture runs left")
    check(not [p for p in os.listdir(os.path.join(demo_dir(), "projects")) if p.startswith("act-")], "dirs left")


run_tests(globals())
