#!/bin/bash
# Graceful reload of lighttpd (SIGUSR1, lighttpd >= 1.4.46: "serve existing
# connections, then reload config") in front of the FastCGI responder: a
# slow download in flight and a burst of requests around the signal all
# complete, with every byte. The stream side (clients resume by
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
run=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["long_log_run"])' "$T/demo/manifest.json")
big=$URL/api/runs/$run/logs
want=$(curl -s "$big" | wc -c)
[ "$want" -gt 50000 ] || fail "the big response is only $want bytes"

# A download slow enough to be in flight during the reload (~3 s).
curl -s --limit-rate $((want / 3)) -o "$T/slow.out" -w '%{http_code}' "$big" >"$T/slow.code" &
slow=$!
sleep 0.5
# (wait on these pids only: a bare `wait` would wait for lighttpd too)
pids=()
for ((i = 0; i < 30; i++)); do
	curl -s -o /dev/null --max-time 20 -w '%{http_code}\n' "$URL/api/projects" >>"$T/burst" &
	pids+=($!)
	[ $i = 10 ] && kill -USR1 "$(cat "$RUNDIR/lighttpd.pid")"
	sleep 0.05
done
wait "$slow" "${pids[@]}"
check "slow download across the reload completes" "200 $want" "$(cat "$T/slow.code") $(wc -c <"$T/slow.out")"
check "30 requests around the reload all answered 200" "30" "$(grep -c '^200$' "$T/burst")"
check "lighttpd answers after the reload" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/runs")"
grep -qi "graceful" "$RUNDIR/lighttpd-error.log" && ok "lighttpd logged the graceful reload" ||
	fail "no graceful reload in lighttpd's log: $(tail -n 5 "$RUNDIR/lighttpd-error.log")"
[ "$FAILS" -eq 0 ]
