"""Run-centred routes on the demo: /api/runs (+project), /api/runs/{id},
/api/tasks, /api/failed-tasks (http.md 3.2-3.9, 4.2-4.6) and the pages
/runs, /projects/{name}/runs, /runs/{id}, /tasks/{id}, /failed-tasks:
shapes and key order, the ?project= 302, 404/400 cases, escaping of
hostile titles, paging and the state/q filters."""
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, eq, get, get_json, demo_dir, manifest, run_tests  # noqa: E402




M = manifest()
RUN_KEYS = ["id", "workflow_name", "project_dir", "project_label", "state", "current_step",
            "started_at", "completed_at", "timing", "container_id", "error_message", "title",
            "is_host", "parent_run_id", "task_id"]
ENTRY_KEYS = ["task_header", "task_id", "task_title", "task_status", "attempt_header",
              "attempt_num", "attempt_status", "attempt_time", "is_parent", "is_child", "run"]
STEP_KEYS = ["step_name", "result", "started_at", "completed_at", "duration", "agent_name",
             "input_tokens", "output_tokens", "has_usage", "index", "run_id", "depth",
             "is_workflow", "parent_index", "child_run_id", "child_state"]
STATES = {"pending", "running", "waiting", "succeeded", "failed", "cancelled", "parked"}


def seg(s):
    return urllib.parse.quote(s, safe="")


def ordered(keys, allowed, required, what):
    check(set(required) <= set(keys), f"{what}: missing {set(required) - set(keys)} in {keys}")
    pos = [allowed.index(k) for k in keys if k in allowed]
    check(len(pos) == len(keys), f"{what}: unexpected keys {set(keys) - set(allowed)}")
    check(pos == sorted(pos), f"{what}: key order {keys}")


def check_run(run, what):
    ordered(list(run), RUN_KEYS, [k for k in RUN_KEYS if k not in
            ("current_step", "parent_run_id", "task_id")], what)
    if "current_step" in run:
        eq(run["state"], "running", what + " current_step only while running")
    for k in ("started_at", "completed_at"):
        v = run[k]
        check(v == "" or (len(v) == 19 and v[10] == " "), f"{what}: {k} {v!r} is not a display time")
    check(isinstance(run["is_host"], bool), what + ": is_host bool")


def raw(path):
    st, h, body = get(path)
    return st, h, body.decode("utf-8", "replace")


def entries(path="/api/runs"):
    st, h, body = get(path)
    eq(st, 200, path)
    eq(h.get("content-type"), "application/json", path + " content type")
    return json.loads(body), h


def test_api_runs_shape():
    es, _ = entries()
    check(isinstance(es, list) and es, "entries")
    ids = []
    for e in es:
        ordered(list(e), ENTRY_KEYS, [], "entry")
        if "run" in e:
            check_run(e["run"], "entry run " + e["run"]["id"])
            ids.append(e["run"]["id"])
        if e.get("task_header"):
            check(e["task_status"] in STATES, "task_status " + e["task_status"])
    check(M["list_tasks_run"] not in ids, "list-tasks runs are hidden")
    dups = {i for i in ids if ids.count(i) > 1} - {M["shared_id_run"]}
    eq(dups, set(), "each run row once (orphans are not repeated, D7)")
    check(M["running_run"] in ids and M["legacy_run"] in ids, "running and legacy runs listed")


def test_multi_attempt_task_grouping():
    es, _ = entries()
    task = M["multi_attempt_task"]
    i = next(i for i, e in enumerate(es) if e.get("task_header") and e["task_id"] == task)
    nums = []
    for e in es[i + 1:]:
        if e.get("task_header") or ("run" in e and not e.get("is_child")):
            break
        if e.get("attempt_header"):
            eq(e["task_id"], task, "attempt header task")
            nums.append(e["attempt_num"])
        else:
            check(e.get("is_child"), "rows in a task group are is_child")
    check(len(nums) >= 2, f"{task} has several attempts: {nums}")
    eq(nums, list(range(len(nums), 0, -1)), "attempts newest first, numbered down to 1")


def test_project_redirects():
    d = M["projects"]["ws/api"]
    st, h, _ = get("/api/runs?project=" + seg(d))
    eq(st, 302, "api redirect")
    check(h["location"].endswith("/api/projects/ws%2Fapi/runs"), h["location"])
    st, h, _ = get("/runs?project=" + seg(d) + "&state=failed")
    eq(st, 302, "page redirect")
    check(h["location"].endswith("/projects/ws%2Fapi/runs?state=failed"), h["location"])
    st, _, _ = get("/api/runs?project=/no/such/dir")
    eq(st, 200, "unknown ?project= is ignored (D5)")


def test_project_runs():
    es, _ = entries("/api/projects/ws%2Fapi/runs")
    runs = [e["run"] for e in es if "run" in e]
    check(runs, "ws/api has runs")
    for r in runs:
        eq(r["project_label"], "ws/api", "project filter")
    st, h, body = get("/api/projects/no-such-project/runs")
    eq(st, 404, "unknown label")
    eq(json.loads(body), {"error": "project not found"}, "404 body")
    st, _, html = raw("/projects/no-such-project/runs")
    eq(st, 404, "unknown label page")


def test_run_detail():
    r = get_json("/api/runs/" + seg(M["running_run"]))
    keys = list(r)
    ordered([k for k in keys if k not in ("container_state", "steps", "child_runs")], RUN_KEYS, ["id"], "run")
    check(keys.index("container_state") > keys.index("is_host"), "container_state after run keys")
    check(r["container_state"] in ("running", "available", "stopped", "removed"), r["container_state"])
    eq(r["state"], "running", "state")
    check(r.get("current_step"), "current_step of a running run")
    check(isinstance(r["steps"], list) and r["steps"], "steps")
    for i, s in enumerate(r["steps"]):
        ordered(list(s), STEP_KEYS, ["step_name", "result", "duration", "index", "run_id", "depth", "parent_index"], "step")
        eq(s["index"], i, "indexes are sequential")
    st, h, body = get("/api/runs/no-such-run")
    eq((st, body), (404, b"run not found\n"), "unknown run")
    eq(h.get("content-type"), "text/plain; charset=utf-8", "404 type")


def test_errored_steps_shown():
    r = get_json("/api/runs/" + seg(M["errored_step_run"]))
    names = {s["step_name"]: s for s in r["steps"] or []}
    for name in M["errored_steps"]:
        check(name in names, f"errored step {name} listed")
        eq(names[name]["result"], "", f"{name} has no result")
    st, _, html = raw("/runs/" + seg(M["errored_step_run"]))
    eq(st, 200, "run page")
    if r["state"] in ("failed", "succeeded", "cancelled"):
        check("did not complete" in html, "errored steps of a finished run are not 'running'")


def test_children():
    child = get_json("/api/runs/" + seg(M["child_run"]))
    parent = child.get("parent_run_id")
    check(parent, "child run has a parent")
    p = get_json("/api/runs/" + seg(parent))
    check(any(c["id"] == M["child_run"] for c in p.get("child_runs", [])), "parent lists the child")
    st, _, html = raw("/runs/" + seg(parent))
    check("Child Runs" in html, "child runs table")


def test_run_pages():
    for key in ("running_run", "legacy_run", "kept_container_run", "parked_run", "tz_trap_run"):
        st, _, html = raw("/runs/" + seg(M[key]))
        eq(st, 200, key)
        check("id=\"steps-table\"" in html, key + " steps table")
    st, _, html = raw("/runs/" + seg(M["kept_container_run"]))
    check(M["kept_container_id"] in html, "full container id shown")
    st, _, html = raw("/runs/" + seg(M["running_run"]))
    check("/stop\"" in html and "EVERY unfinished run of task" in html, "cancel form warns about the task")
    st, _, html = raw("/runs/no-such-run")
    eq(st, 404, "unknown run page")
    check("<html" in html, "404 page is HTML")


def test_hostile_text_escaped():
    for path in ("/runs", "/runs/" + seg(M["hostile_run"]), "/failed-tasks",
                 "/tasks/" + seg(M["hostile_task_main"]), "/tasks/" + seg(M["hostile_task"])):
        st, _, html = raw(path)
        eq(st, 200, path)
        for bad in ("<script>alert", "<img src=x", "<x>"):
            check(bad not in html, f"{path}: raw {bad!r}")
    st, _, html = raw("/runs/" + seg(M["hostile_run"]))
    check("&lt;script&gt;alert(" in html, "hostile error shown escaped")
    st, _, html = raw("/runs/" + seg(M["bad_utf8_run"]))
    eq(st, 200, "bad utf-8 run")
    check("\ufffd" in html, "invalid UTF-8 shows as U+FFFD")


def test_task_page():
    task = M["multi_attempt_task"]
    st, _, html = raw("/tasks/" + seg(task))
    eq(st, 200, "task page")
    for s in ("Attempt #1", "Attempt #2", "badge-", "task-token-total"):
        check(s in html, "task page shows " + s)
    st, _, html = raw("/tasks/no-such-task")
    eq(st, 404, "unknown task")


def test_tasks_api():
    ts = get_json("/api/tasks")
    check(isinstance(ts, list) and ts, "tasks")
    allowed = ["task_id", "task_title", "project_label", "status", "attempt_count", "latest_result", "latest_time"]
    for t in ts:
        ordered(list(t), allowed, ["task_id", "status", "attempt_count"], "task summary")
        check(t["attempt_count"] >= 1, "attempt_count")
    multi = next(t for t in ts if t["task_id"] == M["multi_attempt_task"])
    check(multi["attempt_count"] >= 2, "multi attempt count")


def test_failed_tasks():
    fs = get_json("/api/failed-tasks")
    check(isinstance(fs, list), "list")
    allowed = ["task_id", "task_title", "project_label", "failed_count", "latest_run_id",
               "latest_error", "latest_time", "open_in_bead"]
    for f in fs:
        ordered(list(f), allowed, ["task_id", "failed_count", "latest_run_id", "open_in_bead"], "failed task")
        check(f["failed_count"] >= 1 and f["open_in_bead"] is False, "failed entry")
        r = get_json("/api/runs/" + seg(f["latest_run_id"]))
        eq(r["state"], "failed", "latest run of a failed task failed")
    st, _, html = raw("/failed-tasks")
    eq(st, 200, "page")
    check("failed-live" in html and "runs.js" in html, "refreshing container")
    for f in fs:
        check("/tasks/" + seg(f["task_id"]) in html, "link to task " + f["task_id"])


def test_paging_and_filters():
    st, h, body = get("/api/runs?page=1&per=2")
    eq(st, 200, "paged")
    es = json.loads(body)
    total = int(h["x-total-items"])
    check(total >= 3, "several items")
    tops = [e for e in es if e.get("task_header") or ("run" in e and not e.get("is_child"))]
    eq(len(tops), 2, "two items on page 1")
    last = (total + 1) // 2
    es2 = json.loads(get("/api/runs?page=%d&per=2" % last)[2])
    check(1 <= len([e for e in es2 if e.get("task_header") or ("run" in e and not e.get("is_child"))]) <= 2, "last page")
    eq(json.loads(get("/api/runs?page=%d&per=2" % (last + 1))[2]), [], "past the end")
    fs = json.loads(get("/api/runs?state=failed")[2])
    check(fs, "failed items")
    for e in fs:
        if e.get("task_header"):
            eq(e["task_status"], "failed", "task status filter")
        elif "run" in e and not e.get("is_child"):
            eq(e["run"]["state"], "failed", "run state filter")
    q = json.loads(get("/api/runs?q=" + seg(M["hostile_task_main"].lower()))[2])
    check(any(e.get("task_id") == M["hostile_task_main"] for e in q), "q finds the task id, any case")
    st, _, html = raw("/runs?per=3")
    check("runs-pager" in html and "Page 1 of" in html, "pager")


def test_bad_input():
    for path in ("/api/runs?page=0", "/api/runs?page=x", "/api/runs?per=501",
                 "/api/runs?state=bogus", "/runs?page=-1", "/runs?state=%3Cx%3E",
                 "/failed-tasks?page=0", "/api/runs/" + "a" * 600, "/runs/%2E%2E"):
        st, h, _ = get(path)
        eq(st, 400, path)
    st, h, body = get("/api/runs?per=0")
    eq(st, 400, "per=0")
    check(json.loads(body).get("error"), "JSON error on /api")


run_tests(globals())
