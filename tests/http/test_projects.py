"""The landing page `/`, `GET /api/projects` and `cloche health` on the demo,
and what the responder says when the store is missing, unreadable, corrupt,
uninitialised or locked (store.md 1.3, 1.6; issue 3).

Expected values are computed here, independently of the C code, from the
store with Python's sqlite3 and the rules of store.md 5 and 6."""
import html.parser
import json
import os
import pwd
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "demo"))
from harness import check, eq, get, run_tests, base_url  # noqa: E402
import schema  # noqa: E402

DB = os.environ.get("CLOCHE_DB", "")
BIN = os.environ.get("DASH_BIN", "")


# --- the rules, restated from the spec ------------------------------------

def open_ro(path):
    """Read the store the way a reader must (T1): immutable when no -wal."""
    q = "immutable=1" if not os.path.exists(path + "-wal") else "mode=ro"
    return sqlite3.connect("file:%s?%s" % (urllib.parse.quote(path), q), uri=True)


def go_base(p):
    """Go's filepath.Base."""
    if p == "":
        return "."
    p = p.rstrip("/")
    if p == "":
        return "/"
    return p.rsplit("/", 1)[-1]


def go_dir_base(p):
    """Base name of the parent of p (after stripping trailing slashes)."""
    p = p.rstrip("/")
    parent = p.rsplit("/", 1)[0] if "/" in p else "."
    return go_base(parent if parent != "" else "/")


def labels(dirs):
    """store.md 5.2: base name, or parent/base for every colliding one."""
    count = {}
    for d in dirs:
        count[go_base(d)] = count.get(go_base(d), 0) + 1
    return [go_base(d) if count[go_base(d)] == 1 else go_dir_base(d) + "/" + go_base(d) for d in dirs]


def expected_projects(conn):
    conn.text_factory = lambda b: b.decode("utf-8", "replace")
    dirs = [r[0] for r in conn.execute(
        "SELECT DISTINCT project_dir FROM runs WHERE project_dir != '' "
        "AND project_dir NOT LIKE '%/.gitworktrees/%' ORDER BY project_dir")]
    out = []
    for d, label in zip(dirs, labels(dirs)):
        runs = conn.execute(
            "SELECT id, state, started_at FROM runs WHERE project_dir = ?", (d,)).fetchall()
        # running first, then started_at text descending ('' last)
        runs.sort(key=lambda r: (r[1] != "running", _desc(r[2] or "")))
        window = runs[:10]
        passed = sum(1 for r in window if r[1] == "succeeded")
        failed = sum(1 for r in window if r[1] in ("failed", "cancelled"))
        if not window:
            status = "grey"
        elif passed + failed == 0:
            status = "blue"
        elif failed == 0:
            status = "green"
        elif passed == 0:
            status = "red"
        else:
            status = "yellow"
        active = sum(1 for r in runs if r[1] in ("pending", "running"))
        out.append({"dir": d, "label": label,
                    "health": {"status": status, "passed": passed, "failed": failed, "total": len(window)},
                    "active_count": active, "_dots": [(r[0], r[1]) for r in window]})
    return out


def _desc(s):
    """Sort key for text descending by bytes."""
    return tuple(-b for b in s.encode()) + (1,)


def public(p):
    return {k: v for k, v in p.items() if not k.startswith("_")}


def fetch_with_expected(path):
    """The store may change under us (the stand-in daemon simulates work):
    read expected, fetch, read expected again; retry a few times."""
    for _ in range(5):
        with open_ro(DB) as c:
            before = expected_projects(c)
        st, h, body = get(path)
        with open_ro(DB) as c:
            after = expected_projects(c)
        if before == after:
            return st, h, body, before
        time.sleep(0.5)
    raise AssertionError("store kept changing")


# --- cloche health (daemon.md 5.4) ----------------------------------------

def tabwriter(rows, padding=2):
    """Go text/tabwriter with minwidth 0, tabwidth 8, padding 2, padchar ' ',
    flags 0: every cell but the last of a line is tab-terminated; a column's
    width is its widest cell (in runes) plus padding."""
    ncol = max(len(r) for r in rows)
    width = [0] * ncol
    for r in rows:
        for i, c in enumerate(r[:-1]):
            width[i] = max(width[i], len(c) + padding)
    return "".join("".join(c.ljust(width[i]) for i, c in enumerate(r[:-1])) + r[-1] + "\n" for r in rows)


def cloche_health(projects):
    if not projects:
        return "No projects found.\n"
    rows = [["PROJECT", "STATUS", "PASSED", "FAILED", "TOTAL"]]
    for p in projects:
        h = p["health"]
        rows.append([p["label"] or p["dir"], h["status"], str(h["passed"]), str(h["failed"]), str(h["total"])])
    return tabwriter(rows)


def test_tabwriter_matches_go():
    # Output of the Go CLI's code path for this input (tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)).
    got = cloche_health([{"dir": "/a/x", "label": "x", "health": {"status": "green", "passed": 10, "failed": 0, "total": 10}},
                         {"dir": "/b/long-name", "label": "", "health": {"status": "grey", "passed": 0, "failed": 0, "total": 0}}])
    eq(got, "PROJECT       STATUS  PASSED  FAILED  TOTAL\n"
            "x             green   10      0       10\n"
            "/b/long-name  grey    0       0       0\n", "tabwriter")


# --- /api/projects ----------------------------------------------------------

def test_api_projects_matches_store():
    st, h, body, want = fetch_with_expected("/api/projects")
    eq(st, 200, "status")
    eq(h.get("content-type"), "application/json", "content type")
    check(body.endswith(b"]\n"), "body must be one JSON array plus a newline")
    got = json.loads(body)
    eq(got, [public(p) for p in want], "/api/projects")


def test_api_projects_key_order():
    got = json.loads(get("/api/projects")[2], object_pairs_hook=lambda kv: kv)
    check(got, "no projects in the demo")
    for p in got:
        eq([k for k, _ in p], ["dir", "label", "health", "active_count"], "project keys")
        eq([k for k, _ in dict(p)["health"]], ["status", "passed", "failed", "total"], "health keys")


def test_labels_colliding_and_worktree():
    got = json.loads(get("/api/projects")[2])
    by_label = {p["label"]: p["dir"] for p in got}
    for lab in ("ws/api", "srv/api"):
        check(lab in by_label, "colliding label %r missing: %r" % (lab, sorted(by_label)))
    check(not any("/.gitworktrees/" in p["dir"].lower() for p in got), "a worktree directory is listed")
    with open_ro(DB) as c:
        wt = c.execute("SELECT count(*) FROM runs WHERE project_dir LIKE '%/.gitworktrees/%'").fetchone()[0]
    check(wt > 0, "the demo has no worktree runs (nothing to prove)")


def test_cloche_health_parity():
    st, _, body, want = fetch_with_expected("/api/projects")
    eq(st, 200, "status")
    ours = cloche_health(json.loads(body))
    daemon = cloche_health([public(p) for p in want])
    eq(ours, daemon, "cloche health output")
    check(ours.startswith("PROJECT"), "health table header")


# --- / ---------------------------------------------------------------------

class Cards(html.parser.HTMLParser):
    """Collects each project card: name link, health class, stat values,
    run dots and the View Runs link; and every URL on the page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cards, self.urls, self._in = [], [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        for k in ("href", "src", "action"):
            if a.get(k):
                self.urls.append(a[k])
        if "project-card" in cls:
            self.cards.append({"name": "", "href": "", "health": "", "stats": [], "dots": [], "runs_link": ""})
        if not self.cards:
            return
        c = self.cards[-1]
        if "project-name" in cls:
            c["href"], self._in = a.get("href", ""), "name"
        elif "health-dot" in cls:
            c["health"] = [x[len("health-"):] for x in cls if x.startswith("health-") and x != "health-dot"][0]
        elif "stat-value" in cls:
            c["stats"].append("")
            self._in = "stat"
        elif "run-dot" in cls:
            c["dots"].append((a.get("href", ""), [x[len("run-dot-"):] for x in cls if x.startswith("run-dot-")][0]))
        elif tag == "a" and a.get("href", "").endswith("/runs") and "/projects/" in a.get("href", ""):
            c["runs_link"] = a["href"]

    def handle_endtag(self, tag):
        if tag in ("a", "span"):
            self._in = None

    def handle_data(self, data):
        if self._in == "name":
            self.cards[-1]["name"] += data
        elif self._in == "stat":
            self.cards[-1]["stats"][-1] += data


def base_path():
    return urllib.parse.urlsplit(base_url()).path.rstrip("/")


def test_index_cards_match_store():
    st, h, body, want = fetch_with_expected("/")
    eq(st, 200, "status")
    eq(h.get("content-type"), "text/html; charset=utf-8", "content type")
    p = Cards()
    p.feed(body.decode("utf-8", "replace"))
    want = sorted(want, key=lambda x: x["label"].encode())
    eq([c["name"] for c in p.cards], [w["label"] for w in want], "card labels, sorted by label")
    base = base_path()
    for c, w in zip(p.cards, want):
        lab = w["label"]
        eq(c["health"], w["health"]["status"], lab + " health")
        h_ = w["health"]
        eq(c["stats"][:2], ["%d/%d" % (h_["passed"], h_["total"]), str(w["active_count"])], lab + " stats")
        eq(urllib.parse.unquote(c["href"]), base + "/projects/" + lab, lab + " project link")
        eq(urllib.parse.unquote(c["runs_link"]), base + "/projects/" + lab + "/runs", lab + " View Runs link")
        check("/" not in c["runs_link"][len(base + "/projects/"):-len("/runs")],
              "%s: label must be one path segment in %r" % (lab, c["runs_link"]))
        eq([(urllib.parse.unquote(u), s) for u, s in c["dots"]],
           [(base + "/runs/" + i, s) for i, s in w["_dots"]], lab + " run dots")


def test_index_hostile_label_escaped():
    body = get("/")[2].decode("utf-8", "replace")
    with open_ro(DB) as c:
        hostile = [p["label"] for p in expected_projects(c) if "<" in p["label"]]
    check(hostile, "the demo has no project with markup in its name (nothing to prove)")
    for lab in hostile:
        check(lab not in body, "label %r appears unescaped" % lab)
        esc = lab.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        check(esc.split('"')[0] in body, "escaped label %r not on the page" % esc)


def test_index_worktree_hidden():
    body = get("/")[2].decode("utf-8", "replace")
    check(".gitworktrees" not in body, "worktree directory shown on /")


# --- store problems: the binary run directly in CGI mode -------------------

def cgi(db, uri, user=None, env=None, bin_=None):
    e = {"PATH": "/usr/bin:/bin", "CLOCHE_DB": db, "REQUEST_METHOD": "GET", "REQUEST_URI": uri,
         "GATEWAY_INTERFACE": "CGI/1.1", "SCRIPT_NAME": "", "CLOCHE_DASH_CONFIG": "/nonexistent",
         "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", ""), "UBSAN_OPTIONS": os.environ.get("UBSAN_OPTIONS", "")}
    e.update(env or {})
    cmd = [bin_ or BIN]
    if user:
        cmd = ["setpriv", "--reuid=" + user, "--regid=" + str(pwd.getpwnam(user).pw_gid), "--clear-groups"] + cmd
        # sanitizer reports to stderr: a log_path under a root-owned dir is not writable then
        e["ASAN_OPTIONS"] = ":".join(o for o in e["ASAN_OPTIONS"].split(":") if not o.startswith("log_path="))
        e["UBSAN_OPTIONS"] = ":".join(o for o in e["UBSAN_OPTIONS"].split(":") if not o.startswith("log_path="))
    t0 = time.time()
    p = subprocess.run(cmd, env=e, capture_output=True, timeout=60)
    took = time.time() - t0
    check(p.returncode == 0, "%s %s: exit %d: %s" % (db, uri, p.returncode, p.stderr[-2000:]))
    check(b"Sanitizer" not in p.stderr and b"runtime error:" not in p.stderr, p.stderr[-3000:])
    head, _, body = p.stdout.partition(b"\r\n\r\n")
    hdrs = {}
    for line in head.decode().split("\r\n"):
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return int(hdrs.get("status", "200").split()[0]), hdrs, body, took


def expect_503(db, words, user=None, bin_=None):
    st, h, body, _ = cgi(db, "/api/projects", user, bin_=bin_)
    eq(st, 503, "%s /api/projects status" % db)
    eq(h.get("content-type"), "application/json", "JSON error")
    msg = json.loads(body)["error"]
    check(any(w in msg.lower() for w in words), "message %r should say one of %r" % (msg, words))
    st, h, body, _ = cgi(db, "/", user, bin_=bin_)
    eq(st, 503, "%s / status" % db)
    check(h.get("content-type", "").startswith("text/html"), "HTML error page")
    check(msg[:25] in body.decode("utf-8", "replace"), "the page does not show the message %r" % msg)
    return msg


def tmpdir():
    d = tempfile.mkdtemp(prefix="cloche-store-")
    os.chmod(d, 0o755)
    return d


def test_store_missing():
    d = tmpdir()
    try:
        msg = expect_503(os.path.join(d, "nope.db"), ["no store", "missing", "not found"])
        check("nope.db" in msg, "message should name the path")
    finally:
        shutil.rmtree(d)


def test_store_unreadable():
    d = tmpdir()
    try:
        # a directory where the file should be
        expect_503(d, ["cannot be read", "unreadable", "not a file", "permission"])
        db = os.path.join(d, "cloche.db")
        shutil.copy(DB, db)
        os.chmod(db, 0)
        if os.geteuid() == 0:
            # root reads anything: be someone else (CI runs as root), with a
            # copy of the binary nobody can reach wherever the clone is
            bin_ = os.path.join(d, "cloche-dash")
            shutil.copy(BIN, bin_)
            os.chmod(bin_, 0o755)
            expect_503(db, ["cannot be read", "unreadable", "permission"], user="nobody", bin_=bin_)
        else:
            expect_503(db, ["cannot be read", "unreadable", "permission"])
    finally:
        shutil.rmtree(d)


def test_store_corrupt():
    d = tmpdir()
    try:
        junk = os.path.join(d, "junk.db")
        with open(junk, "wb") as f:
            f.write(b"this is not a database\n" * 300)
        expect_503(junk, ["not a", "corrupt", "malformed"])
        # a real header and schema page, every other page damaged
        bad = os.path.join(d, "bad.db")
        shutil.copy(DB, bad)
        size = os.path.getsize(bad)
        with open(bad, "r+b") as f:
            f.seek(4096)
            f.write(b"\xff" * (size - 4096))
        expect_503(bad, ["not a", "corrupt", "malformed"])
    finally:
        shutil.rmtree(d)


def test_store_uninitialised():
    d = tmpdir()
    try:
        db = os.path.join(d, "cloche.db")
        schema.close_store(schema.make_store(db, "uninitialised"))
        st, h, body, _ = cgi(db, "/")
        eq(st, 200, "/ on a store without tables")
        text = body.decode()
        check("never started" in text or "no tables" in text, "page should say the daemon never created the tables")
        st, h, body, _ = cgi(db, "/api/projects")
        eq(st, 503, "/api/projects on a store without tables")
        eq(h.get("content-type"), "application/json", "JSON error")
        check("error" in json.loads(body), "JSON error body")
    finally:
        shutil.rmtree(d)


HOLD = r"""
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode=WAL")
c.execute("PRAGMA locking_mode=EXCLUSIVE")
c.execute("BEGIN EXCLUSIVE")
c.execute("UPDATE runs SET state = state WHERE pk = (SELECT min(pk) FROM runs)")
print("held", flush=True)
sys.stdin.read()
c.execute("ROLLBACK")
"""


def test_store_locked():
    d = tmpdir()
    holder = None
    try:
        db = os.path.join(d, "cloche.db")
        shutil.copy(DB, db)
        holder = subprocess.Popen([sys.executable, "-c", HOLD, db], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        eq(holder.stdout.readline().strip(), b"held", "lock holder")
        st, h, body, took = cgi(db, "/api/projects")
        eq(st, 503, "status while the store is locked")
        check("locked" in json.loads(body)["error"].lower(), "message should say locked: %r" % body)
        check(took < 15, "answer took %.1fs: the busy timeout must bound the wait" % took)
    finally:
        if holder:
            holder.stdin.close()
            holder.wait(10)
        shutil.rmtree(d)


def test_store_without_wal_stays_untouched():
    """T1: a store with no -wal (daemon stopped) is read without creating
    -wal/-shm and without changing a byte, even though we could write the
    directory."""
    d = tmpdir()
    try:
        db = os.path.join(d, "cloche.db")
        shutil.copy(DB, db)
        for ext in ("-wal", "-shm"):
            if os.path.exists(db + ext):
                os.remove(db + ext)
        with open(db, "rb") as f:
            before = f.read()
        mtime = os.stat(db).st_mtime_ns
        for uri in ("/", "/api/projects"):
            st, _, _, _ = cgi(db, uri)
            eq(st, 200, uri)
        eq(sorted(os.listdir(d)), ["cloche.db"], "files next to the store")
        with open(db, "rb") as f:
            check(f.read() == before, "the store's bytes changed")
        eq(os.stat(db).st_mtime_ns, mtime, "mtime")
    finally:
        shutil.rmtree(d)


if __name__ == "__main__":
    check(DB and os.path.exists(DB), "CLOCHE_DB must name the demo store")
    check(BIN and os.access(BIN, os.X_OK), "DASH_BIN must name the responder binary")
    run_tests(globals())
