#!/usr/bin/python3
"""A stand-in for the Cloche daemon (cloched v3.18.2) for tests and the demo.

Speaks the real gRPC protocol (stubs generated at start-up from
cgi/proto/cloche.proto), owns a store like the daemon and answers with the
daemon's error texts and codes (spec daemon.md 1.4). See docs/daemon-link.md.

usage: cloched.py --db STORE [--listen 127.0.0.1:PORT] [--simulate]
                  [--record FILE] [--control FILE] [--delay-ms N]
                  [--fail METHOD=[CODE:]TEXT ...] [--step-seconds S] [--sweep]
                  [--demo DIR] [--enable PROJECT_DIR ...]

--record   appends one JSON line per RPC received: method, request fields
           (proto names, defaults included) and metadata.
--control  a JSON file re-read on every RPC, for tests that cannot restart
           us: {"delay_ms": N, "delay_methods": ["Method", ...] (default all),
           "fail": {"Method": "[CODE:]text"},
           "down": true (stop listening until it is false again)}.
--simulate also starts the loops the daemon would start at start-up
           (active = true, .cloche/host.cloche, no .loop-stopped).
--demo     a demo directory (tests/run.sh): --record and --control default
           to DEMO/standin-record.jsonl and DEMO/standin-control.json.
"""
import argparse
import concurrent.futures
import inspect
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grpc  # noqa: E402
from grpc_tools import protoc  # noqa: E402

import engine  # noqa: E402
from engine import Broadcaster, HostRun, Store, go_time, new_attempt_id, now_rfc, workflows  # noqa: E402
from loop import Loop, load_config  # noqa: E402

PROTO = os.path.join(HERE, "..", "..", "cgi", "proto", "cloche.proto")
VERSION = "3.18.2"


def gen_stubs():
    out = tempfile.mkdtemp(prefix="cloche-standin-")
    inc = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    rc = protoc.main(["protoc", "-I" + os.path.dirname(PROTO), "-I" + inc, "--python_out=" + out,
                      "--grpc_python_out=" + out, os.path.basename(PROTO)])
    if rc != 0:
        sys.exit("cloched.py: protoc failed on %s" % PROTO)
    sys.path.insert(0, out)
    import cloche_pb2
    import cloche_pb2_grpc
    return cloche_pb2, cloche_pb2_grpc


pb, pbg = gen_stubs()
from google.protobuf.json_format import MessageToDict  # noqa: E402


class Abort(Exception):
    def __init__(self, text, code=grpc.StatusCode.UNKNOWN):
        super().__init__(text)
        self.text, self.code = text, code


def normalize(d):
    """The first `worktree` line of git worktree list (daemon.md 1.4)."""
    try:
        out = subprocess.run(["git", "-C", d, "worktree", "list", "--porcelain"], capture_output=True,
                             text=True, timeout=5)
        for line in out.stdout.splitlines():
            if line.startswith("worktree "):
                return line[9:]
    except (OSError, subprocess.SubprocessError):
        pass
    return d


class Daemon:
    def __init__(self, a):
        self.a = a
        self.store = Store(a.db, sweep=a.sweep)
        self.logs = Broadcaster()
        self.loops = {}
        self.loops_lock = threading.Lock()
        self.simulate = a.simulate
        self.step_seconds = a.step_seconds
        self.record_lock = threading.Lock()
        self.fail = dict(f.split("=", 1) for f in a.fail)
        self._ctl = (None, {})

    # -- test hooks --------------------------------------------------------
    def control(self):
        p = self.a.control
        if not p:
            return {}
        try:
            st = os.stat(p)
        except OSError:
            return {}
        if self._ctl[0] != st.st_mtime_ns:
            try:
                self._ctl = (st.st_mtime_ns, json.load(open(p)))
            except (OSError, ValueError):
                self._ctl = (st.st_mtime_ns, {})
        return self._ctl[1]

    def record(self, method, req, ctx):
        if not self.a.record:
            return
        md = {k: v for k, v in ctx.invocation_metadata() if not k.startswith(":")}
        line = json.dumps(dict(method=method, time=now_rfc(), metadata=md,
                               request=MessageToDict(req, preserving_proto_field_name=True,
                                                     including_default_value_fields=True)))
        with self.record_lock, open(self.a.record, "a") as f:
            f.write(line + "\n")

    def hooks(self, method):
        ctl = self.control()
        delay = ctl.get("delay_ms", self.a.delay_ms)
        if delay and method in ctl.get("delay_methods", [method]):
            time.sleep(delay / 1000.0)
        spec = ctl.get("fail", {}).get(method, self.fail.get(method))
        if spec is not None:
            code, _, text = spec.partition(":")
            if text and hasattr(grpc.StatusCode, code):
                raise Abort(text, getattr(grpc.StatusCode, code))
            raise Abort(spec)

    # -- shared --------------------------------------------------------------
    def wake_loops(self):
        pass

    def check_config(self, project):
        """The daemon dies here on a broken config.toml (daemon.md 1.1)."""
        try:
            return load_config(project)
        except Exception as e:
            sys.stderr.write("panic: runtime error: invalid memory address or nil pointer dereference\n"
                             "[signal SIGSEGV: segmentation violation] (stand-in: config.toml of %s: %s)\n"
                             % (project, e))
            sys.stderr.flush()
            os._exit(2)

    def container_run(self, project, task, attempt, title):
        """A stand-alone container run row (simulate mode): kept on failure."""
        state = "failed" if os.urandom(1)[0] < 100 else "succeeded"
        cid = os.urandom(32).hex()
        self.store.insert("runs", dict(id="%s-develop" % attempt, workflow_name="develop", state=state,
                                       active_steps="", started_at=now_rfc(), completed_at=now_rfc(),
                                       project_dir=project, error_message="container exited with code 1"
                                       if state == "failed" else "", container_id=cid, base_sha="0" * 40,
                                       container_kept=1 if state == "failed" else 0, title=title, is_host=0,
                                       parent_run_id="", task_id=task, task_title=title, attempt_id=attempt))

    def run_summary(self, r, fields=None):
        d = dict(run_id=r["id"], workflow_name=r["workflow_name"], state=r["state"],
                 started_at=go_time(r["started_at"] or ""), error_message=r["error_message"] or "",
                 container_id=r["container_id"] or "", title=r["title"] or "", is_host=bool(r["is_host"]),
                 project_dir=r["project_dir"] or "", task_id=r["task_id"] or "")
        if fields:
            d = {k: v for k, v in d.items() if k in fields}
        return pb.RunSummary(**d)

    def resolve(self, ident):
        s = self.store
        r = s.run(ident)
        if r:
            return r
        r = s.one("SELECT * FROM runs WHERE task_id=? ORDER BY state='running' DESC, started_at DESC LIMIT 1",
                  (ident,))
        if r:
            return r
        return s.one("SELECT * FROM runs WHERE attempt_id=? ORDER BY pk DESC LIMIT 1", (ident,))


def rpc(fn):
    """Record, then apply the test hooks, then run the handler; Abort
    becomes the gRPC status the daemon would send."""
    name = fn.__name__

    def wrapper(self, req, ctx):
        d = self.d
        d.record(name, req, ctx)
        try:
            d.hooks(name)
            return fn(self, req, ctx)
        except Abort as e:
            ctx.abort(e.code, e.text)

    def stream_wrapper(self, req, ctx):
        d = self.d
        d.record(name, req, ctx)
        try:
            d.hooks(name)
            yield from fn(self, req, ctx)
        except Abort as e:
            ctx.abort(e.code, e.text)
    w = stream_wrapper if inspect.isgeneratorfunction(fn) else wrapper
    w.__name__ = name
    return w


class Service(pbg.ClocheServiceServicer):
    def __init__(self, d):
        self.d = d

    @rpc
    def GetVersion(self, req, ctx):
        return pb.GetVersionResponse(version=VERSION)

    @rpc
    def StopRun(self, req, ctx):
        s, tid = self.d.store, req.task_id
        if not tid:
            raise Abort("task_id is required")
        n = 0
        for r in s.all("SELECT pk, attempt_id, state FROM runs WHERE task_id=?", (tid,)):
            if r["state"] in engine.TERMINAL:
                continue
            s.x("UPDATE runs SET state='cancelled', completed_at=? WHERE pk=?", (now_rfc(), r["pk"]))
            if r["attempt_id"]:
                s.x("UPDATE attempts SET result='cancelled', ended_at=? WHERE id=?", (now_rfc(), r["attempt_id"]))
            n += 1
        if not n:
            raise Abort('task "%s" has no active runs' % tid)
        return pb.StopRunResponse()

    @rpc
    def DeleteContainer(self, req, ctx):
        s, ident = self.d.store, req.id
        if not ident:
            raise Abort("id is required")
        r = s.run(ident)
        if r and not r["container_id"]:
            raise Abort('run "%s" has no associated container' % ident)
        if r:
            s.x("UPDATE runs SET container_kept=0 WHERE pk=?", (r["pk"],))
        return pb.DeleteContainerResponse()

    def _project(self, project_dir):
        if not project_dir:
            raise Abort("project_dir is required")
        return normalize(project_dir)

    @rpc
    def EnableLoop(self, req, ctx):
        d = self.d
        p = self._project(req.project_dir)
        try:
            os.remove(os.path.join(p, ".cloche", ".loop-stopped"))
        except OSError:
            pass
        cfg = d.check_config(p)
        if not any(w.host for w in workflows(p).values()):
            raise Abort("no host workflows found in %s/.cloche/" % p)
        if req.max_concurrent > 0:
            cfg["concurrency"] = req.max_concurrent
        with d.loops_lock:
            for other, lp in list(d.loops.items()):
                if other != p and p.startswith(other.rstrip("/") + "/") and lp.started:
                    raise Abort("project %s is nested inside %s which already has an active loop; skipping "
                                "to prevent duplicate task contention" % (p, other))
            for other in [o for o in d.loops if o.startswith(p.rstrip("/") + "/") or o == p]:
                d.loops.pop(other).stop()
            lp = Loop(d, p, cfg)
            d.loops[p] = lp
            lp.start()
        return pb.EnableLoopResponse()

    @rpc
    def DisableLoop(self, req, ctx):
        d = self.d
        p = self._project(req.project_dir)
        with d.loops_lock:
            lp = d.loops.pop(p, None)
        if lp:
            lp.stop()
        try:
            os.makedirs(os.path.join(p, ".cloche"), exist_ok=True)
            with open(os.path.join(p, ".cloche", ".loop-stopped"), "w") as f:
                f.write("stopped\n")
            os.chmod(os.path.join(p, ".cloche", ".loop-stopped"), 0o644)
        except OSError as e:
            raise Abort("persisting loop-stopped flag: %s" % e)
        return pb.DisableLoopResponse()

    @rpc
    def ResumeLoop(self, req, ctx):
        raise Abort("method ResumeLoop not implemented", grpc.StatusCode.UNIMPLEMENTED)

    @rpc
    def GetProjectInfo(self, req, ctx):
        d, s = self.d, self.d.store
        if req.project_dir:
            p = normalize(req.project_dir)
        elif req.name:
            dirs = [r["project_dir"] for r in s.all("SELECT DISTINCT project_dir FROM runs WHERE project_dir<>'' "
                                                    "AND project_dir NOT LIKE '%/.gitworktrees/%' ORDER BY 1")]
            base = lambda x: os.path.basename(x.rstrip("/"))  # noqa: E731
            count = {}
            for x in dirs:
                count[base(x)] = count.get(base(x), 0) + 1
            lab = {(base(x) if count[base(x)] == 1 else base(os.path.dirname(x)) + "/" + base(x)): x for x in dirs}
            if req.name not in lab:
                raise Abort('project "%s" not found' % req.name)
            p = lab[req.name]
        else:
            raise Abort("project_dir or name is required")
        cfg = d.check_config(p)
        lp = d.loops.get(p)
        wfs = workflows(p)
        active = s.all("SELECT * FROM runs WHERE project_dir=? AND state IN ('pending','running') ORDER BY pk", (p,))
        keep = ("run_id", "workflow_name", "state", "started_at", "title", "is_host", "container_id")
        return pb.GetProjectInfoResponse(
            project_dir=p, name=os.path.basename(p), active=cfg["active"], concurrency=cfg["concurrency"],
            stagger_seconds=cfg["stagger"], dedup_seconds=cfg["dedup"], evolution_enabled=cfg["evolution"],
            loop_running=bool(lp and lp.started), active_runs=[d.run_summary(r, keep) for r in active],
            container_workflows=sorted(n for n, w in wfs.items() if not w.host),
            host_workflows=sorted(n for n, w in wfs.items() if w.host), stop_on_error=cfg["stop_on_error"],
            max_consecutive_failures=cfg["max_failures"],
            repositories=[pb.Repository(name=r.get("name", ""), path=r.get("path", ""), url=r.get("url", ""))
                          for r in cfg["repositories"]],
            resumable_runs_count=s.one("SELECT count(*) AS n FROM runs WHERE project_dir=? AND state='parked'",
                                       (p,))["n"])

    @rpc
    def RunWorkflow(self, req, ctx):
        d, s = self.d, self.d.store
        p = normalize(req.project_dir)
        md = dict(ctx.invocation_metadata())
        name = req.workflow_name.split(":")[0]
        wf = workflows(p).get(name)
        if wf is None:
            raise Abort('workflow "%s" not found' % name)
        attempt = md.get("x-cloche-attempt-id")
        tid = req.issue_id
        if not attempt:
            attempt = new_attempt_id()
            tid = tid or "user-" + attempt
            if not s.one("SELECT id FROM tasks WHERE id=?", (tid,)):
                s.insert("tasks", dict(id=tid, title=req.title, source="external" if req.issue_id else
                                       "user-initiated", project_dir=p, created_at=now_rfc()))
            s.x("INSERT OR REPLACE INTO attempts (id, task_id, started_at, ended_at, result, project_dir, "
                "previous_attempt_id) VALUES (?,?,?,NULL,'running',?,'')", (attempt, tid, now_rfc(), p))
            own_attempt = True
        else:
            tid = tid or "user-" + attempt
            own_attempt = False
        if not wf.host:
            s.insert("runs", dict(id="%s-%s" % (attempt, name), workflow_name=name, state="pending",
                                  active_steps="", started_at="", completed_at="", project_dir=p,
                                  error_message="", container_id="", base_sha="", container_kept=0,
                                  title=req.title, is_host=0, parent_run_id="", task_id=tid, task_title="",
                                  attempt_id=attempt))
            return pb.RunWorkflowResponse(run_id="%s-%s" % (attempt, name), task_id=tid, attempt_id=attempt)

        def ended(run, state):
            if own_attempt or s.one("SELECT id FROM attempts WHERE id=?", (attempt,)):
                result = state if state in ("succeeded", "cancelled") else "failed"
                s.x("UPDATE attempts SET result=?, ended_at=? WHERE id=?", (result, now_rfc(), attempt))
        run = HostRun(d, p, wf, tid, attempt, title=req.title, step_seconds=min(d.step_seconds, 0.5),
                      on_end=ended)
        run.create_row()
        run.start()
        return pb.RunWorkflowResponse(run_id=run.run_id)

    @rpc
    def GetStatus(self, req, ctx):
        s = self.d.store
        ident = req.id or req.run_id
        r = self.d.resolve(ident) if req.id else s.run(req.run_id)
        if not r:
            raise Abort('getting run: run "%s" not found' % ident)
        steps = [pb.StepExecutionStatus(step_name=e["step_name"], result=e["result"] or "",
                                        started_at=go_time(e["started_at"] or ""),
                                        completed_at=go_time(e["completed_at"] or ""),
                                        input_tokens=e["input_tokens"] or 0, output_tokens=e["output_tokens"] or 0,
                                        agent_name=e["agent_name"] or "")
                 for e in s.all("SELECT * FROM step_executions WHERE run_id=? ORDER BY id", (r["id"],))]
        # No Docker here: a container lives while its run is active, stays
        # (stopped) while container_kept = 1, and is gone otherwise.
        alive = bool(r["container_id"]) and r["state"] in ("pending", "running", "waiting")
        dead = r["completed_at"] or now_rfc() if r["container_id"] and not alive and r["container_kept"] else ""
        return pb.GetStatusResponse(run_id=r["id"], workflow_name=r["workflow_name"], state=r["state"],
                                    current_step=", ".join(x for x in (r["active_steps"] or "").split(",") if x),
                                    step_executions=steps, error_message=r["error_message"] or "",
                                    container_id=r["container_id"] or "", container_alive=alive,
                                    container_dead_since=dead, title=r["title"] or "", is_host=bool(r["is_host"]))

    def _full_log(self, r):
        if r["task_id"] and r["attempt_id"]:
            return os.path.join(r["project_dir"], ".cloche", "logs", r["task_id"], r["attempt_id"], "full.log")
        return os.path.join(r["project_dir"], ".cloche", r["id"], "output", "full.log")

    @rpc
    def StreamLogs(self, req, ctx):
        d = self.d
        md = dict(ctx.invocation_metadata())
        ident = req.run_id or req.id
        r = d.resolve(ident)
        if not r:
            raise Abort('run "%s" not found' % ident)
        rid = r["id"]
        if r["state"] in ("running", "pending") and d.logs.active(rid):
            follow = md.get("x-cloche-follow") == "true"
            pos = 0
            while ctx.is_active():
                lines, done = d.logs.read(rid, pos, 1.0)
                for step, msg, ts in lines:
                    yield pb.LogEntry(type="log", step_name=step, message=msg, timestamp=ts)
                pos += len(lines)
                if done or not follow:
                    break
            if not follow:
                return
            r = d.store.run(rid)
            yield pb.LogEntry(type="run_completed", result=r["state"], message=r["error_message"] or "")
            return
        path = self._full_log(r)
        if os.path.exists(path):
            with open(path, "rb") as f:
                while True:
                    chunk = f.read(512 * 1024)
                    if not chunk:
                        break
                    yield pb.LogEntry(type="full_log", message=chunk.decode("utf-8", "replace"))
        else:
            for e in d.store.all("SELECT * FROM step_executions WHERE run_id=? ORDER BY id", (rid,)):
                if e["result"]:
                    yield pb.LogEntry(type="step_completed", step_name=e["step_name"], result=e["result"],
                                      timestamp=e["completed_at"] or "")
                else:
                    yield pb.LogEntry(type="step_started", step_name=e["step_name"], timestamp=e["started_at"])
        yield pb.LogEntry(type="run_completed", result=r["state"], message=r["error_message"] or "")

    @rpc
    def ListRuns(self, req, ctx):
        where, args = ["1=1"], []
        for col, v in (("project_dir", req.project_dir), ("state", req.state), ("task_id", req.task_id)):
            if v:
                where.append("%s=?" % col)
                args.append(v)
        if not req.all:
            where.append("(completed_at >= ? OR state IN ('running','pending'))")
            args.append(engine.dt.datetime.fromtimestamp(time.time() - 3600, engine.dt.timezone.utc)
                        .strftime("%Y-%m-%dT%H:%M:%SZ"))
        sql = "SELECT * FROM runs WHERE %s ORDER BY state='running' DESC, started_at DESC" % " AND ".join(where)
        if req.limit > 0:
            sql += " LIMIT %d" % req.limit
        return pb.ListRunsResponse(runs=[self.d.run_summary(r) for r in self.d.store.all(sql, args)])

    def _task_status(self, tid, attempts):
        if not attempts:
            return "pending"
        st = attempts[-1]["result"]
        st = st if st in ("running", "succeeded", "failed", "cancelled") else "pending"
        if st == "running" and self.d.store.one("SELECT 1 AS x FROM runs WHERE task_id=? AND state='waiting'", (tid,)):
            st = "waiting"
        return st

    def _attempts(self, tid):
        return self.d.store.all("SELECT * FROM attempts WHERE task_id=? ORDER BY started_at", (tid,))

    @rpc
    def ListTasks(self, req, ctx):
        p = normalize(req.project_dir) if req.project_dir else ""
        rows = self.d.store.all("SELECT * FROM tasks WHERE (?='' OR project_dir=?) ORDER BY created_at DESC", (p, p))
        out = []
        for t in rows:
            at = self._attempts(t["id"])
            out.append(pb.TaskSummary(task_id=t["id"], title=t["title"], status=self._task_status(t["id"], at),
                                      project_dir=t["project_dir"], created_at=go_time(t["created_at"]),
                                      latest_attempt_id=at[-1]["id"] if at else "", attempt_count=len(at)))
        return pb.ListTasksResponse(tasks=out)

    @rpc
    def GetTask(self, req, ctx):
        t = self.d.store.one("SELECT * FROM tasks WHERE id=?", (req.task_id,))
        if not t:
            raise Abort('getting task: task "%s" not found' % req.task_id)
        at = self._attempts(t["id"])
        return pb.GetTaskResponse(task_id=t["id"], title=t["title"], status=self._task_status(t["id"], at),
                                  project_dir=t["project_dir"],
                                  attempts=[pb.AttemptSummary(attempt_id=a["id"], task_id=a["task_id"],
                                                              result=a["result"], started_at=go_time(a["started_at"]),
                                                              ended_at=go_time(a["ended_at"] or ""))
                                            for a in at])

    @rpc
    def GetUsage(self, req, ctx):
        since = until = ""
        window = 0
        if req.window_seconds > 0:
            now = time.time()
            fmt = lambda t: now_rfc(engine.dt.datetime.fromtimestamp(t, engine.dt.timezone.utc))  # noqa: E731
            since, until, window = fmt(now - req.window_seconds), fmt(now), req.window_seconds
        rows = self.d.store.all(
            "SELECT ifnull(se.agent_name,'') AS agent, SUM(se.input_tokens) AS i, SUM(se.output_tokens) AS o "
            "FROM step_executions se INNER JOIN runs r ON r.id = se.run_id "
            "WHERE (?1 = '' OR r.project_dir = ?1) AND (?2 = '' OR se.agent_name = ?2) "
            "AND (?3 = '' OR se.completed_at >= ?3) AND (?4 = '' OR se.completed_at <= ?4) "
            "GROUP BY ifnull(se.agent_name,'')", (req.project_dir, req.agent_name, since, until))
        out = []
        for r in rows:
            tot = (r["i"] or 0) + (r["o"] or 0)
            out.append(pb.UsageSummary(agent_name=r["agent"], input_tokens=r["i"] or 0, output_tokens=r["o"] or 0,
                                       total_tokens=tot, burn_rate=tot / (window / 3600.0) if window else 0.0))
        return pb.GetUsageResponse(summaries=out)


def autostart(d):
    """The daemon's start-up rule (daemon.md 2.2): projects of the store,
    not nested, with active = true, .cloche/host.cloche and no
    .cloche/.loop-stopped. A config that does not load is skipped here."""
    dirs = [r["project_dir"] for r in d.store.all("SELECT DISTINCT project_dir FROM runs WHERE project_dir <> '' "
                                                  "AND project_dir NOT LIKE '%/.gitworktrees/%' ORDER BY 1")]
    out = []
    for p in dirs:
        if any(p.startswith(o.rstrip("/") + "/") for o in dirs if o != p):
            continue
        try:
            cfg = load_config(p)
        except Exception:
            continue
        if cfg["active"] and os.path.exists(os.path.join(p, ".cloche", "host.cloche")) and \
                not os.path.exists(os.path.join(p, ".cloche", ".loop-stopped")):
            out.append(p)
    return out


def serve(d, listen):
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=32),
                         options=[("grpc.so_reuseport", 1)])
    pbg.add_ClocheServiceServicer_to_server(Service(d), server)
    if server.add_insecure_port(listen) == 0:
        sys.exit("cloched.py: cannot listen on %s" % listen)
    server.start()
    return server


def main():
    ap = argparse.ArgumentParser(description="Cloche daemon stand-in (tests and demo)")
    ap.add_argument("--db", default=os.environ.get("CLOCHE_DB"))
    ap.add_argument("--listen", default="127.0.0.1:50051")
    ap.add_argument("--simulate", action="store_true")
    ap.add_argument("--record")
    ap.add_argument("--control")
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--fail", action="append", default=[])
    ap.add_argument("--step-seconds", type=float, default=1.0)
    ap.add_argument("--sweep", action="store_true", help="fail active runs at start, as the daemon does")
    ap.add_argument("--enable", action="append", default=[], help="start the loop of this project dir")
    ap.add_argument("--demo", help="demo directory: --record and --control default to "
                    "DEMO/standin-record.jsonl and DEMO/standin-control.json")
    a = ap.parse_args()
    if a.demo:
        a.record = a.record or os.path.join(a.demo, "standin-record.jsonl")
        a.control = a.control or os.path.join(a.demo, "standin-control.json")
    if not a.db:
        sys.exit("cloched.py: --db or CLOCHE_DB is required")
    if not a.listen.startswith("127.0.0.1:") and not a.listen.startswith("localhost:"):
        sys.exit("cloched.py: listens on 127.0.0.1 only")
    d = Daemon(a)
    server = serve(d, a.listen)
    for p in a.enable + (autostart(d) if a.simulate else []):
        if p not in d.loops:
            d.loops[p] = Loop(d, p, d.check_config(p))
            d.loops[p].start()
    print("cloched stand-in %s listening on %s (store %s)" % (VERSION, a.listen, a.db), flush=True)
    down = False
    try:
        while True:
            time.sleep(0.2)
            want_down = bool(d.control().get("down"))
            if want_down and not down:
                server.stop(0).wait()
                down = True
            elif down and not want_down:
                server = serve(d, a.listen)
                down = False
    except KeyboardInterrupt:
        server.stop(1)


if __name__ == "__main__":
    main()
