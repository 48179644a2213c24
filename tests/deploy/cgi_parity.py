"""CGI parity: every GET route of cgi/routes.c, asked of the FastCGI
responder and of the same binary run as a CGI script, on one demo store.
Bodies must be byte-identical (HTML after the mount point is replaced:
the CGI script lives at /cgi-bin/cloche-dash, FastCGI at the root), as must
the status and Content-Type. Prints "ok - route" / "FAIL - route".

usage: cgi_parity.py FCGI_URL CGI_URL DEMO_DIR ROUTES_C
"""
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

FCGI, CGI, DEMO, ROUTES_C = sys.argv[1:5]
CGI_MOUNT = urllib.parse.urlsplit(CGI).path
q = lambda s: urllib.parse.quote(s, safe="")


def get(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=30) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def samples(m):
    """Concrete paths for a route pattern: one per placeholder set, plus
    extra ones where the demo has a more interesting case."""
    proj = m["main_project"]
    run = m["errored_step_run"]
    step = m["errored_steps"][0]
    prompt, shas = next(iter(m["prompt_history"].items()))
    sub = {"id": run, "name": proj, "step": step, "workflow": "main",
           "taskId": m["failed_task"], "taskID": m["failed_task"], "file": "style.css"}
    extra = {
        "/api/runs/{id}/logs": ["/api/runs/%s/logs" % q(m["long_log_run"])],
        "/api/attempts/{id}/logs": ["/api/attempts/%s/logs" % q(m["attempt_with_log"])],
        "/api/projects/{name}/info/prompt-diff": [
            "/api/projects/%s/info/prompt-diff?file=%s&sha=%s" % (q(proj), q(prompt), shas[0])],
        "/runs/{id}": ["/runs/%s" % q(m["hostile_run"]), "/runs/nope-404"],
        "/api/runs/{id}": ["/api/runs/nope-404"],
        "/tasks/{taskID}": ["/tasks/%s" % q(m["hostile_task"])],
        "/api/runs": ["/api/runs?limit=5&offset=3"],
        "/runs": ["/runs?page=2"],
        "/projects/{name}": ["/projects/%s" % q(m["html_project"])],
    }
    return sub, extra


def main():
    m = json.load(open(DEMO + "/manifest.json"))
    sub, extra = samples(m)
    pats = re.findall(r'\{"GET",\s*"([^"]+)"', open(ROUTES_C).read())
    fails = 0
    for pat in pats:
        path = re.sub(r"\{(\w+)\}", lambda g: q(sub.get(g.group(1), "x")), pat)
        for p in [path] + extra.get(pat, []):
            a = get(FCGI, p)
            b = get(CGI, p)
            body_b = b[2]
            if "html" in b[1]:
                body_b = body_b.replace(CGI_MOUNT.encode(), b"")
            why = []
            if a[0] != b[0]:
                why.append("status %d vs %d" % (a[0], b[0]))
            if a[1] != b[1]:
                why.append("type %r vs %r" % (a[1], b[1]))
            if a[2] != body_b:
                i = next((k for k in range(min(len(a[2]), len(body_b))) if a[2][k] != body_b[k]),
                         min(len(a[2]), len(body_b)))
                why.append("bodies differ at byte %d: %r vs %r" % (i, a[2][max(0, i - 40):i + 40],
                                                                   body_b[max(0, i - 40):i + 40]))
            if why:
                fails += 1
                print("FAIL - GET %s (%s): %s" % (p, pat, "; ".join(why)))
            else:
                print("ok - GET %s: %d %s, %d bytes identical" % (p, a[0], a[1].split(";")[0], len(a[2])))
    return 1 if fails else 0


sys.exit(main())
