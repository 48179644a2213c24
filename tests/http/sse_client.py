"""SSE client and fixtures for tests/http/test_sse.py and tests/sse/bench.py:
a strict SSE reader over a raw socket (CR, LF and CRLF end lines, as the
WHATWG grammar says), runs of our own in the demo store, private helper
instances and a gRPC stub for the stand-in daemon."""
import json
import os
import random
import shutil
import signal  # noqa: F401  (re-exported for the tests)
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import base_url, check, demo_dir  # noqa: E402

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

    def __init__(self, lines=(), project=None):
        m = manifest()
        self.project = project or m["projects"][m["main_project"]]
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
    import atexit
    import grpc
    import shutil
    import tempfile
    from grpc_tools import protoc
    out = tempfile.mkdtemp(prefix="sse-pb-")
    atexit.register(shutil.rmtree, out, True)
    proto = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "cgi", "proto")
    protoc.main(["protoc", "-I" + proto, "--python_out=" + out, "--grpc_python_out=" + out,
                 os.path.join(proto, "cloche.proto")])
    sys.path.insert(0, out)
    import cloche_pb2
    import cloche_pb2_grpc
    ch = grpc.insecure_channel(os.environ["CLOCHE_ADDR"])
    return cloche_pb2, cloche_pb2_grpc.ClocheServiceStub(ch)


def live_project():
    """A copy of the main project's workflows in a project of its own, so
    the tokens and runs of live test runs never change the demo projects
    that later test files (token usage, health) check against the manifest."""
    m = manifest()
    d = os.path.join(demo_dir(), "projects", "sse-live")
    if not os.path.isdir(os.path.join(d, ".cloche")):
        os.makedirs(d, exist_ok=True)
        shutil.copytree(os.path.join(m["projects"][m["main_project"]], ".cloche"), os.path.join(d, ".cloche"),
                        ignore=shutil.ignore_patterns("logs", "runs", "output", ".loop-stopped"), dirs_exist_ok=True)
    return d


def start_live_run():
    pb, stub = daemon_stub()
    r = stub.RunWorkflow(pb.RunWorkflowRequest(workflow_name="main", project_dir=live_project(),
                                               title="sse live test"), timeout=10)
    return r.run_id


