#!/bin/bash
# Graceful reload of the front server in front of the FastCGI responder:
# lighttpd (SIGUSR1, lighttpd >= 1.4.46: "serve existing connections, then
# reload config") and nginx (SIGHUP: new workers, old ones finish what they
# serve). A slow download in flight and a burst of requests around the
# signal all complete, with every byte. The stream side (clients resume by
# Last-Event-ID after the stream helper restarts) is tested by
# tests/http/test_sse.py, which kills the helper mid-stream.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${DASH_BIN:-$ROOT/build/cloche-dash}
T=$(mktemp -d /tmp/cloche-graceful.XXXXXX)
chmod 755 "$T"
. "$ROOT/tests/lib/servers.sh"
. "$ROOT/tests/deploy/lib.sh"
trap 'stop_all; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

/usr/bin/python3 "$ROOT/tests/demo/gen_demo.py" --out "$T/demo" >"$T/gen.log" 2>&1 || fail "demo: $(tail -n 3 "$T/gen.log")"
chmod -R a+rX "$T/demo"
export CLOCHE_DB=$T/demo/cloche.db CLOCHE_ADDR= ASAN_OPTIONS= UBSAN_OPTIONS=
start_lighttpd graceful "" "$BIN" || { fail "lighttpd did not start"; exit 1; }
L_URL=$URL L_RUNDIR=$RUNDIR
start_nginx graceful-nginx "" "$BIN" || { fail "nginx did not start"; exit 1; }
N_URL=$URL N_RUNDIR=$RUNDIR
run=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["long_log_run"])' "$T/demo/manifest.json")

# across_reload NAME URL SIGNAL PIDFILE: a slow download and 30 requests
# while the server gets SIGNAL; all must complete in full.
across_reload() {
	local name=$1 url=$2 sig=$3 pidfile=$4 big want slow pids i
	big=$url/api/runs/$run/logs
	want=$(curl -s "$big" | wc -c)
	[ "$want" -gt 50000 ] || fail "$name: the big response is only $want bytes"
	rm -f "$T/slow.out" "$T/burst"
	# A download slow enough to be in flight during the reload (~3 s).
	curl -s --limit-rate $((want / 3)) -o "$T/slow.out" -w '%{http_code}' "$big" >"$T/slow.code" &
	slow=$!
	sleep 0.5
	# (wait on these pids only: a bare `wait` would wait for the servers too)
	pids=()
	for ((i = 0; i < 30; i++)); do
		curl -s -o /dev/null --max-time 20 -w '%{http_code}\n' "$url/api/projects" >>"$T/burst" &
		pids+=($!)
		[ $i = 10 ] && kill "-$sig" "$(cat "$pidfile")"
		sleep 0.05
	done
	wait "$slow" "${pids[@]}"
	check "$name: slow download across the reload completes" "200 $want" "$(cat "$T/slow.code") $(wc -c <"$T/slow.out")"
	check "$name: 30 requests around the reload all answered 200" "30" "$(grep -c '^200$' "$T/burst")"
	check "$name: answers after the reload" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$url/runs")"
}

across_reload lighttpd "$L_URL" USR1 "$L_RUNDIR/lighttpd.pid"
grep -qi "graceful" "$L_RUNDIR/lighttpd-error.log" && ok "lighttpd logged the graceful reload" ||
	fail "no graceful reload in lighttpd's log: $(tail -n 5 "$L_RUNDIR/lighttpd-error.log")"

master=$(cat "$N_RUNDIR/nginx.pid")
before=$(pgrep -P "$master" | sort | tr '\n' ' ')
across_reload nginx "$N_URL" HUP "$N_RUNDIR/nginx.pid"
sleep 1
after=$(pgrep -P "$master" | sort | tr '\n' ' ')
check "nginx kept its master process" "$master" "$(cat "$N_RUNDIR/nginx.pid")"
[ -n "$after" ] && [ "$before" != "$after" ] && ok "nginx replaced its workers (reload took effect)" ||
	fail "nginx workers unchanged across the reload: before '$before' after '$after'"
[ "$FAILS" -eq 0 ]
