"""Token totals in the runs lists, and money wherever tokens show (issue 8).

Expected figures are computed here from the store with sqlite3: a run's
total is the sum of the step rows with its ID (each row once, store.md 4);
a task group's total is the sum over the distinct IDs of its listed runs.
The demo is checked through the real server (which has no price table, so
no money may appear); a small fixture store with a shared run ID and
priced/unpriced agents is checked by running the responder in CGI mode
with and without CLOCHE_DASH_PRICES.
"""
import html as htmlmod
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "demo"))
from harness import check, eq, get, manifest, run_tests  # noqa: E402
from schema import close_store, create_schema, open_store  # noqa: E402

CELL = re.compile(r'<td class="num run-tokens" data-in="(\d+)" data-out="(\d+)"[^>]*>(.*?)</td>')
RUN_ROW = re.compile(r'<tr class="run-row[^"]*">.*?<td class="run-id">.*?href="[^"]*/runs/([^"]+)"'
                     r'.*?' + CELL.pattern + r'</tr>', re.S)
TASK_ROW = re.compile(r'<tr class="run-task-header"><td colspan="9"><a href="[^"]*/tasks/([^"]+)"'
                      r'.*?</td>' + CELL.pattern + r'</tr>', re.S)


def unq(s):
    import urllib.parse
    return urllib.parse.unquote(htmlmod.unescape(s))


def store():
    return sqlite3.connect("file:%s?mode=ro" % os.environ["CLOCHE_DB"], uri=True)


def run_sums(c):
    return {rid: (i, o) for rid, i, o in c.execute(
        "SELECT run_id, SUM(input_tokens), SUM(output_tokens) FROM step_executions GROUP BY run_id")}


def task_sums(c, project=None):
    """Distinct run IDs of each task's listed runs (list-tasks runs are not listed)."""
    runs = run_sums(c)
    ids = {}
    q = "SELECT task_id, id, project_dir FROM runs WHERE task_id != '' AND workflow_name != 'list-tasks'"
    for tid, rid, pdir in c.execute(q):
        if project is None or pdir == project:
            ids.setdefault(tid, set()).add(rid)
    return {t: tuple(sum(runs.get(r, (0, 0))[k] for r in s) for k in (0, 1)) for t, s in ids.items()}


def check_list(page, c, project=None):
    runs, tasks = run_sums(c), task_sums(c, project)
    rows = RUN_ROW.findall(page)
    heads = TASK_ROW.findall(page)
    check(rows and heads, "the list has run rows and task groups")
    for rid, i, o, text in rows:
        rid = unq(rid)
        eq((int(i), int(o)), runs.get(rid, (0, 0)), "run " + rid)
        if int(i) + int(o) == 0:
            eq(text, "", "no figure without tokens: " + rid)
        else:
            check(re.match(r"^[0-9.]+[kM]?( |$)", text), "a figure for %s: %r" % (rid, text))
    for tid, i, o, _ in heads:
        tid = unq(tid)
        eq((int(i), int(o)), tasks.get(tid, (0, 0)), "task group " + tid)
    return rows, heads


def test_runs_list_totals_match_store():
    st, _, body = get("/runs?per=500")
    eq(st, 200, "status")
    page = body.decode()
    check("<th class=\"num\"" in page and ">Tokens</th>" in page, "Tokens column")
    rows, heads = check_list(page, store())
    check(any(int(i) + int(o) > 0 for _, i, o, _ in heads), "some task group has tokens")
    check("token-cost" not in page, "no price table: no money")


def test_project_runs_totals_match_store():
    m = manifest()
    label = m["main_project"]
    c = store()
    import urllib.parse
    st, _, body = get("/projects/%s/runs?per=500" % urllib.parse.quote(label, safe=""))
    eq(st, 200, "status")
    check_list(body.decode(), c, m["projects"][label])


def test_api_runs_shape_unchanged():
    st, _, body = get("/api/runs")
    eq(st, 200, "status")
    items = json.loads(body)
    check(items, "runs listed")
    keys = {k for it in items for k in it} | {k for it in items for r in it.get("runs") or [] for k in r}
    eq(sorted(k for k in keys if "token" in k or "cost" in k), [], "the daemon's JSON gains no token fields")


def test_no_money_on_run_and_task_pages():
    m = manifest()
    c = store()
    rid, tid = c.execute("SELECT r.id, r.task_id FROM runs r JOIN step_executions e ON e.run_id = r.id "
                         "WHERE e.input_tokens > 0 AND r.task_id != '' LIMIT 1").fetchone()
    for path in ("/runs/" + rid, "/tasks/" + tid):
        st, _, body = get(path)
        eq(st, 200, path)
        check("token-cost" not in body.decode(), "no money on " + path)
    check(m, "manifest")


# --- a fixture store through the responder in CGI mode ---------------------

PRICES = "claude=3,15;codex=1,2"
PRICE = {"claude": (3, 15), "codex": (1, 2)}


def binary():
    for p in (os.environ.get("DASH_BIN", ""), os.path.join(ROOT, "build", "cloche-dash"),
              os.path.join(ROOT, "build-asan", "cloche-dash")):
        if p and os.access(p, os.X_OK):
            return p
    raise RuntimeError("no responder binary")


def fixture(tmp):
    proj = os.path.join(tmp, "proj")
    os.makedirs(os.path.join(proj, ".cloche"))
    db = os.path.join(tmp, "cloche.db")
    conn = open_store(db)
    create_schema(conn, "current")
    t0 = "2026-01-02T10:00:0%dZ"
    runs = [("r1", "T1", "a1", 1), ("r2", "T1", "a2", 2), ("shared", "T2", "b1", 3),
            ("shared", "T2", "b2", 4), ("solo", "", "", 5)]
    for rid, tid, att, k in runs:
        conn.execute("INSERT INTO runs (id, workflow_name, state, started_at, completed_at, project_dir, "
                     "task_id, attempt_id) VALUES (?, 'develop', 'succeeded', ?, ?, ?, ?, ?)",
                     (rid, t0 % k, t0 % (k + 1), proj, tid, att))
    steps = [("r1", "code", "claude", 100000, 20000), ("r1", "review", "codex", 30000, 10000),
             ("r1", "test", "", 0, 0), ("r2", "code", "claude", 40000, 4000),
             ("shared", "code", "claude", 70000, 6000), ("solo", "think", "mystery", 100, 10)]
    for rid, name, agent, i, o in steps:
        conn.execute("INSERT INTO step_executions (run_id, step_name, result, started_at, completed_at) "
                     "VALUES (?, ?, '', ?, '')", (rid, name, t0 % 1))
        conn.execute("INSERT INTO step_executions (run_id, step_name, result, started_at, completed_at, "
                     "input_tokens, output_tokens, agent_name) VALUES (?, ?, 'success', '', ?, ?, ?, ?)",
                     (rid, name, t0 % 2, i, o, agent))
    close_store(conn)
    return db


def cgi(db, path, prices):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CLOCHE_DB": db, "REQUEST_METHOD": "GET",
           "REQUEST_URI": path, "GATEWAY_INTERFACE": "CGI/1.1", "CLOCHE_DASH_CONFIG": "/nonexistent",
           "CLOCHE_ADDR": "", "HOME": os.path.dirname(db)}
    if prices:
        env["CLOCHE_DASH_PRICES"] = prices
    p = subprocess.run([binary()], env=env, capture_output=True, timeout=60)
    out = p.stdout.decode()
    check(out.split("\r\n", 1)[0].startswith("Status: 200") or "Status:" not in out.split("\r\n\r\n")[0],
          "%s answered 200: %r" % (path, out[:200]))
    return out


def usd(pairs):
    """Independent cost: None when some agent with tokens has no price."""
    total = 0.0
    for agent, i, o in pairs:
        if i + o == 0:
            continue
        if agent not in PRICE:
            return None
        total += (i * PRICE[agent][0] + o * PRICE[agent][1]) / 1e6
    return "$%.2f" % total


def steps_of(c, rids):
    return list(c.execute("SELECT agent_name, input_tokens, output_tokens FROM step_executions "
                          "WHERE run_id IN (%s)" % ",".join("?" * len(rids)), sorted(rids)))


def cost_of(cell_text):
    m = re.search(r'<span class="token-cost"[^>]*>([^<]*)</span>', cell_text)
    return m.group(1) if m else None


def with_fixture(fn):
    tmp = tempfile.mkdtemp(prefix="tok-")
    try:
        db = fixture(tmp)
        fn(db, sqlite3.connect(db))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_fixture_list_shared_id_and_money():
    def body(db, c):
        plain = cgi(db, "/runs", None)
        rows, heads = check_list(plain, c)
        heads = {unq(t): (int(i), int(o)) for t, i, o, _ in heads}
        eq(heads["T2"], (70000, 6000), "shared ID: its steps once in the task group")
        eq(heads["T1"], (170000, 34000), "task group: both attempts")
        eq(sorted(unq(r) for r, _, _, _ in rows).count("shared"), 2, "both rows of the shared ID listed")
        check("token-cost" not in plain, "no table, no money")

        priced = cgi(db, "/runs", PRICES)
        check_list(priced, c)
        for rid, _, _, text in RUN_ROW.findall(priced):
            rid = unq(rid)
            eq(cost_of(text), usd(steps_of(c, [rid])), "cost of run " + rid)
        for tid, _, _, text in TASK_ROW.findall(priced):
            ids = {r for (r,) in c.execute("SELECT id FROM runs WHERE task_id = ?", (unq(tid),))}
            eq(cost_of(text), usd(steps_of(c, ids)), "cost of task " + tid)
        eq(cost_of(dict((unq(t), x) for t, _, _, x in TASK_ROW.findall(priced))["T2"]), "$0.30",
           "shared ID priced once")
        solo = [x for r, _, _, x in RUN_ROW.findall(priced) if unq(r) == "solo"]
        eq(len(solo), 1, "the solo run is listed")
        eq(cost_of(solo[0]), None, "an agent without a price: no money")
        t1 = [x for t, _, _, x in TASK_ROW.findall(plain) if unq(t) == "T1"]
        eq(t1, ["204.0k"], "task figure in the web format")
    with_fixture(body)


def test_fixture_run_and_task_pages_money():
    def body(db, c):
        page = cgi(db, "/runs/r1", PRICES)
        m = re.search(r'id="run-token-total">(\d+)/(\d+)(.*?)</td>', page, re.S)
        check(m, "run total")
        eq((int(m.group(1)), int(m.group(2))), (130000, 30000), "run total figures")
        eq(cost_of(m.group(3)), usd(steps_of(c, ["r1"])), "run total cost")
        eq(cost_of(m.group(3)), "$0.65", "run total cost (by hand)")
        step_costs = re.findall(r'<td class="mono">(\d+)/(\d+)( <span class="token-cost"[^>]*>[^<]*</span>)?</td>', page)
        got = {(int(i), int(o)): cost_of(x) for i, o, x in step_costs}
        eq(got.get((100000, 20000)), "$0.60", "claude step cost")
        eq(got.get((30000, 10000)), "$0.05", "codex step cost")
        check("token-cost" not in cgi(db, "/runs/r1", None), "run page without a table: no money")

        page = cgi(db, "/tasks/T2", PRICES)
        m = re.search(r'id="task-token-total">(\d+)</span>(.*?)</p>', page, re.S)
        check(m, "task total")
        eq(int(m.group(1)), 76000, "task total counts the shared ID's steps once")
        eq(cost_of(m.group(2)), "$0.30", "task cost")
        page = cgi(db, "/tasks/T1", PRICES)
        m = re.search(r'id="task-token-total">(\d+)</span>(.*?)</p>', page, re.S)
        eq(int(m.group(1)), 204000, "task T1 total")
        eq(cost_of(m.group(2)), "$0.83", "task T1 cost")
        check("token-cost" not in cgi(db, "/tasks/T1", None), "task page without a table: no money")
    with_fixture(body)


run_tests(globals())
