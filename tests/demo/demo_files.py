"""Project trees for the demo: .cloche/ contents (workflows, prompts, scripts,
Dockerfile, config.toml, version, .gitignore) and their git histories."""
import os

from demo_util import GITIGNORE, commit, git, git_init, write

# daemon.md 3.8, Example A, verbatim.
BUILD_CLOCHE = r'''// Container workflow: build a feature, test and lint in parallel, join.
workflow build-feature {
  container {
    image         = "myproj-agent:dev"
    agent_command = "claude"
    id            = "builder"
  }
  repos       = ["app", "docs"]
  token-limit = 800000

  agent quick {
    command = "claude"
    args    = "-p --model haiku"
  }

  step draft {
    prompt        = file(".cloche/prompts/draft.md")
    agent         = quick
    max_attempts  = 2
    timeout       = "40m"
    token-limit   = 200000
    usage_command = "cat /tmp/usage.json"
    results       = [success, fail]
  }

  step unit {
    run = "make test"
    container { network_allow = ["pypi.org", "github.com"] }
    results = [success fail]
  }

  step lint {
    run     = "echo \"lint\"\tstart && make lint\\n"
    results = [success, fail]
  }

  step fix {
    prompt       = "Repair the failing checks.\nKeep changes small."
    max_attempts = 3
    results      = [success, fail, give-up]
  }

  draft:success -> unit
  draft:success -> lint     // fan-out: two targets for one result
  draft:fail    -> abort
  draft:timeout -> fix
  unit:fail     -> fix
  lint:fail     -> fix
  collect all(unit:success, lint:success) -> done
  fix:success   -> unit
  fix:fail      -> abort
  fix:give-up   -> abort
}
'''

# daemon.md 3.8, Example B, verbatim.
HOST_CLOCHE = r'''// Host orchestration: discover tasks, do one, release on demand.
workflow list-tasks {
  host {}
  step ready {
    run     = "bash .cloche/scripts/ready.sh"
    results = [success, fail]
  }
  ready:success -> done
  ready:fail    -> abort
}

workflow main {
  host {
    agent_command = "claude,codex"
  }

  step claim {
    run     = "bash .cloche/scripts/claim.sh"
    skip    = "test -f .cloche/no-claim"
    results = [success, fail]
  }

  step develop {
    workflow_name = "build-feature"
    prompt_step   = "claim"
    timeout       = "2h"
    results       = [success, fail]
  }

  step await-review {
    poll     = "bash .cloche/scripts/pr-state.sh"
    interval = "5m"
    timeout  = "48h"
    results  = [approved, changes, fail]
  }

  step land {
    run        = "bash .cloche/scripts/land.sh"
    repository = "app"
    results    = [success, fail]
  }

  step wrap-up {
    prompt      = file(".cloche/prompts/wrap-up.md")
    token-limit = -1
    results     = [success, fail]
  }

  token-limit -> wrap-up

  claim:success        -> develop
  claim:fail           -> abort
  develop:success      -> await-review
  develop:fail         -> wrap-up
  await-review:approved -> land
  await-review:changes -> develop
  await-review:fail    -> wrap-up
  await-review:timeout -> wrap-up
  land:success         -> done
  land:fail            -> wrap-up
  wrap-up:success      -> done
  wrap-up:fail         -> abort
}

workflow release-task {
  host {}
  step reopen {
    run     = "bash .cloche/scripts/reopen.sh"
    results = [success, fail]
  }
  reopen:success -> done
  reopen:fail    -> abort
}
'''

# daemon.md 3.8, Example C, verbatim.
DOCS_CLOCHE = r'''workflow nightly-docs {   // a trailing comment is fine
  timeout -> notify       // parsed, stored, but has no runtime effect

  step gen {
    run     = "python3 tools/gen.py --out \"docs/api\" --re '\d+'"
    mode    = plain.text.v2
    retries = 4
    host { memory = "1g" }
    results = [ok partial fail]
  }

  step notify {
    workflow_name = "post-summary"
    results = [success, fail]
  }

  step orphan {
    run = "true"
    results = [success]
  }

  gen:ok      -> done
  gen:partial -> notify
  gen:partial -> publish
  gen:fail    -> abort
  notify:success -> done
  notify:fail    -> abort
  orphan:success -> done
}
workflow post-summary {
  step say {
    run = "echo summary"
    results = [success, fail]
  }
  say:success -> done
  say:fail    -> abort
}
'''

# A simple host loop used by the other projects.
SIMPLE_MAIN = r'''workflow main {
  host {}
  step build {
    run     = "bash .cloche/scripts/build.sh"
    results = [success, fail]
  }
  step review {
    prompt  = file(".cloche/prompts/review.md")
    results = [success, fail]
  }
  step bin {
    run     = "bash .cloche/scripts/binary.sh"
    results = [success]
  }
  build:success  -> review
  build:fail     -> abort
  review:success -> bin
  review:fail    -> abort
  bin:success    -> done
}
'''

SIMPLE_DEVELOP = r'''workflow develop {
  step implement {
    prompt  = file(".cloche/prompts/implement.md")
    results = [success, fail]
  }
  step test {
    run     = "make test"
    results = [success, fail]
  }
  implement:success -> test
  implement:fail    -> abort
  test:success      -> done
  test:fail         -> implement
}
'''

# Workflow with hostile names/values and a prompt path escaping the project.
HOSTILE_CLOCHE = r'''workflow main {
  host {}
  step peek {
    prompt  = file("../../../../../../etc/hostname")
    results = [success]
  }
  step shout {
    run     = "echo \"<script>alert(1)</script>\" '<img src=x onerror=alert(1)>'"
    results = [success, fail]
  }
  step escape {
    run     = "bash .cloche/scripts/../../../outside.sh"
    results = [success]
  }
  peek:success  -> shout
  shout:success -> escape
  shout:fail    -> abort
  escape:success -> done
}
'''

# Fails to parse ('#' comment, list wire): must be skipped silently.
BROKEN_CLOCHE = '''# not a comment in this DSL
workflow broken {
  step a { run = "true" results = [success] }
  a:success -> b, c
}
'''

CONFIG_TOML = '''active = true

[orchestration]
concurrency = 2
stagger_seconds = 1.5
max_consecutive_failures = 3

[git]
name = "Cloche Bot"
email = "bot@example.com"

[[repositories]]
name = "app"
path = "."
url = "git@example.com:acme/app.git"

[[repositories]]
name = "docs"
path = "docs"
'''

BROKEN_TOML = '''active = true
[orchestration
concurrency = = 2
"unterminated = 
'''

DOCKERFILE_A = '''# syntax=docker/dockerfile:1
FROM golang:1.22 AS build
WORKDIR /src
RUN go build ./...
FROM\tbusybox:latest
from  debian:bookworm-slim AS runtime
RUN apt-get update
FROM cloche-agent:latest AS final
COPY --from=build /src/app /usr/local/bin/app
'''

DOCKERFILE_B = '''FROM node:20
FROM --platform=linux/amd64 node:20-slim
'''

SCRIPTS = {
    "ready.sh": "#!/bin/sh\necho '[{\"id\":\"cloche-k4gh\"}]'\n",
    "claim.sh": "#!/bin/sh\nset -e\necho \"claiming $CLOCHE_TASK_ID\"\necho CLOCHE_RESULT:success\n",
    "pr-state.sh": "#!/bin/sh\ngh pr view --json state -q .state\n",
    "land.sh": "#!/bin/sh\n# lands the branch\necho \"<script>alert('land')</script>\"\ngit push origin HEAD\n",
    "reopen.sh": "#!/bin/sh\necho reopening \"$CLOCHE_TASK_ID\"\n",
    "build.sh": "#!/bin/sh\nmake -j2\n",
}


def prompt(name, version):
    return ("# %s prompt (v%d)\n\nYou are working on the task described below.\n"
            "Keep changes small. Never write `<script>` tags into HTML.\n\n"
            "{{.Task}}\n\nRevision note %d.\n" % (name, version, version))


def skeleton(root, kind):
    """Writes the .cloche/ tree of a project.  kind: main | simple | hostile | broken | legacy."""
    c = os.path.join(root, ".cloche")
    write(os.path.join(root, ".gitignore"), GITIGNORE)
    write(os.path.join(root, "README.md"), "# demo project\n")
    write(os.path.join(c, "version"), "1\n")
    write(os.path.join(c, "config.toml"), BROKEN_TOML if kind == "broken" else CONFIG_TOML)
    write(os.path.join(c, "Dockerfile"), DOCKERFILE_A if kind == "main" else DOCKERFILE_B)
    for n, body in SCRIPTS.items():
        write(os.path.join(c, "scripts", n), body, 0o755)
    write(os.path.join(c, "scripts", "binary.sh"), b"#!/bin/sh\n\x00\x01\x02ELF\n", 0o755)
    if kind == "main":
        write(os.path.join(c, "build.cloche"), BUILD_CLOCHE)
        write(os.path.join(c, "host.cloche"), HOST_CLOCHE)
        write(os.path.join(c, "docs.cloche"), DOCS_CLOCHE)
        write(os.path.join(c, "zz-broken.cloche"), BROKEN_CLOCHE)
        write(os.path.join(c, "notes.cloche.txt"), "not a workflow file\n")
        os.makedirs(os.path.join(c, "sub.cloche"), exist_ok=True)
        write(os.path.join(c, "subdir", "ignored.cloche"), SIMPLE_DEVELOP)
    elif kind == "hostile":
        write(os.path.join(c, "host.cloche"), HOSTILE_CLOCHE)
    elif kind == "broken":
        write(os.path.join(c, "main.cloche"), SIMPLE_MAIN)
        write(os.path.join(c, "bad.cloche"), BROKEN_CLOCHE)
    else:
        write(os.path.join(c, "main.cloche"), SIMPLE_MAIN)
        write(os.path.join(c, "develop.cloche"), SIMPLE_DEVELOP)


def main_history(root):
    """Git history of the main project: prompts edited several times, one
    rename (plan.md -> draft.md via git mv), subjects with markup, author
    dates in several offsets (one late evening at -05:00 so the author-local
    date differs from the UTC date).  Returns {relative prompt path: [shas newest first]}."""
    c = ".cloche/prompts/"
    p = os.path.join(root, c)
    write(p + "plan.md", prompt("plan", 1))
    write(p + "wrap-up.md", prompt("wrap-up", 1))
    commit(root, "Initial cloche setup", "2026-01-05T10:00:00+02:00")
    write(p + "wrap-up.md", prompt("wrap-up", 2))
    commit(root, 'Tweak <b>wrap-up</b> & "tone"', "2026-01-06T23:30:00-05:00",
           author=("Grace \"Amazing\" O'Hopper & Co", "grace@example.com"))
    write(p + "plan.md", prompt("plan", 2))
    commit(root, "Plan prompt: mention tests", "2026-01-07T09:15:00Z")
    commit(root, "Rename plan prompt to draft", "2026-01-08T11:00:00+01:00", mv=(c + "plan.md", c + "draft.md"))
    write(p + "draft.md", prompt("draft", 3))
    commit(root, "Draft prompt: smaller steps", "2026-01-09T14:45:10+05:30",
           author=("Linus T", "linus@example.com"))
    write(p + "wrap-up.md", prompt("wrap-up", 3) + "<script>alert('prompt')</script>\n")
    commit(root, "wrap-up: add summary section", "2026-01-10T08:00:00Z")
    write(p + "review.md", "Review checklist\n================\n- tests pass\n- no secrets\n")
    commit(root, "Add review prompt", "2026-01-11T08:00:00Z")
    # Present on disk but never committed: history is null.
    write(p + "scratch.md", "uncommitted prompt\n")
    hist = {}
    for f in ("draft.md", "wrap-up.md", "review.md"):
        out = git(root, "log", "--follow", "--format=%H", "--", c + f)
        hist[c + f] = out.split()
    return hist


def simple_history(root, name):
    p = os.path.join(root, ".cloche", "prompts")
    write(os.path.join(p, "review.md"), prompt("review", 1))
    write(os.path.join(p, "implement.md"), prompt("implement", 1))
    commit(root, "Initial cloche setup for %s" % name, "2026-02-01T12:00:00Z")
    write(os.path.join(p, "implement.md"), prompt("implement", 2))
    commit(root, "implement: be concise", "2026-02-02T12:00:00+02:00")


def make_project(root, kind):
    """Creates a git repository with the .cloche tree of the given kind.
    Returns prompt history {path: [shas]} (empty for non-main projects)."""
    git_init(root)
    skeleton(root, kind)
    if kind == "main":
        hist = main_history(root)
        runtime_files(root)
        return hist
    simple_history(root, os.path.basename(root))
    if kind == "simple":
        # An explicit `cloche loop stop` leaves this flag (store.md 3.1).
        write(os.path.join(root, ".cloche", ".loop-stopped"), "stopped\n")
    return {}


def runtime_files(root):
    """Untracked files the daemon and agents leave in .cloche/ (store.md 3.1);
    nothing in the dashboard should choke on them."""
    c = os.path.join(root, ".cloche")
    write(os.path.join(c, "history.log"), "[2026-01-12T10:00:00Z] step:claim result:success\n"
                                          "[2026-01-12T10:05:00Z] step:wrap-up result:<b>fail</b>\n")
    write(os.path.join(c, "output", "wrap-up.log"), '{"type":"result","result":"old scratch output"}\n')
    write(os.path.join(c, "activity.log"), '{"kind":"attempt_started","task_id":"OLD-1"}\n')
    write(os.path.join(c, "runs", "cloche-f41l", "prompt.txt"), "Fix the titles.\n")
    write(os.path.join(c, "runs", "cloche-f41l", "attempt_count", "wrap-up"), "2\n")
    write(os.path.join(c, "overrides", "etc", "motd"), "override file\n")
    write(os.path.join(c, "task_list.json"), '[{"id":"cloche-k4gh","title":"sample"}]\n')
