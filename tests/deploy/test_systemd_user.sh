#!/bin/bash
# The systemd user units under a real `systemd --user` manager, as root:
#  - an unprivileged user (clochesd, created and removed here) with a demo
#    store where the daemon keeps it (~/.config/cloche/cloche.db, store.md
#    1.1), so the units need no configuration;
#  - `make install DESTDIR=...`; the user's manager runs in a mount
#    namespace where that tree is /usr/local, i.e. exactly the installed
#    layout (units in /usr/local/lib/systemd/user, ExecStart=/usr/local/bin);
#  - the user runs the ONE command of docs/deploy-systemd.md:
#      systemctl --user enable --now cloche-dash.socket cloche-sse.service
#  - asserts socket modes and directory modes (stat), socket activation
#    (inactive until the first FastCGI request, cgi-fcgi), the stream
#    helper, restart by activation after `stop`, then the web-server layout
#    of the docs (an override moving both sockets into a setgid directory of
#    www-data) behind a real lighttpd with basic auth and the conf/multiuser
#    snippets (conf/multiuser, as shipped): /~USER/cloche/, its API and a stream route; finally
#    `disable --now` removes the sockets.
#
# What a user manager needs here (no systemd PID 1, no logind):
#  - /run/systemd/system/ must exist, or systemd refuses "to run as user
#    instance" (created if missing, removed at exit only if created here);
#  - a cgroup the user may write, as logind/user@.service would delegate:
#    the manager moves itself into <its cgroup>/init.scope, which fails
#    with EACCES under PID 1's /init.scope. We create one cgroup per run in
#    each hierarchy systemd uses (cgroup2, or the unified + name=systemd
#    pair on hybrid cgroups v1), chown it to the user and start the manager
#    in it; at exit every process left in it is killed by pid and the
#    cgroup removed;
#  - /run/systemd/unit-root/, the mount point PID 1 makes for sandboxed
#    units (else PrivateTmp=/ProtectSystem= end in 226/NAMESPACE); same
#    rule as the marker.
# Prints "ok - name" / "FAIL - name"; "# skipped" when not root or when the
# machine cannot run a user manager at all (no systemd, no writable cgroup).
# One run at a time (flock). Debugging: PAUSE_AT="<stage text>" sleeps 120 s
# before that stage, with the manager's pid and runtime dir printed.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
SU=${CLOCHE_SD_USER:-clochesd} # a user of this test only
WEB=www-data
. "$ROOT/tests/deploy/lib.sh"
START=${EPOCHREALTIME/./}
stamp() {
	[ "${PAUSE_AT:-}" = "$1" ] && { echo "# paused: MGR=$MGR R=$R"; sleep 120; }
	local us=$((${EPOCHREALTIME/./} - START)); printf '# %d.%01ds %s\n' $((us / 1000000)) $((us / 100000 % 10)) "$*"
}
skip() { echo "# skipped: $*"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root (useradd, cgroups, mount namespace)"
SYSTEMD=/lib/systemd/systemd
for c in "$SYSTEMD" systemctl unshare nsenter setpriv flock cgi-fcgi lighttpd htpasswd; do
	command -v "$c" >/dev/null || skip "$c not installed"
done
# cg_roots: the hierarchies systemd tracks processes in.
cg_roots() {
	if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
		echo /sys/fs/cgroup
		return
	fi
	[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] && echo /sys/fs/cgroup/unified
	[ -d /sys/fs/cgroup/systemd ] && echo /sys/fs/cgroup/systemd
}
CG_ROOTS=$(cg_roots)
[ -n "$CG_ROOTS" ] || skip "no cgroup hierarchy for systemd"
for r in $CG_ROOTS; do [ -w "$r" ] || skip "$r is read-only (container without cgroup access)"; done

# One run at a time on this machine (two work trees, or two `make test`):
# the user and the /run/systemd directories are machine-wide.
exec 9>/tmp/cloche-test-systemd-user.lock
flock -w 240 9 || { fail "another run of this test holds /tmp/cloche-test-systemd-user.lock"; exit 1; }
T=$(mktemp -d /tmp/cloche-sduser.XXXXXX)
# Runtime directories live under /run as on a real host (/run/user/UID,
# /run/cloche-dash): PrivateTmp= hides anything under /tmp from the units.
RUNT=$(mktemp -d /run/cloche-sduser.XXXXXX)
chmod 755 "$T" "$RUNT"
CG_NAME=cloche-test-${T##*.}
MADE_RUNSD=0 MADE_MARKER=0 MADE_UNITROOT=0 MADE_USER=0 MGR= GEN=
. "$ROOT/tests/lib/servers.sh"

home_of() { getent passwd "$1" | cut -d: -f6; }
# as_user CMD...: CMD as the test user, in the manager's mount namespace
# (where the installed tree is /usr/local), with a login-like environment.
as_user() {
	local ns=()
	[ -n "$MGR" ] && ns=(nsenter -t "$MGR" -m --)
	"${ns[@]}" setpriv --reuid="$SU" --regid="$SU" --init-groups \
		env -i HOME="$H" USER="$SU" LOGNAME="$SU" PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$R" "$@"
}
sctl() { as_user timeout 20 systemctl --user "$@"; }
# until_true SECONDS CMD...: polls CMD every 0.1 s; fails after SECONDS.
until_true() {
	local n=$(($1 * 10)) i
	shift
	for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
state() { sctl is-active "$1" 2>/dev/null; }
booted() { case $(sctl is-system-running) in running | degraded) return 0 ;; esac; return 1; }
# sandbox PID: how PID is confined (PrivateUsers=, ProtectSystem=strict,
# PrivateTmp= of the units): "own-userns root-ro tmp-private" when all hold.
sandbox() {
	local u=shared-userns r t=tmp-shared
	[ -r "/proc/${1:-0}/mountinfo" ] && [ "${1:-0}" != 0 ] || { echo "no process"; return; }
	[ "$(readlink "/proc/$1/ns/user")" != "$(readlink "/proc/$MGR/ns/user")" ] && u=own-userns
	r=$(awk '$5 == "/" { split($6, o, ","); m = o[1] } END { print m }' "/proc/$1/mountinfo" 2>/dev/null)
	awk '$5 == "/tmp" { f = 1 } END { exit !f }' "/proc/$1/mountinfo" 2>/dev/null && t=tmp-private
	echo "$u root-$r $t"
}
mode() { stat -c '%a %U %F' "$1" 2>/dev/null || echo missing; }

cleanup() {
	local cg p i
	if [ -n "$MGR" ] && kill -0 "$MGR" 2>/dev/null; then
		sctl exit >/dev/null 2>&1
		for ((i = 0; i < 100; i++)); do kill -0 "$MGR" 2>/dev/null || break; sleep 0.1; done
	fi
	# Whatever the manager left (or everything, if it hung): by pid.
	for cg in $CG_ROOTS; do
		[ -d "$cg/$CG_NAME" ] || continue
		for ((i = 0; i < 50; i++)); do
			p=$(find "$cg/$CG_NAME" -name cgroup.procs -exec cat {} + 2>/dev/null)
			[ -z "$p" ] && break
			kill -KILL $p 2>/dev/null
			sleep 0.1
		done
		find "$cg/$CG_NAME" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	stop_all
	[ $MADE_UNITROOT = 1 ] && rmdir /run/systemd/unit-root 2>/dev/null
	[ $MADE_MARKER = 1 ] && rmdir /run/systemd/system 2>/dev/null
	[ $MADE_RUNSD = 1 ] && rmdir /run/systemd 2>/dev/null
	[ -n "$GEN" ] && wait "$GEN" 2>/dev/null
	# PrivateTmp= directories of a manager that did not stop its units
	find /tmp /var/tmp -maxdepth 1 -name 'systemd-private-*' -user "$SU" -exec rm -rf {} + 2>/dev/null
	if [ $MADE_USER = 1 ]; then
		# (userdel refuses while a process of the user is still exiting)
		for ((i = 0; i < 30; i++)); do userdel -r "$SU" >/dev/null 2>&1; id -u "$SU" >/dev/null 2>&1 || break; sleep 0.1; done
	elif [ -n "${H:-}" ]; then
		rm -rf "$H/.config/cloche" "$H/.config/systemd"
	fi
	rm -rf "$T" "$RUNT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stamp "user $SU, demo store, make install"
if ! id -u "$SU" >/dev/null 2>&1; then
	useradd -m -U -s /usr/sbin/nologin "$SU" || { fail "useradd $SU"; exit 1; }
	touch "$(home_of "$SU")/.made-by-cloche-test"
fi
H=$(home_of "$SU")
# Ours (now, or left by a killed run): removed at exit.
[ -e "$H/.made-by-cloche-test" ] && MADE_USER=1
chmod 0700 "$H"
rm -rf "$H/.config/cloche" "$H/.config/systemd" # a dedicated user: leftovers of an aborted run
R=$RUNT/user # the user's XDG_RUNTIME_DIR (/run/user/UID)
install -d -o "$SU" -g "$SU" -m 0700 "$R"
runuser -u "$SU" -- env -i HOME="$H" PATH=/usr/bin:/bin \
	$PY "$ROOT/tests/demo/gen_demo.py" --out "$H/.config/cloche" >"$T/gen.log" 2>&1 &
GEN=$!
D=$T/destdir
if make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr/local >"$T/install.log" 2>&1; then
	ok "make install DESTDIR=... PREFIX=/usr/local"
else
	fail "make install: $(tail -n 5 "$T/install.log")"
	exit 1
fi

stamp "user manager"
# What PID 1 would have made: the "booted with systemd" marker, and the
# mount point every sandboxed unit's namespace is built on (without it
# PrivateTmp=/ProtectSystem= fail with 226/NAMESPACE).
if [ ! -d /run/systemd ]; then
	mkdir -m 0755 /run/systemd && MADE_RUNSD=1
fi
if [ ! -d /run/systemd/system ]; then
	mkdir /run/systemd/system && MADE_MARKER=1
fi
if [ ! -d /run/systemd/unit-root ]; then
	mkdir -m 0700 /run/systemd/unit-root && MADE_UNITROOT=1
fi
procs=()
for cg in $CG_ROOTS; do
	mkdir "$cg/$CG_NAME" && chown -R "$SU:$SU" "$cg/$CG_NAME" || fail "cannot delegate $cg/$CG_NAME"
	procs+=("$cg/$CG_NAME/cgroup.procs")
done
# The launcher: own mount namespace with the installed tree on /usr/local,
# into the delegated cgroup, then the manager as the user.
cat >"$T/launch.sh" <<'EOF'
set -e
exec 9>&- # the test's lock stays with the test
local_tree=$1 user=$2 home=$3 rt=$4
shift 4
mount --bind "$local_tree" /usr/local
for p in "$@"; do echo $$ >"$p"; done
exec setpriv --reuid="$user" --regid="$user" --init-groups env -i HOME="$home" USER="$user" LOGNAME="$user" \
	PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$rt" /lib/systemd/systemd --user --log-target=console
EOF
MGR=$(spawn_group "$T/manager.log" unshare --mount --propagation private -- \
	sh "$T/launch.sh" "$D/usr/local" "$SU" "$H" "$R" "${procs[@]}")
if until_true 15 test -S "$R/systemd/private" && until_true 15 booted; then
	ok "a systemd --user manager runs as $SU ($(sctl --version | head -1))"
else
	fail "the user manager did not start: $(sctl is-system-running 2>&1; sctl list-jobs 2>&1 | head -5; tail -n 5 "$T/manager.log")"
	exit 1
fi
check "the manager runs as $SU, not root" "$SU" "$(ps -o user= -p "$MGR" | tr -d ' ')"
check "the manager sees the installed units" "/usr/local/lib/systemd/user/cloche-dash.socket" \
	"$(sctl show -P FragmentPath cloche-dash.socket)"
wait "$GEN" || fail "demo generation: $(tail -n 3 "$T/gen.log")"
MAN=$H/.config/cloche/manifest.json

stamp "the one command"
if out=$(sctl enable --now cloche-dash.socket cloche-sse.service 2>&1); then
	ok "systemctl --user enable --now cloche-dash.socket cloche-sse.service"
else
	fail "enable --now: $out"
fi
S=$R/cloche
check "dash.sock is a 0660 socket of $SU" "660 $SU socket" "$(mode "$S/dash.sock")"
check "its directory is 0710" "710 $SU directory" "$(mode "$S")"
check "cloche-dash.socket is enabled" enabled "$(sctl is-enabled cloche-dash.socket)"
check "before any request the responder is not running (socket activation)" inactive "$(state cloche-dash.service)"
until_true 10 test -S "$S/sse.sock"
check "cloche-sse.service is active" active "$(state cloche-sse.service)"
check "sse.sock is a 0660 socket of $SU" "660 $SU socket" "$(mode "$S/sse.sock")"

# The mode check can fail: the same socket unit without SocketMode= gets
# systemd's default 0666 (what the explicit mode is there to prevent).
mkdir -p "$H/.config/systemd/user"
sed '/^SocketMode=/d; s#^ListenStream=.*#ListenStream=%t/probe/p.sock#; /^\[Install\]/,$d' \
	"$D/usr/local/lib/systemd/user/cloche-dash.socket" >"$H/.config/systemd/user/cloche-probe.socket"
printf 'Service=cloche-dash.service\n' >>"$H/.config/systemd/user/cloche-probe.socket"
chown -R "$SU:$SU" "$H/.config/systemd"
sctl daemon-reload && sctl start cloche-probe.socket
check "without SocketMode= the socket would be 0666 (the mode check can fail)" "666 $SU socket" "$(mode "$R/probe/p.sock")"
sctl stop cloche-probe.socket
rm -f "$H/.config/systemd/user/cloche-probe.socket"

# fcgi SOCK URI: one FastCGI request (as root, who may connect anywhere).
fcgi() {
	env -i REQUEST_METHOD=GET REQUEST_URI="$2" SCRIPT_NAME= GATEWAY_INTERFACE=CGI/1.1 SERVER_NAME=localhost \
		SERVER_PORT=80 timeout 10 cgi-fcgi -bind -connect "$1"
}
status_of() { sed -n '1s/^Status: \([0-9]*\).*/\1/p' | tr -d '\r'; }
# same_projects: the project dirs of an /api/projects body on stdin are the
# user's demo projects (manifest.json), or says what differs.
same_projects() {
	$PY -c 'import json,sys
m=json.load(open(sys.argv[1]))
want=sorted(m["projects"].values())
try: got=sorted(p["dir"] for p in json.loads(sys.stdin.read()))
except Exception as e: got="not a project list: %s" % e
print("same" if got==want else "got %s, want %s" % (got, want))' "$MAN"
}
check "first request through the socket: 200" 200 "$(fcgi "$S/dash.sock" / | status_of)"
check "the activated responder lists $SU's projects" same "$(fcgi "$S/dash.sock" /api/projects | sed '1,/^\r$/d' | same_projects)"
check "after the first request the responder is active" active "$(state cloche-dash.service)"
pid=$(sctl show -P MainPID cloche-dash.service)
check "the responder runs as $SU" "$SU" "$(ps -o user= -p "$pid" | tr -d ' ')"
check "the responder is sandboxed (PrivateUsers, ProtectSystem=strict, PrivateTmp)" "own-userns root-ro tmp-private" "$(sandbox "$pid")"
check "the stream helper is sandboxed too" "own-userns root-ro tmp-private" "$(sandbox "$(sctl show -P MainPID cloche-sse.service)")"
check "the responder runs the installed binary" /usr/local/bin/cloche-dash \
	"$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -1)"

sctl stop cloche-dash.service 2>/dev/null
check "after stop: responder inactive" inactive "$(state cloche-dash.service)"
check "after stop: the socket still listens" active "$(state cloche-dash.socket)"
check "a request after stop is answered (200)" 200 "$(fcgi "$S/dash.sock" /api/projects | status_of)"
check "... and re-activated the responder" active "$(state cloche-dash.service)"

stamp "web server layout: sockets in a setgid directory of $WEB (docs)"
# docs/deploy-systemd.md, option 1: /run/cloche-dash/USER (here $RUNT/cloche-dash),
# USER:www-data 2710, and a drop-in moving both sockets there.
SOCK_ROOT=$RUNT/cloche-dash
install -d -m 0755 "$SOCK_ROOT"
install -d -o "$SU" -g "$WEB" -m 2710 "$SOCK_ROOT/$SU"
mkdir -p "$H/.config/systemd/user/cloche-dash.socket.d" "$H/.config/systemd/user/cloche-sse.service.d"
printf '[Socket]\nListenStream=\nListenStream=%s/%%u/dash.sock\n' "$SOCK_ROOT" \
	>"$H/.config/systemd/user/cloche-dash.socket.d/web.conf"
printf '[Service]\nEnvironment=CLOCHE_SSE_SOCK=%s/%%u/sse.sock\nReadWritePaths=%s/%%u\n' \
	"$SOCK_ROOT" "$SOCK_ROOT" >"$H/.config/systemd/user/cloche-sse.service.d/web.conf"
chown -R "$SU:$SU" "$H/.config/systemd"
sctl daemon-reload
sctl stop cloche-dash.service cloche-dash.socket cloche-sse.service 2>/dev/null
sctl start cloche-dash.socket cloche-sse.service || fail "restart with the override: $(sctl status cloche-dash.socket cloche-sse.service 2>&1 | tail -n 5)"
until_true 10 test -S "$SOCK_ROOT/$SU/sse.sock"
check "dash.sock in the web directory: 0660 $SU:$WEB" "660 $SU:$WEB" "$(stat -c '%a %U:%G' "$SOCK_ROOT/$SU/dash.sock" 2>&1)"
check "sse.sock in the web directory: 0660 $SU:$WEB" "660 $SU:$WEB" "$(stat -c '%a %U:%G' "$SOCK_ROOT/$SU/sse.sock" 2>&1)"
check "responder not started by the move" inactive "$(state cloche-dash.service)"

HT=$T/htpasswd
htpasswd -cbB "$HT" "$SU" "pw-$SU" 2>/dev/null
htpasswd -bB "$HT" other pw-other 2>/dev/null
chown root:"$WEB" "$HT" && chmod 0640 "$HT"
export PUBLIC=$D/usr/local/share/cloche-dash/public HTPASSWD=$HT SOCK_ROOT DASH_USER=$SU
export RUNDIR=$T/lighttpd PORT USERS_CONF=$T/lighttpd/users.conf MAGNET=$T/lighttpd/cloche-route.lua
install -d -m 0755 -o "$WEB" "$RUNDIR"
PORT=$(free_port)
render "$ROOT/conf/multiuser/lighttpd-user.conf.in" "$USERS_CONF"
render "$ROOT/conf/multiuser/cloche-route.lua" "$MAGNET"
render "$ROOT/conf/multiuser/lighttpd.conf.in" "$RUNDIR/lighttpd.conf"
spawn_group "$RUNDIR/stdout.log" lighttpd -D -f "$RUNDIR/lighttpd.conf" >/dev/null
L=http://127.0.0.1:$PORT
wait_http "$L/" 10 || fail "lighttpd did not start: $(tail -n 3 "$RUNDIR/lighttpd-error.log" "$RUNDIR/stdout.log" 2>&1)"
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u "$SU:pw-$SU" "$@"; }
M=$L/~$SU/cloche
check "lighttpd: /~$SU/cloche/ is 200" 200 "$(code "$M/")"
check "lighttpd: the responder was activated by lighttpd ($WEB through the socket's group)" active "$(state cloche-dash.service)"
check "lighttpd: /~$SU/cloche/api/projects lists $SU's projects" same \
	"$(curl -s --max-time 10 -u "$SU:pw-$SU" "$M/api/projects" | same_projects)"
check "lighttpd: /cloche/ routed by the authenticated user" same \
	"$(curl -s --max-time 10 -u "$SU:pw-$SU" "$L/cloche/api/projects" | same_projects)"
check "lighttpd: another user on /~$SU/cloche/ is 403 (CLOCHE_DASH_OWNER=%u)" 403 \
	"$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u other:pw-other "$M/api/projects")"
run=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["long_log_run"])' "$MAN")
curl -s -D "$T/stream.head" -o "$T/stream.body" --max-time 3 -u "$SU:pw-$SU" "$M/api/runs/$run/stream"
check "lighttpd: a stream route reaches the stream helper (200 text/event-stream)" "200 text/event-stream" \
	"$(tr -d '\r' <"$T/stream.head" | sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p;s/^[Cc]ontent-[Tt]ype: \([^;]*\).*/\1/p' | paste -sd' ')"
check "lighttpd: the stream carries log events" 1 "$(grep -c -m1 '^data: ' "$T/stream.body")"
sctl stop cloche-dash.service 2>/dev/null
check "lighttpd: after stop, a request re-activates the responder (200)" 200 "$(code "$M/api/projects")"
check "lighttpd: ... and it is active again" active "$(state cloche-dash.service)"

# On failure, what the manager says about the units (the log only has
# what the generators print: units log to a journal that is not there).
[ "$FAILS" -gt 0 ] && sctl status --no-pager -l cloche-dash.socket cloche-dash.service cloche-sse.service 2>&1 | sed 's/^/# /'
stamp "disable --now"
sctl disable --now cloche-dash.socket cloche-sse.service >/dev/null 2>&1 || fail "disable --now"
check "after disable --now: socket unit inactive" inactive "$(state cloche-dash.socket)"
check "after disable --now: responder stopped with its socket" inactive "$(state cloche-dash.service)"
check "after disable --now: stream helper inactive" inactive "$(state cloche-sse.service)"
check "after disable --now: not enabled" disabled "$(sctl is-enabled cloche-dash.socket)"
check "after disable --now: dash.sock removed" missing "$(mode "$SOCK_ROOT/$SU/dash.sock")"
check "after disable --now: sse.sock removed" missing "$(mode "$SOCK_ROOT/$SU/sse.sock")"
check "lighttpd: with the dashboard disabled /~$SU/cloche/ is 503" 503 "$(code "$M/")"
stamp "done"
[ -n "${KEEP:-}" ] && { echo "# kept $T"; trap - EXIT; }
[ "$FAILS" -eq 0 ]
