#!/usr/bin/python3
"""A stream that starts from a file offset while the run is live (the run
page asks ?from=<bytes it loaded>; a stream that was on the file resumes
with a plain offset) follows the daemon's live output from that place:
agent output arrives as it is written (live IDs), nothing the client has
is sent again and nothing after it is missing (docs/sse.md "A file
position on a live run"). Needs the stand-in daemon (CLOCHE_ADDR).

Env (tests/run.sh): DASH_URL, DEMO_DIR, CLOCHE_DB, CLOCHE_ADDR.
"""
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, eq, get_json, run_tests  # noqa: E402
from sse_client import Stream, data_events, start_live_run, stream_path  # noqa: E402


def logs(rid):
    return get_json("/api/runs/%s/logs?tail=5000" % urllib.parse.quote(rid, safe=""))


def statuses(lines):
    return [l["content"] for l in lines if l["type"] == "status"]


def first_block_on_disk(rid, timeout=30):
    """The log as soon as it holds a completed step (the run goes on)."""
    end = time.time() + timeout
    while time.time() < end:
        d = logs(rid)
        if any(c.startswith("step_completed: ") for c in statuses(d.get("lines", []))):
            return d
        time.sleep(0.05)
    raise AssertionError("no step completed within %ds" % timeout)


def follow_from(rid, off):
    s = Stream(stream_path("runs", rid) + "?from=%d" % off)
    evs = s.read_all(timeout=90)
    s.close()
    return evs


def test_file_offset_on_a_live_run_follows_the_daemon():
    check(os.environ.get("CLOCHE_ADDR"), "no stand-in daemon (CLOCHE_ADDR)")
    for attempt in range(3):
        rid = start_live_run()
        loaded = first_block_on_disk(rid)
        evs = follow_from(rid, loaded["size"])
        if evs and evs[-1].get("event") == "done" and data_events(evs):
            break
    eq(evs[-1].get("event"), "done", "the stream ends with done")
    got = [json.loads(e["data"]) for e in data_events(evs)]
    check(got, "nothing came after the offset")
    ids = [e["id"] for e in data_events(evs)]
    check(all(i.count(".") == 3 for i in ids), "events after a file offset on a live run carry live IDs: %s" % ids[:3])
    check(any(l["type"] == "llm" for l in got), "agent output came live")
    whole = logs(rid)["lines"]
    have = statuses(loaded["lines"])
    # Outer steps (those with lines on disk): each once, in the file's order.
    names = {c.split(": ", 1)[1].split(" -> ")[0] for c in statuses(whole)}
    streamed = [c for c in statuses(got) if c.split(": ", 1)[1].split(" -> ")[0] in names]
    eq(have + streamed, statuses(whole), "steps loaded from the file + steps streamed live = the whole log")
    check(not got[0]["content"].startswith("step_completed: "), "the stream starts after what was loaded")


def test_bad_offset_on_a_live_run_starts_as_new():
    """An offset that is not a line start is ignored, as on the file path:
    the viewer gets the broadcast from its start."""
    check(os.environ.get("CLOCHE_ADDR"), "no stand-in daemon (CLOCHE_ADDR)")
    rid = start_live_run()
    loaded = first_block_on_disk(rid)
    evs = follow_from(rid, loaded["size"] - 1)
    eq(evs[-1].get("event"), "done", "the stream ends with done")
    got = [json.loads(e["data"]) for e in data_events(evs)]
    eq(statuses(got)[:1], statuses(loaded["lines"])[:1], "from the first step")


run_tests(globals())
