"""Writes demo rows the way the daemon does (store.md 2.x): run rows, step
start/completion pairs in global time order, activity_log events, and the
matching full.log / per-step log files of v2 attempt directories."""
import datetime as dt
import os

import schema
from demo_logs import FullLog, claude_events, script_lines, DEFAULT_TOOLS
from demo_util import logts, rfc

SEC = dt.timedelta(seconds=1)


class Builder:
    """Collects rows.  Runs/tasks/attempts are inserted at once; step rows are
    buffered and written by flush() sorted by time, so step ids interleave
    across concurrent runs like the daemon's AUTOINCREMENT ids do."""

    def __init__(self, conn, rng):
        self.conn = conn
        self.rng = rng
        self.events = []
        self.used_attempts = set()

    def nanos(self):
        r = self.rng.random()
        if r < 0.15:
            return 0                       # fraction omitted
        if r < 0.3:
            return self.rng.randrange(1, 10) * 100000000  # ".5"-style
        return self.rng.randrange(1, 10 ** 9)

    def ts(self, t, off=0):
        return rfc(t, off, self.nanos())

    def attempt_id(self):
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
        while True:
            a = "".join(self.rng.choice(alphabet) for _ in range(4))
            if a not in self.used_attempts:
                self.used_attempts.add(a)
                return a

    def task(self, tid, title, project, created, source="external", off=0):
        schema.insert(self.conn, "tasks", {"id": tid, "title": title, "source": source,
                                           "project_dir": project, "created_at": self.ts(created, off)})

    def attempt(self, aid, tid, project, started, ended, result, prev="", off=0):
        schema.insert(self.conn, "attempts", {
            "id": aid, "task_id": tid, "started_at": self.ts(started, off),
            "ended_at": self.ts(ended, off) if ended else None, "result": result,
            "project_dir": project, "previous_attempt_id": prev})

    def run(self, **kw):
        row = {"active_steps": "", "started_at": "", "completed_at": "", "error_message": "",
               "container_id": "", "base_sha": "", "container_kept": 0, "title": "",
               "is_host": 0, "parent_run_id": "", "task_id": "", "task_title": "",
               "attempt_id": "", "parent_step_name": None}
        row.update(kw)
        row["pk"] = schema.insert(self.conn, "runs", row)
        return row

    def step_start(self, run_id, name, t, off=0):
        self.events.append((t, len(self.events), {
            "run_id": run_id, "step_name": name, "result": "", "started_at": self.ts(t, off),
            "completed_at": "", "logs": "", "git_ref": "", "input_tokens": 0,
            "output_tokens": 0, "agent_name": ""}))

    def step_end(self, run_id, name, t, result, agent="", tin=0, tout=0, off=0):
        self.events.append((t, len(self.events), {
            "run_id": run_id, "step_name": name, "result": result, "started_at": "",
            "completed_at": self.ts(t, off), "logs": "", "git_ref": "", "input_tokens": tin,
            "output_tokens": tout, "agent_name": agent}))

    def activity(self, t, kind, project, off=0, **kw):
        row = {"ts": self.ts(t, off), "kind": kind, "project_dir": project}
        row.update(kw)
        self.events.append((t, len(self.events), ("activity_log", row)))

    def log_file(self, run_id, step, ftype, path, t):
        size = os.path.getsize(path) if os.path.exists(path) else 0
        schema.insert(self.conn, "log_files", {"run_id": run_id, "step_name": step, "file_type": ftype,
                                               "file_path": path, "file_size": size, "created_at": self.ts(t)})

    def flush(self):
        self.events.sort(key=lambda e: (e[0], e[1]))
        steps = []
        for _, _, row in self.events:
            if isinstance(row, tuple):
                schema.insert(self.conn, row[0], row[1])
            else:
                steps.append(row)
        keys = list(steps[0].keys()) if steps else []
        self.conn.executemany(
            "INSERT INTO step_executions (%s) VALUES (%s)" % (", ".join(keys), ", ".join("?" * len(keys))),
            [[s[k] for k in keys] for s in steps])
        self.events = []


def S(name, kind="script", result="success", dur=20, **kw):
    """Step plan entry.  kind: script | agent | workflow | human.  Options:
    agent, tin, tout (tokens on completion), inner (list of S for a container
    sub-workflow), out (bytes lines), open (still running), error (errored:
    start row only), skip (written as completion with result, logged skipped)."""
    d = {"name": name, "kind": kind, "result": result, "dur": dur}
    d.update(kw)
    return d


def _agent_out(s):
    return s.get("out") or claude_events("Working on %s: <b>done</b>" % s["name"], DEFAULT_TOOLS,
                                         s.get("tin", 0), s.get("tout", 0))


def _inner(b, run, s, t, log, off):
    """Container sub-workflow steps: rows under the host run id, no status lines;
    output lands raw in full.log and in <wfstep>/ files when the step ends."""
    rid = run["id"]
    cont = []   # container full.log lines (bytes with markers)
    for st in s["inner"]:
        b.step_start(rid, st["name"], t, off)
        end = t + st["dur"] * SEC
        if st["kind"] == "agent":
            body = _agent_out(st)
            typ = "llm"
        else:
            body = st.get("out") or script_lines(st["name"])
            typ = "script"
        mark = b"[" + logts(end).encode() + b"] [" + typ.encode() + b"] "
        cont += [mark + x for x in body]
        if st.get("open") or st.get("error"):
            return None, cont
        b.step_end(rid, st["name"], end, st["result"], st.get("agent", ""),
                   st.get("tin", 0), st.get("tout", 0), off)
        if log.dir:
            sub = "%s/%s" % (s["name"], st["name"])
            log.step_file(sub + ".log", b"\n".join(body) + b"\n")
            if st["kind"] == "agent":
                log.step_file("%s/llm-%s.log" % (s["name"], st["name"]), b"\n".join(body) + b"\n")
        t = end + SEC
    return t, cont


def play(b, run, t0, steps, log, off=0):
    """Executes a step plan for host run `run` starting at t0: writes step rows,
    activity events and log lines.  Returns the end time, or None when the plan
    ends with an open/errored step (the run then has no completion)."""
    rid, proj = run["id"], run["project_dir"]
    act = {"task_id": run["task_id"], "attempt_id": run["attempt_id"], "workflow": run["workflow_name"]}
    t = t0 + 2 * SEC
    for s in steps:
        b.step_start(rid, s["name"], t, off)
        if run["task_id"]:
            b.activity(t, "step_started", proj, off, step=s["name"], **act)
        log.line(t, "status", ("step_started: " + s["name"]).encode())
        end = t + s["dur"] * SEC
        if s["kind"] == "workflow":
            iend, cont = _inner(b, run, s, t + SEC, log, off)
            if iend is None:
                return None
            end = max(end, iend + SEC)
            log.raw(b"\n".join(cont) + b"\n")
            log.step_file(s["name"] + ".log", b"\n".join(cont) + b"\n")
            log.step_file(s["name"] + "/full.log", b"\n".join(cont) + b"\n")
            if log.dir:
                d = os.path.join(log.dir, s["name"])
                b.log_file(rid, "", "full", os.path.join(d, "full.log"), end)
                for f in sorted(os.listdir(d)):
                    if f.startswith("llm-"):
                        b.log_file(rid, f[4:-4], "llm", os.path.join(d, f), end)
                    elif f != "full.log":
                        b.log_file(rid, f[:-4], "script", os.path.join(d, f), end)
        if s.get("open") or s.get("error"):
            return None
        if s.get("skip"):
            log.line(end, "status", ("step_skipped: %s -> %s" % (s["name"], s["result"])).encode())
        elif s["kind"] in ("script", "agent"):
            body = _agent_out(s) if s["kind"] == "agent" else (s.get("out") or script_lines(s["name"]))
            log.lines(end, "script", body)
            log.step_file(s["name"] + ".log", b"\n".join(body) + b"\n")
        b.step_end(rid, s["name"], end, s["result"], s.get("agent", ""), s.get("tin", 0), s.get("tout", 0), off)
        if run["task_id"]:
            b.activity(end, "step_completed", proj, off, step=s["name"],
                       result="skipped" if s.get("skip") else s["result"], **act)
        if not s.get("skip"):
            log.line(end, "status", ("step_completed: %s -> %s" % (s["name"], s["result"])).encode())
        t = end + SEC
    return t


def host_attempt(b, proj, tid, t0, steps, state, task_title="", wf="main", error="", off=0,
                 aid=None, result=None, prev="", logs=True, title="", active="", rid=None, is_host=1):
    """A loop attempt: attempts row (when tid), host run <aid>-<wf>, steps and
    the v2 log directory.  Returns the run row dict (with 'aid', 'end')."""
    aid = aid or b.attempt_id()
    rid = rid or "%s-%s" % (aid, wf)
    d = os.path.join(proj, ".cloche", "logs", tid, aid) if (tid and logs) else None
    log = FullLog(d)
    terminal = state in ("succeeded", "failed", "cancelled", "parked")
    done = state in ("succeeded", "failed", "cancelled")
    run = b.run(id=rid, workflow_name=wf, state=state, project_dir=proj, is_host=is_host,
                task_id=tid, task_title=task_title, attempt_id=aid, title=title,
                started_at=b.ts(t0, off), error_message=error, active_steps=active)
    if tid:
        b.activity(t0, "attempt_started", proj, off, task_id=tid, attempt_id=aid)
    end = play(b, run, t0, steps, log, off)
    if terminal:
        end = end or (t0 + sum(s["dur"] for s in steps) * SEC + 5 * SEC)
        b.conn.execute("UPDATE runs SET completed_at=? WHERE pk=?", (b.ts(end, off), run["pk"]))
    if tid:
        res = result or {"succeeded": "succeeded", "cancelled": "cancelled"}.get(state, "failed")
        if not done:
            res = "running"
        b.attempt(aid, tid, proj, t0, end if done else None, res, prev, off)
        if done:
            b.activity(end, "attempt_ended", proj, off, task_id=tid, attempt_id=aid, state=res)
    run.update(aid=aid, end=end, logdir=d)
    return run
