"""The project routes are cached until the store changes, but their
answers also depend on files and on git: a workflow file added or edited,
a prompt committed. The cache key carries a stamp of those (cgi/projstamp.c),
so the very next request shows the change, although the store did not
change. Each test primes the cache of both FastCGI processes first, then
changes the demo project srv/api and puts it back as it was."""
import json
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, eq, get, manifest, run_tests  # noqa: E402

GIT = ["git", "-c", "user.name=Fresh Test", "-c", "user.email=fresh@example.invalid",
       "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"]


def project():
    m = manifest()
    label = m["srv_project"]
    return label, m["projects"][label]


def url(label, rest=""):
    return "/api/projects/" + urllib.parse.quote(label, safe="") + rest


def page(label):
    return "/projects/" + urllib.parse.quote(label, safe="")


def prime(*paths):
    """Several requests per path, so that every responder process holds a
    cached copy of each."""
    for _ in range(4):
        for p in paths:
            st, _, _ = get(p)
            eq(st, 200, "GET " + p)


def workflow_names(label):
    st, _, body = get(url(label, "/workflows"))
    eq(st, 200, "workflows status")
    return set(w["name"] for w in json.loads(body) or [])


def wf_text(name):
    return ("workflow %s {\n  step only {\n    run     = \"true\"\n    results = [success]\n  }\n"
            "  only:success -> done\n}\n" % name)


def test_new_and_edited_workflow_file_seen_at_once():
    label, d = project()
    path = os.path.join(d, ".cloche", "zz-fresh.cloche")
    a, b = "fresh_aaa_%d" % os.getpid(), "fresh_bbb_%d" % os.getpid()
    prime(url(label, "/workflows"), page(label))
    check(a not in workflow_names(label), "the workflow does not exist yet")
    try:
        with open(path, "w") as f:
            f.write(wf_text(a))
        check(a in workflow_names(label), "a new workflow file shows in /workflows at once")
        st, _, body = get(page(label))
        check(a.encode() in body, "and on the project page")
        prime(url(label, "/workflows"), page(label))
        # Edited in place: same inode, same size, only the mtime moves.
        with open(path, "r+") as f:
            f.write(wf_text(b))
        names = workflow_names(label)
        check(b in names and a not in names, "an edit in place shows at once: %r" % sorted(names))
        st, _, body = get(page(label))
        check(b.encode() in body and a.encode() not in body, "page shows the edited workflow")
    finally:
        if os.path.exists(path):
            os.unlink(path)
    check(b not in workflow_names(label), "the removed file is gone from /workflows at once")


def test_edit_that_keeps_size_and_mtime_seen_at_once():
    """An edit inside one clock tick keeps size and mtime: stat() cannot
    see it. A FastCGI process learns of it from inotify (cgi/projwatch.c);
    plain CGI caches nothing. Reproduced by putting the old mtime back."""
    label, d = project()
    path = os.path.join(d, ".cloche", "zz-tick.cloche")
    a, b = "tick_aaa_%d" % os.getpid(), "tick_bbb_%d" % os.getpid()
    try:
        with open(path, "w") as f:
            f.write(wf_text(a))
        check(a in workflow_names(label), "the new workflow shows")
        prime(url(label, "/workflows"), page(label))
        st = os.stat(path)
        with open(path, "r+") as f:
            f.write(wf_text(b))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        eq(os.stat(path).st_size, st.st_size, "same size")
        eq(os.stat(path).st_mtime_ns, st.st_mtime_ns, "same mtime")
        names = workflow_names(label)
        check(b in names and a not in names, "the same-stat edit shows at once: %r" % sorted(names))
        st_, _, body = get(page(label))
        check(b.encode() in body and a.encode() not in body, "page shows it too")
    finally:
        if os.path.exists(path):
            os.unlink(path)


def git(d, *args):
    return subprocess.run(GIT + list(args), cwd=d, check=True, capture_output=True,
                          text=True).stdout.strip()


def history(label, rel):
    st, _, body = get(url(label, "/info"))
    eq(st, 200, "info status")
    for f in json.loads(body)["prompt_files"] or []:
        if f["path"] == rel:
            return f
    return None


def test_prompt_commit_seen_at_once():
    label, d = project()
    rel = ".cloche/prompts/zz-fresh.md"
    path = os.path.join(d, rel)
    old = git(d, "rev-parse", "HEAD")
    one, two = "fresh prompt one %d" % os.getpid(), "fresh prompt two %d" % os.getpid()
    prime(url(label, "/info"), page(label))
    try:
        with open(path, "w") as f:
            f.write("first version\n")
        git(d, "add", "--", rel)
        git(d, "commit", "-q", "-m", one, "--", rel)
        f = history(label, rel)
        check(f is not None, "a new, committed prompt file is listed at once")
        eq([e["message"] for e in f["history"] or []], [one], "its history")
        # The file is edited first and seen; then only the commit happens:
        # nothing under .cloche changes, HEAD alone must invalidate.
        with open(path, "w") as fh:
            fh.write("second version\n")
        eq(history(label, rel)["content"], "second version\n", "edited content")
        prime(url(label, "/info"), page(label))
        git(d, "commit", "-q", "-m", two, "--", rel)
        f = history(label, rel)
        eq([e["message"] for e in f["history"]], [two, one], "a commit shows in /info at once")
        st, _, body = get(page(label))
        check(two.encode() in body, "and in the page's prompt history")
    finally:
        if os.path.exists(path):
            os.unlink(path)
        git(d, "update-ref", "HEAD", old)
        git(d, "reset", "-q", old, "--", rel)
    check(history(label, rel) is None, "put back: the prompt file is gone")


run_tests(globals())
