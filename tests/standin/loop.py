"""The stand-in's orchestration loop (daemon.md 2.2), one per project.

Task discovery: the real loop runs the project's list-tasks workflow; the
stand-in reads <project>/.cloche/standin-tasks.jsonl instead (same JSONL
format as list-tasks output: id, status, title), and in --simulate mode
invents tasks when that file is absent. Without a list-tasks workflow the
loop runs in continuous mode (placeholder task with an empty ID)."""
import json
import os
import random
import threading
import time
import tomllib

from engine import HostRun, new_attempt_id, now_rfc, workflows


def load_config(project):
    """Project config.toml with the daemon's defaults; raises on a file that
    exists but does not parse (the daemon dereferences nil then)."""
    p = os.path.join(project, ".cloche", "config.toml")
    cfg = {}
    if os.path.exists(p):
        with open(p, "rb") as f:
            cfg = tomllib.load(f)
    orch = cfg.get("orchestration", {})
    return dict(active=bool(cfg.get("active", False)), concurrency=int(orch.get("concurrency", 1) or 1),
                stagger=float(orch.get("stagger_seconds", 1.0)), dedup=float(orch.get("dedup_seconds", 0)),
                stop_on_error=bool(orch.get("stop_on_error", False)),
                max_failures=int(orch.get("max_consecutive_failures", 3)),
                evolution=bool(cfg.get("evolution", {}).get("enabled", True)),
                repositories=cfg.get("repositories", []))


class Loop(threading.Thread):
    def __init__(self, daemon, project, cfg):
        super().__init__(daemon=True)
        self.d, self.project, self.cfg = daemon, project, cfg
        self.started = True
        self.stop_ev = threading.Event()
        self.dedup = {}
        self.inflight = set()
        self.failures = 0
        self.sim_seq = 0
        self.lock = threading.Lock()

    def stop(self):
        self.started = False
        self.stop_ev.set()

    def tasks(self):
        p = os.path.join(self.project, ".cloche", "standin-tasks.jsonl")
        if os.path.exists(p):
            out = []
            for line in open(p, encoding="utf-8"):
                if line.strip():
                    out.append(json.loads(line))
            return out
        if self.d.simulate:
            self.sim_seq += 1
            return [dict(id="sim-%04d" % random.randint(0, 9999), status="open",
                         title=random.choice(["Fix flaky login test", "Add pagination to /runs",
                                              "Upgrade sqlite", "Document the API", "Refactor the poller"]))]
        return []

    def pick(self):
        wfs = workflows(self.project)
        if "main" not in wfs:
            return None, None
        if "list-tasks" not in wfs:
            return wfs["main"], {"id": "", "title": ""}
        window = self.cfg["dedup"] or 300
        now = time.time()
        self.dedup = {k: v for k, v in self.dedup.items() if now - v < window}
        for t in self.tasks():
            if t.get("status", "open") in ("open", "") and t.get("id") and t["id"] not in self.dedup:
                self.dedup[t["id"]] = now
                return wfs["main"], t
        return wfs["main"], None

    def launch(self, wf, task):
        s, tid = self.d.store, task["id"]
        attempt = new_attempt_id()
        if tid:
            if not s.one("SELECT id FROM tasks WHERE id=?", (tid,)):
                s.insert("tasks", dict(id=tid, title=task.get("title", ""), source="external",
                                       project_dir=self.project, created_at=now_rfc()))
            s.x("INSERT OR REPLACE INTO attempts (id, task_id, started_at, ended_at, result, project_dir, "
                "previous_attempt_id) VALUES (?,?,?,NULL,'running',?,'')", (attempt, tid, now_rfc(), self.project))
            s.activity("attempt_started", self.project, tid, attempt)
        run = HostRun(self.d, self.project, wf, tid, attempt, task_title=task.get("title", ""),
                      step_seconds=self.d.step_seconds, fail_rate=0.15 if self.d.simulate else 0.0,
                      on_end=self.ended)
        run.create_row()
        with self.lock:
            self.inflight.add(run.run_id)
        if self.d.simulate and random.random() < 0.3:
            self.d.container_run(self.project, tid, attempt, task.get("title", ""))
        run.start()

    def ended(self, run, state):
        s = self.d.store
        result = state if state in ("succeeded", "cancelled") else "failed"
        if run.task_id:
            s.x("UPDATE attempts SET result=?, ended_at=? WHERE id=?", (result, now_rfc(), run.attempt_id))
            s.activity("attempt_ended", self.project, run.task_id, run.attempt_id, state=result)
            s.x("UPDATE runs SET task_title=? WHERE id=? AND attempt_id=? AND task_title=''",
                (run.task_title, run.run_id, run.attempt_id))
        with self.lock:
            self.inflight.discard(run.run_id)
            self.failures = 0 if result == "succeeded" else self.failures + 1
            if result != "succeeded" and (self.cfg["stop_on_error"] or self.failures >= self.cfg["max_failures"]):
                self.started = False   # halted: stays in the map, loop_running reads false
                self.stop_ev.set()
        self.d.wake_loops()

    def busy(self):
        with self.lock:
            return len(self.inflight) >= max(1, self.cfg["concurrency"])

    def run(self):
        while not self.stop_ev.is_set():
            if self.busy():
                self.stop_ev.wait(0.5)
                continue
            wf, task = self.pick()
            if wf is None or task is None:
                self.stop_ev.wait(2.0 if self.d.simulate else 1.0)
                continue
            self.launch(wf, task)
            self.stop_ev.wait(max(0.1, self.cfg["stagger"]))
