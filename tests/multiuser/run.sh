#!/bin/bash
# Multi-user host (docs/deploy-multi-user.md), as root: two Unix users with
# their own demo store and projects, each user's responder running AS that
# user on a socket only the web server's group can reach, and one lighttpd
# and one nginx in front with basic auth. Asserts isolation (file modes,
# who can connect), that each user sees only their own projects, that
# cross-user requests get 403 (also through a deliberately wrong route:
# the responder's own owner check), and 401 without credentials. Each user's
# stream helper (cloche-sse, also run as that user) serves that user's live
# logs; the front servers' owner fence keeps everyone else out of them.
# Prints "ok - name" / "FAIL - name". Env: DASH_BIN (default
# build/cloche-dash), SSE_BIN (default build/cloche-sse).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
BIN=${DASH_BIN:-$ROOT/build/cloche-dash}
SSE_BIN=${SSE_BIN:-$ROOT/build/cloche-sse}
USERS="clochea clocheb"
WEB=www-data
. "$ROOT/tests/deploy/lib.sh"
stamp() { echo "# $(date +%T) $*"; }

if [ "$(id -u)" != 0 ]; then
	echo "# needs root (useradd, runuser): skipped"
	exit 0
fi

T=$(mktemp -d /tmp/cloche-mu.XXXXXX)
# Two runs at once (two work trees) must not share a demo directory.
DEMO=cloche-demo-${T##*.}
chmod 755 "$T"
. "$ROOT/tests/lib/servers.sh"
cleanup() {
	stop_all
	for u in $USERS; do rm -rf "$(getent passwd "$u" | cut -d: -f6)/$DEMO"; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

home_of() { getent passwd "$1" | cut -d: -f6; }
as() { local u=$1; shift; runuser -u "$u" -- env -i HOME="$(home_of "$u")" PATH=/usr/bin:/bin "$@"; }

stamp "users, demo stores, shared read-only files"
for u in $USERS; do
	id -u "$u" >/dev/null 2>&1 || useradd -m -U -s /usr/sbin/nologin "$u" || id -u "$u" >/dev/null || fail "useradd $u"
	chmod 0700 "$(home_of "$u")"
done
install -d -m 0755 "$T/bin" "$T/public" "$T/nginx"
# lighttpd opens its logs after dropping to www-data.
install -d -m 0755 -o "$WEB" "$T/lighttpd"
install -m 0755 "$BIN" "$T/bin/cloche-dash"
install -m 0755 "$SSE_BIN" "$T/bin/cloche-sse"
install -m 0644 "$ROOT"/public/* "$T/public/"
pids=()
seed=0
for u in $USERS; do
	# Another seed per user: run ids differ, so a stream answered from the
	# wrong user's store shows (404 instead of 200).
	seed=$((seed + 1))
	as "$u" $PY "$ROOT/tests/demo/gen_demo.py" --out "$(home_of "$u")/$DEMO" --seed $seed >"$T/gen-$u.log" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "demo generation (see $T/gen-*.log)"; done

# Sockets: /run/cloche-dash/USER in a real deployment (tmpfiles.d), here
# $T/run/USER. setgid directory of group www-data: the socket the user
# creates inherits that group, so the server reaches it through 0660.
SOCK_ROOT=$T/run
install -d -m 0755 "$SOCK_ROOT"
for u in $USERS; do
	install -d -o "$u" -g "$WEB" -m 2710 "$SOCK_ROOT/$u"
	h=$(home_of "$u")
	spawn_group "$T/responder-$u.log" runuser -u "$u" -- env -i HOME="$h" PATH=/usr/bin:/bin \
		CLOCHE_DB="$h/$DEMO/cloche.db" CLOCHE_DASH_OWNER="$u" CLOCHE_DASH_PUBLIC="$T/public" \
		CLOCHE_DASH_CONFIG="$h/.config/cloche-dash.conf" \
		"$T/bin/cloche-dash" --listen "$SOCK_ROOT/$u/dash.sock" --socket-mode 0660 >/dev/null
	# The user's stream helper (conf/systemd/cloche-sse.service), same store.
	spawn_group "$T/sse-$u.log" runuser -u "$u" -- env -i HOME="$h" PATH=/usr/bin:/bin \
		CLOCHE_DB="$h/$DEMO/cloche.db" \
		"$T/bin/cloche-sse" --listen "unix:$SOCK_ROOT/$u/sse.sock" --socket-mode 0660 >/dev/null
done
for u in $USERS; do
	for s in dash sse; do
		for ((i = 0; i < 50; i++)); do [ -S "$SOCK_ROOT/$u/$s.sock" ] && break; sleep 0.1; done
	done
done

stamp "isolation on disk"
# connect_as USER SOCKET: prints "yes" when USER may connect to SOCKET.
connect_as() {
	runuser -u "$1" -- $PY -c 'import socket,sys
s=socket.socket(socket.AF_UNIX)
try: s.connect(sys.argv[1]); print("yes")
except OSError: print("no")' "$2"
}
set -- $USERS
A=$1 B=$2
for u in $USERS; do
	other=$A; [ "$u" = "$A" ] && other=$B
	h=$(home_of "$u")
	check "home of $u is 0700 $u" "700 $u" "$(stat -c '%a %U' "$h")"
	check "socket dir of $u is 2710 $u:$WEB" "2710 $u:$WEB" "$(stat -c '%a %U:%G' "$SOCK_ROOT/$u")"
	for sock in dash sse; do
		check "$sock.sock of $u is 0660 $u:$WEB" "660 $u:$WEB" "$(stat -c '%a %U:%G' "$SOCK_ROOT/$u/$sock.sock" 2>&1)"
		check "$WEB can connect to $u's $sock.sock" yes "$(connect_as "$WEB" "$SOCK_ROOT/$u/$sock.sock")"
		check "$other cannot connect to $u's $sock.sock" no "$(connect_as "$other" "$SOCK_ROOT/$u/$sock.sock")"
	done
	check "responder of $u runs as $u" "$u" "$(ps -o user= -p "$(pgrep -u "$u" -f "$T/bin/cloche-dash" | head -1)" 2>/dev/null)"
	check "stream helper of $u runs as $u" "$u" "$(ps -o user= -p "$(pgrep -u "$u" -f "$T/bin/cloche-sse" | head -1)" 2>/dev/null)"
	if runuser -u "$other" -- test -r "$h/$DEMO/cloche.db"; then
		fail "$other can read $u's store"
	else
		ok "$other cannot read $u's store"
	fi
	check "nothing world-writable in $u's socket dir and demo" "" \
		"$(find "$SOCK_ROOT/$u" "$h/$DEMO" -perm -o+w ! -type l ! -type s 2>/dev/null | head -3)"
done

stamp "front servers"
HT=$T/htpasswd
htpasswd -cbB "$HT" "$A" pw-$A 2>/dev/null
htpasswd -bB "$HT" "$B" pw-$B 2>/dev/null
htpasswd -bB "$HT" mallory pw-mallory 2>/dev/null
chown root:"$WEB" "$HT" && chmod 0640 "$HT"
export PUBLIC=$T/public HTPASSWD=$HT SOCK_ROOT CONF_DIR=$ROOT/conf/multiuser MISROUTE_TO=$A

export RUNDIR=$T/lighttpd PORT
PORT=$(free_port)
export USERS_CONF=$T/lighttpd/users.conf MAGNET=$T/lighttpd/cloche-route.lua
: >"$USERS_CONF"
for u in $USERS; do
	DASH_USER=$u render "$ROOT/conf/multiuser/lighttpd-user.conf.in" "$T/lighttpd/user.tmp"
	cat "$T/lighttpd/user.tmp" >>"$USERS_CONF"
done
render "$ROOT/conf/multiuser/cloche-route.lua" "$MAGNET"
render "$ROOT/conf/multiuser/lighttpd.conf.in" "$T/lighttpd/lighttpd.conf"
spawn_group "$T/lighttpd/stdout.log" lighttpd -D -f "$T/lighttpd/lighttpd.conf" >/dev/null
L=http://127.0.0.1:$PORT

export RUNDIR=$T/nginx
PORT=$(free_port)
export USERS_MAP=$T/nginx/users.map
for u in $USERS; do echo "$u $u;"; done >"$USERS_MAP"
render "$ROOT/conf/multiuser/nginx.conf.in" "$T/nginx/nginx.conf"
spawn_group "$T/nginx/stdout.log" nginx -e "$T/nginx/nginx-error.log" -p "$T/nginx" -c "$T/nginx/nginx.conf" >/dev/null
N=http://127.0.0.1:$PORT
wait_http "$L/" 10 || fail "lighttpd did not start: $(tail -n 3 "$T/lighttpd/lighttpd-error.log" "$T/lighttpd/stdout.log" 2>&1)"
wait_http "$N/" 10 || fail "nginx did not start: $(tail -n 3 "$T/nginx/nginx-error.log" 2>&1)"

# status USER URL [curl args]: the HTTP status (USER "-" = no credentials).
status() {
	local u=$1 url=$2
	shift 2
	if [ "$u" = - ]; then
		curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" "$url"
	else
		curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u "$u:pw-$u" "$@" "$url"
	fi
}
# owners USER URL: the distinct home directories the projects listed at URL
# (/api/projects) live in, or "status N".
owners() {
	local body code
	body=$(curl -s --max-time 10 -u "$1:pw-$1" -w '\n%{http_code}' "$2")
	code=${body##*$'\n'}
	[ "$code" = 200 ] || { echo "status $code"; return; }
	printf '%s' "${body%$'\n'*}" | $PY -c 'import json,sys,re
d=json.load(sys.stdin)
dirs=[p if isinstance(p,str) else (p.get("project_dir") or p.get("dir") or p.get("path") or "") for p in d]
print(" ".join(sorted({re.sub(r"^(/home/[^/]+)/.*", r"\1", x) for x in dirs})) if dirs else "none")'
}

for s in lighttpd nginx; do
	[ $s = lighttpd ] && U=$L || U=$N
	for u in $USERS; do
		other=$A; [ "$u" = "$A" ] && other=$B
		m=$U/~$u/cloche
		check "$s: no credentials on /~$u/cloche/ is 401" 401 "$(status - "$m/")"
		check "$s: a wrong password on /~$u/cloche/ is 401" 401 "$(status - "$m/" -u "$u:nope")"
		check "$s: $u sees only their own projects at /~$u/cloche/" "$(home_of "$u")" "$(owners "$u" "$m/api/projects")"
		check "$s: $u gets their pages at /~$u/cloche/" 200 "$(status "$u" "$m/runs")"
		check "$s: static files at /~$u/cloche/static/" 200 "$(status "$u" "$m/static/style.css")"
		check "$s: $other on /~$u/cloche/ page is 403" 403 "$(status "$other" "$m/")"
		check "$s: $other on /~$u/cloche/api/projects is 403" 403 "$(status "$other" "$m/api/projects")"
		check "$s: $other cannot act on $u's dashboard (POST trigger is 403)" 403 \
			"$(status "$other" "$m/api/projects/x/trigger" -X POST -H "Origin: $U" -d '')"
		check "$s: $other with a forged Remote-User header is still 403" 403 \
			"$(status "$other" "$m/api/projects" -H "Remote-User: $u" -H "X-Remote-User: $u")"
		check "$s: mallory (no dashboard) on /~$u/cloche/ is 403" 403 "$(status mallory "$m/api/projects")"
	done
done

stamp "single mount"
# One /cloche/ mount routed by the authenticated user (nginx: map; lighttpd:
# mod_magnet, conf/multiuser/cloche-route.lua).
for s in lighttpd nginx; do
	[ $s = lighttpd ] && U=$L || U=$N
	for u in $USERS; do
		check "$s: $u at /cloche/ gets their own dashboard" "$(home_of "$u")" "$(owners "$u" "$U/cloche/api/projects")"
		check "$s: $u at /cloche/ page" 200 "$(status "$u" "$U/cloche/")"
		check "$s: $u at /cloche/ static file" 200 "$(status "$u" "$U/cloche/static/style.css")"
	done
	check "$s: /cloche/ without credentials is 401" 401 "$(status - "$U/cloche/")"
	check "$s: mallory (no dashboard) at /cloche/ is 403" 403 "$(status mallory "$U/cloche/")"
	check "$s: an action through /cloche/ reaches only the user's own dashboard" 404 \
		"$(status "$A" "$U/cloche/api/projects/no-such-project/trigger" -X POST -H "Origin: $U" -H "Content-Type: application/json" -d "{}")"
done
check "nginx: a wrong route to $A's socket still refuses $B (responder owner check)" 403 \
	"$(status "$B" "$N/misrouted/api/projects")"
check "nginx: the wrong route still serves $A" 200 "$(status "$A" "$N/misrouted/api/projects")"

stamp "live log streams"
# Streams go to the owner's stream helper (cloche-sse), which gets plain
# HTTP from the proxy: no REMOTE_USER, no owner check of its own. The
# front servers' fence (nginx: map + if; lighttpd: cloche-route.lua) is
# what refuses everyone else.
# manifest USER KEY: a value from USER's demo manifest.
manifest() {
	$PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$(home_of "$1")/$DEMO/manifest.json" "$2"
}
# stream USER URL: sets SCODE (status), STYPE (content type) and SDATA
# ("data" when at least one data: line came, else "no-data"). curl stops
# after 3 s: the stream of an unfinished run never ends.
stream() {
	local hd=$T/stream.head bd=$T/stream.body auth=(-u "$1:pw-$1")
	[ "$1" = - ] && auth=()
	rm -f "$hd" "$bd"
	curl -s -D "$hd" -o "$bd" --max-time 3 "${auth[@]}" "$2"
	SCODE=$(tr -d '\r' <"$hd" | sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p')
	STYPE=$(tr -d '\r' <"$hd" | sed -n 's/^[Cc]ontent-[Tt]ype: *\([^;]*\).*/\1/p' | head -1)
	SDATA=no-data
	grep -q '^data: ' "$bd" 2>/dev/null && SDATA=data
}
declare -A RUN ATT
for u in $USERS; do
	RUN[$u]=$(manifest "$u" long_log_run)
	ATT[$u]=$(manifest "$u" attempt_with_log)
done
check "the two demos have different run ids" 1 "$([ "${RUN[$A]}" != "${RUN[$B]}" ] && echo 1)"
for s in lighttpd nginx; do
	[ $s = lighttpd ] && U=$L || U=$N
	for u in $USERS; do
		other=$A; [ "$u" = "$A" ] && other=$B
		m=$U/~$u/cloche
		run=${RUN[$u]}
		stream "$u" "$m/api/runs/$run/stream"
		check "$s: $u gets their run's log stream at /~$u/cloche/" "200 text/event-stream data" "$SCODE $STYPE $SDATA"
		stream "$u" "$m/api/attempts/${ATT[$u]}/stream"
		check "$s: $u gets their attempt's log stream at /~$u/cloche/" "200 text/event-stream data" "$SCODE $STYPE $SDATA"
		stream "$u" "$m/api/runs/${RUN[$other]}/stream"
		check "$s: /~$u/cloche/ streams from $u's store ($other's run id is 404)" 404 "$SCODE"
		stream "$other" "$m/api/runs/$run/stream"
		check "$s: $other on $u's run stream is 403, without the log" "403 no-data" "$SCODE $SDATA"
		stream "$other" "$m/api/runs/$run/stream?from=0"
		check "$s: $other on $u's run stream with a query is 403" "403 no-data" "$SCODE $SDATA"
		stream "$other" "$m/api/attempts/${ATT[$u]}/stream"
		check "$s: $other on $u's attempt stream is 403" "403 no-data" "$SCODE $SDATA"
		stream mallory "$m/api/runs/$run/stream"
		check "$s: mallory (no dashboard) on $u's stream is 403" "403 no-data" "$SCODE $SDATA"
		stream - "$m/api/runs/$run/stream"
		check "$s: no credentials on $u's stream is 401" "401 no-data" "$SCODE $SDATA"
		stream "$u" "$U/cloche/api/runs/$run/stream"
		check "$s: $u gets their log stream at /cloche/" "200 text/event-stream data" "$SCODE $STYPE $SDATA"
		stream "$u" "$U/cloche/api/runs/${RUN[$other]}/stream"
		check "$s: /cloche/ streams from $u's own store ($other's run id is 404)" 404 "$SCODE"
	done
	# An unfinished run's stream never ends: its events reach the client
	# within curl's 3 s only when the proxy does not buffer the response.
	stream "$A" "$U/~$A/cloche/api/runs/$(manifest "$A" running_run)/stream"
	check "$s: an unfinished run's stream is delivered as it goes (unbuffered)" "200 text/event-stream data" "$SCODE $STYPE $SDATA"
	stream mallory "$U/cloche/api/runs/${RUN[$A]}/stream"
	check "$s: mallory (no dashboard) on a /cloche/ stream is 403" "403 no-data" "$SCODE $SDATA"
	stream - "$U/cloche/api/runs/${RUN[$A]}/stream"
	check "$s: a /cloche/ stream without credentials is 401" "401 no-data" "$SCODE $SDATA"
done
# Why the fence: the same request through an unfenced route reaches the
# helper, which hands anyone A's log.
stream "$B" "$N/misrouted/api/runs/${RUN[$A]}/stream"
check "nginx: an unfenced route to $A's stream helper gives $B $A's log (so the fence is needed)" \
	"200 text/event-stream data" "$SCODE $STYPE $SDATA"

# The same request id in the response and in the front server's log.
# rid_logged NAME URL LOG: the response's X-Request-Id is in the server's log.
rid_logged() {
	local rid
	rid=$(curl -s -D - -o /dev/null -u "$A:pw-$A" "$2" | tr -d '\r' | sed -n 's/^X-Request-Id: //Ip')
	sleep 0.2
	if [ -n "$rid" ] && grep -q "rid=$rid" "$3"; then
		ok "$1: X-Request-Id $rid is in its access log"
	else
		fail "$1: X-Request-Id '$rid' not in its access log"
	fi
}
rid_logged nginx "$N/cloche/api/projects" "$T/nginx/nginx-access.log"
rid_logged lighttpd "$L/~$A/cloche/api/projects" "$T/lighttpd/lighttpd-access.log"

stamp "done"
[ -n "${KEEP:-}" ] && { echo "# kept $T"; trap - EXIT; }
[ "$FAILS" -eq 0 ]
