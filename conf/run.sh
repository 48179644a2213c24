#!/bin/bash
# `make run`: serves the dashboard on http://127.0.0.1:${PORT:-8080}/
# through lighttpd (conf/lighttpd.conf.in), in the foreground; Ctrl-C stops
# everything it started.
#
# The store is found as the daemon finds it (CLOCHE_DB, else [daemon] db in
# ~/.config/cloche/config, else ~/.config/cloche/cloche.db; see
# `build/cloche-dash --print-store`). When there is none, a demo store is
# generated once into build/demo and served, with the stand-in daemon
# (tests/standin/cloched.py --simulate) making it live. The stand-in never
# runs against a real store.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
PY=/usr/bin/python3
FIXED_PORT=${PORT:-8080}
BIN=$ROOT/build/cloche-dash
[ -x "$BIN" ] || make -j2 || exit 1

T=$(mktemp -d "${TMPDIR:-/tmp}/cloche-run.XXXXXX")
chmod 755 "$T"
. "$ROOT/tests/lib/servers.sh"
unset PORT
cleanup() {
	stop_all
	rm -rf "$T"
}
trap cleanup EXIT
trap 'echo; echo "stopping"; exit 0' INT TERM

if (exec 3<>"/dev/tcp/127.0.0.1/$FIXED_PORT") 2>/dev/null; then
	echo "make run: port $FIXED_PORT is taken; try PORT=8081 make run" >&2
	exit 1
fi

DEMO=0
STORE=$("$BIN" --print-store)
if [ ! -e "$STORE" ]; then
	DEMO=1
	STORE=$ROOT/build/demo/cloche.db
	if [ ! -f "$STORE" ]; then
		echo "No daemon store found; generating a demo in build/demo ..."
		rm -rf "$ROOT/build/demo"
		$PY tests/demo/gen_demo.py --out "$ROOT/build/demo" || exit 1
	fi
fi
export CLOCHE_DB=$STORE
export CLOCHE_ADDR=${CLOCHE_ADDR:-}

if [ $DEMO = 1 ] && [ -z "$CLOCHE_ADDR" ] && [ -f tests/standin/cloched.py ]; then
	sport=$(free_port)
	spawn_group "$T/standin.log" $PY tests/standin/cloched.py --listen "127.0.0.1:$sport" \
		--db "$STORE" --demo "$ROOT/build/demo" --simulate >/dev/null
	CLOCHE_ADDR=127.0.0.1:$sport
	STANDIN="stand-in daemon (simulating runs) on $CLOCHE_ADDR, log $T/standin.log"
fi

if [ -x build/cloche-sse ]; then
	export SSE_HOST=127.0.0.1 SSE_PORT=$(free_port)
	spawn_group "$T/sse.log" build/cloche-sse --listen "$SSE_HOST:$SSE_PORT" >/dev/null
fi

if ! start_lighttpd lighttpd "" "$BIN"; then
	cat "$T/lighttpd/lighttpd-error.log" "$T/lighttpd/stdout.log" 2>/dev/null
	exit 1
fi
echo
echo "  Cloche dashboard: http://127.0.0.1:$FIXED_PORT/"
echo "  store:            $STORE$([ $DEMO = 1 ] && echo " (demo)")"
DEFAULT_ADDR="the default address (see docs/deploy-lighttpd.md)"
echo "  daemon:           ${STANDIN:-${CLOCHE_ADDR:-$DEFAULT_ADDR}}"
[ -n "${SSE_PORT:-}" ] && echo "  log streams:      build/cloche-sse on 127.0.0.1:$SSE_PORT"
echo "  server logs:      $T/lighttpd/"
echo "  Ctrl-C stops it."
# Foreground until lighttpd exits or we are interrupted.
while kill -0 "$(cat "$T/lighttpd/lighttpd.pid" 2>/dev/null || echo 0)" 2>/dev/null; do
	sleep 1
done
echo "lighttpd exited; see $T/lighttpd/lighttpd-error.log" >&2
tail -n 20 "$T/lighttpd/lighttpd-error.log" >&2
exit 1
