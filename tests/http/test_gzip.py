"""Compressed answers (cgi/gzip.c): a client that sends Accept-Encoding
gzip gets the same bytes gzip-compressed, with Content-Encoding, Vary and
an ETag of its own; a client that does not (or refuses gzip with q=0)
gets them as they are. Through every front server, cached or not (the
cached copy may be handed over as a file with X-Sendfile)."""
import gzip
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, eq, get, request, run_tests, get_json  # noqa: E402

GZ = {"Accept-Encoding": "gzip, deflate, br"}


def info_path():
    """The project info of a demo project with prompts (over 1 KB)."""
    for p in get_json("/api/projects"):
        path = "/api/projects/%s/info" % urllib.parse.quote(p["label"], safe="")
        if len(get(path)[2]) >= 1024:
            return path
    check(False, "no demo project has an info answer over 1 KB")


def big_paths():
    """A page, a JSON list, a project page and info: all over 1 KB in the demo."""
    info = info_path()
    return ["/", "/api/runs", info.replace("/api", "").replace("/info", ""), info]


def plain(path):
    st, h, body = get(path)
    eq(st, 200, "GET %s" % path)
    check(len(body) >= 1024, "%s is large enough to be compressed (%d bytes)" % (path, len(body)))
    check(h.get("content-encoding") is None, "%s: no Content-Encoding without asking" % path)
    check("accept-encoding" in h.get("vary", "").lower(), "%s: Vary names Accept-Encoding: %r" % (path, h))
    return h, body


def same_answer_gzipped(path, attempt):
    """A plain and a gzip answer of the same store state. The stand-in
    daemon keeps writing and relative times move with the clock, and plain
    CGI has no cache to keep them equal: a plain answer is taken before and
    after, and the gzip one must match one of them (a few tries)."""
    for _ in range(5):
        ph, before = plain(path)
        st, h, body = get(path, GZ)
        _, after = plain(path)
        eq(st, 200, "GET %s with gzip (%d)" % (path, attempt))
        eq(h.get("content-encoding"), "gzip", "%s Content-Encoding" % path)
        unzipped = gzip.decompress(body)
        if unzipped in (before, after):
            return ph, h, body, unzipped
    eq(unzipped, after, "%s: gzip body decompresses to the plain body" % path)


def test_gzip_when_asked_same_bytes():
    for path in big_paths():
        for attempt in range(2):  # rendered, then from the cache
            ph, h, body, pbody = same_answer_gzipped(path, attempt)
            check("accept-encoding" in h.get("vary", "").lower(), "%s: Vary" % path)
            check(len(body) < len(pbody), "%s: smaller compressed (%d < %d)" % (path, len(body), len(pbody)))
            if "content-length" in h:
                eq(int(h["content-length"]), len(body), "%s Content-Length is the compressed length" % path)
            eq(h.get("content-type"), ph.get("content-type"), "%s: same Content-Type" % path)


def test_json_parses_after_gunzip():
    st, h, body = get(info_path(), GZ)
    eq(st, 200, "info with gzip")
    info = json.loads(gzip.decompress(body))
    check("prompt_files" in info and "docker_image" in info, "the info object: %r" % list(info))


def test_refused_or_unknown_coding_is_plain():
    for ae in ("gzip;q=0", "gzip; q=0.000, identity", "br", "deflate"):
        st, h, body = get("/", {"Accept-Encoding": ae})
        eq(st, 200, "GET / with %r" % ae)
        check(h.get("content-encoding") is None, "%r: not compressed (%r)" % (ae, h.get("content-encoding")))
        check(body.lstrip().lower().startswith(b"<!doctype"), "%r: plain HTML" % ae)
    st, h, body = get("/", {"Accept-Encoding": "*;q=0.5"})
    eq(h.get("content-encoding"), "gzip", "'*' allows gzip")


def test_variants_have_their_own_etag_and_304():
    path = big_paths()[1]
    _, ph, _ = get(path)
    _, gh, _ = get(path, GZ)
    check(ph.get("etag") and gh.get("etag"), "both variants carry an ETag")
    check(ph["etag"] != gh["etag"], "gzip and identity ETags differ: %s %s" % (ph["etag"], gh["etag"]))
    st, h, body = get(path, dict(GZ, **{"If-None-Match": gh["etag"]}))
    eq(st, 304, "If-None-Match with the gzip ETag")
    eq(body, b"", "304 has no body")


def test_head_with_gzip_has_no_body():
    st, h, body = request("HEAD", "/", GZ)
    eq(st, 200, "HEAD /")
    eq(h.get("content-encoding"), "gzip", "HEAD says what GET would send")
    eq(body, b"", "no body")


def test_small_and_error_answers_stay_plain():
    st, h, body = get("/api/runs/no-such-run", GZ)
    eq(st, 404, "unknown run")
    check(h.get("content-encoding") is None, "an error answer is not compressed")
    eq(body.strip(), b"run not found", "the daemon's plain-text 404 (http.md 4.4)")
    st, h, body = get("/api/projects/no-such-project/info", GZ)
    eq(st, 404, "unknown project")
    check(h.get("content-encoding") is None, "a JSON error is not compressed")
    check("error" in json.loads(body), "JSON error: %r" % body[:200])


run_tests(globals())
