"""The request layer through each real front server (lighttpd root mount,
nginx prefix mount, lighttpd CGI): status codes for unknown paths, wrong
methods and malformed input, raw %2F in a segment, headers every response
carries, content types, ETag/304, HEAD, cross-site POST refusal, and links
built from the mount point."""
import html.parser
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, eq, get, post, request, run_tests, base_url  # noqa: E402

SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


def base_path():
    return urllib.parse.urlsplit(base_url()).path.rstrip("/")


def is_json_error(st, h, body, status):
    eq(st, status, "status")
    eq(h.get("content-type"), "application/json", "content type of an /api error")
    check("error" in json.loads(body), "JSON error object: %r" % body[:200])


def test_unknown_api_path_is_json_404():
    st, h, body = get("/api/no-such-thing")
    is_json_error(st, h, body, 404)


def test_unknown_page_is_html_404():
    st, h, body = get("/no-such-page")
    eq(st, 404, "status")
    eq(h.get("content-type"), "text/html; charset=utf-8", "content type")
    check(b"<html" in body.lower() or b"<!doctype" in body.lower(), "an HTML page")


def test_trailing_slash_is_404():
    st, _, _ = get("/api/projects/")
    eq(st, 404, "GET /api/projects/ (http.md 2.2)")


def test_wrong_method_405_with_allow():
    st, h, body = post("/api/projects")
    eq(st, 405, "POST /api/projects")
    eq(h.get("allow"), "GET, HEAD", "Allow header")
    st, h, _ = request("DELETE", "/")
    eq(st, 405, "DELETE /")
    eq(h.get("allow"), "GET, HEAD", "Allow header")


def test_bad_escape_in_query_400():
    st, h, body = get("/api/projects?x=%zz")
    if st == 200 and os.environ.get("SERVER") in ("lighttpd", "cgi"):
        # lighttpd re-encodes a stray '%' as %25 before we see it; the
        # responder's own answer is checked without a front server below.
        return
    is_json_error(st, h, body, 400)


def test_bad_escape_in_query_400_direct():
    """The responder itself, run as CGI with the raw query."""
    import subprocess
    env = {"PATH": "/usr/bin:/bin", "REQUEST_METHOD": "GET", "REQUEST_URI": "/api/projects?x=%zz",
           "QUERY_STRING": "x=%zz", "GATEWAY_INTERFACE": "CGI/1.1", "SCRIPT_NAME": "",
           "CLOCHE_DB": os.environ.get("CLOCHE_DB", ""), "CLOCHE_DASH_CONFIG": "/nonexistent",
           "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", ""), "UBSAN_OPTIONS": os.environ.get("UBSAN_OPTIONS", "")}
    out = subprocess.run([os.environ["DASH_BIN"]], env=env, capture_output=True, timeout=30).stdout
    check(out.startswith(b"Status: 400"), "direct CGI: %r" % out[:80])


def test_bad_escape_in_path_param_400():
    st, _, _ = get("/api/projects/a%zzb/workflows")
    eq(st, 400, "bad escape inside a path parameter")


def test_dot_segments_400():
    for raw in ("/api/projects/%2e%2e/workflows", "/api/projects/%2E%2E/info", "/api/projects/../info"):
        st, _, _ = get(raw)
        check(st == 400, "%s: status %d, want 400" % (raw, st))


def test_encoded_slash_stays_in_segment():
    """ws%2Fapi is one segment: the label ws/api (store.md 5.2, T12). An
    unknown label gives the JSON 404 "project not found", a known one 200."""
    st, h, body = get("/api/projects/ws%2Fapi/workflows")
    eq(st, 200, "GET /api/projects/ws%2Fapi/workflows")
    eq(h.get("content-type"), "application/json", "content type")
    st, h, body = get("/api/projects/ws%2Fnope/workflows")
    eq(st, 404, "unknown label")
    eq(json.loads(body), {"error": "project not found"}, "body")
    # the page link form of the label: /projects/ws%2Fapi
    st, _, _ = get("/projects/ws%2Fapi")
    eq(st, 200, "GET /projects/ws%2Fapi")


def check_security_headers(h, what):
    for k, v in SECURITY.items():
        eq(h.get(k), v, "%s: %s" % (what, k))
    csp = h.get("content-security-policy", "")
    check("frame-ancestors 'none'" in csp, "%s: CSP without frame-ancestors: %r" % (what, csp))
    check("script-src" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0],
          "%s: CSP must forbid inline script: %r" % (what, csp))
    check(h.get("referrer-policy"), "%s: no Referrer-Policy" % what)


def test_security_headers_html_json_errors():
    for path in ("/", "/api/projects", "/no-such-page", "/api/no-such-thing"):
        st, h, _ = get(path)
        check_security_headers(h, "GET %s (%d)" % (path, st))
    st, h, _ = post("/api/projects")
    check_security_headers(h, "POST /api/projects (405)")


def test_content_types_exact():
    eq(get("/")[1].get("content-type"), "text/html; charset=utf-8", "/")
    eq(get("/api/projects")[1].get("content-type"), "application/json", "/api/projects")
    st, h, _ = get("/static/style.css")
    eq(st, 200, "/static/style.css")
    eq(h.get("content-type"), "text/css; charset=utf-8", "style.css")
    st, h, _ = get("/static/app.js")
    eq(st, 200, "/static/app.js")
    check(h.get("content-type", "").startswith("text/javascript"), "app.js type %r" % h.get("content-type"))
    eq(h.get("x-content-type-options"), "nosniff", "static nosniff")


def test_static_versioned_is_immutable():
    st, h, _ = get("/static/style.css?v=abc")
    eq(st, 200, "status")
    check("immutable" in h.get("cache-control", ""), "Cache-Control %r" % h.get("cache-control"))
    st, h, _ = get("/static/style.css")
    check("immutable" not in h.get("cache-control", ""), "unversioned must not be immutable")
    if os.environ.get("SERVER") == "cgi":
        return  # served by the responder itself there (static_file.c): no ETag yet
    check(h.get("etag"), "static files need an ETag")
    st, _, body = get("/static/style.css", {"If-None-Match": h["etag"]})
    eq(st, 304, "static If-None-Match")


def test_etag_304():
    for path in ("/", "/api/projects"):
        st, h, body = get(path)
        eq(st, 200, path)
        tag = h.get("etag")
        check(tag, "%s: no ETag" % path)
        st, h2, body2 = get(path, {"If-None-Match": tag})
        eq(st, 304, "%s with If-None-Match" % path)
        eq(body2, b"", "304 body")
        st, _, _ = get(path, {"If-None-Match": '"other"'})
        eq(st, 200, "%s with a stale ETag" % path)


def test_head_has_no_body():
    for path in ("/", "/api/projects"):
        st, h, body = request("HEAD", path)
        eq(st, 200, "HEAD " + path)
        eq(body, b"", "HEAD body")
        gst, gh, gbody = get(path)
        eq(h.get("content-type"), gh.get("content-type"), "HEAD content type")
        if "content-length" in h:
            eq(int(h["content-length"]), len(gbody), "HEAD Content-Length")


def first_post_route():
    """A POST route that exists now (they arrive with later issues)."""
    for path in ("/api/projects/ws%2Fapi/trigger", "/api/projects/ws%2Fapi/loop/stop", "/api/runs/x/stop"):
        st, _, _ = request("OPTIONS", path)
        if st == 405:
            h = request("OPTIONS", path)[1]
            if "POST" in h.get("allow", ""):
                return path
    return None


def test_cross_site_post_403():
    path = first_post_route() or "/cloche.v1.ClocheService/GetUsage"
    st, h, body = post(path, {"Origin": "http://evil.example", "Content-Type": "application/json"}, b"{}")
    eq(st, 403, "cross-site POST %s" % path)
    st, _, _ = post(path, {"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, b"{}")
    eq(st, 403, "POST %s with Sec-Fetch-Site: cross-site" % path)


class Urls(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src", "action") and v:
                self.urls.append(v)
            if k.startswith("data-") and v and v.startswith("/"):
                self.urls.append(v)


def test_links_built_from_mount_point():
    base = base_path()
    for path in ("/", "/no-such-page"):
        p = Urls()
        p.feed(get(path)[2].decode("utf-8", "replace"))
        local = [u for u in p.urls if u.startswith("/")]
        check(local, "%s: no links" % path)
        bad = [u for u in local if u != base and not u.startswith(base + "/")]
        check(not bad, "%s: links outside the mount point %r: %r" % (path, base or "/", bad[:5]))
        check(not any(u.startswith("//") for u in local), "protocol-relative link")


def test_data_base_attribute():
    body = get("/")[2].decode()
    m = re.search(r'data-base="([^"]*)"', body)
    check(m, "<body data-base> missing")
    eq(m.group(1), base_path(), "data-base")


def test_request_id_header():
    a = get("/api/projects")[1].get("x-request-id")
    b = get("/api/projects")[1].get("x-request-id")
    check(a and b and a != b, "X-Request-Id should differ per request: %r %r" % (a, b))


if __name__ == "__main__":
    run_tests(globals())
