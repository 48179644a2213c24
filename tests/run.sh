#!/bin/bash
# `make test`: every test, with the normal build and the ASan+UBSan build.
#
#  1. builds build/ and build-asan/ (make -j2, make -j2 SAN=1)
#  2. unit tests of both builds, the output-layer check, the demo checks
#     (in the background while 3 and 4 run)
#  3. per server, in parallel lanes: its own demo, stand-in daemon and
#     stream helper (when they exist), and one of three front servers on
#     free loopback ports:
#       lighttpd  root mount,            FastCGI, ASan+UBSan responder
#       nginx     prefix /tools/cloche,  FastCGI (spawn-fcgi), normal responder
#       cgi       lighttpd mod_cgi at /cgi-bin/cloche-dash, ASan+UBSan, leak checks
#  4. every tests/http/test_*.py against each server, tests/browser/test_*.mjs
#     and tests/connect/test_*.mjs against lighttpd
#  5. stops everything and fails on any sanitizer report from a responder
#
# Every "ok - " / "FAIL - " line is collected; the last line is
# "N passed, N failed". Logs of every step stay in build/test-logs/latest/.
# Environment: SKIP_BUILD=1 reuses the builds, ONLY=<glob> limits the
# http/browser test files, SERVERS="lighttpd nginx cgi" picks servers.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
PY=/usr/bin/python3
# One log dir per run (two runs in one tree must not clobber each other);
# build/test-logs/latest points at the newest, the last 5 are kept.
LOGS=$ROOT/build/test-logs/$(date +%Y%m%d-%H%M%S)-$$
T=$(mktemp -d "${TMPDIR:-/tmp}/cloche-test.XXXXXX")
chmod 755 "$T"
RESULTS=$T/results
SERVERS=${SERVERS:-lighttpd nginx cgi}
ONLY=${ONLY:-*}
START=$(date +%s)
mkdir -p "$LOGS/san" && ln -sfn "$(basename "$LOGS")" "$ROOT/build/test-logs/latest"
# shellcheck disable=SC2012
ls -d "$ROOT"/build/test-logs/2*-* 2>/dev/null | sort | head -n -5 | xargs -r rm -rf
: >"$RESULTS"

. "$ROOT/tests/lib/servers.sh"

cleanup() {
	stop_all
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*"; }
stamp() { say "# $(($(date +%s) - START))s: $*"; }

# record LOG NAME STATUS: keeps the ok/FAIL lines of a finished step (with
# NAME in front) and makes sure a failed step yields at least one FAIL
# line, and a step that said nothing yields one line for its exit status.
record() {
	local log=$1 name=$2 st=$3 lines
	lines=$(grep -aE '^(ok|FAIL) - ' "$log" | sed -E "s#^(ok|FAIL) - #\1 - $name: #")
	if [ -n "$lines" ]; then
		printf '%s\n' "$lines"
	fi
	if [ "$st" -ne 0 ] && ! grep -aq '^FAIL - ' "$log"; then
		say "FAIL - $name: exited with status $st (log: ${log#"$ROOT"/})"
	elif [ -z "$lines" ]; then
		[ "$st" -eq 0 ] && say "ok - $name" || true
	fi
	if [ "$st" -ne 0 ] || grep -aq '^FAIL - ' "$log"; then
		cp "$log" "$LOGS/failed-$(basename "$log")" 2>/dev/null
	fi
}

# run_step NAME LOGNAME TIMEOUT CMD...: runs one test program, logs its
# output, records its results.
run_step() {
	local name=$1 log=$LOGS/$2.log tmo=$3 st
	shift 3
	timeout -k 5 "$tmo" "$@" >"$log" 2>&1
	st=$?
	[ $st -eq 124 ] && say "FAIL - $name: timed out after ${tmo}s" >>"$log"
	record "$log" "$name" $st | tee -a "$RESULTS" | grep -a '^FAIL' || true
}

# cmocka prints "[       OK ] name" / "[  FAILED  ] name" per test.
run_unit() {
	local bin=$1 tag=$2 name log st
	name=$(basename "$bin")
	log=$LOGS/unit-$tag-$name.log
	timeout -k 5 300 env ASAN_OPTIONS="$SAN_ASAN" UBSAN_OPTIONS="$SAN_UBSAN" "$bin" >"$log" 2>&1
	st=$?
	sed -nE 's/^\[ +OK +\] (.*)$/ok - \1/p; s/^\[ +FAILED +\] ([^ ].*)$/FAIL - \1/p' "$log" |
		grep -v ' test(s)' >"$log.results"
	record "$log.results" "unit/$tag/$name" $st | tee -a "$RESULTS" | grep -a '^FAIL' || true
	[ $st -ne 0 ] && cat "$log" >>"$LOGS/failed-unit-$tag-$name.log"
	rm -f "$log.results"
}

# Sanitizer settings: reports go to files under $LOGS/san, which must be
# empty at the end. FastCGI responders check leaks at exit (SIGTERM), CGI
# runs at the end of every request.
SAN_ASAN="halt_on_error=1:abort_on_error=0:detect_leaks=1:log_path=$LOGS/san/asan:strict_string_checks=1:detect_stack_use_after_return=1"
SAN_UBSAN="halt_on_error=1:print_stacktrace=1:log_path=$LOGS/san/ubsan"

# --- 1. builds ---------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" != 1 ]; then
	stamp "building (normal and SAN=1)"
	for b in "" "SAN=1"; do
		if ! make -j2 $b >"$LOGS/build${b:+-asan}.log" 2>&1; then
			# A helper editing files at the same moment can race one build.
			make -j2 $b >>"$LOGS/build${b:+-asan}.log" 2>&1 ||
				say "FAIL - build${b:+ $b}: make failed (log: ${LOGS#"$ROOT"/}/build${b:+-asan}.log)" | tee -a "$RESULTS"
		fi
	done
fi
if [ ! -x build/cloche-dash ] || [ ! -x build-asan/cloche-dash ]; then
	tail -n 40 "$LOGS"/build*.log
	say "FAIL - build: no responder binary"
	say "0 passed, 1 failed"
	exit 1
fi

# --- 2. unit tests and static checks (in the background, beside 3 and 4) -----
static_phase() {
	local bin f
	for bin in build/tests/test_*; do [ -x "$bin" ] && run_unit "$bin" normal; done
	for bin in build-asan/tests/test_*; do [ -x "$bin" ] && run_unit "$bin" asan; done
	[ -f tests/check_output_layer.sh ] && run_step "output-layer" output-layer 300 bash tests/check_output_layer.sh
	[ -f tests/demo/check_schema.py ] && run_step "demo/check_schema" demo-check-schema 300 $PY tests/demo/check_schema.py
	for f in tests/demo/test_generators.*; do
		[ -f "$f" ] || continue
		case $f in
		*.py) run_step "demo/$(basename "$f")" demo-generators 300 $PY "$f" ;;
		*.sh) run_step "demo/$(basename "$f")" demo-generators 300 bash "$f" ;;
		esac
	done
	stamp "unit tests and static checks done"
}
stamp "unit tests and static checks"
static_phase &
STATIC_PID=$!

# --- deploy tests: their own users, servers and installs (tests/multiuser,
# tests/deploy), in the background beside 3 and 4; they need root.
deploy_phase() {
	local f
	for f in tests/multiuser/run.sh tests/deploy/test_*.sh; do
		[ -f "$f" ] || continue
		run_step "deploy/$(basename "$(dirname "$f")")/$(basename "$f" .sh)" \
			"deploy-$(basename "$(dirname "$f")")-$(basename "$f" .sh)" 300 bash "$f"
	done
}
deploy_phase &
DEPLOY_PID=$!

# --- 3. one lane per server: its own demo, stand-in daemon, stream helper --
# Test files change state (actions through the stand-in, its control file,
# killing the stream helper), so each server gets a world of its own and the
# three lanes run in parallel.

# setup_lane S: demo into $T/S/demo, the stand-in and the stream helper.
# Writes the lane's environment to $T/S/env (sourced by run_lane).
setup_lane() {
	local s=$1 demo=$T/$1/demo sport sse_port
	mkdir -p "$T/$s"
	run_step "demo/gen_demo ($s)" "demo-gen-$s" 300 $PY tests/demo/gen_demo.py --out "$demo"
	chmod -R a+rX "$T/$s"
	{
		echo "export DEMO_DIR=$demo CLOCHE_DB=$demo/cloche.db"
		echo "export CLOCHE_ADDR="
	} >"$T/$s/env"
	if [ -f tests/standin/cloched.py ]; then
		sport=$(free_port)
		spawn_group "$LOGS/standin-$s.log" $PY tests/standin/cloched.py --listen "127.0.0.1:$sport" \
			--db "$demo/cloche.db" --demo "$demo" >/dev/null
		echo "export CLOCHE_ADDR=127.0.0.1:$sport" >>"$T/$s/env"
	fi
	# The stream helper (docs/sse.md), restarted by a loop as systemd would,
	# so tests/http/test_sse.py can kill it mid-stream.
	if [ -x build-asan/cloche-sse ]; then
		sse_port=$(free_port)
		echo "export SSE_HOST=127.0.0.1 SSE_PORT=$sse_port SSE_PIDFILE=$T/$s/cloche-sse.pid" >>"$T/$s/env"
		(
			. "$T/$s/env"
			ASAN_OPTIONS=$SAN_ASAN UBSAN_OPTIONS=$SAN_UBSAN spawn_group "$LOGS/sse-$s.log" bash -c \
				'while :; do "$0" --listen "$SSE_HOST:$SSE_PORT" --pid-file "$SSE_PIDFILE" --stall 3; sleep 0.2; done' \
				"$ROOT/build-asan/cloche-sse" >/dev/null
		)
	fi
}

# wait_port PORT: until something listens (the stand-in takes a second).
wait_port() {
	local i
	for ((i = 0; i < 150; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

declare -A URLS BINS
stamp "generating demos, starting stand-ins and servers: $SERVERS"
# (wait for these pids only: a bare `wait` would also wait for the servers)
pids=()
for s in $SERVERS; do
	setup_lane "$s" &
	pids+=($!)
done
wait "${pids[@]}"
for s in $SERVERS; do
	. "$T/$s/env"
	[ -n "$CLOCHE_ADDR" ] && { wait_port "${CLOCHE_ADDR##*:}" ||
		say "FAIL - standin/$s: the stand-in daemon does not listen" | tee -a "$RESULTS"; }
	URL=
	case $s in
	lighttpd)
		ASAN_OPTIONS=$SAN_ASAN UBSAN_OPTIONS=$SAN_UBSAN start_lighttpd lighttpd "" "$ROOT/build-asan/cloche-dash"
		BINS[$s]=$ROOT/build-asan/cloche-dash ;;
	nginx)
		ASAN_OPTIONS= UBSAN_OPTIONS= start_nginx nginx /tools/cloche "$ROOT/build/cloche-dash"
		BINS[$s]=$ROOT/build/cloche-dash ;;
	cgi)
		ASAN_OPTIONS=$SAN_ASAN UBSAN_OPTIONS=$SAN_UBSAN start_cgi cgi "$ROOT/build-asan/cloche-dash"
		BINS[$s]=$ROOT/build-asan/cloche-dash ;;
	esac
	st=$?
	if [ $st -ne 0 ] || [ -z "$URL" ]; then
		say "FAIL - server/$s: did not start (logs: ${LOGS#"$ROOT"/}/server-$s)" | tee -a "$RESULTS"
		continue
	fi
	URLS[$s]=$URL
	say "# $s: $URL"
done

# --- 4. HTTP, browser and Connect tests, one lane per server ------------------
# run_lane S: every tests/http file against S; the browser and Connect
# tests against lighttpd only.
run_lane() {
	local s=$1 f n dir
	. "$T/$s/env"
	export DASH_URL=${URLS[$s]} SERVER=$s DASH_BIN=${BINS[$s]}
	for f in tests/http/$ONLY.py; do
		case $(basename "$f") in test_*.py) ;; *) continue ;; esac
		[ -f "$f" ] || continue
		n=$(basename "$f" .py)
		ASAN_OPTIONS=$SAN_ASAN UBSAN_OPTIONS=$SAN_UBSAN \
			run_step "$s/$n" "http-$s-$n" 300 $PY "$f"
	done
	[ "$s" = lighttpd ] || return 0
	for dir in browser connect; do
		compgen -G "tests/$dir/$ONLY.mjs" >/dev/null || continue
		if [ ! -d "tests/$dir/node_modules" ] && [ -f "tests/$dir/package.json" ]; then
			(cd "tests/$dir" && npm install --no-audit --no-fund) >"$LOGS/npm-$dir.log" 2>&1
		fi
		for f in tests/$dir/$ONLY.mjs; do
			case $(basename "$f") in test_*.mjs) ;; *) continue ;; esac
			n=$(basename "$f" .mjs)
			run_step "$dir/$n" "$dir-$n" 300 node "$f"
		done
	done
}

stamp "http, browser and connect tests (lanes: ${!URLS[*]})"
pids=()
for s in "${!URLS[@]}"; do
	( run_lane "$s"; stamp "lane $s done" ) &
	pids+=($!)
done
[ ${#pids[@]} -gt 0 ] && wait "${pids[@]}"

# --- 5. stop, collect server logs, sanitizer reports ---------------------------
stamp "stopping servers"
stop_all
wait "$DEPLOY_PID"
wait "$STATIC_PID"
for s in $SERVERS; do
	mkdir -p "$LOGS/server-$s"
	cp "$T/$s"/*.log "$LOGS/server-$s/" 2>/dev/null
done
san=$(grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$LOGS"/san/* "$LOGS"/server-*/*.log 2>/dev/null)
if [ -n "$san" ]; then
	for f in $san; do
		say "FAIL - sanitizer: report in ${f#"$ROOT"/}" | tee -a "$RESULTS"
		cp "$f" "$LOGS/failed-san-$(basename "$f").log"
	done
else
	say "ok - sanitizer: no ASan/UBSan/LSan report from any responder" | tee -a "$RESULTS"
fi

# --- summary --------------------------------------------------------------------
for f in "$LOGS"/failed-*.log; do
	[ -f "$f" ] || continue
	say ""
	say "=============== ${f#"$ROOT"/} ==============="
	head -c 20000 "$f"
done
passed=$(grep -c '^ok - ' "$RESULTS")
failed=$(grep -c '^FAIL - ' "$RESULTS")
cp "$RESULTS" "$LOGS/results.txt"
say ""
stamp "done; logs in ${LOGS#"$ROOT"/}/"
say "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
