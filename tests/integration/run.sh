#!/usr/bin/env bash
# run.sh - runs every tests/integration/tNNNN-*.sh (or those named) and
# prints "N passed, N failed". Each script exits non-zero on any failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${CUSTOS_BIN:?set CUSTOS_BIN to the custos binary}"
export CUSTOS_BIN
pass=0
failed=0
names=()
scripts=("$@")
[ ${#scripts[@]} -eq 0 ] && scripts=("$here"/t[0-9][0-9][0-9][0-9]-*.sh)
for t in "${scripts[@]}"; do
	name=$(basename "$t" .sh)
	if out=$(bash "$t" 2>&1); then
		pass=$((pass + 1))
		echo "ok   $name ($(printf '%s' "$out" | tail -n 1))"
	else
		failed=$((failed + 1))
		names+=("$name")
		echo "FAIL $name"
		printf '%s\n' "$out" | sed 's/^/     /'
	fi
done
echo "integration: $pass passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "failed: ${names[*]}"; exit 1; }
