#!/bin/bash
# bench/report.sh - how fast `custos report` reads an audit log, beside jq
# doing the least a person would ask of the same log, in one run
# (bench/report.sh from the repository root, after `make`):
#
#   1. A synthetic log of LOG_MB (1024) MB in custos's entry layout (request
#      and response entries of several principals, teams and mounts over 60
#      days, 1 % failed logins, a root token now and then), written once by
#      bench/gen_audit_log.py into a temp dir.
#   2. hyperfine, ROUNDS (5) runs each, in one session:
#        custos report --format json --since 90d (every line in the window: the full parser),
#        custos report --format json --since 30d (half the lines skipped on their time alone),
#        jq counting failed logins in the window (every line parsed, one filter),
#        cat LOG > /dev/null (reading the file from the page cache).
#   Figures: medians, min/max, MB/s; the load average before and after.
#
# Everything lives in a temp dir under TMPDIR, removed on exit; raw
# outputs and the summary go to RESULTS (default /tmp/custos-bench/report-DATE).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-5}
LOG_MB=${LOG_MB:-1024}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=${RESULTS:-/tmp/custos-bench/report-$STAMP}
CLI=$(cd "$(dirname "$BUILD/custos")" && pwd)/custos
[ -x "$CLI" ] || { echo "report.sh: no $CLI; run make first" >&2; exit 2; }
for t in hyperfine jq python3; do
	command -v "$t" >/dev/null || { echo "report.sh: $t is missing (scripts/install-deps.sh --bench)" >&2; exit 2; }
done
mkdir -p "$RESULTS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/custos-bench-report.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export XDG_DATA_HOME="$WORK/data" XDG_CONFIG_HOME="$WORK/config" HOME="$WORK/home"
unset CUSTOS_ADDR VAULT_ADDR CUSTOS_VAULT CUSTOS_KEY_FILE CUSTOS_MASTER_KEY
"$CLI" init >/dev/null
LOG="$WORK/audit.log"
python3 bench/gen_audit_log.py "$LOG" "$LOG_MB"
BYTES=$(stat -c %s "$LOG")
LINES=$(wc -l <"$LOG")
SINCE30=$(date -u -d '-30 days' +%Y-%m-%dT%H:%M:%SZ)
cat "$LOG" >/dev/null # into the page cache
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
hyperfine --runs "$ROUNDS" --warmup 1 --export-json "$RESULTS/hyperfine.json" \
	-n "report --since 90d" "$CLI report --format json --since 90d --audit-file $LOG -o $WORK/r90.json" \
	-n "report --since 30d" "$CLI report --format json --since 30d --audit-file $LOG -o $WORK/r30.json" \
	-n "jq failed logins, 30d" "jq -c 'select(.time >= \"$SINCE30\" and .error != null and (.request.path | test(\"/login\")))' $LOG | wc -l" \
	-n "cat" "cat $LOG" | tee "$RESULTS/hyperfine.txt"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
# the two agree on the count they both make
JQ=$(jq -c "select(.time >= \"$SINCE30\" and .error != null and (.request.path | test(\"/login\")))" "$LOG" | wc -l)
OURS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["audit"]["logins"]["failed"])' "$WORK/r30.json")
python3 - "$RESULTS/hyperfine.json" "$BYTES" "$LINES" "$LOAD_BEFORE" "$LOAD_AFTER" "$JQ" "$OURS" <<'PY' | tee "$RESULTS/summary.txt"
import json, sys
res = json.load(open(sys.argv[1]))["results"]
size, lines = int(sys.argv[2]), int(sys.argv[3])
print("log: %.0f MB, %d lines; load average %s before, %s after" % (size / 1e6, lines, sys.argv[4], sys.argv[5]))
print("failed logins in the last 30 days: jq %s, custos report %s" % (sys.argv[6], sys.argv[7]))
for r in res:
    t = sorted(r["times"])
    med = t[len(t) // 2]
    print("%-24s median %7.3f s  min %7.3f  max %7.3f  %7.0f MB/s" % (r["command"], med, t[0], t[-1], size / 1e6 / med))
PY
echo "results in $RESULTS"
