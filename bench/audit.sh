#!/bin/bash
# bench/audit.sh - the cost of audit, in one run (bench/audit.sh from the
# repository root, after `make`):
#
#   1. KV v2 reads with audit off and on: two dev servers on sqlite vaults,
#      the same secret and the same kind of NON-root token (policy
#      path "secret/data/bench/*" { capabilities = ["read"] }, as
#      bench/server.sh), one of them with a file audit device on the same
#      disk as the vaults. wrk -t1 -c32 -d10s --latency, a warm-up each,
#      then ROUNDS rounds alternating off, on, off, on, ... with the load
#      average and the server's CPU time per request.
#      With FLOOR_MODES (for example "two behind-drop"), one more audited
#      server per mode joins the rounds: a build of this tree with
#      bench/audit_floor.patch, whose entries are fixed bytes of a KV
#      read's entry sizes written with no text, HMAC, digest or chain
#      (modes: see the patch). What the log's bytes alone cost here.
#   2. `custos audit verify` of the audited server's log (hundreds of MB
#      after phase 1; topped up with extra wrk time to at least VERIFY_MB),
#      ROUNDS times, alternating with `openssl dgst -sha256` of the same file (the
#      cost of reading and hashing it once, with no parsing or MACs).
#
# Servers listen on 127.0.0.1 and are stopped by PID; everything lives in
# a temp dir under TMPDIR, removed on exit. Raw outputs and the summary go
# to RESULTS (default /tmp/custos-bench/audit-DATE). Knobs: ROUNDS (5),
# DUR (10s), WARMUP_DUR (5s), VERIFY_MB (500), BUILD (build), RESULTS,
# FLOOR_MODES (none).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-5}
DUR=${DUR:-10s}
WARMUP_DUR=${WARMUP_DUR:-5s}
VERIFY_MB=${VERIFY_MB:-500}
FLOOR_MODES=${FLOOR_MODES:-}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=${RESULTS:-/tmp/custos-bench/audit-$STAMP}
SERVER=$BUILD/custos-server
CLI=$(cd "$(dirname "$BUILD/custos")" && pwd)/custos
. bench/lib.sh
bench_need audit.sh "$SERVER" "$CLI" -- wrk curl python3 openssl
mkdir -p "$RESULTS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/custos-auditbench-XXXXXX")
export XDG_DATA_HOME=$WORK/data XDG_CONFIG_HOME=$WORK/config HOME=$WORK
unset CUSTOS_VAULT CUSTOS_KEY_FILE CUSTOS_MASTER_KEY CUSTOS_PASSPHRASE_FILE CUSTOS_ADDR VAULT_ADDR

cpu_ticks() { awk '{print $14 " " $15}' "/proc/$1/stat"; } # user, system

# start NAME [FLOOR_MODE]: a dev server on its own sqlite vault (the floor
# build with AUDIT_FLOOR=MODE when given); sets PORT_<NAME>, PID_<NAME>, TOKEN_<NAME>.
start() {
	local name=$1 mode=${2:-} port server=$SERVER
	port=$(free_port)
	[ -n "$mode" ] && server=$WORK/floor/build/custos-server
	env ${mode:+AUDIT_FLOOR=$mode} "$server" --dev --dev-listen-address "127.0.0.1:$port" --dev-root-token-id root \
		--vault "$WORK/$name.db" >"$RESULTS/server-$name.log" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/v1/sys/health" && break; sleep 0.1; done
	export CUSTOS_ADDR=http://127.0.0.1:$port CUSTOS_TOKEN=root
	printf 'path "secret/data/bench/*" { capabilities = ["read"] }\n' >"$WORK/read.hcl"
	"$CLI" policy write benchread "$WORK/read.hcl" >/dev/null
	printf 'sk-%s' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" | "$CLI" put bench/s1 api_key=- >/dev/null
	local token
	token=$("$CLI" token create --policy benchread --ttl 24h --format json |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["client_token"])')
	printf -v "PORT_$name" '%s' "$port"
	printf -v "PID_$name" '%s' "$pid"
	printf -v "TOKEN_$name" '%s' "$token"
	unset CUSTOS_ADDR CUSTOS_TOKEN
}

cat >"$WORK/read.lua" <<'EOF'
wrk.method = "GET"
wrk.headers["X-Vault-Token"] = os.getenv("BENCH_TOKEN")
EOF

# run NAME SERVER DURATION: one wrk round into RESULTS/NAME.txt; a row in runs.tsv.
run() {
	local name=$1 srv=$2 dur=$3 port pid token load t0 t1
	port=$(eval echo "\$PORT_$srv") pid=$(eval echo "\$PID_$srv") token=$(eval echo "\$TOKEN_$srv")
	load=$(cut -d' ' -f1 /proc/loadavg)
	read -r u0 s0 <<<"$(cpu_ticks "$pid")"
	BENCH_TOKEN=$token wrk -t1 -c32 -d"$dur" --latency -s "$WORK/read.lua" \
		"http://127.0.0.1:$port/v1/secret/data/bench/s1" >"$RESULTS/$name.txt" 2>&1
	read -r u1 s1 <<<"$(cpu_ticks "$pid")"
	printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$load" "$((u1 + s1 - u0 - s0))" "$((u1 - u0))" "$((s1 - s0))" >>"$RESULTS/runs.tsv"
	log "$name: $(awk '/^Requests\/sec/ {print $2}' "$RESULTS/$name.txt") req/s, p99" \
		"$(awk '$1 == "99%" {print $2}' "$RESULTS/$name.txt") $(grep -h 'Non-2xx' "$RESULTS/$name.txt" || true)"
}

{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null) ($(git status --porcelain 2>/dev/null | wc -l) paths changed)"
	echo "machine: $(nproc) cpus, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
	echo "work fs: $(df -T "$WORK" | awk 'NR == 2 {print $1, $2}')"
	echo "rounds $ROUNDS, duration $DUR, verify at least $VERIFY_MB MB"
} >"$RESULTS/env.txt"
cat "$RESULTS/env.txt" >&2
: >"$RESULTS/runs.tsv"
: >"$RESULTS/verify.tsv"

KEYS=(off on)
if [ -n "$FLOOR_MODES" ]; then
	log "building the floor server (bench/audit_floor.patch on HEAD)"
	mkdir "$WORK/floor"
	git archive HEAD | tar -x -C "$WORK/floor"
	(cd "$WORK/floor" && git apply "$ROOT/bench/audit_floor.patch")
	make -C "$WORK/floor" -j"$(nproc)" build/custos-server >"$RESULTS/floor-build.log" 2>&1
	for mode in $FLOOR_MODES; do
		key=floor_${mode//-/_}
		KEYS+=("$key")
		start "$key" "$mode"
	done
fi
start off
start on
mkdir -p "$WORK/logs"
AUDIT_LOG=$WORK/logs/audit.log
CUSTOS_ADDR=http://127.0.0.1:$PORT_on CUSTOS_TOKEN=root "$CLI" audit enable file path="$AUDIT_LOG" >/dev/null
for key in "${KEYS[@]:2}"; do
	eval "port=\$PORT_$key"
	CUSTOS_ADDR=http://127.0.0.1:$port CUSTOS_TOKEN=root "$CLI" audit enable file path="$WORK/logs/$key.log" >/dev/null
done
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Vault-Token: $TOKEN_on" "http://127.0.0.1:$PORT_on/v1/secret/data/bench/s1")
[ "$code" = 200 ] || { echo "audit.sh: the audited server does not serve the read ($code)" >&2; exit 1; }
grep -q '"path":"secret/data/bench/s1"' "$AUDIT_LOG" || { echo "audit.sh: nothing audited" >&2; exit 1; }

log "phase 1: KV reads, audit off vs on (load $(cut -d' ' -f1-3 /proc/loadavg))"
for key in "${KEYS[@]}"; do
	run "warmup-$key" "$key" "$WARMUP_DUR"
done
for r in $(seq 1 "$ROUNDS"); do
	for key in "${KEYS[@]}"; do
		run "$key-$r" "$key" "$DUR"
	done
done
ls -l "$WORK/logs" >"$RESULTS/log-files.txt"

# ---------------------------------------------------------------- 2. verify
while [ "$(( $(stat -c %s "$AUDIT_LOG") / 1048576 ))" -lt "$VERIFY_MB" ]; do
	run "fill-$(date +%s)" on "$DUR"
done
for key in "${KEYS[@]}"; do
	eval "stop_pid \$PID_$key"
done
SIZE=$(stat -c %s "$AUDIT_LOG")
LINES=$(wc -l <"$AUDIT_LOG")
log "phase 2: verify a log of $((SIZE / 1048576)) MiB, $LINES lines (load $(cut -d' ' -f1-3 /proc/loadavg))"
cat "$AUDIT_LOG" >/dev/null # into the page cache for every round alike
for r in $(seq 1 "$ROUNDS"); do
	load=$(cut -d' ' -f1 /proc/loadavg)
	t0=$(date +%s.%N)
	"$CLI" --vault "$WORK/on.db" audit verify "$AUDIT_LOG" >"$RESULTS/verify-$r.txt" 2>&1
	t1=$(date +%s.%N)
	openssl dgst -sha256 "$AUDIT_LOG" >/dev/null
	t2=$(date +%s.%N)
	printf '%s\t%s\t%s\t%s\n' "$r" "$load" "$(python3 -c "print($t1 - $t0)")" "$(python3 -c "print($t2 - $t1)")" >>"$RESULTS/verify.tsv"
	log "verify $r: $(cat "$RESULTS/verify-$r.txt")"
done

python3 - "$RESULTS" "$ROUNDS" "$SIZE" "$LINES" "$DUR" "${KEYS[@]:2}" <<'EOF' | tee "$RESULTS/summary.md"
import os, re, statistics as st, sys
res, rounds, size, lines, dur = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
floors = [(k, "floor, " + k[6:].replace("_", "-") + ": the bytes alone (audit_floor.patch)") for k in sys.argv[6:]]
hz = os.sysconf("SC_CLK_TCK")
runs = {}
for line in open(os.path.join(res, "runs.tsv")):
    name, load, ticks, user, system = line.split("\t")
    runs[name] = (float(load), int(ticks), int(user), int(system))
def wrk(name):
    t = open(os.path.join(res, name + ".txt")).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
    p99 = float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
    total = int(re.search(r"(\d+) requests in", t).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    return rps, p99, total, int(bad.group(1)) if bad else 0
def fmt(vals, digits, unit=""):
    med = st.median(vals)
    s = f"{med:,.{digits}f}{unit}"
    if min(vals) > 0 and max(vals) / min(vals) > 1.2:
        s += f" (min {min(vals):,.{digits}f}, max {max(vals):,.{digits}f})"
    return s, med
meds = {}
print(f"Medians of {rounds} alternating rounds of `wrk -t1 -c32 -d{dur} --latency` (after a warm-up each).\n")
print("| server | req/s | p99 | server CPU per request | of which user / system | non-2xx | load avg (1 min) |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for key, label in [("off", "audit off"), ("on", "audit on: file device, same disk")] + floors:
    s = [wrk(f"{key}-{r}") for r in range(1, rounds + 1)]
    rps, rm = fmt([x[0] for x in s], 0)
    p99, pm = fmt([x[1] for x in s], 2, " ms")
    cpu, cm = fmt([runs[f"{key}-{r}"][1] / hz * 1e6 / s[r - 1][2] for r in range(1, rounds + 1)], 1, " us")
    loads = [runs[f"{key}-{r}"][0] for r in range(1, rounds + 1)]
    us = st.median([runs[f"{key}-{r}"][2] / hz * 1e6 / s[r - 1][2] for r in range(1, rounds + 1)])
    ss = st.median([runs[f"{key}-{r}"][3] / hz * 1e6 / s[r - 1][2] for r in range(1, rounds + 1)])
    meds[key] = (rm, pm, cm)
    print(f"| {label} | {rps} | {p99} | {cpu} | {us:.1f} / {ss:.1f} us | {sum(x[3] for x in s)} | {min(loads):.2f}-{max(loads):.2f} |")
print(f"\nAudit on / off: req/s {meds['on'][0] / meds['off'][0]:.2f} (target >= 0.80), "
      f"p99 {meds['on'][1] / meds['off'][1]:.2f}, CPU per request {meds['on'][2] / meds['off'][2]:.2f}.")
for key, label in floors:
    print(f"{label.split(':')[0]} / off: req/s {meds[key][0] / meds['off'][0]:.2f}.")
rows = [l.split("\t") for l in open(os.path.join(res, "verify.tsv"))]
v = [size / 1e6 / float(r[2]) for r in rows]
h = [size / 1e6 / float(r[3]) for r in rows]
vs, vm = fmt(v, 0, " MB/s")
hs, hm = fmt(h, 0, " MB/s")
print(f"\n`custos audit verify` of a {size / 1e6:,.0f} MB log ({lines:,} lines), {rounds} runs alternating "
      f"with `openssl dgst -sha256` of the same file (page cache warm; load {min(float(r[1]) for r in rows):.2f}-"
      f"{max(float(r[1]) for r in rows):.2f}):\n")
print(f"| command | throughput |\n| --- | --- |\n| custos audit verify | {vs} |\n| openssl dgst -sha256 | {hs} |")
print(f"\nverify / openssl sha256 = {vm / hm:.2f}; target >= 200 MB/s: {'met' if vm >= 200 else 'MISSED'}.")
EOF
log "results in $RESULTS"
