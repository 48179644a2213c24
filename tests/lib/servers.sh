# Start and stop the front servers the tests (and `make bench`) run against.
# Source it after setting ROOT (the work tree) and T (one temp dir that
# holds every file we create); call stop_all on exit. Every process started
# here is in its own process group, recorded in $T/pgids, and stop_all ends
# exactly those groups.
#
#   start_lighttpd NAME BASE BIN    FastCGI via mod_fastcgi "bin-path"
#   start_nginx    NAME BASE BIN    FastCGI via spawn-fcgi (2 processes)
#   start_cgi      NAME BIN         lighttpd mod_cgi at /cgi-bin/cloche-dash
# Each sets URL to the dashboard's base URL and RUNDIR to its own directory.
# The port is a free one, or FIXED_PORT when set (`make run`); static files
# come from public/, or DASH_PUBLIC when set (`make bench`).
# The responders get CLOCHE_DB, CLOCHE_ADDR, ASAN_OPTIONS and UBSAN_OPTIONS
# from the caller's environment.

. "$ROOT/tests/lib/render.sh"

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http URL [SECONDS]: until anything answers over HTTP.
wait_http() {
	local i
	for ((i = 0; i < ${2:-20} * 10; i++)); do
		curl -s -o /dev/null --max-time 2 "$1" && return 0
		sleep 0.1
	done
	echo "server at $1 did not answer" >&2
	return 1
}

# spawn_group LOG CMD...: runs CMD in a new session (its own process group),
# remembers the group. Prints the pid.
spawn_group() {
	local log=$1
	shift
	setsid "$@" </dev/null >>"$log" 2>&1 &
	echo "$!" >>"$T/pgids"
	echo "$!"
}

_common_env() {
	export RUNDIR=$T/$1 PUBLIC=${DASH_PUBLIC:-$ROOT/public} BASE=$2 DASH_BIN=$3
	export CLOCHE_DB=${CLOCHE_DB:-$T/none.db} CLOCHE_ADDR=${CLOCHE_ADDR:-}
	export SSE_HOST=${SSE_HOST:-127.0.0.1} SSE_PORT=${SSE_PORT:-$(free_port)}
	export ASAN_OPTIONS=${ASAN_OPTIONS:-} UBSAN_OPTIONS=${UBSAN_OPTIONS:-}
	export PORT=${FIXED_PORT:-$(free_port)}
	mkdir -p "$RUNDIR"
}

start_lighttpd() {
	_common_env "$1" "$2" "$3"
	export FCGI_MOUNT=${BASE:-/}
	render "$ROOT/conf/lighttpd.conf.in" "$RUNDIR/lighttpd.conf" || return 1
	spawn_group "$RUNDIR/stdout.log" lighttpd -D -f "$RUNDIR/lighttpd.conf" >/dev/null
	URL=http://127.0.0.1:$PORT$BASE
	wait_http "$URL/static/style.css"
}

start_nginx() {
	_common_env "$1" "$2" "$3"
	export FCGI_SOCK=$RUNDIR/fcgi.sock NGINX_USER=$(id -un)
	render "$ROOT/conf/nginx.conf.in" "$RUNDIR/nginx.conf" || return 1
	# The responder's environment is exactly this (spawn-fcgi passes its
	# own on). Each child is made a session leader of its own by spawn-fcgi,
	# with stderr on /dev/null: their pids come from the pid file, and
	# sanitizer reports go to ASAN_OPTIONS log_path.
	env -i PATH=/usr/bin:/bin TZ="${TZ:-}" HOME="$RUNDIR" \
		CLOCHE_DB="$CLOCHE_DB" CLOCHE_ADDR="$CLOCHE_ADDR" CLOCHE_DASH_PUBLIC="$PUBLIC" \
		CLOCHE_DASH_CONFIG="$RUNDIR/cloche-dash.conf" \
		ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
		spawn-fcgi -s "$FCGI_SOCK" -M 0600 -F 2 -P "$RUNDIR/responder.pids" -- "$DASH_BIN" \
		>>"$RUNDIR/responder.log" 2>&1 || return 1
	cat "$RUNDIR/responder.pids" >>"$T/pgids" && echo >>"$T/pgids"
	spawn_group "$RUNDIR/stdout.log" nginx -e "$RUNDIR/nginx-error.log" -p "$RUNDIR" -c "$RUNDIR/nginx.conf" >/dev/null
	URL=http://127.0.0.1:$PORT$BASE
	wait_http "$URL/static/style.css"
}

start_cgi() {
	_common_env "$1" "" "$2"
	render "$ROOT/conf/lighttpd-cgi.conf.in" "$RUNDIR/lighttpd.conf" || return 1
	spawn_group "$RUNDIR/stdout.log" lighttpd -D -f "$RUNDIR/lighttpd.conf" >/dev/null
	URL=http://127.0.0.1:$PORT/cgi-bin/cloche-dash
	wait_http "$URL/"
}

# Ends every process group we started: TERM, a grace period, then KILL.
stop_all() {
	local g i alive
	[ -f "$T/pgids" ] || return 0
	for g in $(cat "$T/pgids"); do
		kill -TERM -- "-$g" 2>/dev/null
	done
	for ((i = 0; i < 50; i++)); do
		alive=0
		for g in $(cat "$T/pgids"); do
			kill -0 -- "-$g" 2>/dev/null && alive=1
		done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for g in $(cat "$T/pgids"); do
		kill -KILL -- "-$g" 2>/dev/null
	done
	rm -f "$T/pgids"
}
