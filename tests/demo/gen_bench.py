#!/usr/bin/python3
"""Generates the bench store: the daemon's current schema with NO extra
indexes, filled with a realistic mix of runs and step rows, plus minimal
project directories and two git repositories of 5,000 commits (a realistic
one, where few commits change the prompt, and one where every commit does).

usage: gen_bench.py --out DIR [--runs 100000] [--steps 1000000] [--projects 50]
                    [--commits 5000] [--seed N]
Writes DIR/cloche.db, DIR/projects/proj-NN/, DIR/manifest.json; prints timings."""
import argparse
import json
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import schema  # noqa: E402
from demo_files import GITIGNORE, SIMPLE_MAIN, prompt  # noqa: E402
from demo_util import git, git_init, write  # noqa: E402

B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
STEPS = [("claim", "script"), ("develop", "workflow"), ("draft", "agent"), ("unit", "script"),
         ("lint", "script"), ("review", "agent"), ("land", "script"), ("wrap-up", "agent")]
RUN_COLS = ("id", "workflow_name", "state", "active_steps", "started_at", "completed_at", "project_dir",
            "error_message", "container_id", "base_sha", "container_kept", "title", "is_host",
            "parent_run_id", "task_id", "task_title", "attempt_id", "parent_step_name")
STEP_COLS = ("run_id", "step_name", "result", "started_at", "completed_at", "logs", "git_ref",
             "input_tokens", "output_tokens", "agent_name")


def attempt_id(i):
    """Distinct 4-char [0-9a-z] ids for i < 36**4 (7919 is coprime to 36**4)."""
    n = (i * 7919 + 12345) % (36 ** 4)
    return "".join(B36[(n // 36 ** k) % 36] for k in range(4))


class Clock:
    """RFC3339Nano text for epoch seconds, cached per whole second."""

    def __init__(self, rng):
        self.rng = rng
        self.cache = {}

    def ts(self, t):
        s = int(t)
        base = self.cache.get(s)
        if base is None:
            base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s))
            if len(self.cache) > 200000:
                self.cache.clear()
            self.cache[s] = base
        ns = int((t - s) * 1e9)
        frac = ("%09d" % ns).rstrip("0")
        return base + ("." + frac if frac else "") + "Z"


def pick_state(rng, recent):
    r = rng.random()
    if recent and r < 0.6:
        return "running" if r < 0.4 else ("pending" if r < 0.5 else "waiting")
    if r < 0.62:
        return "succeeded"
    if r < 0.92:
        return "failed"
    if r < 0.97:
        return "cancelled"
    return "parked"


def gen_rows(a, projects, now):
    """Yields nothing; returns (runs, steps, tasks, attempts, activity, info)."""
    rng = random.Random(a.seed)
    clk = Clock(rng)
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(projects))]
    span = 60 * 86400.0
    runs, steps, tasks, attempts, act = [], [], [], [], []
    agents = ("claude", "claude", "codex", "")
    i = 0
    task_no = 0
    info = {}
    while i < a.runs:
        task_no += 1
        tid = "BENCH-%06d" % task_no
        proj = rng.choices(projects, weights)[0]
        title = "Task %d: improve <module> & \"tests\"" % task_no
        n_att = min(rng.choice((1, 1, 1, 2, 2, 3)), a.runs - i)
        t0 = now - span * (1 - i / a.runs)
        tasks.append((tid, title, "external", proj, clk.ts(t0)))
        prev = ""
        for _ in range(n_att):
            aid = attempt_id(i)
            recent = i >= a.runs * 0.985
            state = pick_state(rng, recent)
            t = now - span * (1 - i / a.runs) + rng.random() * 60
            if recent:
                t = min(t, now - 120)
            container = rng.random() < 0.05 and i + 1 < a.runs
            # Spread the remaining step-row budget over the remaining runs, so
            # truncated (running/errored) and step-less container runs are
            # compensated and the total lands on --steps (within a row or two).
            left = a.runs - i
            avg = (a.steps - len(steps)) / (2.0 * left)
            k = max(1, int(rng.gauss(avg, 1.5) + 0.5)) if left > 1 else max(1, (a.steps - len(steps) + 1) // 2)
            wf = "main"
            rid = aid + "-" + wf
            end = t + 5
            active = ""
            for j in range(k):
                name, kind = STEPS[j % len(STEPS)]
                st = t + 2 + j * 30
                en = st + 20 + rng.random() * 60
                steps.append((rid, name, "", clk.ts(st), "", "", "", 0, 0, ""))
                last = j == k - 1
                if last and state in ("running", "waiting", "pending", "parked"):
                    active = name
                    break
                if last and state == "failed" and rng.random() < 0.2:
                    break          # errored: start row only
                res = "fail" if (last and state == "failed") else "success"
                ag = rng.choice(agents) if kind == "agent" else ""
                tin = rng.randrange(500, 20000) if kind == "agent" else 0
                tout = tin // rng.randrange(3, 9) if tin else 0
                steps.append((rid, name, res, "", clk.ts(en), "", "", tin, tout, ag))
                end = en
            done = state in ("succeeded", "failed", "cancelled", "parked")
            err = "container exited with code 1" if state == "failed" else ""
            runs.append((rid, wf, state, "" if done else active, clk.ts(t), clk.ts(end + 1) if done else "",
                         proj, err, "", "", 0, "", 1, "", tid, title, aid, None))
            res = {"succeeded": "succeeded", "cancelled": "cancelled", "failed": "failed"}.get(state, "running")
            attempts.append((aid, tid, clk.ts(t), clk.ts(end + 1) if res != "running" else None, res, proj, prev))
            act.append((clk.ts(t), "attempt_started", proj, tid, aid, "", "", "", ""))
            if res != "running":
                act.append((clk.ts(end + 1), "attempt_ended", proj, tid, aid, "", "", "", res))
            if state == "running":
                info.setdefault("running_run", rid)
            info["sample_run"], info["sample_task"], info["sample_attempt"] = rid, tid, aid
            prev = aid
            i += 1
            if container:
                cid = "".join(rng.choice("0123456789abcdef") for _ in range(64))
                runs.append((aid + "-develop", "develop", "failed", "", clk.ts(t + 1), clk.ts(t + 600), proj,
                             "container exited with code 2", cid, "0" * 40, 1, "Fix <b>it</b>", 0, "", tid,
                             title, aid, None))
                info["container_run"] = aid + "-develop"
                i += 1
            if i >= a.runs:
                break
    return runs, steps, tasks, attempts, act, info


def insert(conn, table, cols, rows):
    conn.executemany("INSERT INTO %s (%s) VALUES (%s)" % (table, ", ".join(cols), ", ".join("?" * len(cols))),
                     rows)


def make_projects(out, n, commits):
    """proj-00 .. proj-NN with .cloche/main.cloche. proj-00 and proj-01 are
    git repositories with `commits` commits each (built with fast-import):
    in proj-00 one commit in PROMPT_EVERY changes .cloche/prompts/review.md
    and the others change code, as in a real project; in proj-01 every
    commit changes the prompt (the worst case for the size of /info)."""
    dirs = []
    for i in range(n):
        d = os.path.join(out, "projects", "proj-%02d" % i)
        write(os.path.join(d, ".cloche", "main.cloche"), SIMPLE_MAIN)
        write(os.path.join(d, ".cloche", "version"), "1\n")
        write(os.path.join(d, ".cloche", "prompts", "review.md"), prompt("review", 1))
        dirs.append(d)
    make_repo(dirs[0], commits, PROMPT_EVERY)
    if n > 1:
        make_repo(dirs[1], commits, 1)
    return dirs


PROMPT_EVERY = 25


def commit_files(c, every):
    """The files commit number c writes: the prompt on every `every`-th
    commit, else one of 100 source files."""
    files = []
    if c == 0:
        for rel, body in ((".gitignore", GITIGNORE), (".cloche/main.cloche", SIMPLE_MAIN),
                          (".cloche/version", "1\n")):
            files.append((rel, body.encode()))
    if c % every == 0:
        rev = c // every + 1
        files.append((".cloche/prompts/review.md", prompt("review", rev).encode()))
        return files, ("review prompt revision %d <b>&</b>" % rev).encode()
    body = "package mod\n\n// change %d\nfunc F%d() int { return %d }\n" % (c, c % 100, c)
    files.append(("src/mod%02d.go" % (c % 100), body.encode()))
    return files, ("code change %d" % c).encode()


def make_repo(repo, commits, every):
    git_init(repo)
    stream = []
    base = 1767225600  # 2026-01-01T00:00:00Z
    for c in range(commits):
        files, msg = commit_files(c, every)
        stream.append(b"commit refs/heads/main\n")
        stream.append(b"author Bench Bot <bench@example.com> %d +0000\n" % (base + c * 600))
        stream.append(b"committer Bench Bot <bench@example.com> %d +0000\n" % (base + c * 600))
        stream.append(b"data %d\n%s\n" % (len(msg), msg))
        for rel, body in files:
            stream.append(b"M 100644 inline %s\ndata %d\n%s\n" % (rel.encode(), len(body), body))
    r = subprocess.run(["git", "-C", repo, "fast-import", "--quiet"], input=b"".join(stream), capture_output=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.decode(errors="replace"))
    git(repo, "reset", "-q", "--hard", "main")


def main():
    ap = argparse.ArgumentParser(description="bench store generator")
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", type=int, default=100000)
    ap.add_argument("--steps", type=int, default=1000000)
    ap.add_argument("--projects", type=int, default=50)
    ap.add_argument("--commits", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    out = os.path.abspath(a.out)
    if os.path.exists(out) and os.listdir(out):
        sys.exit("gen_bench: %s exists and is not empty" % out)
    T = {}
    t = time.time()
    dirs = make_projects(out, a.projects, a.commits)
    T["projects_git"] = time.time() - t
    t = time.time()
    now = time.time()
    runs, steps, tasks, attempts, act, info = gen_rows(a, dirs, now)
    T["generate"] = time.time() - t
    t = time.time()
    db = os.path.join(out, "cloche.db")
    conn = schema.open_store(db)
    schema.create_schema(conn, "current")
    conn.execute("BEGIN")
    insert(conn, "runs", RUN_COLS, runs)
    insert(conn, "step_executions", STEP_COLS, steps)
    insert(conn, "tasks", ("id", "title", "source", "project_dir", "created_at"), tasks)
    insert(conn, "attempts", ("id", "task_id", "started_at", "ended_at", "result", "project_dir",
                              "previous_attempt_id"), attempts)
    insert(conn, "activity_log", ("ts", "kind", "project_dir", "task_id", "attempt_id", "workflow", "step",
                                  "result", "state"), act)
    conn.execute("COMMIT")
    schema.close_store(conn)
    T["insert"] = time.time() - t
    counts = {"runs": len(runs), "step_executions": len(steps), "tasks": len(tasks),
              "attempts": len(attempts), "activity_log": len(act)}
    m = {"store": db, "projects": {os.path.basename(d): d for d in dirs}, "git_project": "proj-00", "git_project_worst": "proj-01", "prompt_every": PROMPT_EVERY,
         "git_prompt": ".cloche/prompts/review.md", "commits": a.commits, "counts": counts,
         "timings": {k: round(v, 2) for k, v in T.items()}}
    m.update(info)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(m, f, indent=1, sort_keys=True)
    print("bench store %s" % db)
    print("counts %s" % counts)
    print("timings: git+projects %.1fs, generate %.1fs, insert %.1fs, total %.1fs" % (
        T["projects_git"], T["generate"], T["insert"], sum(T.values())))


if __name__ == "__main__":
    main()
