"""Project page and its routes: /projects/{name}, /api/projects/{name}/info,
/info/prompt-diff and /tasks (http.md 4.8, 4.9, 4.12; pages.md 2)."""
import html
import json
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, eq, get, get_json, demo_dir, base_url, run_tests  # noqa: E402


def manifest():
    with open(os.path.join(demo_dir(), "manifest.json")) as f:
        return json.load(f)


def seg(s):
    return urllib.parse.quote(s, safe="")


def main_label():
    return manifest()["main_project"]


def api(label, rest=""):
    return "/api/projects/" + seg(label) + rest


def diff_url(label, file=None, sha=None):
    q = []
    if file is not None:
        q.append("file=" + urllib.parse.quote(file, safe=""))
    if sha is not None:
        q.append("sha=" + urllib.parse.quote(sha, safe=""))
    return api(label, "/info/prompt-diff") + ("?" + "&".join(q) if q else "")


def test_info_shape_and_history():
    m = manifest()
    st, h, body = get(api(main_label(), "/info"))
    eq(st, 200, "status")
    eq(h.get("content-type"), "application/json", "content type")
    check(body.endswith(b"\n"), "JSON ends with a newline")
    text = body.decode()
    # Map keys sorted, element keys in struct order.
    check(text.index('"docker_image"') < text.index('"prompt_files"') < text.index('"version"'),
          "top-level keys sorted")
    j = json.loads(body)
    eq(sorted(j), ["docker_image", "prompt_files", "version"], "keys")
    check(isinstance(j["version"], int), "version is an int")
    files = {f["path"]: f for f in j["prompt_files"]}
    paths = [f["path"] for f in j["prompt_files"]]
    eq(paths, sorted(paths), "prompt files in name order")
    first = text[text.index('"prompt_files"'):]
    check(first.index('"path"') < first.index('"content"') < first.index('"history"'),
          "element key order path, content, history")
    for path, shas in m["prompt_history"].items():
        check(path in files, f"{path} listed")
        got = [e["sha"] for e in files[path]["history"]]
        eq(got, [s[:7] for s in shas], f"history of {path} (git log --follow)")
        for e in files[path]["history"]:
            eq(list(e), ["sha", "date", "message"], "history element keys")
            check(re.fullmatch(r"\d{4}-\d\d-\d\d", e["date"]), f"date {e['date']!r}")
    unc = m["uncommitted_prompt"]
    if not unc.startswith(".cloche/"):
        unc = ".cloche/prompts/" + unc
    check(unc in files, "uncommitted prompt listed")
    eq(files[unc]["history"], None, "uncommitted prompt history")


def test_info_unknown_project():
    st, h, body = get(api("no-such-project", "/info"))
    eq(st, 404, "status")
    eq(json.loads(body), {"error": "project not found"}, "body")


def prompt_shas():
    hist = manifest()["prompt_history"]
    path = sorted(p for p in hist if len(hist[p]) >= 2)[0]
    return path, hist[path]


def test_prompt_diff_good():
    path, shas = prompt_shas()
    st, h, body = get(diff_url(main_label(), path, shas[0][:7]))
    eq(st, 200, "status")
    eq(h.get("content-type"), "text/plain; charset=utf-8", "content type")
    check(body.startswith(b"diff --git "), f"unified diff: {body[:80]!r}")
    check(b"\n@@ " in body, "has a hunk")
    check(re.search(rb"^[-+][^-+]", body, re.M), "has changed lines")
    # A full sha works too and gives the same diff.
    st2, _, body2 = get(diff_url(main_label(), path, shas[0]))
    eq((st2, body2), (200, body), "full sha")


def test_prompt_diff_bad_requests():
    label = main_label()
    path, shas = prompt_shas()
    cases = [
        (diff_url(label), 400, b"file and sha required\n"),
        (diff_url(label, path), 400, b"file and sha required\n"),
        (diff_url(label, sha=shas[0][:7]), 400, b"file and sha required\n"),
        (diff_url(label, path, "xyz!"), 400, b"invalid sha\n"),
        (diff_url(label, path, shas[0][:6] + "g"), 400, b"invalid sha\n"),
        (diff_url(label, path, "0000000"), 404, b"diff not available\n"),
        (diff_url(label, path, shas[-1][:7]), 404, b"diff not available\n"),  # root commit
        (diff_url(label, path, "ab"), 404, b"diff not available\n"),
    ]
    for url, want_st, want_body in cases:
        st, _, body = get(url)
        eq((st, body), (want_st, want_body), url)
    for bad in ("../../etc/passwd", "/etc/passwd", ".cloche/host.cloche", ".cloche/prompts",
                ".cloche/prompts/../../etc/passwd", ".cloche/prompts/*", "draft.md"):
        st, _, body = get(diff_url(label, bad, shas[0][:7]))
        eq(st, 400, f"file={bad!r}")
        check(b"root:" not in body, "nothing read outside the project")
    st, _, body = get(diff_url("no-such-project", path, shas[0][:7]))
    eq(st, 404, "unknown project")
    eq(json.loads(body), {"error": "project not found"}, "unknown project body")


def test_tasks_array():
    m = manifest()
    for label in m["projects"]:
        st, h, body = get(api(label, "/tasks"))
        eq(st, 200, f"tasks of {label}")
        eq(h.get("content-type"), "application/json", "content type")
        a = json.loads(body)
        check(isinstance(a, list), f"{label}: array, got {body[:100]!r}")
        for e in a:
            keys = list(e)
            eq(keys[:3], ["id", "status", "title"], "first keys")
            check("assigned" in e and isinstance(e["assigned"], bool), "assigned is a bool")
            order = ["id", "status", "title", "description", "metadata", "assigned",
                     "assigned_at", "run_id", "stale"]
            eq(keys, [k for k in order if k in e], "TaskEntry key order")
            if "stale" in e:
                eq(e["stale"], True, "stale only when true")
            if "assigned_at" in e:
                check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", e["assigned_at"]),
                      f"assigned_at RFC3339 seconds: {e['assigned_at']!r}")
    main = get_json(api(main_label(), "/tasks"))
    ids = [e["id"] for e in main]
    check(m["running_task"] in ids, f"running task {m['running_task']} in {ids}")
    run = [e for e in main if e["id"] == m["running_task"]][0]
    eq(run.get("run_id"), m["running_run"], "run of the running task")
    check("stale" not in run, "a task with a running run is not stale")


def test_tasks_unknown_project():
    st, h, body = get(api("no-such-project", "/tasks"))
    eq(st, 404, "status")
    eq(json.loads(body), {"error": "project not found"}, "body")


def page(label, q=""):
    return get("/projects/" + seg(label) + q)


def test_page_renders_server_side():
    m = manifest()
    st, h, body = page(main_label(), "?t=%d" % time.time_ns())
    eq(st, 200, "status")
    check(h.get("content-type", "").startswith("text/html"), "html")
    text = body.decode("utf-8", "replace")
    for needle in ("Project Info", "In-progress Tasks", "Upcoming Tasks", "Loop: unknown",
                   "View all runs", "Prompt Files"):
        check(needle in text, f"{needle!r} on the page")
    # Without JavaScript: prompt text, commits as links to the raw diff.
    path, shas = prompt_shas()
    check(html.escape(path, quote=True) in text, "prompt path shown")
    links = re.findall(r'href="([^"]*/info/prompt-diff\?[^"]*)"', text)
    check(links, "commit links to the raw diff")
    prefix = urllib.parse.urlsplit(base_url()).path
    href = html.unescape(links[0])
    check(href.startswith(prefix + "/api/projects/"), f"link built from the mount point: {href}")
    st, h, body = get(href[len(prefix):])
    eq(st, 200, f"raw diff link {href}")
    eq(h.get("content-type"), "text/plain; charset=utf-8", "raw diff type")
    check(m["running_task"] in text, "in-progress task listed")
    check('class="inline-form js-action' in text and '/release"' in text or "stale" not in text,
          "stale rows carry a Release form")


def test_page_hostile_prompt_name_escaped():
    m = manifest()
    pdir = os.path.join(m["projects"][main_label()], ".cloche", "prompts")
    name = "<img src=x onerror=alert(1)>\"'&.md"
    path = os.path.join(pdir, name)
    with open(path, "w") as f:
        f.write("<script>alert('content')</script>\n")
    try:
        st, _, body = page(main_label(), "?t=%d" % time.time_ns())
        eq(st, 200, "status")
        text = body.decode("utf-8", "replace")
        check("<img src=x" not in text, "raw markup from the file name")
        check("<script>alert('content')" not in text, "raw markup from the content")
        check("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;.md" in text, "escaped file name")
        j = get_json(api(main_label(), "/info") + "?t=%d" % time.time_ns())
        got = [f for f in j["prompt_files"] if f["path"] == ".cloche/prompts/" + name]
        check(got and got[0]["history"] is None, "listed, no history")
        st, _, body = get(diff_url(main_label(), ".cloche/prompts/" + name, "0000000"))
        eq(st, 404, "listed file, unknown sha")
    finally:
        os.unlink(path)


def test_page_hostile_label_escaped():
    label = manifest()["html_project"]
    st, _, body = page(label)
    eq(st, 200, "status")
    text = body.decode("utf-8", "replace")
    check("<b>y" not in text, "raw label markup")
    check(html.escape(label, quote=True).replace("&#x27;", "&#39;") in text, "escaped label")


def test_page_unknown_project():
    st, h, body = page("no-such-project")
    eq(st, 404, "status")
    st, h, body = get("/projects/" + seg("no-such<script>"))
    eq(st, 404, "status")
    check(b"<script>" not in body, "label not reflected raw")


run_tests(globals())
