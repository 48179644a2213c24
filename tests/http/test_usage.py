"""Token usage through the real server on the demo (issue 8, issue 6 panel).

Expected figures come from the demo manifest's usage_epoch (computed on
instants); the demo's tz_trap_run makes the daemon's text comparison
(usage_text) differ, and we must match the instants.
"""
import base64
import json
import os
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, eq, get, get_json, post, demo_dir, run_tests  # noqa: E402


def manifest():
    with open(os.path.join(demo_dir(), "manifest.json")) as f:
        return json.load(f)


def q(s):
    import urllib.parse
    return urllib.parse.quote(s, safe="")


def as_map(lst):
    return {e["agent_name"]: [e["input_tokens"], e["output_tokens"]] for e in lst}


def test_project_usage_matches_instants():
    m = manifest()
    for label, want in m["usage_epoch"].items():
        body = get_json("/api/projects/%s/usage" % q(label))
        eq(list(body.keys()), ["burn_rate_1h", "totals_24h"], label + " keys")
        eq(as_map(body["burn_rate_1h"]), {k: v for k, v in want["1h"].items()}, label + " 1h")
        eq(as_map(body["totals_24h"]), {k: v for k, v in want["24h"].items()}, label + " 24h")
        for e in body["burn_rate_1h"]:
            eq(e["burn_rate"], e["total_tokens"], label + " 1h burn = total")
            eq(list(e.keys()), ["agent_name", "input_tokens", "output_tokens", "total_tokens", "burn_rate"], "key order")
        for e in body["totals_24h"]:
            eq(e["burn_rate"], e["total_tokens"] / 24, label + " 24h burn = total/24")
        names = [e["agent_name"] for e in body["totals_24h"]]
        eq(names, sorted(names, key=lambda s: s.encode()), label + " agent order")


def test_text_trap_is_not_copied():
    m = manifest()
    differs = [(lab, w) for lab, per in m["usage_text"].items() for w in ("1h", "24h")
               if per[w] != m["usage_epoch"][lab][w]]
    check(differs, "the demo has a row where text and instant comparison differ")
    for lab, w in differs:
        body = get_json("/api/projects/%s/usage" % q(lab))
        key = "burn_rate_1h" if w == "1h" else "totals_24h"
        eq(as_map(body[key]), m["usage_epoch"][lab][w], lab + " " + w)


def go_float(x):
    """Go's encoding/json form of a float64 in the range the demo uses."""
    return str(int(x)) if x == int(x) else repr(x)


def test_burn_rate_number_format():
    st, h, body = get("/api/projects/%s/usage" % q(manifest()["main_project"]))
    eq(st, 200, "status")
    eq(h["content-type"], "application/json", "content type")
    check(body.endswith(b"}\n"), "one trailing newline")
    nums = re.findall(rb'"burn_rate":([^,}]+)', body)
    check(any(b"." in n for n in nums), "a fractional rate to check")
    for num in nums:
        eq(num.decode(), go_float(float(num)), "shortest round-trip form")


def test_unknown_project_404():
    st, h, body = get("/api/projects/no-such-project/usage")
    eq(st, 404, "status")
    eq(json.loads(body), {"error": "project not found"}, "body")
    st, h, body = get("/api/usage?project=no-such-project")
    eq(st, 404, "api/usage status")
    eq(json.loads(body)["error"], "project not found", "api/usage body")


def test_api_usage_filters():
    m = manifest()
    main = m["main_project"]
    by_label = get_json("/api/usage?project=%s&window_seconds=86400" % q(main))
    by_dir = get_json("/api/usage?project=%s&window_seconds=86400" % q(m["projects"][main]))
    eq(by_label, by_dir, "label and directory give the same answer")
    eq(as_map(by_label["summaries"]), m["usage_epoch"][main]["24h"], "24h figures")
    only = get_json("/api/usage?project=%s&window_seconds=86400&agent=claude" % q(main))
    eq([e["agent_name"] for e in only["summaries"]], ["claude"], "agent filter")
    allt = get_json("/api/usage")
    for e in allt["summaries"]:
        eq(e["burn_rate"], 0, "all time has burn 0")
    zero = get_json("/api/usage?window_seconds=0")
    eq(zero, allt, "window 0 is all time")
    tot = sum(e["total_tokens"] for e in allt["summaries"])
    check(tot >= sum(v[0] + v[1] for per in m["usage_epoch"].values() for v in per["24h"].values()),
          "all time covers the last 24 h")


def test_api_usage_bad_window():
    for w in ("-1", "abc", "1.5", "", "99999999999999999999999"):
        st, h, body = get("/api/usage?window_seconds=" + w)
        eq(st, 400, "window %r" % w)
        check("error" in json.loads(body), "JSON error for %r" % w)


def test_api_usage_cacheable():
    st, h, body = get("/api/usage?window_seconds=3600")
    eq(st, 200, "status")
    check("etag" in h, "ETag on a cacheable answer")
    st2, h2, _ = get("/api/usage?window_seconds=3600", {"If-None-Match": h["etag"]})
    check(st2 in (200, 304), "revalidation")


def test_usage_page_without_js():
    st, h, body = get("/usage")
    eq(st, 200, "status")
    text = body.decode("utf-8", "replace")
    check("<svg" in text and "Tokens per hour, last 48 hours" in text, "hourly chart")
    check("Tokens per day, last 30 days" in text, "daily chart")
    check(re.search(r"<g class=\"svg-bar\"><title>[^<]+</title>", text), "tooltips on bars")
    for w in ("1h", "24h", "7d", "30d", "all"):
        check("/usage?window=%s\"" % w in text or "/usage?window=%s&amp;" % w in text, "window link " + w)
    check(re.search(r'href="[^"]*/runs/[^"]+"', text), "links to runs")
    check(re.search(r'href="[^"]*/tasks/[^"]+"', text), "links to tasks")
    check("x<b>y" not in text, "labels escaped")
    check("<script>" not in text and " style=" not in text, "no inline script or style")


def test_usage_page_windows_and_project():
    m = manifest()
    st, _, body = get("/usage?window=all&project=%s" % q(m["main_project"]))
    eq(st, 200, "project page status")
    check(b'aria-current="page"' in body, "current window marked")
    eq(get("/usage?window=bogus")[0], 400, "bad window")
    eq(get("/usage?project=no-such-project")[0], 404, "unknown project")
    st, _, body = get("/usage?window=1h&project=%s" % q(m["main_project"]))
    check(b"(unknown)" in body, "the '' agent with tokens shows as (unknown)")


def test_project_panel():
    m = manifest()
    st, _, body = get("/projects/%s" % q(m["main_project"]))
    if st == 404 and body.startswith(b"{"):
        raise AssertionError("project page missing")
    eq(st, 200, "project page")
    text = body.decode("utf-8", "replace")
    check('id="token-usage-panel"' in text, "token panel on the project page")
    panel = text[text.index('id="token-usage-panel"'):]
    panel = panel[:panel.index("</section>")]
    check("Burn Rate (last 1h)" in panel and "24h Total" in panel, "columns")
    check("(unknown)" in panel, "'' agent with tokens")
    check("~6.4k/hr" in panel, "k format of the '' agent's 1h burn (6400)")
    check("<svg" in panel, "24 h chart")
    st, _, body = get("/projects/broken")
    if st == 200:
        p = body.decode()
        p = p[p.index('id="token-usage-panel"'):]
        p = p[:p.index("</section>")]
        check("(unknown)" not in p, "'' agent hidden while zero")


def frame(flag, b):
    return bytes([flag]) + struct.pack(">I", len(b)) + b


def test_connect_json_through_server():
    st, h, body = post("/cloche.v1.ClocheService/GetUsage",
                       {"Content-Type": "application/json"}, b'{"windowSeconds":"86400"}')
    eq(st, 200, "status")
    eq(h["content-type"], "application/json", "content type")
    got = json.loads(body).get("summaries", [])
    want = get_json("/api/usage?window_seconds=86400")["summaries"]
    eq([(e.get("agentName", ""), int(e.get("inputTokens", "0")), int(e.get("outputTokens", "0")))
        for e in got],
       [(e["agent_name"], e["input_tokens"], e["output_tokens"]) for e in want], "same as /api/usage")
    st, h, body = post("/cloche.v1.ClocheService/GetUsage", {"Content-Type": "application/json"}, b"[1]")
    eq(st, 400, "bad JSON")
    eq(json.loads(body)["code"], "invalid_argument", "connect error code")


def test_grpc_web_through_server():
    req = b"\x18" + bytes([0x80, 0xa3, 0x05])  # window_seconds = 86400
    for ct, enc in (("application/grpc-web+proto", lambda b: b),
                    ("application/grpc-web-text", base64.b64encode)):
        st, h, body = post("/cloche.v1.ClocheService/GetUsage", {"Content-Type": ct}, enc(frame(0, req)))
        eq(st, 200, ct)
        if "text" in ct:
            body = base64.b64decode(body)
        check(body[0] == 0, "data frame first")
        n = struct.unpack(">I", body[1:5])[0]
        trailer = body[5 + n:]
        eq(trailer[0], 0x80, "trailer frame")
        check(b"grpc-status:0" in trailer, "grpc-status 0: %r" % trailer)


def test_post_only():
    st, h, _ = get("/cloche.v1.ClocheService/GetUsage")
    eq(st, 405, "GET refused")


if __name__ == "__main__":
    run_tests(globals())
