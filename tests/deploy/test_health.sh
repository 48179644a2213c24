#!/bin/bash
# `cloche-dash --check` and GET /healthz (cgi/health.c): exit status and
# HTTP status follow the state of the store (missing, -shm owned by someone
# else: store.md T1), the daemon (the stand-in answers, or nothing listens)
# and the stream helper (CLOCHE_DASH_SSE_ADDR up or down).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
BIN=${DASH_BIN:-$ROOT/build/cloche-dash}
T=$(mktemp -d /tmp/cloche-health.XXXXXX)
. "$ROOT/tests/lib/servers.sh"
trap 'stop_all; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
. "$ROOT/tests/deploy/lib.sh"

DB=$T/store/cloche.db
empty_store "$DB"
dport=$(free_port)
sport=$(free_port)
spawn_group "$T/standin.log" $PY "$ROOT/tests/standin/cloched.py" --listen "127.0.0.1:$dport" --db "$DB" >/dev/null
spawn_group "$T/listener.log" $PY -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True: s.accept()[0].close()' "$sport" >/dev/null
for ((i = 0; i < 100; i++)); do
	(exec 3<>"/dev/tcp/127.0.0.1/$dport") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$sport") 2>/dev/null && break
	sleep 0.1
done
dead=$(free_port)

# run ENV...: --check with that environment; prints its exit status.
run() { env -i PATH=/usr/bin:/bin HOME="$T" CLOCHE_DASH_CONFIG=/dev/null "$@" "$BIN" --check >"$T/out" 2>&1; echo $?; }
# healthz ENV...: GET /healthz in CGI mode; prints the status.
healthz() {
	env -i PATH=/usr/bin:/bin HOME="$T" CLOCHE_DASH_CONFIG=/dev/null "$@" REQUEST_METHOD=GET REQUEST_URI=/healthz \
		GATEWAY_INTERFACE=CGI/1.1 "$BIN" 2>/dev/null >"$T/resp"
	sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$T/resp" | tr -d '\r'
}
good=(CLOCHE_DB="$DB" CLOCHE_ADDR="127.0.0.1:$dport" CLOCHE_DASH_SSE_ADDR="127.0.0.1:$sport")

check "--check: all well exits 0" 0 "$(run "${good[@]}")"
grep -q "^ok$" "$T/out" && ok "--check says ok" || fail "--check output: $(cat "$T/out")"
grep -q "daemon at 127.0.0.1:$dport: " "$T/out" && ! grep -q "not answering" "$T/out" &&
	ok "--check: the daemon answers with its version" || fail "--check daemon line: $(grep daemon "$T/out")"
grep -q "stream helper: up at 127.0.0.1:$sport" "$T/out" && ok "--check: stream helper up" || fail "--check sse: $(cat "$T/out")"
grep -q "schema features: .*runs_pk" "$T/out" && ok "--check lists the schema features" || fail "--check features: $(cat "$T/out")"
check "/healthz: all well is 200" 200 "$(healthz "${good[@]}")"
check "/healthz body says ok" true "$(sed '1,/^\r*$/d' "$T/resp" | $PY -c 'import json,sys; print(str(json.load(sys.stdin)["ok"]).lower())')"

check "--check: missing store exits 1" 1 "$(run "${good[@]}" CLOCHE_DB="$T/none.db")"
grep -q "PROBLEM: store missing" "$T/out" && ok "--check names the missing store" || fail "--check missing: $(cat "$T/out")"
check "/healthz: missing store is 503" 503 "$(healthz "${good[@]}" CLOCHE_DB="$T/none.db")"
check "--check: daemon down exits 1" 1 "$(run "${good[@]}" CLOCHE_ADDR="127.0.0.1:$dead")"
check "/healthz: daemon down is 503" 503 "$(healthz "${good[@]}" CLOCHE_ADDR="127.0.0.1:$dead")"
check "--check: stream helper down exits 1" 1 "$(run "${good[@]}" CLOCHE_DASH_SSE_ADDR="127.0.0.1:$dead")"
check "/healthz: stream helper down is 503" 503 "$(healthz "${good[@]}" CLOCHE_DASH_SSE_ADDR="unix:$T/none.sock")"

# T1: a -shm that is not the database owner's, seen by a reader that is
# not root (SQLite as root would quietly chown it back on open).
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$T"
	mkdir -p "$T/t1" && cp "$DB" "$T/t1/cloche.db"
	: >"$T/t1/cloche.db-wal"
	: >"$T/t1/cloche.db-shm"
	chmod 644 "$T/t1"/*
	chown daemon "$T/t1/cloche.db" "$T/t1/cloche.db-wal"
	chown nobody "$T/t1/cloche.db-shm"
	st=$(runuser -u nobody -- env -i PATH=/usr/bin:/bin HOME="$T" CLOCHE_DASH_CONFIG=/dev/null "${good[@]}" \
		CLOCHE_DB="$T/t1/cloche.db" "$BIN" --check >"$T/out" 2>&1; echo $?)
	check "--check: -shm not owned by the database's owner exits 1" 1 "$st"
	grep -q "PROBLEM: .*-shm is not owned by the database's owner" "$T/out" && ok "--check names the T1 problem" ||
		fail "--check T1: $(cat "$T/out")"
fi
[ "$FAILS" -eq 0 ]
