#!/bin/bash
# HTTPS termination in front of a prefix mount: nginx with a self-signed
# certificate (conf/https/nginx-front.conf.in) proxies /tools/cloche/ to
# lighttpd running the responder at /tools/cloche (conf/lighttpd.conf.in),
# which trusts X-Forwarded-* from the proxy's address only
# (CLOCHE_DASH_TRUSTED_PROXIES). Asserts: pages and links under the prefix
# over https, an action's same-origin check passes for the https origin,
# and the same forwarded headers sent straight to lighttpd by an untrusted
# peer are ignored; then tests/browser/test_prefix_walk.mjs walks every
# page under the prefix in Chromium.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${DASH_BIN:-$ROOT/build/cloche-dash}
T=$(mktemp -d /tmp/cloche-https.XXXXXX)
chmod 755 "$T"
. "$ROOT/tests/lib/servers.sh"
. "$ROOT/tests/deploy/lib.sh"
trap 'stop_all; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

# A demo, the stand-in daemon and the stream helper, for the browser walk.
/usr/bin/python3 "$ROOT/tests/demo/gen_demo.py" --out "$T/demo" >"$T/gen.log" 2>&1 || fail "demo: $(tail -n 3 "$T/gen.log")"
chmod -R a+rX "$T/demo"
dport=$(free_port)
spawn_group "$T/standin.log" /usr/bin/python3 "$ROOT/tests/standin/cloched.py" --listen "127.0.0.1:$dport" \
	--db "$T/demo/cloche.db" --demo "$T/demo" >/dev/null
export SSE_HOST=127.0.0.1 SSE_PORT
SSE_PORT=$(free_port)
[ -x "$ROOT/build/cloche-sse" ] && CLOCHE_DB=$T/demo/cloche.db CLOCHE_ADDR=127.0.0.1:$dport \
	spawn_group "$T/sse.log" "$ROOT/build/cloche-sse" --listen "127.0.0.1:$SSE_PORT" >/dev/null
# The proxy connects from 127.0.0.2; the test's own curl comes from 127.0.0.1.
mkdir -p "$T/backend"
echo "CLOCHE_DASH_TRUSTED_PROXIES=127.0.0.2" >"$T/backend/cloche-dash.conf"
export CLOCHE_DB=$T/demo/cloche.db CLOCHE_ADDR=127.0.0.1:$dport ASAN_OPTIONS= UBSAN_OPTIONS=
for ((i = 0; i < 100; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$dport") 2>/dev/null && break; sleep 0.1; done
start_lighttpd backend /tools/cloche "$BIN" || { fail "backend lighttpd did not start"; exit 1; }
B=$URL

mkdir -p "$T/front"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-keyout "$T/front/key.pem" -out "$T/front/cert.pem" >/dev/null 2>&1 || fail "openssl"
export RUNDIR=$T/front CERT=$T/front/cert.pem KEY=$T/front/key.pem PROXY_BIND=127.0.0.2
export BACKEND=${B#http://} PORT
BACKEND=${BACKEND%%/*}
PORT=$(free_port)
render "$ROOT/conf/https/nginx-front.conf.in" "$T/front/nginx.conf"
spawn_group "$T/front/stdout.log" nginx -e "$T/front/nginx-error.log" -p "$T/front" -c "$T/front/nginx.conf" >/dev/null
H=https://127.0.0.1:$PORT
for ((i = 0; i < 50; i++)); do curl -ks -o /dev/null "$H/tools/cloche/static/style.css" && break; sleep 0.1; done

code() { curl -ks -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
check "https front: / under the prefix" 200 "$(code "$H/tools/cloche/")"
page=$(curl -ks "$H/tools/cloche/runs")
bad=$(grep -oE '(href|src|action)="[^"]*"' <<<"$page" | grep -vE '="(/tools/cloche/|#|https?://|data:,")' | head -3)
check "https front: every link, asset and form of /runs is under /tools/cloche/" "" "$bad"
css=$(grep -oE '/tools/cloche/static/style\.css\?v=[^"]*' <<<"$page" | head -1)
check "https front: the fingerprinted stylesheet loads" 200 "$(code "$H$css")"
check "https front: immutable caching for ?v= assets" 1 \
	"$(curl -ks -D - -o /dev/null "$H$css" | grep -ci '^cache-control: .*immutable')"

# An action from the https page: the origin the browser sends is https://.
post() { code -X POST -d '' "$@"; }
# (303: a form post is sent back to a page, with the error as a notice)
check "https front: POST with the https Origin passes the same-origin check" 303 \
	"$(post -H "Origin: $H" "$H/tools/cloche/api/projects/nope/trigger")"
loc=$(curl -ks -D - -o /dev/null -X POST -d '' -H "Origin: $H" "$H/tools/cloche/api/projects/nope/trigger" |
	tr -d '\r' | sed -n 's/^location: //Ip')
case $loc in
/tools/cloche/* | "$H"/tools/cloche/*) ok "https front: the redirect after an action stays under the prefix ($loc)" ;;
*) fail "https front: redirect after an action leaves the prefix: '$loc'" ;;
esac
check "https front: POST with an http:// Origin is refused" 403 \
	"$(post -H "Origin: http://127.0.0.1:$PORT" "$H/tools/cloche/api/projects/nope/trigger")"
check "https front: POST from another site is refused" 403 \
	"$(post -H "Origin: https://evil.example" "$H/tools/cloche/api/projects/nope/trigger")"

# Straight to the backend from an untrusted peer: forwarded headers ignored.
fwd=(-H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: 127.0.0.1:$PORT" -H "Forwarded: proto=https;host=\"127.0.0.1:$PORT\"")
check "untrusted peer: X-Forwarded-*/Forwarded do not make https://front its origin" 403 \
	"$(post "${fwd[@]}" -H "Origin: $H" "$B/api/projects/nope/trigger")"
check "untrusted peer: its own origin still works" 303 \
	"$(post -H "Origin: ${B%/tools/cloche}" "$B/api/projects/nope/trigger")"
# A real browser walks every page under the prefix (plain http to the
# backend: the walk is about URLs, the https part is proven above).
if command -v node >/dev/null && [ -d "$ROOT/tests/browser/node_modules" ]; then
	DASH_URL=$B DEMO_DIR=$T/demo timeout 240 node "$ROOT/tests/browser/test_prefix_walk.mjs" ||
		echo "FAIL - browser walk under the prefix exited with $?"
else
	echo "# no node or tests/browser/node_modules: browser walk skipped"
fi
[ "$FAILS" -eq 0 ]
