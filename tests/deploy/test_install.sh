#!/bin/bash
# `make install DESTDIR=... PREFIX=/usr/local`, then the INSTALLED tree,
# copied elsewhere and run with no source tree in sight: CGI mode through
# lib/cgi-bin, a lighttpd serving the installed share dir, the config file
# overriding the baked-in paths, asset fingerprints that follow the files,
# and `make uninstall` removing every installed file.
# Prints "ok - name" / "FAIL - name".
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
. "$ROOT/tests/deploy/lib.sh"

T=$(mktemp -d /tmp/cloche-install.XXXXXX)
chmod 755 "$T"
. "$ROOT/tests/lib/servers.sh"
trap 'stop_all; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

D=$T/destdir
if make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr/local >"$T/install.log" 2>&1; then
	ok "make install DESTDIR PREFIX=/usr/local"
else
	fail "make install: $(tail -n 5 "$T/install.log")"
	exit 1
fi
for f in usr/local/bin/cloche-dash usr/local/lib/cgi-bin/cloche-dash usr/local/share/cloche-dash/public/style.css \
	usr/local/share/man/man1/cloche-dash.1 usr/local/lib/systemd/user/cloche-dash.socket \
	etc/lighttpd/conf-available/50-cloche-dash.conf etc/nginx/snippets/cloche-dash.conf \
	etc/nginx/snippets/cloche-fastcgi.conf etc/nginx/snippets/cloche-sse-proxy.conf; do
	[ -e "$D/$f" ] && ok "installed /$f" || fail "not installed: /$f"
done
check "baked-in public dir is the installed share dir" 1 \
	"$(grep -c -a '/usr/local/share/cloche-dash/public' "$D/usr/local/bin/cloche-dash" | head -1 | sed 's/^[1-9][0-9]*$/1/')"

# The installed tree, somewhere else; the source tree is not referenced.
C=$T/copy
cp -a "$D" "$C"
P=$C/usr/local/share/cloche-dash/public
printf 'CLOCHE_DASH_PUBLIC=%s\n' "$P" >"$T/cloche-dash.conf"
DB=$T/store/cloche.db
empty_store "$DB"

# cgi URI: one CGI request to the installed lib/cgi-bin symlink, from /,
# with nothing of the source tree in the environment.
cgi() {
	(cd / && env -i PATH=/usr/bin:/bin CLOCHE_DB="$DB" CLOCHE_DASH_CONFIG="$T/cloche-dash.conf" \
		REQUEST_METHOD=GET REQUEST_URI="$1" SCRIPT_NAME= GATEWAY_INTERFACE=CGI/1.1 \
		SERVER_NAME=localhost SERVER_PORT=80 "$C/usr/local/lib/cgi-bin/cloche-dash")
}
status() { sed -n '1s/^Status: \([0-9]*\).*/\1/p' | tr -d '\r'; }
for u in / /runs /usage /failed-tasks /api/projects /static/style.css; do
	check "installed CGI $u" 200 "$(cgi "$u" | status)"
done
check "installed CGI unknown run is 404" 404 "$(cgi /api/runs/nope | status)"

# Fingerprints: the ?v= of the assets is the hash of their content (as the
# Makefile computes it), and changing an asset rebuilds what prints it.
v=$(cgi / | grep -o 'style\.css?v=[^"&]*' | head -1)
check "asset URL carries the hash of the installed assets" "style.css?v=$(cd "$P" && cat ./*.css ./*.js | sha1sum | cut -c1-12)" "$v"
plan=$(make -s -C "$ROOT" -n -W public/style.css build/cloche-dash 2>/dev/null)
if grep -q -- '-o build/obj/html.o' <<<"$plan"; then
	ok "changing public/style.css rebuilds the page header (new ?v=)"
else
	fail "changing public/style.css does not rebuild html.o: pages would keep the old ?v="
fi
echo "/* local change */" >>"$P/style.css"

# lighttpd (the test template) with the installed binary and share dir.
export CLOCHE_DB=$DB DASH_PUBLIC=$P CLOCHE_ADDR=
if start_lighttpd installed "" "$C/usr/local/bin/cloche-dash"; then
	for u in / /runs /api/projects; do
		check "installed under lighttpd $u" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$URL$u")"
	done
	css=$(curl -s "$URL/" | grep -o '/static/style\.css?v=[^"]*' | head -1)
	check "installed under lighttpd $css" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$URL$css")"
	if curl -s "$URL$css" | grep -q 'local change'; then
		ok "lighttpd serves the installed share dir"
	else
		fail "lighttpd did not serve the installed stylesheet"
	fi
else
	fail "lighttpd with the installed binary did not start"
fi

if make -s -C "$ROOT" uninstall DESTDIR="$D" PREFIX=/usr/local >>"$T/install.log" 2>&1; then
	left=$(find "$D" ! -type d | head -5)
	check "make uninstall removes every installed file" "" "$left"
else
	fail "make uninstall: $(tail -n 5 "$T/install.log")"
fi
[ "$FAILS" -eq 0 ]
