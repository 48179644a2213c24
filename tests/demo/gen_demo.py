#!/usr/bin/python3
"""Generates the demo: DIR/cloche.db (daemon schema, rows relative to now),
DIR/projects/... (real git repositories with .cloche/ trees and logs) and
DIR/manifest.json (ids for tests; keys documented in tests/demo/README.md).

usage: gen_demo.py --out DIR [--seed N]
DIR must not exist or be empty."""
import argparse
import datetime as dt
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import schema  # noqa: E402
import demo_files  # noqa: E402
import demo_main  # noqa: E402
import demo_more  # noqa: E402
from demo_store import Builder  # noqa: E402
from demo_util import UTC, git, rfc  # noqa: E402

HTML_NAME = "x<b>y\"&'z"


def labels(dirs):
    """Project labels as the daemon computes them (store.md 5.2)."""
    base = lambda d: os.path.basename(d.rstrip("/")) or "/"  # noqa: E731
    count = {}
    for d in dirs:
        count[base(d)] = count.get(base(d), 0) + 1
    out = {}
    for d in dirs:
        b = base(d)
        out[d] = b if count[b] == 1 else base(os.path.dirname(d.rstrip("/"))) + "/" + b
    return out


def usage(conn, now, project, hours, text):
    """{agent: [in, out]} for completion rows in the window, daemon join
    (runs.id = run_id).  text=False compares instants (unixepoch), text=True
    compares raw text against UTC RFC3339Nano bounds like the daemon."""
    if text:
        cond = "e.completed_at >= ? AND e.completed_at <= ?"
        args = [rfc(now - dt.timedelta(hours=hours)), rfc(now)]
    else:
        cond = "unixepoch(e.completed_at) >= ? AND unixepoch(e.completed_at) <= ?"
        args = [int(now.timestamp()) - hours * 3600, int(now.timestamp()) + 1]
    rows = conn.execute(
        "SELECT ifnull(e.agent_name,''), SUM(e.input_tokens), SUM(e.output_tokens) FROM step_executions e "
        "JOIN runs r ON r.id = e.run_id WHERE r.project_dir = ? AND " + cond +
        " GROUP BY ifnull(e.agent_name,'') ORDER BY 1", [project] + args).fetchall()
    return {a: [i, o] for a, i, o in rows}


def check_token_ages(conn, now):
    """Guard for the stability promise in demo_main's docstring."""
    for (c,) in conn.execute("SELECT completed_at FROM step_executions WHERE input_tokens+output_tokens > 0"):
        age = now.timestamp() - conn.execute("SELECT unixepoch(?)", (c,)).fetchone()[0]
        h = age / 3600
        ok = (60 <= age <= 1800) or (2.5 <= h <= 21) or h > 26
        # The offset trap row is 13 min old as an instant; that is fine too.
        if not ok:
            raise AssertionError("token row %s is %.2f h old (unstable window)" % (c, h))


def build(out, seed):
    rng = random.Random(seed)
    now = dt.datetime.now(UTC).replace(microsecond=0)
    root = os.path.join(out, "projects")
    P = {
        "main": os.path.join(root, "ws", "api"),
        "srv": os.path.join(root, "srv", "api"),
        "html": os.path.join(root, HTML_NAME),
        "legacy": os.path.join(root, "legacy"),
        "broken": os.path.join(root, "broken"),
    }
    m = {"generated_at": rfc(now), "seed": seed}
    hist = demo_files.make_project(P["main"], "main")
    demo_files.make_project(P["srv"], "simple")
    demo_files.make_project(P["html"], "hostile")
    demo_files.make_project(P["legacy"], "simple")
    demo_files.make_project(P["broken"], "broken")

    wt_branch = "cloche/wt01-_default"
    WT = os.path.join(P["main"], ".gitworktrees", "cloche", "wt01-_default")
    git(P["main"], "worktree", "add", "-q", "-b", wt_branch, WT)

    db = os.path.join(out, "cloche.db")
    conn = schema.open_store(db)
    schema.create_schema(conn, "current")
    b = Builder(conn, rng)
    conn.execute("BEGIN")
    demo_main.loop_tasks(b, P["main"], now, m)
    demo_main.container_runs(b, P["main"], now, m, rng)
    demo_main.log_runs(b, P["main"], now, m)
    demo_more.srv(b, P["srv"], now, m)
    demo_more.html(b, P["html"], now, m)
    demo_more.legacy(b, P["legacy"], now, m, rng)
    demo_more.broken(b, P["broken"], now, m)
    demo_more.extras(b, P["main"], WT, now, m)
    b.flush()
    conn.execute("COMMIT")
    check_token_ages(conn, now)

    dirs = [r[0] for r in conn.execute(
        "SELECT DISTINCT project_dir FROM runs WHERE project_dir <> '' "
        "AND project_dir NOT LIKE '%/.gitworktrees/%' ORDER BY project_dir")]
    lab = labels(dirs)
    rev = {d: lab[d] for d in dirs}
    m["projects"] = {lab[d]: d for d in dirs}
    m.update(main_project=rev[P["main"]], srv_project=rev[P["srv"]], html_project=rev[P["html"]],
             legacy_project=rev[P["legacy"]], broken_config_project=rev[P["broken"]],
             worktree_dir=WT, store=db)
    m["traversal_prompt"]["project"] = rev[P["html"]]
    m["traversal_script"]["project"] = rev[P["html"]]
    m["prompt_history"] = hist
    m.update(renamed_prompt=".cloche/prompts/draft.md", renamed_from=".cloche/prompts/plan.md",
             uncommitted_prompt=".cloche/prompts/scratch.md")
    m["usage_epoch"] = {lab[d]: {"1h": usage(conn, now, d, 1, False), "24h": usage(conn, now, d, 24, False)}
                        for d in dirs}
    m["usage_text"] = {lab[d]: {"1h": usage(conn, now, d, 1, True), "24h": usage(conn, now, d, 24, True)}
                       for d in dirs}
    m["counts"] = {t: conn.execute("SELECT count(*) FROM " + t).fetchone()[0]
                   for t in ("runs", "step_executions", "tasks", "attempts", "activity_log", "log_files")}
    schema.close_store(conn)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(m, f, indent=1, sort_keys=True)
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    out = os.path.abspath(a.out)
    if os.path.exists(out) and os.listdir(out):
        sys.exit("gen_demo: %s exists and is not empty" % out)
    os.makedirs(out, exist_ok=True)
    t = time.time()
    m = build(out, a.seed)
    print("demo store %s: %s in %.1fs" % (m["store"], m["counts"], time.time() - t))


if __name__ == "__main__":
    main()
