#!/usr/bin/python3
"""The stream helper (build/cloche-sse, docs/sse.md) through the real web
server: replay as the daemon, live lines from inotify, resume by
Last-Event-ID (also across a helper restart), end of stream, hostile
framing, 404/400, and, on private helper instances, limits, the slow-client
cut-off and the `unavailable` event when the daemon cannot be reached.

Env (tests/run.sh): DASH_URL, DEMO_DIR, CLOCHE_DB, SSE_PIDFILE (the shared
helper's pid file; a loop restarts it), DASH_BIN (the helper is next to it).
The tests add their own run rows to the demo store and remove them again.
"""
import json
import os
import signal
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, eq, get, get_json, run_tests  # noqa: E402
from sse_client import (Helper, OwnRun, Stream, contents, data_events, free_port, line, manifest,  # noqa: E402
                        start_live_run, stream_path)

# --- tests ------------------------------------------------------------------

def test_unknown_ids_are_404_before_any_stream():
    st, h, body = get(stream_path("runs", "no-such-run-xyz"))
    eq(st, 404, "status")
    eq(body, b"run not found\n", "body")
    check("event-stream" not in h.get("content-type", ""), "404 must not be a stream")
    st, h, body = get(stream_path("attempts", "no-such-attempt"))
    eq((st, body), (404, b"attempt not found\n"), "attempt")


def test_malformed_ids_are_400():
    # Through the web server: never a stream. (lighttpd may route a path
    # with a broken escape to the responder, which has no such route: 404.)
    for bad in ("%zz", "%00", "%0a", "x" * 600):
        st, h, body = get("/api/runs/%s/stream" % bad)
        check(st in (400, 404) and "event-stream" not in h.get("content-type", ""),
              "status for %r: %d" % (bad[:20], st))
    # The helper itself answers 400 for each.
    hp = Helper("--no-daemon")
    try:
        for bad in ("%zz", "%00", "%0a", "x" * 600, "%2"):
            s = hp.stream("/api/runs/%s/stream" % bad)
            eq(s.status, 400, "helper status for %r" % bad[:20])
            while s.pump(2):
                pass
            eq(s.body, b"bad run id\n", "body")
        s = hp.stream("/api/attempts/%01x/stream")
        eq(s.status, 400, "attempt with a control byte")
    finally:
        hp.stop()


def test_replay_of_a_finished_run_is_the_daemons():
    m = manifest()
    rid = m["long_log_run"]
    s = Stream(stream_path("runs", rid))
    eq(s.status, 200, "status")
    eq(s.headers.get("content-type"), "text/event-stream", "content type")
    eq(s.headers.get("cache-control"), "no-cache", "cache-control")
    evs = s.read_all()
    meta = [e for e in evs if e.get("event") == "meta"]
    eq(len(meta), 1, "one meta event")
    mj = json.loads(meta[0]["data"])
    logs = get_json("/api/runs/%s/logs" % urllib.parse.quote(rid, safe=""))
    eq(mj, {"skipped": logs["total"] - 1000, "total_lines": logs["total"]}, "meta")
    got = [json.loads(e["data"]) for e in data_events(evs)]
    eq(len(got), 1000, "replayed lines")
    want = logs["lines"]
    eq([(g["type"], g["content"], g.get("step_name")) for g in got],
       [(w["type"], w["content"], w.get("step_name")) for w in want], "lines equal /logs")
    eq(evs[-1].get("event"), "done", "last event")
    state = get_json("/api/runs/%s" % urllib.parse.quote(rid, safe=""))["state"]
    eq(evs[-1]["data"], state, "done carries the state")
    ids = [int(e["id"]) for e in evs]
    check(all(e["id"].isdigit() for e in evs), "ids are digits")
    check(ids == sorted(ids), "ids never go back")


def test_hostile_content_cannot_split_or_inject_events():
    m = manifest()
    for rid in (m["hostile_run"], m["big_log_run"]):
        s = Stream(stream_path("runs", rid))
        evs = s.read_all()
        check(b"\r" not in s.body, "no raw CR in the stream")
        names = {e.get("event") for e in evs}
        check(names <= {None, "done", "meta"}, "only our event names: %r" % names)
        logs = get_json("/api/runs/%s/logs" % urllib.parse.quote(rid, safe=""))
        eq(len(data_events(evs)), len(logs["lines"] or []), "one event per visible line of %s" % rid)
        for e in data_events(evs):
            json.loads(e["data"])
        eq(evs[-1].get("event"), "done", "ends with done")


def test_attempt_stream_replays_and_ends():
    m = manifest()
    s = Stream(stream_path("attempts", m["attempt_with_log"]))
    eq(s.status, 200, "status")
    evs = s.read_all()
    check(len(data_events(evs)) > 0, "lines")
    eq(evs[-1].get("event"), "done", "done")


def test_history_then_live_lines_in_order_then_done():
    run = OwnRun([b"[2026-01-01T00:00:00Z] [status] step_started: develop\n", line(1), line(2)])
    try:
        s = Stream(stream_path("runs", run.id))
        eq(s.status, 200, "status")
        s.wait_for(lambda evs: contents(evs)[-1:] == ["line 2"])
        t0 = time.time()
        for i in range(3, 53):
            run.append(line(i))
        # a line written in two parts is sent once, whole
        run.append(b"[2026-01-01T00:00:59Z] [script] half")
        time.sleep(0.3)
        run.append(b" and half\r\n")
        evs = s.wait_for(lambda evs: "half and half" in contents(evs))
        eq(contents(evs), ["step_started: develop"] + ["line %d" % i for i in range(1, 53)] + ["half and half"],
           "history then live, in order, no duplicate")
        check(time.time() - t0 < 5, "live lines arrive promptly")
        eq(json.loads(data_events(evs)[-1]["data"]).get("step_name"), "develop", "step attribution")
        run.finish("failed")
        evs = s.read_all(timeout=10)
        eq(evs[-1].get("event"), "done", "done when the run ends")
        eq(evs[-1]["data"], "failed", "done carries the final state")
    finally:
        run.remove()


def test_resume_by_last_event_id_has_no_gap_and_no_duplicate():
    run = OwnRun([line(i) for i in range(10)])
    try:
        s = Stream(stream_path("runs", run.id))
        evs = s.wait_for(lambda evs: contents(evs)[-1:] == ["line 9"])
        last = data_events(evs)[4]["id"]   # as if we had only seen 5 lines
        s.close()
        for i in range(10, 20):
            run.append(line(i))
        s = Stream(stream_path("runs", run.id), {"Last-Event-ID": last})
        evs = s.wait_for(lambda evs: contents(evs)[-1:] == ["line 19"])
        eq(contents(evs), ["line %d" % i for i in range(5, 20)], "resumed exactly after the id")
        # ?from= is the same cursor for a page that rendered the log itself
        s2 = Stream(stream_path("runs", run.id) + "?from=" + last)
        evs2 = s2.wait_for(lambda evs: contents(evs)[-1:] == ["line 19"])
        eq(contents(evs2), contents(evs), "from= equals Last-Event-ID")
        s.close()
        s2.close()
    finally:
        run.remove()


def restart_helper(sig):
    pidfile = os.environ.get("SSE_PIDFILE")
    check(pidfile and os.path.exists(pidfile), "SSE_PIDFILE from the driver")
    old = int(open(pidfile).read())
    os.kill(old, sig)
    for _ in range(200):
        try:
            pid = int(open(pidfile).read() or 0)
        except (OSError, ValueError):
            pid = 0
        if pid and pid != old:
            return
        time.sleep(0.05)
    raise AssertionError("helper was not restarted")


def test_resume_across_a_helper_restart():
    run = OwnRun([line(i) for i in range(5)])
    try:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            s = Stream(stream_path("runs", run.id))
            evs = s.wait_for(lambda evs: len(contents(evs)) >= 5)
            n = len(contents(evs))
            last = data_events(evs)[-1]["id"]
            restart_helper(sig)
            if sig == signal.SIGTERM:
                # a clean shutdown tells the browser to come back soon
                end = time.time() + 5
                while s.pump(0.2) and time.time() < end:
                    pass
                check(b"retry: 500" in s.body, "reconnect hint on SIGTERM")
            s.close()
            for i in range(n, n + 5):
                run.append(line(i))
            deadline = time.time() + 10
            while True:
                try:
                    s = Stream(stream_path("runs", run.id), {"Last-Event-ID": last})
                    if s.status == 200:
                        break
                except (OSError, AssertionError):
                    pass
                check(time.time() < deadline, "helper back within 10 s")
                time.sleep(0.2)
            evs = s.wait_for(lambda evs: contents(evs)[-1:] == ["line %d" % (n + 4)])
            eq(contents(evs), ["line %d" % i for i in range(n, n + 5)], "no gap, no duplicate after %s" % sig)
            s.close()
    finally:
        run.remove()


def test_daemon_live_lines_arrive_before_the_step_completes():
    if not os.environ.get("CLOCHE_ADDR"):
        raise AssertionError("no stand-in daemon (CLOCHE_ADDR)")
    rid = start_live_run()
    s = Stream(stream_path("runs", rid))
    eq(s.status, 200, "status")
    seen, end = {}, time.time() + 60
    while not s.eof and time.time() < end:
        s.pump(0.1)
        for i, e in enumerate(s.events()):
            seen.setdefault(i, (time.time(), e))
    # live ids: "<entry count>.<file position>" (docs/sse.md)
    evs = [e for _, e in sorted(seen.values(), key=lambda x: int(x[1]["id"].split(".")[0]))]
    eq(evs[-1].get("event"), "done", "ends with done")
    eq(evs[-1]["data"], "completed", "live streams end with completed")
    check(not [e for e in evs if e.get("event") == "unavailable"], "daemon reachable: no unavailable")
    check(all(int(e["id"].split(".")[0]) >= 10**15 and len(e["id"].split(".")) == 4 for e in evs), "live ids")
    lines = [(t, json.loads(e["data"])) for t, e in seen.values() if "event" not in e]
    llm = [(t, l) for t, l in lines if l["type"] == "llm"]
    check(llm, "agent (llm) lines from the daemon")
    step = llm[0][1]["step_name"]
    done_at = [t for t, l in lines if l["type"] == "status" and l["content"].startswith("step_completed: %s " % step)]
    check(done_at and llm[0][0] < done_at[0], "agent output of %s arrived before the step completed" % step)


def test_daemon_live_stream_resumes_without_gap_or_duplicate():
    if not os.environ.get("CLOCHE_ADDR"):
        raise AssertionError("no stand-in daemon (CLOCHE_ADDR)")
    rid = start_live_run()
    ref = Stream(stream_path("runs", rid))
    part = Stream(stream_path("runs", rid))
    evs = part.wait_for(lambda evs: len(data_events(evs)) >= 3, timeout=30)
    first = data_events(evs)[:3]
    part.close()
    part = Stream(stream_path("runs", rid), {"Last-Event-ID": first[-1]["id"]})
    rest = part.read_all(timeout=60)
    whole = ref.read_all(timeout=60)
    eq([e["data"] for e in first + data_events(rest)], [e["data"] for e in data_events(whole)],
       "3 lines + the resumed stream = the whole stream")
    eq(rest[-1].get("event"), "done", "resumed stream ends with done")


def test_heartbeat_and_retry():
    h = Helper("--heartbeat", "1", "--no-daemon")
    run = OwnRun([line(0)])
    try:
        s = h.stream(stream_path("runs", run.id))
        s.wait_for(lambda evs: True, timeout=0.5)
        time.sleep(2.5)
        while s.pump(0.1):
            if s.body.count(b": keepalive") >= 2:
                break
        check(s.body.startswith(b"retry: "), "retry first")
        check(s.body.count(b": keepalive") >= 2, "keepalive comments while idle")
        s.close()
    finally:
        run.remove()
        h.stop()


def test_unavailable_when_the_daemon_cannot_be_reached():
    h = Helper(env={"CLOCHE_ADDR": "127.0.0.1:%d" % free_port(), "CLOCHE_DASH_DAEMON_ADDR": ""})
    run = OwnRun([line(0)])
    try:
        s = h.stream(stream_path("runs", run.id))
        evs = s.wait_for(lambda evs: "line 0" in contents(evs))
        un = [e for e in evs if e.get("event") == "unavailable"]
        eq(len(un), 1, "one unavailable event")
        check("unavailable" in un[0]["data"], "reason text")
        run.append(line(1))
        s.wait_for(lambda evs: "line 1" in contents(evs))
        s.close()
        m = manifest()
        s = h.stream(stream_path("runs", m["long_log_run"]))
        evs = s.read_all()
        check(not [e for e in evs if e.get("event") == "unavailable"], "finished runs need no daemon")
    finally:
        run.remove()
        h.stop()


def test_limits_per_address_and_in_total():
    h = Helper("--max-per-addr", "2", "--max-streams", "3", "--no-daemon")
    run = OwnRun([line(0)])
    try:
        p = stream_path("runs", run.id)
        a = [h.stream(p, headers={"X-Forwarded-For": "10.0.0.1"}) for _ in range(2)]
        eq([x.status for x in a], [200, 200], "two allowed")
        c = h.stream(p, headers={"X-Forwarded-For": "10.0.0.1"})
        eq(c.status, 429, "third from one address")
        while c.pump(2):
            pass
        check(b"too many log streams from your address" in c.body, "clear message: %r" % c.body)
        d = h.stream(p, headers={"X-Forwarded-For": "10.0.0.2"})
        eq(d.status, 200, "another address")
        e = h.stream(p, headers={"X-Forwarded-For": "10.0.0.3"})
        eq(e.status, 503, "total limit")
        while e.pump(2):
            pass
        check(b"too many log streams open" in e.body, "clear message: %r" % e.body)
        a[0].close()
        time.sleep(0.3)
        f = h.stream(p, headers={"X-Forwarded-For": "10.0.0.1"})
        eq(f.status, 200, "a closed stream frees its slot")
        for x in a[1:] + [d, f]:
            x.close()
    finally:
        run.remove()
        h.stop()


def test_slow_client_is_cut_and_others_keep_streaming():
    h = Helper("--stall", "1", "--no-daemon")
    big = b"".join(line(i, "x" * 300) for i in range(60000))   # ~18 MB
    run = OwnRun([big])
    try:
        slow = h.stream(stream_path("runs", run.id) + "?from=0", rcvbuf=4096)
        fast = h.stream(stream_path("runs", run.id))
        # Predicates look at the newest events only: decoding all 60,000
        # on every poll made the test itself the slow reader.
        fast.wait_for(lambda evs: len(evs) >= 1000, timeout=20)
        # The whole 18 MB backlog first: under ASan on a loaded machine it
        # can take more than the 5 s below, which is for the fresh line.
        fast.wait_for(lambda evs: any(c.endswith(" 59999") for c in contents(evs[-5:])), timeout=60)
        t0 = time.time()
        run.append(line(1, "fresh"))
        fast.wait_for(lambda evs: "fresh 1" in contents(evs[-5:]), timeout=5)
        check(time.time() - t0 < 3, "the fast client is not held up by the slow one")
        # Reading below drains the socket and so un-stalls the client: leave
        # the helper time to notice the stall first, even on a busy machine.
        time.sleep(8)
        got = 0
        while slow.pump(1):
            got = len(slow.body)
            if got > len(big):
                break
        check(slow.eof, "the slow client was disconnected")
        check(len(slow.body) < len(big), "before it got everything (%d bytes)" % len(slow.body))
        fast.close()
    finally:
        run.remove()
        h.stop()


if __name__ == "__main__":
    run_tests(globals())
