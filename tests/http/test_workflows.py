"""Workflow routes and panel: GET /api/projects/{name}/workflows (http.md 4.10,
daemon.md 3.6/3.8 on the demo project holding build/host/docs.cloche verbatim),
the step content route (http.md 4.11, store.md 3.4, traversal fix D2) and the
server-drawn graph on /projects/{name}."""
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, eq, get, get_json, demo_dir, run_tests  # noqa: E402


def manifest():
    with open(os.path.join(demo_dir(), "manifest.json")) as f:
        return json.load(f)


def seg(s):
    return urllib.parse.quote(s, safe="")


def main_label():
    return manifest()["main_project"]


def wf_url(label, rest=""):
    return "/api/projects/" + seg(label) + "/workflows" + rest


def content(label, wf, step):
    return get(wf_url(label, "/" + seg(wf) + "/steps/" + seg(step) + "/content"))


def workflows():
    st, h, body = get(wf_url(main_label()))
    eq(st, 200, "status")
    check(h.get("content-type", "").startswith("application/json"), h.get("content-type"))
    check(body.endswith(b"\n"), "body ends with a newline")
    return body, json.loads(body)


def by_name(lst):
    return {x["name"]: x for x in lst}


def wire_list(w):
    return [(x["from"], x["result"], x["to"], x.get("implicit", False)) for x in w["wires"]]


def test_files_in_name_order_broken_and_other_names_dropped():
    _, ws = workflows()
    got = [(w["file"], w["name"], w["location"]) for w in ws]
    eq(got, [(".cloche/build.cloche", "build-feature", "container"),
             (".cloche/docs.cloche", "nightly-docs", "container"),
             (".cloche/docs.cloche", "post-summary", "container"),
             (".cloche/host.cloche", "list-tasks", "host"),
             (".cloche/host.cloche", "main", "host"),
             (".cloche/host.cloche", "release-task", "host")], "workflows")


def test_key_order_and_go_escaping():
    body, ws = workflows()
    first = body.decode()
    check(first.startswith('[{"name":"build-feature","file":".cloche/build.cloche","location":"container","steps":[{"name":"draft","type":"agent","results":'),
          first[:200])
    # & in lint's run command is escaped the way Go's encoder does
    check('start \\u0026\\u0026 make lint\\\\n"' in first, "lint run escaping")
    check('"implicit":false' not in first, "implicit only when true")
    check('"entry_step":"draft"}' in first, "entry_step last")


def test_example_a_build_feature():
    _, ws = workflows()
    w = by_name(ws)["build-feature"]
    eq(w["entry_step"], "draft", "entry")
    steps = by_name(w["steps"])
    eq([s["name"] for s in w["steps"]], ["draft", "fix", "lint", "unit"], "sorted steps")
    eq(steps["draft"], {"name": "draft", "type": "agent", "results": ["success", "fail", "timeout", "token-limit"],
                        "config": {"agent": "quick", "max_attempts": "2", "prompt": 'file(".cloche/prompts/draft.md")',
                                   "timeout": "40m", "token-limit": "200000", "usage_command": "cat /tmp/usage.json"}}, "draft")
    eq(list(steps["draft"]["config"].keys()), sorted(steps["draft"]["config"].keys()), "config keys sorted")
    eq(steps["fix"]["config"], {"max_attempts": "3", "prompt": "Repair the failing checks.\nKeep changes small."}, "fix")
    eq(steps["fix"]["results"], ["success", "fail", "give-up", "timeout", "token-limit"], "fix results")
    eq(steps["lint"]["config"]["run"], 'echo "lint"\tstart && make lint\\n', "lint run")
    eq(steps["unit"]["config"], {"container.network_allow": "pypi.org,github.com", "run": "make test"}, "unit")
    wires = wire_list(w)
    eq(wires[:9], [("draft", "success", "unit", False), ("draft", "success", "lint", False),
                   ("draft", "fail", "abort", False), ("draft", "timeout", "fix", False),
                   ("unit", "fail", "fix", False), ("lint", "fail", "fix", False),
                   ("fix", "success", "unit", False), ("fix", "fail", "abort", False),
                   ("fix", "give-up", "abort", False)], "explicit wires")
    imp = wires[9:]
    check(all(x[3] for x in imp), "the rest is implicit")
    eq(sorted((x[0], x[1], x[2]) for x in imp),
       sorted([("fix", "timeout", "abort"), ("unit", "timeout", "abort"), ("lint", "timeout", "abort"),
               ("draft", "token-limit", "abort"), ("fix", "token-limit", "abort"),
               ("unit", "token-limit", "abort"), ("lint", "token-limit", "abort")]), "implicit wires")


def test_example_b_host_workflows():
    _, ws = workflows()
    m = by_name(ws)["main"]
    eq(m["entry_step"], "claim", "entry")
    steps = by_name(m["steps"])
    eq({n: s["type"] for n, s in steps.items()},
       {"await-review": "human", "claim": "script", "develop": "workflow", "land": "script", "wrap-up": "agent"}, "types")
    eq(steps["await-review"]["config"], {"interval": "5m", "poll": "bash .cloche/scripts/pr-state.sh", "timeout": "48h"}, "poll")
    eq(steps["wrap-up"]["config"]["token-limit"], "-1", "token-limit -1")
    wires = wire_list(m)
    eq(len([x for x in wires if not x[3]]), 12, "explicit")
    tl = [x for x in wires if x[1] == "token-limit"]
    eq(sorted(x[0] for x in tl), ["await-review", "claim", "develop", "land", "wrap-up"], "token-limit wires")
    check(all(x[2] == "wrap-up" and x[3] for x in tl), "global token-limit -> wrap-up, incl. the self-loop")
    eq(sorted(x[0] for x in wires if x[1] == "timeout" and x[3]), ["claim", "develop", "land", "wrap-up"], "timeouts")
    eq(wire_list(by_name(ws)["release-task"]),
       [("reopen", "success", "done", False), ("reopen", "fail", "abort", False),
        ("reopen", "timeout", "abort", True), ("reopen", "token-limit", "abort", True)], "release-task")


def test_example_c_docs():
    _, ws = workflows()
    w = by_name(ws)["nightly-docs"]
    gen = by_name(w["steps"])["gen"]
    eq(gen["config"], {"host.memory": "1g", "mode": "plain.text.v2", "retries": "4",
                       "run": "python3 tools/gen.py --out \"docs/api\" --re '\\d+'"}, "gen config")
    eq(gen["results"], ["ok", "partial", "fail", "timeout", "token-limit"], "gen results")
    check(("gen", "partial", "publish", False) in wire_list(w), "undeclared target kept")
    eq(by_name(w["steps"])["orphan"]["results"], ["success", "timeout", "token-limit"], "orphan")
    eq(by_name(ws)["post-summary"]["entry_step"], "say", "post-summary entry")


def test_unknown_project_404_json():
    st, h, body = get(wf_url("no-such-project"))
    eq(st, 404, "status")
    eq(json.loads(body), {"error": "project not found"}, "body")


def body_of(label, wf, step, status=200):
    st, h, body = content(label, wf, step)
    eq(st, status, f"{wf}/{step} status ({body[:120]!r})")
    if status == 200:
        check(h.get("content-type", "").startswith("text/plain"), h.get("content-type"))
    return body


def test_content_prompt_file_inline_and_workflow():
    label = main_label()
    disk = open(os.path.join(manifest()["projects"][label], ".cloche/prompts/draft.md"), "rb").read()
    eq(body_of(label, "build-feature", "draft"), disk, "file() prompt verbatim")
    eq(body_of(label, "build-feature", "fix"), b"Repair the failing checks.\nKeep changes small.", "inline prompt")
    eq(body_of(label, "main", "develop"), b"Dispatches workflow: build-feature", "workflow step")
    eq(body_of(label, "main", "await-review"), b"bash .cloche/scripts/pr-state.sh", "poll command")


def test_content_run_scripts_only():
    label = main_label()
    disk = open(os.path.join(manifest()["projects"][label], ".cloche/scripts/claim.sh"), "rb").read()
    eq(body_of(label, "main", "claim"), disk, "script named in the command")
    eq(body_of(label, "build-feature", "lint"), b"", "inline command never echoed")
    eq(body_of(label, "build-feature", "unit"), b"", "make test")


def test_content_404s():
    label = main_label()
    eq(body_of(label, "no-such-wf", "x", 404), b"workflow not found\n", "workflow")
    eq(body_of(label, "main", "no-such-step", 404), b"step not found\n", "step")
    eq(body_of(label, "broken", "a", 404), b"workflow not found\n", "workflow only in a broken file")


def not_leaked(body, path):
    try:
        secret = open(path, "rb").read().strip()
    except OSError:
        return
    check(not secret or secret not in body, f"content of {path} served")


def test_traversal_step_name():
    st, _, body = get(wf_url(main_label(), "/main/steps/..%2F..%2Fetc%2Fpasswd/content"))
    check(st in (400, 404), f"status {st}")
    check(b"root:" not in body, "passwd served")
    st, _, body = get(wf_url(main_label(), "/..%2F..%2Fetc/steps/passwd/content"))
    check(st in (400, 404), f"status {st}")


def test_traversal_prompt_file_refused():
    t = manifest()["traversal_prompt"]
    st, _, body = content(t["project"], t["workflow"], t["step"])
    check(st in (400, 404), f"status {st}: {body[:100]!r}")
    not_leaked(body, "/etc/hostname")


def test_traversal_run_not_served():
    t = manifest()["traversal_script"]
    st, _, body = content(t["project"], t["workflow"], t["step"])
    check(st in (200, 400, 404), f"status {st}")
    eq(body if st == 200 else b"", b"", "nothing outside .cloche/scripts")


def test_project_page_draws_graphs():
    st, _, body = get("/projects/" + seg(main_label()))
    eq(st, 200, "status")
    page = body.decode("utf-8", "replace")
    check('id="workflows"' in page, "panel")
    eq(page.count('<svg class="dag-svg"'), 6, "one graph per workflow")
    for name in ("build-feature", "nightly-docs", "post-summary", "list-tasks", "main", "release-task"):
        check(f'<h3 class="wf-name">{name} ' in page, f"name {name} shown")
    check('data-step="await-review"' in page and 'data-type="human"' in page, "human step node")
    check('class="dag-node-rect dag-terminal-abort"' in page, "abort terminal")
    check("zz-broken.cloche" in page and "expected &quot;workflow&quot;, got &quot;#&quot;" in page,
          "parse error shown")
    check('id="step-drawer"' in page and 'role="dialog"' in page, "drawer")
    check("/workflows/main/steps/claim/content" in page, "node links to its content")


def test_hostile_project_escaped():
    label = manifest()["html_project"]
    st, _, body = get("/projects/" + seg(label))
    eq(st, 200, "status")
    page = body.decode("utf-8", "replace")
    check("<script>alert(1)" not in page and "<img src=x" not in page, "markup from the workflow file")
    check("\\u003cscript\\u003ealert(1)" in page, "run command JSON-escaped in data-config")
    check('data-step="shout"' in page, "hostile workflow drawn")


run_tests(globals())
