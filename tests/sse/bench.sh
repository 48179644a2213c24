#!/bin/bash
# Stream helper bench (docs/sse.md): a fresh demo, build/cloche-sse and
# lighttpd in front of it (the repo's template with connection limits
# raised), all on loopback; then tests/sse/bench.py prints the numbers.
#   tests/sse/bench.sh [--quick] [--direct] [--unix] [--only=NAME ARGS]
#   --quick: smaller counts (~1 min); --direct: clients talk to the helper
#   itself; --unix: lighttpd reaches the helper over a unix socket (as the
#   systemd units do) instead of loopback TCP; --only=lat 1000,100: one
#   part (bench_<NAME> in bench.py) with its arguments.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/cloche-ssebench.XXXXXX")
chmod 755 "$T"
. "$ROOT/tests/lib/servers.sh"
trap 'stop_all; rm -rf "$T"' EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

SSE_BIN=${SSE_BIN:-build/cloche-sse}   # another build to compare with
[ -x "$SSE_BIN" ] || { echo "$SSE_BIN missing (make)"; exit 1; }
/usr/bin/python3 tests/demo/gen_demo.py --out "$T/demo" >"$T/gen.log" 2>&1 || { cat "$T/gen.log"; exit 1; }
chmod -R a+rX "$T"
export CLOCHE_DB=$T/demo/cloche.db DEMO_DIR=$T/demo CLOCHE_ADDR=
export SSE_HOST=127.0.0.1 SSE_PORT=$(free_port)
HELPER_PORT=$SSE_PORT
LISTEN=127.0.0.1:$SSE_PORT
case " $* " in *" --unix "*) LISTEN=unix:$T/sse.sock ;; esac
spawn_group "$T/sse.log" "$SSE_BIN" --listen "$LISTEN" --socket-mode 0666 --no-daemon \
	--max-streams 20000 --max-per-addr 20000 --pid-file "$T/sse.pid" >/dev/null

# lighttpd from the repo's template, with room for thousands of streams.
# front DIR SSE_PORT: one instance whose stream routes go to SSE_PORT;
# sets FRONT_PORT and FRONT_PID.
front() {
	export RUNDIR=$T/$1 PUBLIC=$ROOT/public BASE= DASH_BIN=$ROOT/build/cloche-dash FCGI_MOUNT=/
	export ASAN_OPTIONS= UBSAN_OPTIONS= PORT=$(free_port) SSE_PORT=$2
	mkdir -p "$RUNDIR"
	render conf/lighttpd.conf.in "$RUNDIR/lighttpd.conf" || exit 1
	sed -i 's/^server.max-connections = .*/server.max-connections = 16000\nserver.max-fds = 65000/' "$RUNDIR/lighttpd.conf"
	[ "$1" = lighttpd ] && [ "${LISTEN#unix:}" != "$LISTEN" ] &&
		sed -i "s|\"host\" => \"127.0.0.1\", \"port\" => $SSE_PORT|\"socket\" => \"$T/sse.sock\"|" "$RUNDIR/lighttpd.conf"
	FRONT_PID=$(spawn_group "$RUNDIR/stdout.log" lighttpd -D -f "$RUNDIR/lighttpd.conf")
	FRONT_PORT=$PORT
	wait_http "http://127.0.0.1:$PORT/static/style.css" || exit 1
}
# A second one, same config, in front of tests/sse/fanout_floor.c (started
# by bench.py's floor part): what lighttpd alone costs per event.
FLOOR_PORT=$(free_port)
front lighttpd-floor "$FLOOR_PORT"
FLOOR_URL=http://127.0.0.1:$FRONT_PORT FLOOR_LIGHTTPD_PID=$FRONT_PID
front lighttpd "$HELPER_PORT"
for _ in $(seq 50); do [ -s "$T/sse.pid" ] && break; sleep 0.1; done

SSE_URL=http://127.0.0.1:$SSE_PORT LIGHTTPD_PID=$FRONT_PID DASH_URL=http://127.0.0.1:$FRONT_PORT \
	SSE_PID=$(cat "$T/sse.pid") LIGHTTPD_RUNDIR=$RUNDIR FLOOR_URL=$FLOOR_URL FLOOR_PORT=$FLOOR_PORT \
	FLOOR_LIGHTTPD_PID=$FLOOR_LIGHTTPD_PID \
	timeout 900 /usr/bin/python3 tests/sse/bench.py "$@"
