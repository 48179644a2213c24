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
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import base_url, check, demo_dir, eq, get, get_json, run_tests  # noqa: E402

TAG = "%s-%d" % (os.environ.get("SERVER", "x"), os.getpid())


def manifest():
    with open(os.path.join(demo_dir(), "manifest.json")) as f:
        return json.load(f)


# --- a strict SSE reader (WHATWG grammar: CR, LF or CRLF end a line) --------

class Stream:
    def __init__(self, path, headers=None, host=None, port=None, rcvbuf=None):
        u = urllib.parse.urlsplit(base_url())
        self.host, self.port = host or u.hostname, port or u.port
        prefix = "" if host else u.path
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(10)
        self.sock.connect((self.host, self.port))
        req = "GET %s%s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n" % (prefix, path, self.host)
        for k, v in (headers or {}).items():
            req += "%s: %s\r\n" % (k, v)
        self.sock.sendall((req + "\r\n").encode())
        self.raw = b""
        self.body = b""       # de-chunked body
        self.eof = False
        self._read_head()

    def _recv(self, timeout):
        self.sock.settimeout(timeout)
        try:
            d = self.sock.recv(65536)
        except socket.timeout:
            return None
        except ConnectionResetError:
            d = b""
        if not d:
            self.eof = True
        return d

    def _read_head(self):
        while b"\r\n\r\n" not in self.raw:
            d = self._recv(10)
            check(d, "no response head")
            self.raw += d
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        self.chunked = "chunked" in self.headers.get("transfer-encoding", "")
        self.length = int(self.headers.get("content-length", "-1"))
        self._dechunk()

    def _dechunk(self):
        if not self.chunked:
            self.body += self.raw
            self.raw = b""
            if 0 <= self.length <= len(self.body):
                self.eof = True
            return
        while True:
            i = self.raw.find(b"\r\n")
            if i < 0:
                return
            size = int(self.raw[:i].split(b";")[0], 16)
            if len(self.raw) < i + 2 + size + 2:
                return
            self.body += self.raw[i + 2:i + 2 + size]
            self.raw = self.raw[i + 2 + size + 2:]
            if size == 0:
                self.eof = True
                return

    def pump(self, timeout):
        """Reads what arrives within timeout; False at end of stream."""
        if self.eof:
            return False
        d = self._recv(timeout)
        if d:
            self.raw += d
            self._dechunk()
        return not self.eof

    def read_all(self, timeout=15):
        end = time.time() + timeout
        while not self.eof and time.time() < end:
            self.pump(max(0.05, end - time.time()))
        check(self.eof, "stream did not end within %ss" % timeout)
        return self.events()

    def events(self):
        return parse_sse(self.body)[0]

    def wait_for(self, pred, timeout=10):
        """Reads until pred(events) is true; returns the events."""
        end = time.time() + timeout
        while time.time() < end:
            evs = self.events()
            if pred(evs):
                return evs
            if not self.pump(min(0.2, max(0.01, end - time.time()))) and self.eof:
                break
        evs = self.events()
        check(pred(evs), "condition not met; last events: %r" % evs[-3:])
        return evs

    def close(self):
        self.sock.close()


def parse_sse(body):
    """Returns (events, comments). An event: dict with event, id, data, retry."""
    text = body.decode("utf-8", "strict")
    lines, i, cur = [], 0, ""
    while i < len(text):
        c = text[i]
        if c == "\r":
            lines.append(cur)
            cur = ""
            if i + 1 < len(text) and text[i + 1] == "\n":
                i += 1
        elif c == "\n":
            lines.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    events, comments, ev = [], [], {}
    for ln in lines:
        if ln == "":
            if "data" in ev or "event" in ev:
                events.append(ev)
            ev = {k: v for k, v in ev.items() if k == "retry"} and {}
            continue
        if ln.startswith(":"):
            comments.append(ln)
            continue
        k, _, v = ln.partition(":")
        v = v[1:] if v.startswith(" ") else v
        if k == "data":
            ev["data"] = ev["data"] + "\n" + v if "data" in ev else v
        elif k in ("event", "id", "retry"):
            ev[k] = v
        else:
            raise AssertionError("unknown SSE field %r" % k)
    return events, comments


def data_events(evs):
    return [e for e in evs if "event" not in e]


def stream_path(kind, ident):
    return "/api/%s/%s/stream" % (kind, urllib.parse.quote(ident, safe=""))


# --- an own run in the demo store, removed afterwards ------------------------

class OwnRun:
    """A running run of the main project with its own v2 log directory."""

    def __init__(self, lines=()):
        m = manifest()
        self.project = m["projects"][m["main_project"]]
        self.id = "sse-%s-%d-main" % (TAG, random.randrange(10**9))
        self.task, self.attempt = "SSE-" + self.id, "a" + self.id[-8:]
        self.dir = os.path.join(self.project, ".cloche", "logs", self.task, self.attempt)
        os.makedirs(self.dir)
        self.log = os.path.join(self.dir, "full.log")
        with open(self.log, "wb") as f:
            for ln in lines:
                f.write(ln)
        db = sqlite3.connect(os.environ["CLOCHE_DB"], timeout=10)
        cols = [r[1] for r in db.execute("PRAGMA table_info(runs)")]
        row = {"id": self.id, "workflow_name": "main", "state": "running", "active_steps": "develop",
               "started_at": "2026-01-01T00:00:00Z", "project_dir": self.project, "is_host": 1,
               "task_id": self.task, "attempt_id": self.attempt, "title": "sse test"}
        keys = [k for k in row if k in cols]
        db.execute("INSERT INTO runs (%s) VALUES (%s)" % (",".join(keys), ",".join("?" * len(keys))),
                   [row[k] for k in keys])
        db.commit()
        db.close()

    def append(self, data):
        with open(self.log, "ab") as f:
            f.write(data)

    def finish(self, state="succeeded"):
        db = sqlite3.connect(os.environ["CLOCHE_DB"], timeout=10)
        db.execute("UPDATE runs SET state=?, completed_at='2026-01-01T00:10:00Z' WHERE id=?", (state, self.id))
        db.commit()
        db.close()

    def remove(self):
        db = sqlite3.connect(os.environ["CLOCHE_DB"], timeout=10)
        db.execute("DELETE FROM runs WHERE id=?", (self.id,))
        db.commit()
        db.close()
        for f in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, f))
        os.rmdir(self.dir)
        os.rmdir(os.path.dirname(self.dir))


def line(i, text="line"):
    return b"[2026-01-01T00:00:%02dZ] [script] %s %d\n" % (i % 60, text.encode(), i)


def contents(evs):
    return [json.loads(e["data"])["content"] for e in data_events(evs)]


# --- private helper instances (limits, slow clients, daemon down) -------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Helper:
    def __init__(self, *args, env=None):
        binary = os.path.join(os.path.dirname(os.environ.get("DASH_BIN", "build/cloche-dash")), "cloche-sse")
        self.port = free_port()
        e = dict(os.environ)
        e.update(env or {})
        self.p = subprocess.Popen([binary, "--listen", "127.0.0.1:%d" % self.port] + list(args),
                                  env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("private helper did not start")

    def stream(self, path, **kw):
        return Stream(path, host="127.0.0.1", port=self.port, **kw)

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(timeout=10)


def daemon_stub():
    """gRPC stub for the stand-in daemon of this lane (CLOCHE_ADDR)."""
    import grpc
    import tempfile
    from grpc_tools import protoc
    out = tempfile.mkdtemp(prefix="sse-pb-")
    proto = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "cgi", "proto")
    protoc.main(["protoc", "-I" + proto, "--python_out=" + out, "--grpc_python_out=" + out,
                 os.path.join(proto, "cloche.proto")])
    sys.path.insert(0, out)
    import cloche_pb2
    import cloche_pb2_grpc
    ch = grpc.insecure_channel(os.environ["CLOCHE_ADDR"])
    return cloche_pb2, cloche_pb2_grpc.ClocheServiceStub(ch)


def start_live_run():
    pb, stub = daemon_stub()
    m = manifest()
    r = stub.RunWorkflow(pb.RunWorkflowRequest(workflow_name="main", project_dir=m["projects"][m["main_project"]],
                                               title="sse live test"), timeout=10)
    return r.run_id


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
    evs = [e for _, e in sorted(seen.values(), key=lambda x: int(x[1]["id"]))]
    eq(evs[-1].get("event"), "done", "ends with done")
    eq(evs[-1]["data"], "completed", "live streams end with completed")
    check(not [e for e in evs if e.get("event") == "unavailable"], "daemon reachable: no unavailable")
    check(all(int(e["id"]) >= 10**15 for e in evs), "live ids")
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
        fast.wait_for(lambda evs: len(contents(evs)) >= 1000, timeout=20)
        t0 = time.time()
        run.append(line(1, "fresh"))
        fast.wait_for(lambda evs: "fresh 1" in contents(evs), timeout=5)
        check(time.time() - t0 < 3, "the fast client is not held up by the slow one")
        time.sleep(4)
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
