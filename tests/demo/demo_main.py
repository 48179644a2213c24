"""Runs of the main demo project (ws/api): loop attempts in every state,
stand-alone container runs, giant and hostile logs.

Token rule (keeps expected usage stable for 30 minutes after generation):
every completion row with tokens is 1-30 min old, 2.5-21 h old, or > 26 h old."""
import datetime as dt
import os

from demo_logs import HOSTILE_LINES, claude_events, sj
from demo_store import SEC, S, host_attempt
from demo_util import append, logts, write

MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


def hexid(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def develop(result="success", draft_tokens=(0, 0), unit="success", lint=None, open_=False, error=False):
    inner = [S("draft", "agent", "success", 200, tin=draft_tokens[0], tout=draft_tokens[1],
               open=open_, error=error)]
    if not (open_ or error):
        inner.append(S("unit", "script", unit, 40))
        if lint:
            inner.append(S("lint", "script", lint, 20))
    return S("develop", "workflow", result, 60, inner=inner)


def truncated_error():
    """error_message cut at byte 1000 inside a UTF-8 sequence + '... (truncated)'."""
    pre = "step \"wrap-up\" execution failed: <script>alert('err')</script> & \"q\" "
    if (1000 - len(pre.encode())) % 2 == 0:
        pre = " " + pre   # make byte 1000 fall inside a 2-byte "é"
    b = (pre + "é" * 600).encode()
    cut = b[:1000]
    try:
        cut.decode()
        raise AssertionError("cut should split a character")
    except UnicodeDecodeError:
        pass
    return cut + b"... (truncated)"


def loop_tasks(b, P, now, m):
    ago = lambda d: now - d  # noqa: E731
    t = "cloche-k4gh"
    title = 'Add rate limiting to <script>alert("t")</script> API'
    b.task(t, title, P, ago(29 * HOUR))
    a1 = host_attempt(b, P, t, ago(28 * HOUR), [
        S("claim", out=[b"claimed cloche-k4gh"]), develop("fail", (5000, 900), "fail"),
        S("wrap-up", "agent", "fail", 120, agent="claude", tin=2000, tout=300)], "failed", title)
    a2 = host_attempt(b, P, t, ago(6 * HOUR), [S("claim"), develop(error=True)], "failed", title,
                      error='step "develop" execution failed: container exited with code 137',
                      off=120, prev=a1["aid"])
    a3 = host_attempt(b, P, t, ago(25 * MIN), [
        S("claim", dur=10), develop("fail", (3000, 700), "fail", "success"),
        S("wrap-up", "agent", "success", 150, agent="codex", tin=4000, tout=1500)],
        "succeeded", title, prev=a2["aid"])
    m.update(multi_attempt_task=t, attempt_with_log=a3["aid"], errored_step_run=a2["id"],
             errored_step_attempt=a2["aid"], errored_steps=["develop", "draft"])

    t = "cloche-f41l"
    title = 'Fix "quotes" & <img src=x onerror=alert(1)> in titles'
    b.task(t, title, P, ago(21 * HOUR))
    f1 = host_attempt(b, P, t, ago(20 * HOUR), [
        S("claim"), develop("fail", (1000, 200), "fail"),
        S("wrap-up", "agent", "fail", 90, agent="claude", tin=2500, tout=400)], "failed", title)
    b.conn.execute("UPDATE runs SET error_message = CAST(? AS TEXT) WHERE pk = ?", (truncated_error(), f1["pk"]))
    f2 = host_attempt(b, P, t, ago(3 * HOUR), [
        S("claim"), develop("fail", (0, 0), "fail"),
        S("wrap-up", "agent", "fail", 60, agent="claude", tin=1800, tout=350)], "failed", title,
        error="container exited with code 1", prev=f1["aid"])
    for k, v in (("task_id", t), ("attempt_id", f2["aid"]), ("workflow", "main"), ("run_id", f2["id"]),
                 ("prev_step", "wrap-up"), ("prev_step_exit", "1"), ("main:claim:result", "success")):
        b.conn.execute("INSERT INTO context_kv (task_id, attempt_id, run_id, key, value) VALUES (?,?,?,?,?)",
                       (t, f2["aid"], f2["id"], k, v))
    b.conn.execute("INSERT INTO context_kv (task_id, attempt_id, run_id, key, value) VALUES (?,?,?,?,?)",
                   (t, "", "", "current_base_branch", "main"))
    b.conn.execute("INSERT INTO context_kv (task_id, attempt_id, run_id, key, value) VALUES (?,?,?,?,?)",
                   (t, f2["aid"], "", "extra_env", "A=1\nB=<b>2</b>"))
    m.update(failed_task=t, failed_task_runs=[f1["id"], f2["id"]], truncated_error_run=f1["id"])

    t = "TASK-123"
    b.task(t, "Running now", P, ago(13 * MIN))
    r = host_attempt(b, P, t, ago(12 * MIN), [S("claim", skip=True), develop(open_=True)], "running",
                     "Running now", active="develop,draft")
    m.update(running_run=r["id"], running_attempt=r["aid"], running_task=t)

    t = "TASK-124"
    b.task(t, "Waiting for review", P, ago(30 * MIN))
    r = host_attempt(b, P, t, ago(29 * MIN), [S("claim"), develop("success", (2200, 500), "success", "success"),
                                              S("await-review", "human", "approved", 600, open=True)],
                     "waiting", "Waiting for review", active="await-review")
    m.update(waiting_run=r["id"], waiting_attempt=r["aid"], waiting_step="await-review")

    t = "TASK-126"
    b.task(t, "Cancelled by user", P, ago(4 * HOUR))
    r = host_attempt(b, P, t, ago(3.5 * HOUR), [S("claim"), develop("fail", (0, 0), "fail")],
                     "cancelled", "Cancelled by user")
    m["cancelled_run"] = r["id"]

    t = "TASK-127"
    b.task(t, "Parked by loop stop --hard", P, ago(4.2 * HOUR))
    r = host_attempt(b, P, t, ago(4 * HOUR), [S("claim"), develop(open_=True)], "parked", "Parked")
    m["parked_run"] = r["id"]


def container_runs(b, P, now, m, rng):
    ago = lambda d: now - d  # noqa: E731
    # Pending stand-alone container run (container not started yet).
    a = b.attempt_id()
    t = "user-" + a
    b.task(t, "", P, ago(2 * MIN), "user-initiated")
    b.attempt(a, t, P, ago(2 * MIN), None, "running")
    r = b.run(id=a + "-develop", workflow_name="develop", state="pending", project_dir=P,
              task_id=t, attempt_id=a, title="")
    m["pending_run"] = r["id"]

    # Failed stand-alone run whose container was kept.
    a = b.attempt_id()
    t = "user-" + a
    t0, t1 = ago(5 * HOUR), ago(4.7 * HOUR)
    b.task(t, "", P, t0, "user-initiated")
    b.attempt(a, t, P, t0, t1, "failed")
    r = b.run(id=a + "-develop", workflow_name="develop", state="failed", project_dir=P, task_id=t,
              attempt_id=a, title='Fix <b>login</b> "now" & later', container_id=hexid(rng, 64),
              container_kept=1, base_sha=hexid(rng, 40), started_at=b.ts(t0), completed_at=b.ts(t1),
              error_message="container exited with code 2")
    b.step_start(r["id"], "implement", t0 + 5 * SEC)
    b.step_end(r["id"], "implement", t0 + 300 * SEC, "success", "claude", 6000, 1200)
    b.step_start(r["id"], "test", t0 + 301 * SEC)
    b.step_end(r["id"], "test", t0 + 400 * SEC, "fail")
    d = os.path.join(P, ".cloche", "logs", t, a)
    ev = claude_events("Implementing login fix", tin=6000, tout=1200)
    full = [b"[%s] [llm] " % logts(t0 + 300 * SEC).encode() + x for x in ev]
    full += [b"[%s] [script] FAIL: test_login <b>expected</b>" % logts(t0 + 400 * SEC).encode()]
    write(d + "/full.log", b"\n".join(full) + b"\n")
    write(d + "/develop-implement.log", b"\n".join(ev) + b"\n")
    write(d + "/develop-llm-implement.log", b"\n".join(ev) + b"\n")
    write(d + "/develop-test.log", b"FAIL: test_login\n")
    write(d + "/container.log", b"".join(sj(x) + b"\n" for x in (
        {"type": "step_started", "step": "implement"}, {"type": "step_completed", "step": "implement", "result": "success"},
        {"type": "run_title", "title": "Fix login"}, {"type": "error", "message": "<script>x</script>"})))
    for f, ft, st in (("full.log", "full", ""), ("develop-implement.log", "script", "implement"),
                      ("develop-llm-implement.log", "llm", "implement"), ("develop-test.log", "script", "test")):
        b.log_file(r["id"], st, ft, os.path.join(d, f), t1)
    m.update(kept_container_run=r["id"], kept_container_id=r["container_id"])

    # Succeeded run, container not kept (local runtime id); its agent step is
    # the ws/api "claude" usage of the last hour.  Then a running one.
    a = b.attempt_id()
    t = "user-" + a
    t0 = ago(20 * MIN)
    b.task(t, "", P, t0, "user-initiated")
    b.attempt(a, t, P, t0, t0 + 12 * MIN, "succeeded")
    r = b.run(id=a + "-develop", workflow_name="develop", state="succeeded", project_dir=P, task_id=t,
              attempt_id=a, container_id="local-3", started_at=b.ts(t0), completed_at=b.ts(t0 + 12 * MIN))
    b.step_start(r["id"], "implement", t0 + 2 * SEC)
    b.step_end(r["id"], "implement", t0 + 10 * MIN, "success", "claude", 1500, 250)
    b.step_start(r["id"], "test", t0 + 10 * MIN + SEC)
    b.step_end(r["id"], "test", t0 + 11 * MIN, "success")
    m["stopped_container_run"] = r["id"]
    a = b.attempt_id()
    t0 = ago(2 * HOUR)
    b.task("user-" + a, "", P, t0, "user-initiated")
    b.attempt(a, "user-" + a, P, t0, None, "running")
    r = b.run(id=a + "-develop", workflow_name="develop", state="running", project_dir=P, task_id="user-" + a,
              attempt_id=a, container_id=hexid(rng, 64), base_sha=hexid(rng, 40), started_at=b.ts(t0),
              active_steps="implement")
    b.step_start(r["id"], "implement", t0 + 3 * SEC)
    m["running_container_run"] = r["id"]


def log_runs(b, P, now, m):
    ago = lambda d: now - d  # noqa: E731
    t = "TASK-200"
    b.task(t, "Long log", P, ago(5.1 * HOUR))
    lines = [("line %05d: building <module-%d> & checking \"%s\"" % (i, i % 7, "x" * (i % 40))).encode()
             for i in range(1, 5001)]
    r = host_attempt(b, P, t, ago(5 * HOUR), [S("claim", out=lines), S("land")], "succeeded", "Long log")
    m["long_log_run"] = r["id"]

    t = "TASK-201"
    b.task(t, "Giant lines", P, ago(7.1 * HOUR))
    big = sj({"type": "user", "message": {"content": [{"type": "tool_result", "content": "A" * (1200 * 1024)}]}})
    huge = b"B" * (2 * 1024 * 1024)
    r = host_attempt(b, P, t, ago(7 * HOUR), [
        S("claim", out=[big, b"normal line after the 1.2 MiB line", b"second normal line"]),
        S("land", out=[b"before the 2 MiB line", huge, b"after the 2 MiB line"]),
        S("wrap-up", "agent", "success", 60, agent="claude", tin=900, tout=100)], "succeeded", "Giant lines")
    m.update(big_log_run=r["id"], big_log_attempt=r["aid"])

    t = "TASK-666"
    b.task(t, "<img src=x onerror=alert('task')>", P, ago(8.1 * HOUR))
    draft_out = claude_events("<script>alert('llm')</script> javascript:alert(1)",
                              (("Bash", {"command": "echo '<script>alert(1)</script>'"}),
                               ("WebFetch", {"url": "javascript:alert(1)"})), 300, 30)
    r = host_attempt(b, P, t, ago(8 * HOUR), [
        S("claim", out=HOSTILE_LINES),
        S("develop", "workflow", "fail", 60, inner=[S("draft", "agent", "fail", 100, out=draft_out, tin=300, tout=30)])],
        "failed", "<img src=x onerror=alert('task')>", title='<script>alert("run")</script>',
        error="<script>alert('err')</script> \"quoted\" & 'single'")
    # Unmarked lines, CR / CRLF endings, an empty llm line, no final newline.
    ts = logts(ago(7.9 * HOUR)).encode()
    append(r["logdir"] + "/full.log",
           b"plain unmarked line <b>bold</b>\n"
           b"[" + ts + b"] [script] crlf line\r\n"
           b"[" + ts + b"] [script] lone\rcarriage return\n"
           b"[" + ts + b"] [llm] \n"
           b"[" + ts + b"] [llm]    \n"
           b"[" + ts + b"] [llm] not json {\n"
           b"[" + ts + b"] [weird type] <script>alert('type')</script>\n"
           b"[] [script] empty timestamp\n"
           b"[" + ts + b"] [script] last line without newline")
    m.update(hostile_run=r["id"], hostile_attempt=r["aid"], hostile_task_main=t)
