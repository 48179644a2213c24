#!/bin/bash
# The systemd user units (conf/systemd/), statically and without a
# manager: `systemd-analyze verify` accepts them (system mode, so %t means
# /run), the socket unit sets its mode explicitly, and the responder serves
# FastCGI on a socket handed over by socket activation
# (systemd-socket-activate, the same LISTEN_FDS protocol as
# cloche-dash.socket), asked with cgi-fcgi. The units under a real
# `systemd --user` manager: test_systemd_user.sh.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${DASH_BIN:-$ROOT/build/cloche-dash}
T=$(mktemp -d /tmp/cloche-systemd.XXXXXX)
. "$ROOT/tests/lib/servers.sh"
. "$ROOT/tests/deploy/lib.sh"
trap 'stop_all; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

U=$ROOT/conf/systemd
check "cloche-dash.socket sets SocketMode=0660" 1 "$(grep -c '^SocketMode=0660$' "$U/cloche-dash.socket")"
check "cloche-dash.socket sets DirectoryMode=0710" 1 "$(grep -c '^DirectoryMode=0710$' "$U/cloche-dash.socket")"
check "cloche-sse.service gives its socket mode 0660" 1 "$(grep -c -- '--socket-mode 0660' "$U/cloche-sse.service")"
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$T/units"
	cp "$U"/* "$T/units/"
	# ExecStart must name an existing binary for verify.
	sed -i "s#/usr/local/bin/cloche-dash#$BIN#; s#/usr/local/bin/cloche-sse#$(dirname "$BIN")/cloche-sse#" "$T/units"/*
	if out=$(timeout 30 systemd-analyze verify "$T/units"/* 2>&1); then
		ok "systemd-analyze verify accepts the units"
	else
		fail "systemd-analyze verify: $out"
	fi
	# The check itself can fail: a broken copy must be refused.
	sed 's/^ExecStart=.*/ExecStart=relative-path/' "$T/units/cloche-dash.service" >"$T/units/broken.service"
	if timeout 30 systemd-analyze verify "$T/units/broken.service" >/dev/null 2>&1; then
		fail "systemd-analyze verify accepted a broken unit (the check proves nothing)"
	else
		ok "systemd-analyze verify refuses a broken unit"
	fi
else
	echo "# systemd-analyze not installed: units not verified"
fi

command -v systemd-socket-activate >/dev/null && command -v cgi-fcgi >/dev/null || {
	echo "# systemd-socket-activate or cgi-fcgi missing: activation not tested"
	[ "$FAILS" -eq 0 ]
	exit
}
DB=$T/store/cloche.db
empty_store "$DB"
SOCK=$T/run/cloche/dash.sock
mkdir -p -m 0710 "$T/run/cloche"
# keep LISTEN_FDS/LISTEN_PID: no env -i here
spawn_group "$T/activate.log" systemd-socket-activate -l "$SOCK" -- \
	env CLOCHE_DB="$DB" CLOCHE_DASH_CONFIG=/dev/null "$BIN" >/dev/null
for ((i = 0; i < 50; i++)); do [ -S "$SOCK" ] && break; sleep 0.1; done
# fcgi URI: one FastCGI request over the activated socket; prints the head and body.
fcgi() {
	env -i REQUEST_METHOD=GET REQUEST_URI="$1" SCRIPT_NAME= GATEWAY_INTERFACE=CGI/1.1 SERVER_NAME=localhost \
		SERVER_PORT=80 cgi-fcgi -bind -connect "$SOCK"
}
check "activated responder answers / with 200" 200 "$(fcgi / | sed -n '1s/^Status: \([0-9]*\).*/\1/p' | tr -d '\r')"
check "activated responder answers /api/projects" '[]' "$(fcgi /api/projects | tail -n 1)"
check "activated responder: unknown run is 404" 404 "$(fcgi /api/runs/nope | sed -n '1s/^Status: \([0-9]*\).*/\1/p' | tr -d '\r')"
grep -q "Communication attempt on fd 3" "$T/activate.log" && ok "the responder was started by the first connection (socket activation)" ||
	fail "no activation seen: $(cat "$T/activate.log")"
[ "$FAILS" -eq 0 ]
