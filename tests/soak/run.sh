#!/usr/bin/env bash
# run.sh - the soak (make soak): tests/soak/soak.c starts custos-server
# --config on a free loopback port with a sqlite vault in a fresh temp dir,
# drives 64 keep-alive clients for SOAK_SECONDS (default 60), SIGTERMs it
# under load, restarts it and reads every acknowledged write back. See the
# comment at the top of soak.c for what is checked and why.
#   CUSTOS_SERVER  the custos-server binary (required)
#   SOAK_BIN       the load generator (default build/tests/soak/soak)
#   SOAK_SECONDS   load duration (default 60); SOAK_CLIENTS (default 64)
#   TMPDIR         where the vault goes: keep it on a real disk, so every
#                  write is a real fsync
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${CUSTOS_SERVER:?set CUSTOS_SERVER to the custos-server binary}"
soak=${SOAK_BIN:-$here/../../build/tests/soak/soak}
secs=${SOAK_SECONDS:-60}
dir=$(mktemp -d "${TMPDIR:-/tmp}/custos-soak.XXXXXX")
echo "soak: vault in $dir ($(stat -f -c %T "$dir"))"
# A hard bound on the whole run: load + drain + restart take secs + ~10 s.
timeout -k 5 $((secs + 120)) "$soak" "$CUSTOS_SERVER" "$dir"
status=$?
[ "$status" = 124 ] && echo "soak: FAIL timed out after $((secs + 120)) s"
if [ "$status" != 0 ]; then
	# soak kills its server on the way out; after a timeout it could not.
	[ -f "$dir/server.pid" ] && kill -KILL "$(cat "$dir/server.pid")" 2>/dev/null
	[ -f "$dir/server.log" ] && sed 's/^/  server: /' "$dir/server.log" | tail -30
fi
rm -rf "$dir"
exit "$status"
