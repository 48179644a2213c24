"""Log routes: /api/runs/{id}/logs, /api/attempts/{id}/logs (http.md 6.3-6.4
paging, 9.2 semantics), our cursor paging (?before=/&tail=), the raw
download, and /api/runs/{id}/steps/{step}/output (4.14, D1 fixed)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, eq, get, get_json, demo_dir, manifest, run_tests  # noqa: E402




M = manifest()
LONG = M["long_log_run"]


def logs(run, q=""):
    return get_json(f"/api/runs/{run}/logs{q}")


def test_default_page_is_last_1000():
    d = logs(LONG)
    n = d["total"]
    check(n > 5000, f"long log has only {n} visible lines")
    eq((d["start"], d["end"], len(d["lines"])), (n - 1000, n, 1000), "default page")


def test_keys_sorted_and_content_type():
    st, h, body = get(f"/api/runs/{LONG}/logs?limit=1")
    eq(st, 200, "status")
    eq(h.get("content-type"), "application/json", "content type")
    check(body.startswith(b'{"end":') and body.endswith(b"}\n"), f"shape: {body[:40]!r}")
    keys = list(json.loads(body).keys())
    eq(keys, ["end", "lines", "start", "total"], "key order")
    line = json.loads(body)["lines"][0]
    eq(list(line.keys())[:3], ["timestamp", "type", "content"], "LogLine key order")
    check("offset" not in line, "the daemon's route must not grow cursor fields")


def test_end_limit_semantics():
    n = logs(LONG)["total"]
    d = logs(LONG, f"?end={n - 1000}&limit=1000")
    eq((d["start"], d["end"], len(d["lines"])), (n - 2000, n - 1000, 1000), "second page")
    d = logs(LONG, "?end=500&limit=1000")
    eq((d["start"], d["end"], len(d["lines"])), (0, 500, 500), "first page")
    for bad_end in ("-1", str(n + 5)):
        d = logs(LONG, f"?end={bad_end}&limit=10")
        eq((d["start"], d["end"]), (n - 10, n), f"end={bad_end} falls back to total")
    d = logs(LONG, "?limit=0")
    eq(len(d["lines"]), 1000, "limit=0 means the default")
    d = logs(LONG, "?end=0")
    eq((d["start"], d["end"], d["lines"]), (0, 0, None), "empty window: lines null")


def test_cursor_matches_daemon_paging():
    full = logs(LONG, "?limit=3000")["lines"]
    c = logs(LONG, "?tail=1000")
    check(c["found"] and c["more"], "cursor page flags")
    strip = lambda ls: [{k: v for k, v in l.items() if k != "offset"} for l in ls]  # noqa: E731
    eq(strip(c["lines"]), full[-1000:], "tail page equals the last 1000 lines")
    c2 = logs(LONG, f"?before={c['next_before']}&limit=1000")
    eq(strip(c2["lines"]), full[-2000:-1000], "previous page by byte offset")
    check(c2["next_before"] < c["next_before"], "cursor moves backward")
    offs = [l["offset"] for l in c2["lines"] + c["lines"]]
    check(offs == sorted(offs) and len(set(offs)) == len(offs), "offsets increase")


def test_bad_params_400():
    for q in ("limit=5001", "limit=abc", "end=1x", "end=", "before=-1", "before=abc",
              "tail=0", "tail=99999", "tail=1.5", "before=1"):
        st, h, body = get(f"/api/runs/{LONG}/logs?{q}")
        eq(st, 400, f"?{q}")


def test_unknown_ids_404_text():
    st, h, body = get("/api/runs/no-such-run/logs")
    eq((st, body), (404, b"run not found\n"), "unknown run")
    check(h.get("content-type", "").startswith("text/plain"), "text error")
    st, h, body = get("/api/attempts/zzzz/logs")
    eq((st, body), (404, b"attempt not found\n"), "unknown attempt")
    st, h, body = get("/api/runs/no-such-run/steps/x/output")
    eq((st, body), (404, b"run not found\n"), "unknown run on step output")


def test_attempt_logs():
    d = get_json(f"/api/attempts/{M['attempt_with_log']}/logs")
    check(d["total"] > 0 and d["lines"], "attempt log is empty")
    eq(list(d.keys()), ["end", "lines", "start", "total"], "keys")


def test_legacy_run_logs():
    d = logs(M["legacy_run"])
    check(d["total"] > 0, "legacy .cloche/<id>/output/full.log not found")


def test_missing_log_gives_zeros():
    for key in ("pending_run", "continuous_run"):
        if key not in M:
            continue
        st, h, body = get(f"/api/runs/{M[key]}/logs")
        eq(st, 200, key)
        d = json.loads(body)
        if d["total"] == 0:
            eq(body, b'{"end":0,"lines":[],"start":0,"total":0}\n', f"{key} body")


def test_giant_line_does_not_empty_log():
    d = logs(M["big_log_run"])
    check(d["total"] > 5, f"big log shows {d['total']} lines (D3 would give 0)")
    texts = [l["content"] for l in d["lines"]]
    check(any("after the 2 MiB line" in t for t in texts), "lines after the 2 MiB line lost")
    big = [l for l in d["lines"] if l.get("truncated")]
    check(big, "no line marked truncated")
    check(all(len(l["content"].encode()) < 70000 for l in big), "truncated line too long")
    two = max(big, key=lambda l: l["bytes"])
    check(two["bytes"] >= 2 * 1024 * 1024, f"bytes {two['bytes']}")
    st, h, body = get(f"/api/runs/{M['big_log_run']}/logs/raw?offset={two['offset']}")
    eq(st, 200, "full line")
    check(len(body) >= 2 * 1024 * 1024, f"full line has {len(body)} bytes")


def test_hostile_lines_are_json_strings():
    st, h, body = get(f"/api/runs/{M['hostile_run']}/logs")
    eq(st, 200, "status")
    check(b"<script>" not in body and b"\\u003cscript\\u003e" in body, "< not escaped as \\u003c")
    check(b"\\ufffd" in body or "\ufffd".encode() in body, "invalid UTF-8 not replaced")
    d = json.loads(body)
    contents = [l["content"] for l in d["lines"]]
    check("<script>alert(1)</script>" in contents, "hostile line changed")
    check("crlf line" in contents, "CRLF not stripped")
    check("last line without newline" in contents, "last line without newline lost")


def test_step_output_traversal_rejected():
    run = LONG
    for step in ("..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e", "..", "a%5Cb", "a%2Fb", "x%00y",
                 "%2E%2E%2F%2E%2E%2Fetc%2Fhostname"):
        st, h, body = get(f"/api/runs/{run}/steps/{step}/output")
        check(st in (400, 404), f"step {step}: status {st}")
        check(st == 400, f"step {step}: want 400, got {st}")
        check(b"root:" not in body, "passwd leaked")
    st, h, body = get(f"/api/runs/{run}/steps/..%2F..%2F..%2F..%2Fetc%2Fpasswd/output?type=llm")
    eq(st, 400, "traversal with type=llm")


def test_step_output_found_and_converted():
    st, h, body = get(f"/api/runs/{M['attempt_with_log']}-main/steps/draft/output?type=llm")
    eq(st, 200, "status (log_files row of <attempt>-main)")
    check(b"--- Tool: " in body and b'{"type"' not in body, "stream-json not converted")
    st, h, raw = get(f"/api/runs/{M['attempt_with_log']}-main/steps/draft/output?type=llm&format=raw")
    check(raw.startswith(b'{"type"'), "format=raw converted anyway")
    st, h, body = get(f"/api/runs/{M['legacy_run']}/steps/claim/output")
    eq(st, 200, "legacy step output")
    st, h, body = get(f"/api/runs/{LONG}/steps/no-such-step/output")
    eq((st, body), (404, b"step output not found\n"), "missing step")


def test_raw_download():
    st, h, body = get(f"/api/runs/{LONG}/logs/raw")
    eq(st, 200, "status")
    check("attachment" in h.get("content-disposition", ""), "not an attachment")
    size = logs(LONG, "?tail=1")["size"]
    eq(len(body), size, "raw length")
    st, h, body = get(f"/api/runs/{LONG}/logs/raw?offset=3")
    eq(st, 404, "offset inside a line")
    st, h, body = get("/api/runs/no-such-run/logs/raw")
    eq(st, 404, "unknown run")


run_tests(globals())
