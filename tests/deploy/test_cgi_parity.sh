#!/bin/bash
# CGI parity: lighttpd with the FastCGI responder and lighttpd mod_cgi with
# the same binary, on one demo store; every GET route of cgi/routes.c must
# answer the same status, type and body (tests/deploy/cgi_parity.py).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
BIN=${DASH_BIN:-$ROOT/build/cloche-dash}
T=$(mktemp -d /tmp/cloche-parity.XXXXXX)
chmod 755 "$T"
. "$ROOT/tests/lib/servers.sh"
trap 'stop_all; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

$PY "$ROOT/tests/demo/gen_demo.py" --out "$T/demo" >"$T/gen.log" 2>&1 || { echo "FAIL - demo: $(tail -n 3 "$T/gen.log")"; exit 1; }
chmod -R a+rX "$T/demo"
export CLOCHE_DB=$T/demo/cloche.db CLOCHE_ADDR= ASAN_OPTIONS= UBSAN_OPTIONS=
start_lighttpd fcgi "" "$BIN" || { echo "FAIL - lighttpd FastCGI did not start"; exit 1; }
F=$URL
start_cgi cgi "$BIN" || { echo "FAIL - lighttpd mod_cgi did not start"; exit 1; }
C=$URL
$PY "$ROOT/tests/deploy/cgi_parity.py" "$F" "$C" "$T/demo" "$ROOT/cgi/routes.c"
