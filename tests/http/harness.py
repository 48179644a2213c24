"""Tiny HTTP test harness shared by tests/http/test_*.py.

Each test file defines functions named test_*; run_tests() calls them in
order and prints one line per test ("ok - name" / "FAIL - name: why").
The driver (tests/run.sh) runs every file once per front server with:
  DASH_URL   base URL of the dashboard, e.g. http://127.0.0.1:18080 (or with a prefix)
  DEMO_DIR   directory of the generated demo (projects, store)
  CLOCHE_DB  the demo store
  SERVER     lighttpd | nginx | cgi
Exit status: 0 when all passed.
"""
import http.client
import json
import os
import sys
import traceback
import urllib.parse


def base_url():
    return os.environ.get("DASH_URL", "http://127.0.0.1:18080").rstrip("/")


def request(method, path, headers=None, body=None):
    """Returns (status, headers-dict-lowercase, body-bytes). path is appended
    verbatim to DASH_URL, so callers control the percent-encoding."""
    u = urllib.parse.urlsplit(base_url())
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)
    conn.request(method, u.path + path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    hdrs = {k.lower(): v for k, v in resp.getheaders()}
    conn.close()
    return resp.status, hdrs, data


def get(path, headers=None):
    return request("GET", path, headers)


def post(path, headers=None, body=None):
    return request("POST", path, headers, body)


def delete(path, headers=None):
    return request("DELETE", path, headers)


def get_json(path, status=200):
    st, h, body = get(path)
    check(st == status, f"GET {path}: status {st}, want {status}: {body[:300]!r}")
    return json.loads(body)


def demo_dir():
    return os.environ.get("DEMO_DIR", "")


def manifest():
    """The demo's manifest.json (tests/demo/README.md), waiting a little
    while the demo may still be being generated."""
    import time
    path = os.path.join(demo_dir(), "manifest.json")
    for _ in range(150):
        if os.path.exists(path):
            try:
                with open(path) as f:
                    return json.load(f)
            except ValueError:
                pass
        time.sleep(0.2)
    raise RuntimeError("no demo manifest at " + path)


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def eq(got, want, what=""):
    if got != want:
        raise Failure(f"{what}: got {got!r}, want {want!r}")


def run_tests(ns):
    names = [n for n in ns if n.startswith("test_") and callable(ns[n])]
    failed = 0
    for n in names:
        try:
            ns[n]()
            print(f"ok - {os.path.basename(sys.argv[0])}:{n}")
        except Failure as e:
            failed += 1
            print(f"FAIL - {os.path.basename(sys.argv[0])}:{n}: {e}")
        except Exception:
            failed += 1
            print(f"FAIL - {os.path.basename(sys.argv[0])}:{n}: exception")
            traceback.print_exc(file=sys.stdout)
    sys.exit(1 if failed else 0)
