#!/bin/sh
# install-deps.sh - installs the Debian 12 packages custos needs, and only
# those that are missing: the one place anything gets installed.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the benchmark tools and peers (hyperfine,
#                                    pass, gnupg, time, openssl, valgrind)
#   scripts/install-deps.sh --fuzz   also clang + libFuzzer runtime
set -eu
pkgs="build-essential pkg-config libssl-dev libsqlite3-dev libjansson-dev libcmocka-dev zlib1g-dev sqlite3 python3 procps"
for arg in "$@"; do
	case "$arg" in
	--bench) pkgs="$pkgs hyperfine pass gnupg time openssl valgrind" ;;
	--fuzz) pkgs="$pkgs clang libclang-rt-14-dev" ;;
	*) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
	esac
done
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
