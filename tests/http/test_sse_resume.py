#!/usr/bin/python3
"""Resume after the run has ended (docs/sse.md "One position for both
paths"): a client that reconnects with its Last-Event-ID to a finished run
gets only what comes after that ID, then done — for file IDs (v2 and
legacy layouts) and for IDs of the daemon's live stream, whose lines reach
the file in a different shape (http.md 6.8). Without the stand-in daemon
(CLOCHE_ADDR) the live test fails rather than pass unseen.

Env (tests/run.sh): DASH_URL, DEMO_DIR, CLOCHE_DB, CLOCHE_ADDR.
"""
import json
import os
import sqlite3
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, eq, get_json, run_tests  # noqa: E402
from sse_client import (OwnRun, Stream, contents, data_events, line, live_project, manifest,  # noqa: E402
                        start_live_run, stream_path)


class LegacyRun(OwnRun):
    """A run without task/attempt: its log is .cloche/<id>/output/full.log."""

    def __init__(self, lines=()):
        m = manifest()
        self.project = m["projects"][m["main_project"]]
        self.id = "sse-legacy-%d-%d" % (os.getpid(), int(time.time() * 1000) % 10**9)
        self.dir = os.path.join(self.project, ".cloche", self.id, "output")
        os.makedirs(self.dir)
        self.log = os.path.join(self.dir, "full.log")
        with open(self.log, "wb") as f:
            f.writelines(lines)
        db = sqlite3.connect(os.environ["CLOCHE_DB"], timeout=10)
        cols = [r[1] for r in db.execute("PRAGMA table_info(runs)")]
        row = {"id": self.id, "workflow_name": "main", "state": "running", "started_at": "2026-01-01T00:00:00Z",
               "project_dir": self.project, "is_host": 1, "task_id": "", "attempt_id": "", "title": "legacy"}
        keys = [k for k in row if k in cols]
        db.execute("INSERT INTO runs (%s) VALUES (%s)" % (",".join(keys), ",".join("?" * len(keys))),
                   [row[k] for k in keys])
        db.commit()
        db.close()


def resume_after_end(run):
    s = Stream(stream_path("runs", run.id))
    evs = s.wait_for(lambda evs: contents(evs)[-1:] == ["line 11"])
    s.close()
    mid = data_events(evs)[4]
    eq(json.loads(mid["data"])["content"], "line 4", "fifth event")
    for i in range(12, 20):
        run.append(line(i))
    run.finish("succeeded")
    rest = Stream(stream_path("runs", run.id), {"Last-Event-ID": mid["id"]}).read_all(timeout=15)
    eq(contents(rest), ["line %d" % i for i in range(5, 20)], "only the lines after the ID")
    eq((rest[-1].get("event"), rest[-1].get("data")), ("done", "succeeded"), "then done")


def test_file_id_after_the_end_v2():
    run = OwnRun([line(i) for i in range(12)])
    try:
        resume_after_end(run)
    finally:
        run.remove()


def test_file_id_after_the_end_legacy():
    run = LegacyRun([line(i) for i in range(12)])
    try:
        resume_after_end(run)
    finally:
        run.remove()


def state_of(rid):
    return get_json("/api/runs/%s" % urllib.parse.quote(rid, safe=""))["state"]


def outer_statuses(lines, names):
    return [l["content"] for l in lines if l["type"] == "status" and
            l["content"].split(": ", 1)[1].split(" -> ")[0] in names]


def live_then_file(cut):
    """Reads a live run until cut(events) holds, disconnects, lets the run
    end, resumes with the last ID: the two parts must make the file's
    steps exactly once each, and the second part must be the file's tail."""
    if not os.environ.get("CLOCHE_ADDR"):
        raise AssertionError("no stand-in daemon (CLOCHE_ADDR)")
    rid = start_live_run()
    s = Stream(stream_path("runs", rid))
    evs = s.wait_for(lambda evs: cut(data_events(evs)) or any(e.get("event") for e in evs), timeout=60)
    s.close()
    live = data_events(evs)
    check(cut(live), "live stream reached the cut point before it ended")
    check(all("." in e["id"] for e in live), "live ids carry a file position")
    for _ in range(240):
        if state_of(rid) in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(0.25)
    time.sleep(0.5)
    rest = Stream(stream_path("runs", rid), {"Last-Event-ID": live[-1]["id"]}).read_all(timeout=30)
    eq(rest[-1].get("event"), "done", "the resumed stream ends with done")
    got = [json.loads(e["data"]) for e in data_events(rest)]
    whole = get_json("/api/runs/%s/logs" % urllib.parse.quote(rid, safe=""))["lines"]
    names = {l["content"].split(": ", 1)[1].split(" -> ")[0] for l in whole if l["type"] == "status"}
    seen = outer_statuses([json.loads(e["data"]) for e in live], names)
    eq(seen + outer_statuses(got, names), outer_statuses(whole, names),
       "every step's status lines once: live part + resumed part")
    check(got, "something was left to resume")
    eq([(l["type"], l["content"]) for l in got], [(l["type"], l["content"]) for l in whole[-len(got):]],
       "the resumed part is the file's tail")
    return seen, got


OUTER = []


def outer_steps():
    """The step names of the live project's main workflow: a sub-workflow's
    own steps stream live too, and a cut after one of those is inside an
    outer step, not at its boundary."""
    if not OUTER:
        d = live_project()
        label = [p["label"] for p in get_json("/api/projects") if p["dir"] == d][0]
        wfs = get_json("/api/projects/%s/workflows" % urllib.parse.quote(label, safe=""))
        OUTER.extend(st["name"] for w in wfs if w["name"] == "main" for st in w["steps"])
    return OUTER


def test_live_id_at_a_step_boundary_resumes_in_the_file():
    def cut(live):
        st = [json.loads(e["data"]) for e in live]
        if not st or not st[-1]["content"].startswith("step_completed: "):
            return False
        return st[-1]["content"].split(": ", 1)[1].split(" -> ")[0] in outer_steps()
    seen, got = live_then_file(cut)
    check(seen[-1].startswith("step_completed: "), "cut right after a step")
    check(got[0]["content"].startswith("step_started: "), "resumed at the next step, not the first line")


def test_live_id_inside_a_step_resumes_in_the_file():
    def cut(live):
        st = [json.loads(e["data"]) for e in live]
        return len(st) >= 4 and st[-1]["type"] != "status" and \
            any(l["content"].startswith("step_completed: ") for l in st)
    seen, got = live_then_file(cut)
    check(not got[0]["content"].startswith("step_started: "), "resumed inside the step")


run_tests(globals())
