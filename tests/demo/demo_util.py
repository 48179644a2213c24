"""Small helpers shared by gen_demo.py and gen_bench.py: daemon-style
timestamps, file writing and deterministic git commits."""
import datetime as dt
import os
import subprocess

UTC = dt.timezone.utc

# `cloche init` appends exactly these lines to .gitignore (store.md 3.1).
GITIGNORE = (".cloche/logs/\n.cloche/runs/\n.cloche/output/\n.cloche/history.log\n"
             ".gitworktrees/\n.cloche/task_list.json\n")


def rfc(t, off_min=0, nanos=None):
    """Go RFC3339Nano of instant t (aware datetime) as the daemon writes it in a
    zone off_min minutes east of UTC: 1-9 fraction digits with trailing zeros
    removed, fraction omitted when zero, `Z` only for UTC."""
    local = t.astimezone(UTC) + dt.timedelta(minutes=off_min)
    ns = t.microsecond * 1000 if nanos is None else nanos
    frac = ("%09d" % ns).rstrip("0")
    s = local.strftime("%Y-%m-%dT%H:%M:%S") + ("." + frac if frac else "")
    if off_min == 0:
        return s + "Z"
    sign = "+" if off_min > 0 else "-"
    return s + "%s%02d:%02d" % (sign, abs(off_min) // 60, abs(off_min) % 60)


def logts(t):
    """Timestamp of a full.log line: RFC3339, whole seconds, UTC."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write(path, data, mode=0o644):
    """Writes str (UTF-8) or bytes, creating parent directories."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def append(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(path, "ab") as f:
        f.write(data)


def git_env(date, author=("Ada Lovelace", "ada@example.com")):
    env = dict(os.environ)
    env.update({
        "GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1],
        "GIT_COMMITTER_NAME": author[0], "GIT_COMMITTER_EMAIL": author[1],
        "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
        "GIT_CONFIG_NOSYSTEM": "1", "HOME": os.environ.get("HOME", "/tmp"),
    })
    return env


def git(repo, *args, env=None, stdin=None):
    """Runs git in repo; raises on failure; returns stdout text."""
    r = subprocess.run(["git", "-C", repo] + list(args), env=env or git_env("2026-01-01T00:00:00Z"),
                       input=stdin, capture_output=True)
    if r.returncode != 0:
        raise RuntimeError("git %s failed: %s" % (" ".join(args), r.stderr.decode(errors="replace")))
    return r.stdout.decode(errors="replace")


def git_init(repo):
    os.makedirs(repo, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Demo")
    git(repo, "config", "user.email", "demo@example.com")
    git(repo, "config", "commit.gpgsign", "false")


def commit(repo, msg, date, paths=(".",), author=("Ada Lovelace", "ada@example.com"), mv=None):
    """Stages paths (or performs `git mv a b` when mv=(a,b)) and commits with
    fixed author/committer identity and date, so hashes are reproducible."""
    env = git_env(date, author)
    if mv:
        git(repo, "mv", mv[0], mv[1], env=env)
    else:
        git(repo, "add", "--", *paths, env=env)
    git(repo, "commit", "-q", "--no-verify", "-m", msg, env=env)
    return git(repo, "rev-parse", "HEAD").strip()
