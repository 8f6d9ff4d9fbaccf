#!/bin/sh
# install-deps.sh - installs the Debian 12 packages custos needs, and only
# those that are missing: the one place anything gets installed.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the benchmark tools and peers (hyperfine,
#                                    pass, gnupg, time, openssl, valgrind, wrk, nginx, perf, jq)
#   scripts/install-deps.sh --fuzz   also clang + libFuzzer runtime
#   scripts/install-deps.sh --render also chromium, to screenshot the HTML report
#                                    (scripts/report-screenshot.sh; the tests parse it instead)
# The Vault-client compatibility tests (tests/compat, `make compat`) need
# python3-hvac, Node.js + npm, and the npm packages pinned in
# tests/compat/package-lock.json, which `npm ci` installs there when
# node_modules is missing or older than the lock file. prometheus brings
# promtool, which checks the sys/metrics text format in a test (19 MB;
# Debian 12 has no smaller package with promtool).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
pkgs="build-essential pkg-config libssl-dev libsqlite3-dev libjansson-dev libcmocka-dev zlib1g-dev libmicrohttpd-dev libcurl4-openssl-dev libpq-dev postgresql sqlite3 python3 procps curl python3-hvac python3-cryptography python3-dotenv python3-yaml prometheus"
for arg in "$@"; do
	case "$arg" in
	--bench) pkgs="$pkgs hyperfine pass gnupg time openssl valgrind wrk nginx linux-perf jq" ;;
	--fuzz) pkgs="$pkgs clang libclang-rt-14-dev" ;;
	--render) pkgs="$pkgs chromium" ;;
	*) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
	esac
done
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
# Node.js and npm by command, not by Debian package name: a machine may
# carry another build of nodejs (NodeSource's bundles npm and conflicts
# with Debian's npm package). Debian 12's own are nodejs 18 and npm 9.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
	echo "install-deps: installing$missing"
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
compat="$here/tests/compat"
if [ ! -f "$compat/node_modules/.package-lock.json" ] ||
	[ "$compat/package-lock.json" -nt "$compat/node_modules/.package-lock.json" ]; then
	echo "install-deps: npm ci in tests/compat"
	(cd "$compat" && npm ci --no-audit --no-fund --loglevel=error)
fi
