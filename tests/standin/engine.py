"""The stand-in daemon's insides: its store (one connection, WAL,
busy_timeout 5000, the daemon's migrations from tests/demo/schema.py), a
small reader of .cloche workflow files, the live-log broadcaster and the
host-run executor that walks a workflow step by step, writing rows and
log files the way daemon.md 2 and store.md 2-3 describe."""
import datetime as dt
import os
import random
import re
import sqlite3
import string
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "demo"))
import schema  # noqa: E402

TERMINAL = ("succeeded", "failed", "cancelled")


def now_rfc(t=None):
    """RFC3339Nano in UTC as the daemon writes it when its zone is UTC."""
    t = t or dt.datetime.now(dt.timezone.utc)
    frac = ("%06d" % t.microsecond).rstrip("0")
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ("." + frac if frac else "") + "Z"


def log_ts():
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def go_time(s):
    """Go's Time.String() of a stored timestamp (daemon.md 1.1), in UTC."""
    if not s:
        return "0001-01-01 00:00:00 +0000 UTC"
    try:
        t = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return "0001-01-01 00:00:00 +0000 UTC"
    t = t.astimezone(dt.timezone.utc)
    frac = ("%06d" % t.microsecond).rstrip("0")
    return t.strftime("%Y-%m-%d %H:%M:%S") + ("." + frac if frac else "") + " +0000 UTC"


def new_attempt_id():
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(4))


class Store:
    """The daemon keeps one connection; so do we, behind a lock."""

    def __init__(self, path, sweep=False):
        self.path = path
        self.lock = threading.RLock()
        # schema.open_store's settings (WAL, busy_timeout 5000, autocommit),
        # with the connection shared by our threads behind self.lock.
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL").fetchall()
        self.conn.execute("PRAGMA busy_timeout=5000").fetchall()
        names = schema.tables(self.conn)
        if "runs" not in names:
            schema.create_schema(self.conn, "current")
        else:
            schema.daemon_start(self.conn)
        if sweep:
            self.startup_sweep()

    def startup_sweep(self):
        with self.lock:
            self.x("UPDATE runs SET state='failed', error_message='daemon restarted while run was active', "
                   "completed_at=? WHERE state IN ('pending','running','waiting')", (now_rfc(),))
            self.x("UPDATE attempts SET result='failed', ended_at=? WHERE result='running'", (now_rfc(),))

    def x(self, sql, args=()):
        with self.lock:
            return self.conn.execute(sql, args)

    def all(self, sql, args=()):
        with self.lock:
            cur = self.conn.execute(sql, args)
            cols = [c[0] for c in cur.description]
            return [dict(zip(cols, r)) for r in cur.fetchall()]

    def one(self, sql, args=()):
        r = self.all(sql, args)
        return r[0] if r else None

    def run(self, run_id):
        return self.one("SELECT * FROM runs WHERE id=? ORDER BY pk DESC LIMIT 1", (run_id,))

    def insert(self, table, row):
        with self.lock:
            return schema.insert(self.conn, table, row)

    def activity(self, kind, project, task="", attempt="", workflow="", step="", result="", state=""):
        if not task:
            return
        self.insert("activity_log", dict(ts=now_rfc(), kind=kind, project_dir=project, task_id=task,
                                         attempt_id=attempt, workflow=workflow, step=step, result=result,
                                         state=state))


# ---- workflow files -------------------------------------------------------

def _blocks(text, keyword):
    """(name, body) of every `keyword NAME {...}` at the top level of text."""
    out = []
    for m in re.finditer(r"(?m)^\s*%s\s+([A-Za-z0-9_.-]+)\s*\{" % keyword, text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            c = text[i]
            if c == '"':
                i += 1
                while i < len(text) and text[i] != '"':
                    i += 2 if text[i] == "\\" else 1
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            i += 1
        out.append((m.group(1), text[m.end():i - 1]))
    return out


def _top(body):
    """The body with nested {...} blocks removed (depth-1 text only)."""
    out, depth = [], 0
    for c in body:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0:
            out.append(c)
    return "".join(out)


def _has_host_block(body):
    """A `host { }` block directly in the workflow body (not in a step)."""
    depth = 0
    for i, c in enumerate(body):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and c == "h" and re.match(r"host\s*\{", body[i:]) and \
                (i == 0 or not (body[i - 1].isalnum() or body[i - 1] in "_-")):
            return True
    return False


def _strip_comments(text):
    return re.sub(r'//[^\n]*', "", text)


class Workflow:
    def __init__(self, name, body):
        self.name = name
        top = _top(body)
        self.host = _has_host_block(body)
        self.steps = []
        for sname, sbody in _blocks(body, "step"):
            res = re.search(r"results\s*=\s*\[([^\]]*)\]", sbody)
            results = re.findall(r"[A-Za-z0-9_-]+", res.group(1)) if res else ["success"]
            wf = re.search(r'workflow_name\s*=\s*"([^"]*)"', sbody)
            kind = "workflow" if wf else "agent" if re.search(r"\bprompt\s*=", sbody) else "script"
            self.steps.append(dict(name=sname, results=results, kind=kind, sub=wf.group(1) if wf else ""))
        self.wires = {}
        for a, r, b in re.findall(r"([A-Za-z0-9_-]+):([A-Za-z0-9_-]+)\s*->\s*([A-Za-z0-9_-]+)", top):
            self.wires.setdefault((a, r), b)

    def step(self, name):
        for s in self.steps:
            if s["name"] == name:
                return s
        return None


def workflows(project):
    """name -> Workflow over <project>/.cloche/*.cloche, files in sorted order."""
    d = os.path.join(project, ".cloche")
    out = {}
    try:
        names = sorted(os.listdir(d))
    except OSError:
        return out
    for fn in names:
        p = os.path.join(d, fn)
        if not fn.endswith(".cloche") or not os.path.isfile(p):
            continue
        try:
            text = _strip_comments(open(p, encoding="utf-8", errors="replace").read())
        except OSError:
            continue
        if re.search(r"(?m)^\s*#", text):
            continue   # the DSL has no '#' comments: the daemon skips such files
        for name, body in _blocks(text, "workflow"):
            out.setdefault(name, Workflow(name, body))
    return out


# ---- live logs --------------------------------------------------------------

class Broadcaster:
    """Per run: history since start plus waiters; after finish only the
    readers already following it read on."""

    def __init__(self):
        self.cv = threading.Condition()
        self.runs = {}

    def start(self, run_id):
        with self.cv:
            self.runs.setdefault(run_id, {"lines": [], "done": False})

    def publish(self, run_id, step, message):
        with self.cv:
            r = self.runs.get(run_id)
            if r and not r["done"]:
                r["lines"].append((step, message, log_ts()))
                self.cv.notify_all()

    def finish(self, run_id):
        """Marks the run done. The daemon closes each subscriber's channel,
        and a subscriber still gets the lines already in its buffer before
        the close: readers here keep the lines up to the end (a new
        subscriber is not let in, active() is false), so the last line
        published before the finish is not lost (http.md 6.8)."""
        with self.cv:
            r = self.runs.get(run_id)
            if r:
                r["done"] = True
                self.cv.notify_all()

    def active(self, run_id):
        with self.cv:
            r = self.runs.get(run_id)
            return bool(r) and not r["done"]

    def read(self, run_id, pos, timeout):
        """(new lines from pos, done)."""
        with self.cv:
            r = self.runs.get(run_id)
            if not r:
                return [], True
            if len(r["lines"]) <= pos and not r["done"]:
                self.cv.wait(timeout)
            return r["lines"][pos:], r["done"]


# ---- host runs --------------------------------------------------------------

AGENT_LINES = [
    '{"type":"system","subtype":"init","model":"claude-sonnet"}',
    '{"type":"assistant","message":{"content":[{"type":"text","text":"Reading the task."}]}}',
    '{"type":"assistant","message":{"content":[{"type":"tool_use","name":"Bash","input":{"command":"make test"}}]}}',
    '{"type":"assistant","message":{"content":[{"type":"text","text":"Tests pass; writing the change."}]}}',
]


class HostRun(threading.Thread):
    """Walks one host workflow: start/completion rows per step, activity
    rows, live lines while a step runs, disk logs when it completes."""

    def __init__(self, daemon, project, wf, task_id, attempt_id, title="", task_title="",
                 step_seconds=1.0, fail_rate=0.0, on_end=None):
        super().__init__(daemon=True)
        self.d, self.project, self.wf = daemon, project, wf
        self.task_id, self.attempt_id = task_id, attempt_id
        self.run_id = "%s-%s" % (attempt_id, wf.name) if attempt_id else wf.name
        self.title, self.task_title = title, task_title
        self.step_seconds, self.fail_rate, self.on_end = step_seconds, fail_rate, on_end
        self.logdir = os.path.join(project, ".cloche", "logs", task_id, attempt_id) \
            if task_id and attempt_id else None

    def create_row(self):
        s = self.d.store
        s.insert("runs", dict(id=self.run_id, workflow_name=self.wf.name, state="running", active_steps="",
                              started_at=now_rfc(), completed_at="", project_dir=self.project,
                              error_message="", container_id="", base_sha="", container_kept=0,
                              title=self.title, is_host=1, parent_run_id="", task_id=self.task_id,
                              task_title=self.task_title, attempt_id=self.attempt_id))
        self.d.logs.start(self.run_id)

    def state(self):
        r = self.d.store.one("SELECT state FROM runs WHERE id=? AND attempt_id=?", (self.run_id, self.attempt_id))
        return r["state"] if r else "failed"

    def file_append(self, name, text):
        if not self.logdir:
            return
        os.makedirs(os.path.dirname(os.path.join(self.logdir, name)), exist_ok=True)
        with open(os.path.join(self.logdir, name), "a", encoding="utf-8") as f:
            f.write(text)

    def set_active(self, steps):
        self.d.store.x("UPDATE runs SET active_steps=? WHERE id=? AND attempt_id=?",
                       (",".join(steps), self.run_id, self.attempt_id))

    def pick_result(self, step):
        if self.fail_rate and random.random() < self.fail_rate and "fail" in step["results"]:
            return "fail"
        return step["results"][0]

    def container_step(self, step, ts_start):
        """A workflow-type step: inner container steps with live llm lines."""
        sub = workflows(self.project).get(step["sub"])
        inner = sub.steps[:3] if sub and sub.steps else [dict(name="agent", results=["success"], kind="agent")]
        lines, tin, tout = [], 0, 0
        for st in inner:
            self.d.logs.publish(self.run_id, st["name"], "step_started: %s" % st["name"])
            self.d.store.insert("step_executions", dict(run_id=self.run_id, step_name=st["name"], result="",
                                                        started_at=now_rfc(), completed_at="", logs="", git_ref=""))
            self.set_active([step["name"], st["name"]])
            for ln in AGENT_LINES:
                time.sleep(self.step_seconds / len(AGENT_LINES))
                self.d.logs.publish(self.run_id, st["name"], ln)
                lines.append("[%s] [llm] %s\n" % (log_ts(), ln))
            i, o = random.randint(800, 5000), random.randint(200, 1500)
            tin, tout = tin + i, tout + o
            self.d.store.insert("step_executions", dict(run_id=self.run_id, step_name=st["name"], result="success",
                                                        started_at="", completed_at=now_rfc(), logs="", git_ref="",
                                                        input_tokens=i, output_tokens=o, agent_name=""))
            self.d.logs.publish(self.run_id, st["name"], "step_completed: %s -> success" % st["name"])
        text = "".join(lines)
        self.file_append(os.path.join(step["name"], "full.log"), text)
        self.file_append(step["name"] + ".log", text)
        if self.logdir:
            self.d.store.insert("log_files", dict(run_id=self.run_id, step_name="", file_type="full",
                                                  file_path=os.path.join(self.logdir, step["name"], "full.log"),
                                                  file_size=len(text.encode()), created_at=now_rfc()))
        return text, 0, 0

    def host_step(self, step):
        """Script or host agent step: output reaches disk and the broadcast
        only when it completes."""
        time.sleep(self.step_seconds)
        if step["kind"] == "agent":
            body = "\n".join(AGENT_LINES) + "\n"
            return body, random.randint(1000, 9000), random.randint(300, 2000)
        return "running %s\n%s: ok\n" % (step["name"], step["name"]), 0, 0

    def do_step(self, step):
        s, name = self.d.store, step["name"]
        ts = log_ts()
        s.insert("step_executions", dict(run_id=self.run_id, step_name=name, result="", started_at=now_rfc(),
                                         completed_at="", logs="", git_ref=""))
        s.activity("step_started", self.project, self.task_id, self.attempt_id, self.wf.name, name)
        self.set_active([name])
        self.d.logs.publish(self.run_id, name, "step_started: %s" % name)
        if step["kind"] == "workflow":
            out, tin, tout = self.container_step(step, ts)
        else:
            out, tin, tout = self.host_step(step)
        result = self.pick_result(step)
        if step["kind"] != "workflow":
            self.file_append(name + ".log", out)
            self.d.logs.publish(self.run_id, name, out.rstrip("\n"))
        s.insert("step_executions", dict(run_id=self.run_id, step_name=name, result=result, started_at="",
                                         completed_at=now_rfc(), logs="", git_ref="", input_tokens=tin,
                                         output_tokens=tout, agent_name="claude" if step["kind"] == "agent" else ""))
        s.activity("step_completed", self.project, self.task_id, self.attempt_id, self.wf.name, name, result)
        self.d.logs.publish(self.run_id, name, "step_completed: %s -> %s" % (name, result))
        full = "[%s] [status] step_started: %s\n" % (ts, name)
        if step["kind"] == "workflow":
            full += out
        else:
            full += "".join("[%s] [script] %s\n" % (log_ts(), ln) for ln in out.rstrip("\n").split("\n"))
        full += "[%s] [status] step_completed: %s -> %s\n" % (log_ts(), name, result)
        self.file_append("full.log", full)
        self.set_active([])
        return result

    def walk(self):
        cur = self.wf.steps[0]["name"] if self.wf.steps else None
        for _ in range(12):
            if cur in (None, "abort"):
                return "failed", "workflow aborted" if cur == "abort" else "workflow has no steps"
            if cur == "done":
                return "succeeded", ""
            if self.state() == "cancelled":
                return "cancelled", ""
            step = self.wf.step(cur)
            if not step:
                return "failed", 'step "%s" not found' % cur
            result = self.do_step(step)
            nxt = self.wf.wires.get((cur, result))
            if nxt is None:
                return "failed", 'step "%s" returned undeclared result "%s"' % (cur, result)
            cur = nxt
        return "failed", "step limit reached in the stand-in"

    def run(self):
        try:
            state, err = self.walk()
        except Exception as e:  # the stand-in must never die silently
            state, err = "failed", "stand-in error: %s" % e
        s = self.d.store
        if self.state() != "cancelled":   # the runner keeps a cancelled run cancelled
            s.x("UPDATE runs SET state=?, error_message=?, completed_at=?, active_steps='' "
                "WHERE id=? AND attempt_id=?", (state, err, now_rfc(), self.run_id, self.attempt_id))
        else:
            state = "cancelled"
        self.d.logs.finish(self.run_id)
        if self.on_end:
            self.on_end(self, state)
