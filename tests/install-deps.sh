#!/bin/bash
# `make deps`: installs what the build, the demo, the tests and `make run`
# need on Debian 12. Run as root. Idempotent: a second run changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
	build-essential gcc make pkg-config git curl ca-certificates procps iproute2
	libfcgi-dev libsqlite3-dev libjson-c-dev libgit2-dev libcmocka-dev zlib1g-dev
	libnghttp2-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libevent-dev
	lighttpd lighttpd-modules-lua nginx-light spawn-fcgi
	clang libclang-rt-14-dev
	python3 python3-grpcio python3-grpc-tools python3-protobuf sqlite3
	chromium wrk apache2-utils
	systemd libfcgi-bin
)
# Node.js: keep one that is already there (e.g. NodeSource's, which brings
# its own npm and conflicts with Debian's npm package).
command -v node >/dev/null || PKGS+=(nodejs)
command -v npm >/dev/null || PKGS+=(npm)

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (apt-get)" >&2
	exit 1
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# Installing lighttpd/nginx must not start the distribution's services
	# (they would take port 80): policy-rc.d forbids it for this run.
	own_policy=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		own_policy=1
	fi
	trap '[ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Services that an earlier install did start: stop them (ours run on
# their own ports, from their own configuration).
for svc in lighttpd nginx; do
	if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
		systemctl stop "$svc" || true
		systemctl disable "$svc" 2>/dev/null || true
	elif [ -f "/run/$svc.pid" ] && kill -0 "$(cat "/run/$svc.pid")" 2>/dev/null; then
		kill "$(cat "/run/$svc.pid")" || true
	fi
done

# npm modules of the browser tests (and of tests/connect when it exists).
for d in tests/browser tests/connect; do
	[ -f "$d/package.json" ] || continue
	if [ -f "$d/package-lock.json" ]; then
		(cd "$d" && npm ci --no-audit --no-fund)
	else
		(cd "$d" && npm install --no-audit --no-fund)
	fi
done
echo "install-deps: done"
