"""A small stand-in for tests/demo/gen_demo.py, used by tests/run.sh only
while the real generator is missing: OUT/cloche.db with the daemon's schema
and a few projects that exercise labels and health (colliding base names,
a worktree directory, hostile characters in a directory name)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "demo"))
import schema  # noqa: E402

STATES = ["succeeded", "failed", "succeeded", "cancelled", "running", "pending",
          "waiting", "succeeded", "parked", "succeeded", "failed", "succeeded"]


def main(out):
    os.makedirs(out, exist_ok=True)
    root = os.path.join(out, "projects")
    dirs = [os.path.join(root, "ws", "api"), os.path.join(root, "srv", "api"),
            os.path.join(root, "ws", "api", ".gitworktrees", "wt1"),
            os.path.join(root, "<img src=x onerror=alert(1)>&amp;"), os.path.join(root, "quiet")]
    for d in dirs:
        os.makedirs(os.path.join(d, ".cloche"), exist_ok=True)
    conn = schema.make_store(os.path.join(out, "cloche.db"))
    n = 0
    for pi, d in enumerate(dirs[:4]):
        for i, st in enumerate(STATES[: 12 - 3 * pi]):
            n += 1
            started = "" if st == "pending" else "2026-01-%02dT10:00:%02dZ" % (1 + pi, i)
            schema.insert(conn, "runs", {
                "id": "r%03d" % n, "workflow_name": "main", "state": st, "active_steps": "",
                "started_at": started, "completed_at": "", "project_dir": d,
                "error_message": "", "container_id": "", "title": "<b>t%d</b>" % n})
    schema.close_store(conn)


if __name__ == "__main__":
    main(sys.argv[1])
