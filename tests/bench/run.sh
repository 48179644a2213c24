#!/bin/bash
# `make bench`: the responder behind a real lighttpd on the bench store
# (tests/demo/gen_bench.py: 100,000 runs, 1,000,000 step rows, 50 projects,
# the daemon's schema and no extra index), measured with wrk on loopback
# against a static file of the same size served by the same lighttpd.
#
# Prints per URL: requests/s, p50/p99 latency, ratio to the static file;
# then the first answer after the store changed (a simulated daemon commit,
# so nothing is cached) and the responders' resident memory.
# Targets: every route >= 50% of the static rate (issues 3 and 6); / and
# /api/projects p99 < 20 ms at 50 connections and responder RSS < 10 MB
# after them (issue 3); project routes' first answer after a commit to the
# 5,000-commit repository < 150 ms (issue 6).
#
# Environment: DURATION (wrk seconds per URL, default 10), CONNS (50),
# THREADS (2), BENCH_DIR (default build/bench; generated once, reused),
# BENCH_ONLY (a grep -E pattern on the names below: measure only those).
set -uo pipefail

# --- the URLs measured: name and path below the mount point. Add yours. ------
# The labels and run ids come from gen_bench.py: @PROJECT@ is proj-00 (a
# 5,000-commit repository where one commit in 25 changes the prompt, as in
# a real project), @WORST@ is proj-01 (5,000 commits that all change the
# prompt: /info lists every one of them, 559 KB), @RUN@ a real run id.
URLS=(
	"index               /"
	"api-projects        /api/projects"
	"runs                /runs"
	"project-runs        /projects/@PROJECT@/runs"
	"run                 /runs/@RUN@"
	"api-run             /api/runs/@RUN@"
	"failed-tasks        /failed-tasks"
	"project             /projects/@PROJECT@"
	"project-usage       /api/projects/@PROJECT@/usage"
	"project-workflows   /api/projects/@PROJECT@/workflows"
	"project-info        /api/projects/@PROJECT@/info"
	"project-info-gzip   /api/projects/@PROJECT@/info"
	"project-info-worst  /api/projects/@WORST@/info"
	"project-info-worst-gzip /api/projects/@WORST@/info"
	"project-diff        /api/projects/@PROJECT@/info/prompt-diff?file=.cloche%2Fprompts%2Freview.md&sha=@PSHA@"
	"project-tasks       /api/projects/@PROJECT@/tasks"
	"project-content     /api/projects/@PROJECT@/workflows/main/steps/review/content"
	"usage               /usage"
	"api-usage           /api/usage?window_seconds=3600"
)
# A name ending in -gzip sends "Accept-Encoding: gzip", as browsers do.
# -----------------------------------------------------------------------------

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
PY=/usr/bin/python3
DURATION=${DURATION:-10}
CONNS=${CONNS:-50}
THREADS=${THREADS:-2}
BENCH_DIR=${BENCH_DIR:-$ROOT/build/bench}
BIN=$ROOT/build/cloche-dash

command -v wrk >/dev/null || { echo "bench: wrk is missing (make deps)" >&2; exit 1; }
[ -x "$BIN" ] || make -j2 || exit 1

# A store from an older gen_bench.py (no prompt_every) is generated anew.
if [ ! -f "$BENCH_DIR/cloche.db" ] || ! grep -q prompt_every "$BENCH_DIR/manifest.json" 2>/dev/null; then
	echo "generating the bench store in ${BENCH_DIR#"$ROOT"/} (once; reused by later runs) ..."
	rm -rf "$BENCH_DIR.tmp"
	$PY tests/demo/gen_bench.py --out "$BENCH_DIR.tmp" || exit 1
	rm -rf "$BENCH_DIR" && mv "$BENCH_DIR.tmp" "$BENCH_DIR"
fi
STORE=$BENCH_DIR/cloche.db
# gen_bench wrote the project paths under $BENCH_DIR.tmp: a link there lets
# the project routes read the git repository and .cloche files.
[ -e "$BENCH_DIR.tmp" ] || ln -sfn "$(basename "$BENCH_DIR")" "$BENCH_DIR.tmp"
PSHA=$(git -C "$BENCH_DIR/projects/proj-00" log --format=%h -1 -- .cloche/prompts/review.md 2>/dev/null)
PROMPT_EVERY=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1])).get("prompt_every", "?"))' "$BENCH_DIR/manifest.json")
# gen_bench writes absolute project paths: a moved BENCH_DIR still works
# for the store-only routes measured here.

T=$(mktemp -d "${TMPDIR:-/tmp}/cloche-bench.XXXXXX")
chmod 755 "$T"
. "$ROOT/tests/lib/servers.sh"
DAEMON_PID=
cleanup() {
	[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null
	stop_all
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A stand-in for the daemon's connection: keeps the store in WAL mode with
# -wal/-shm present (as while cloched runs), and commits one write whenever
# a line arrives on its stdin ("commit"), answering "done". The write is
# undone by the next one, so the bench store does not drift.
cat >"$T/daemon.py" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode=WAL")
c.execute("PRAGMA busy_timeout=5000")
pk = c.execute("SELECT max(pk) FROM runs").fetchone()[0]
orig = c.execute("SELECT state FROM runs WHERE pk=?", (pk,)).fetchone()[0]
# Rewriting a value with itself does not change the data version: flip
# between orig and another state so that every commit is a change.
other = "pending" if orig == "running" else "running"
flip = 0
print("ready", flush=True)
for line in sys.stdin:
    flip ^= 1
    c.execute("UPDATE runs SET state=? WHERE pk=?", (other if flip else orig, pk))
    print("done", flush=True)
c.execute("UPDATE runs SET state=? WHERE pk=?", (orig, pk))
EOF
mkfifo "$T/daemon.in" "$T/daemon.out"
$PY "$T/daemon.py" "$STORE" <"$T/daemon.in" >"$T/daemon.out" 2>"$T/daemon.err" &
DAEMON_PID=$!
exec 7>"$T/daemon.in" 8<"$T/daemon.out"
read -r -t 60 ready <&8 && [ "$ready" = ready ] || { echo "bench: store helper failed: $(cat "$T/daemon.err")" >&2; exit 1; }
commit() {
	echo commit >&7
	read -r -t 30 _ <&8
}

# public/ plus one static file, sized like the / page once we know it.
mkdir -p "$T/public"
cp -r public/. "$T/public/"
export CLOCHE_DB=$STORE CLOCHE_ADDR= DASH_PUBLIC=$T/public
export SSE_PORT=1
start_lighttpd lighttpd "" "$BIN" || { cat "$T/lighttpd/lighttpd-error.log"; exit 1; }

# label_of BASENAME → the URL-quoted label of the project in that directory
label_of() {
	curl -s "$URL/api/projects" | $PY -c 'import json,os,sys,urllib.parse
print("".join(urllib.parse.quote(p["label"], safe="") for p in json.load(sys.stdin) if os.path.basename(p["dir"]) == sys.argv[1]))' "$1"
}
LABEL=$(label_of proj-00)
WORST=$(label_of proj-01)
[ -n "$LABEL" ] && [ -n "$WORST" ] || { echo "bench: proj-00/proj-01 not in /api/projects (old bench store? rm -r ${BENCH_DIR#"$ROOT"/})" >&2; exit 1; }
RUNID=$($PY -c "import sqlite3,sys; c=sqlite3.connect('file:$STORE?mode=ro', uri=True); print(c.execute('SELECT id FROM runs ORDER BY pk DESC LIMIT 1').fetchone()[0])")
subst() { local p=${1//@PROJECT@/$LABEL}; p=${p//@WORST@/$WORST}; p=${p//@PSHA@/$PSHA}; printf '%s' "${p//@RUN@/$RUNID}"; }

size=$(curl -s -o /dev/null -w '%{size_download}' "$URL/")
head -c "$size" /dev/zero | tr '\0' 'x' >"$T/public/bench-static.txt"

# wrk_run PATH → "rps p50_ms p99_ms errors"
# AE: an Accept-Encoding header to send (set per URL below), or empty.
AE=
# A short unmeasured run first: every responder process has built the
# route's models before the measured one (that one-off cost is the "cold
# ms" column), so p99 is the steady state the targets are about.
wrk_run() {
	curl -s -o /dev/null ${AE:+-H "Accept-Encoding: $AE"} "$URL$1"
	wrk -t1 -c8 -d1s ${AE:+-H "Accept-Encoding: $AE"} "$URL$1" >/dev/null 2>&1
	wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency --timeout 5s ${AE:+-H "Accept-Encoding: $AE"} \
		"$URL$1" >"$T/wrk.out" 2>&1
	awk '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
		/Requests\/sec:/ { rps = $2 }
		$1 == "50.000%" || $1 == "50%" { p50 = ms($2) }
		$1 == "99.000%" || $1 == "99%" { p99 = ms($2) }
		/Non-2xx or 3xx responses:/ { err += $NF }
		/Socket errors:/ { err += 1 }
		END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, err }' "$T/wrk.out"
}

# git_answer PATH → ms of one request right after a commit to the bench
# project's repository (5,000 commits; the prompt the project page shows
# changes), then the commit is undone. For the project routes (issue 6).
git_answer() {
	local a GITP=$BENCH_DIR/projects/proj-00
	[[ $1 == *"/$WORST/"* ]] && GITP=$BENCH_DIR/projects/proj-01
	printf 'bench edit %s\n' "$RANDOM" >>"$GITP/.cloche/prompts/review.md"
	git -C "$GITP" -c user.name=bench -c user.email=bench@localhost commit -qam "bench edit" >/dev/null 2>&1
	a=$(curl -s -o /dev/null -w '%{time_total}' ${AE:+-H "Accept-Encoding: $AE"} "$URL$1")
	git -C "$GITP" reset -q --hard HEAD~1 >/dev/null 2>&1
	curl -s -o /dev/null "$URL$1"
	awk -v a="$a" 'BEGIN { printf "%.1f\n", a * 1000 }'
}

# same_size_static BYTES: SS_LAST = req/s of a static file of about that
# size (within 25 %; measured once per size class and remembered), shown
# beside the issues' ratio for a body much smaller or larger than /.
SS_SIZES=() SS_RPS=() SS_LAST=0
same_size_static() {
	local want=$1 i f
	for i in "${!SS_SIZES[@]}"; do
		if awk -v a="${SS_SIZES[$i]}" -v b="$want" 'BEGIN { exit !(a >= b * 0.8 && a <= b * 1.25) }'; then
			SS_LAST=${SS_RPS[$i]}
			return
		fi
	done
	f=bench-static-$want.txt
	head -c "$want" /dev/zero | tr '\0' 'x' >"$T/public/$f"
	read -r SS_LAST _ < <(wrk_run "/static/$f")
	SS_SIZES+=("$want")
	SS_RPS+=("$SS_LAST")
}

# Resident memory of the FastCGI responders: "max total count" in kB.
responder_rss() {
	local pid kb max=0 total=0 n=0
	for pid in $(pgrep -P "$(cat "$T/lighttpd/lighttpd.pid")"); do
		kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		[ -n "$kb" ] || continue
		n=$((n + 1))
		total=$((total + kb))
		[ "$kb" -gt "$max" ] && max=$kb
	done
	echo "$max $total $n"
}

# first_answer PATH → ms of: the first request to the route (in a fresh
# process: its models are built, once per process), one right after a
# store commit (what a daemon write costs a warm process), and the next
# (cached) one. Sequential requests go to the same idle responder.
first_answer() {
	local a b c
	a=$(curl -s -o /dev/null -w '%{time_total}' ${AE:+-H "Accept-Encoding: $AE"} "$URL$1")
	commit
	b=$(curl -s -o /dev/null -w '%{time_total}' ${AE:+-H "Accept-Encoding: $AE"} "$URL$1")
	c=$(curl -s -o /dev/null -w '%{time_total}' ${AE:+-H "Accept-Encoding: $AE"} "$URL$1")
	awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN { printf "%.1f %.1f %.1f\n", a * 1000, b * 1000, c * 1000 }'
}

echo "bench store: $STORE ($(du -h "$STORE" | cut -f1)); $(nproc) cores; wrk -t$THREADS -c$CONNS -d${DURATION}s"
echo "measuring static ($size bytes, same size as /) ..."
read -r srps sp50 sp99 serr < <(wrk_run /static/bench-static.txt)

fmt="%-24s %-34s %9s %9s %7s %8s %8s %8s %8s %10s %9s %8s %s\n"
rows=()
# Issue 3's bench is / and /api/projects alone: they go first, and the
# responders' memory is read right after them, before any other route
# has built its models (the memory after every route is printed too).
rss3=
for entry in "${URLS[@]}"; do
	read -r name path <<<"$entry"
	[ -n "${BENCH_ONLY:-}" ] && ! grep -Eq "$BENCH_ONLY" <<<"$name" && continue
	if [ -z "$rss3" ] && [ "$name" != index ] && [ "$name" != api-projects ]; then
		rss3=$(responder_rss)
	fi
	path=$(subst "$path")
	AE=
	[[ $name == *-gzip ]] && AE=gzip
	echo "measuring $name ($path${AE:+, Accept-Encoding: $AE}) ..."
	read -r fcold fa fc < <(first_answer "$path")
	ga=-
	[[ $name == project* ]] && ga=$(git_answer "$path")
	read -r rps p50 p99 err < <(wrk_run "$path")
	# The reference is measured right after each URL: this VM drifts by
	# 20 % over a run, which a single static figure at the start hides.
	AE0=$AE
	AE=
	read -r nrps _ < <(wrk_run /static/bench-static.txt)
	AE=$AE0
	bytes=$(curl -s -o /dev/null -w '%{size_download}' ${AE:+-H "Accept-Encoding: $AE"} "$URL$path")
	AE=
	srel=-
	if awk -v a="$bytes" -v b="$size" 'BEGIN { exit !(a > b * 1.25 || a < b * 0.8) }'; then
		same_size_static "$bytes"
		srel=$(awk -v a="$rps" -v b="$SS_LAST" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
	fi
	rows+=("$name|$path|$rps|$p50|$p99|$fa|$fc|$ga|$err|$bytes|$srel|$fcold|$nrps")
done
[ -n "$rss3" ] || rss3=$(responder_rss)
read -r rss_max rss_total nproc_ < <(responder_rss)
read -r rss3_max rss3_total rss3_n <<<"$rss3"

echo
printf "$fmt" URL path "req/s" "static/s" ratio "ratio**" "p50 ms" "p99 ms" "cold ms*" "1st ms*" "cached" "git ms*" verdict
printf "$fmt" static "/static/bench-static.txt" "$srps" "$srps" "1.00" - "$sp50" "$sp99" - - - - "$([ "$serr" = 0 ] || echo "errors: $serr")"
miss=0 worst=
for r in "${rows[@]}"; do
	IFS='|' read -r name path rps p50 p99 fa fc ga err bytes srel fcold nrps <<<"$r"
	ratio=$(awk -v a="$rps" -v b="$nrps" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
	verdict=ok
	# the issues' ratio: to the static file of the size of /
	awk -v r="$ratio" 'BEGIN { exit !(r < 0.5) }' && verdict="MISS ratio"
	if [ "$name" = index ] || [ "$name" = api-projects ]; then
		awk -v p="$p99" 'BEGIN { exit !(p >= 20) }' && verdict="${verdict/ok/MISS} p99"
	fi
	[ "$ga" != - ] && awk -v g="$ga" 'BEGIN { exit !(g >= 150) }' && verdict="${verdict/ok/MISS} git"
	[ "$err" != 0 ] && verdict="$verdict, $err errors"
	if [[ $name == *-worst* ]]; then
		# reported, not a target: see the legend
		[ "$verdict" = ok ] || { verdict="worst case: ${verdict#MISS }"; worst="$worst $name"; }
	else
		[ "$verdict" = ok ] || miss=1
	fi
	printf "$fmt" "$name" "$path" "$rps" "$nrps" "$ratio" "$srel" "$p50" "$p99" "$fcold" "$fa" "$fc" "$ga" "$verdict"
done
echo "ratio: to the static file of the size of /, measured right after the URL (static/s; the first row is"
echo "  the same file at the start of the run)"
echo "** for information: ratio to a static file of the answer's own size, where it differs from / by"
echo "   more than 25 % (the targets use the ratio to the static file of the size of /)"
for i in "${!SS_SIZES[@]}"; do
	printf "   static of %s bytes: %s req/s\n" "${SS_SIZES[$i]}" "${SS_RPS[$i]}"
done
echo "* cold ms: the route's first request (its models built in that process, once); 1st ms: one request right"
echo "  after the store changed (a daemon commit: nothing cached; the same process); cached: the next one;"
echo "  git ms: one request right after a commit to the project's repository (5,000 commits)"
echo "  -worst: proj-01, whose 5,000 commits all change the prompt (/info lists them all); the other project"
echo "  rows use proj-00, where one commit in $PROMPT_EVERY does"
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
rss_verdict=ok
[ "${rss3_max:-0}" -ge 10240 ] && { rss_verdict="MISS (>= 10 MB)"; miss=1; }
printf "responder RSS after / and /api/projects: %d processes, max %s MB, total %s MB: %s\n" "${rss3_n:-0}" \
	"$(mb "${rss3_max:-0}")" "$(mb "${rss3_total:-0}")" "$rss_verdict"
printf "responder RSS after every route measured: %d processes, max %s MB, total %s MB\n" "${nproc_:-0}" \
	"$(mb "${rss_max:-0}")" "$(mb "${rss_total:-0}")"
echo "targets: every route ratio >= 0.50 (issues 3, 6); / and /api/projects p99 < 20 ms at $CONNS connections and"
echo "RSS < 10 MB per responder (issue 3); project routes' first answer after a git commit < 150 ms (issue 6):"
echo "  $([ $miss = 0 ] && echo "all met" || echo "NOT all met")"
[ -n "$worst" ] && echo "  worst-case rows under a target (reported, not targets; compare ratio**):$worst"
