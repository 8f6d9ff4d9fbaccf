#!/bin/bash
# bench/workflow.sh - the everyday-workflow figures, each next to its
# baseline in the same run (`make bench-workflow`, or bench/workflow.sh
# from the repository root):
#
#   1. `custos run --path NAME -- /bin/true` next to `/bin/true` alone and
#      `custos get NAME -f api_key`: hyperfine -N, ROUNDS rounds of RUNS
#      runs, order rotated each round; locally, and against a loopback
#      `custos-server --dev` (CUSTOS_ADDR set for that group only).
#   2. `custos run --mask` on 1 GiB of child output (build/bench/gen_output:
#      log lines, one of 1,000 secrets every 50 lines, a near miss
#      "sk-proj-..." on all the others) with 1,000 secrets to mask (one
#      custom credential of 1,000 fields, values shaped like OpenAI keys:
#      "sk-proj-" + 40 characters), next to the child alone, the child
#      through `cat` (a pipe hop without masking) and `custos run` without
#      --mask (exec); output to /dev/null. Then the masker in-process
#      (build/bench/mask_speed) and its instructions per byte (callgrind).
#   3. `custos import dotenv` of a 10,000-line file (local vault, a fresh
#      credential each run: hyperfine --prepare destroys it) next to
#      python-dotenv's dotenv_values() of the same file.
#
# Everything lives in $CUSTOS_BENCH_DIR (default /tmp/custos-bench-workflow,
# never inside the repository), made afresh each run; the dev server is
# stopped by PID on exit. Results go to $CUSTOS_BENCH_DIR/results-DATE/.
# Knobs: ROUNDS (5), RUNS (30), MASK_BYTES (1G), MASK_RUNS (5), BUILD (build),
# CALLGRIND (1).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
WORK=${CUSTOS_BENCH_DIR:-/tmp/custos-bench-workflow}
ROUNDS=${ROUNDS:-5}
RUNS=${RUNS:-30}
MASK_BYTES=${MASK_BYTES:-1G}
MASK_RUNS=${MASK_RUNS:-5}
CALLGRIND=${CALLGRIND:-1}
PY=/usr/bin/python3

case "$WORK" in "$ROOT"/*) echo "workflow.sh: keep $WORK out of the repository" >&2; exit 2 ;; esac
for tool in hyperfine valgrind; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "workflow.sh: $tool missing; installing the bench dependencies" >&2
		scripts/install-deps.sh --bench
		break
	fi
done
case "$BUILD" in /*) BIN=$BUILD ;; *) BIN=$ROOT/$BUILD ;; esac
make --no-print-directory BUILD="$BUILD" "$BUILD/custos" "$BUILD/custos-server" \
	"$BUILD/bench/gen_output" "$BUILD/bench/mask_speed" >&2
CUSTOS=$BIN/custos
SERVER=$BIN/custos-server
GEN=$BIN/bench/gen_output
MASKSPEED=$BIN/bench/mask_speed

rm -rf "$WORK"
mkdir -p -m 700 "$WORK"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$WORK/results-$STAMP
mkdir -p "$OUT"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
unset CUSTOS_ADDR VAULT_ADDR CUSTOS_TOKEN VAULT_TOKEN CUSTOS_MASTER_KEY CUSTOS_PASSPHRASE_FILE
export CUSTOS_VAULT=$WORK/vault.db CUSTOS_KEY_FILE=$WORK/master.key
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null; true; }
trap cleanup EXIT

# --- data --------------------------------------------------------------------
log "vault, credentials, secrets file, dotenv file in $WORK"
"$CUSTOS" init >/dev/null
KEY=sk-proj-benchabcdefghijklmnopqrstuvwxyz0123456789
printf '%s\n' "$KEY" | "$CUSTOS" put bench/openai --type openai api_key=- >/dev/null
"$PY" - "$WORK" <<'PY'
import random, string, sys
w = sys.argv[1]
r = random.Random(20261124)
alnum = string.ascii_letters + string.digits
with open(w + "/secrets.txt", "w") as s, open(w + "/mask1000.env", "w") as e:
    for i in range(1000):
        v = "sk-proj-" + "".join(r.choice(alnum) for _ in range(40))
        s.write(v + "\n")
        e.write("SECRET_%04d=%s\n" % (i, v))
# 10,000 lines as a large application .env has them: comments, blank lines,
# export, quoted and multi-line values, inline comments.
with open(w + "/big.env", "w") as f:
    line = 0
    i = 0
    while line < 10000:
        k = i % 10
        if k == 0:
            f.write("# section %d\n" % i); line += 1
        elif k == 1:
            f.write("\n"); line += 1
        elif k == 2:
            f.write('export VAR_%05d="quoted value %d with \\"escapes\\" and # hash"\n' % (i, i)); line += 1
        elif k == 3 and line < 9997:
            f.write("PEM_%05d=\"-----BEGIN KEY-----\nMIIB%s\n-----END KEY-----\"\n" % (i, "".join(r.choice(alnum) for _ in range(40)))); line += 3
        elif k == 4:
            f.write("VAR_%05d='single %d'   # inline comment\n" % (i, i)); line += 1
        else:
            f.write("VAR_%05d=%s\n" % (i, "".join(r.choice(alnum) for _ in range(32)))); line += 1
        i += 1
PY
"$CUSTOS" import dotenv "$WORK/mask1000.env" bench/mask1000 >/dev/null

# --- 1: run overhead, local and remote ----------------------------------------
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$SERVER" --dev --dev-listen-address "127.0.0.1:$PORT" --dev-root-token-id root >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
	CUSTOS_ADDR=http://127.0.0.1:$PORT CUSTOS_TOKEN=root "$CUSTOS" status >/dev/null 2>&1 && break
	sleep 0.05
done
printf '%s\n' "$KEY" | CUSTOS_ADDR=http://127.0.0.1:$PORT CUSTOS_TOKEN=root \
	"$CUSTOS" put bench/openai --type openai api_key=- >/dev/null
# Each command must do its work before anything is timed.
for mode in local remote; do
	if [ $mode = remote ]; then export CUSTOS_ADDR=http://127.0.0.1:$PORT CUSTOS_TOKEN=root; fi
	got=$("$CUSTOS" run --path bench/openai -- /bin/sh -c 'printf %s "$OPENAI_API_KEY"')
	[ "$got" = "$KEY" ] || { echo "workflow.sh: custos run ($mode) did not pass the key" >&2; exit 1; }
	unset CUSTOS_ADDR CUSTOS_TOKEN
done
labels=(true run get)
cmds=("/bin/true" "$CUSTOS run --path bench/openai -- /bin/true" "$CUSTOS get bench/openai -f api_key")
log "run overhead: $ROUNDS rounds x $RUNS runs x ${#cmds[@]} commands, local then remote"
for r in $(seq 1 "$ROUNDS"); do
	for mode in local remote; do
		if [ $mode = remote ]; then export CUSTOS_ADDR=http://127.0.0.1:$PORT CUSTOS_TOKEN=root; fi
		args=()
		for k in 0 1 2; do
			i=$(((k + r - 1) % 3))
			args+=(-n "$mode-${labels[$i]}" "${cmds[$i]}")
		done
		hyperfine -N --style basic --warmup 5 --runs "$RUNS" \
			--export-json "$OUT/run-$mode-$r.json" "${args[@]}" >"$OUT/run-$mode-$r.txt" 2>&1
		unset CUSTOS_ADDR CUSTOS_TOKEN
	done
done
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=

# --- 2: --mask throughput ------------------------------------------------------
S=$WORK/secrets.txt
# Masking must happen: through custos, no secret is left and there are stars.
"$CUSTOS" run --mask --path bench/mask1000 -- "$GEN" 16M "$S" >"$WORK/masked.txt"
if grep -qF -f "$S" "$WORK/masked.txt" || ! grep -q '\*\*\*\*\*' "$WORK/masked.txt"; then
	echo "workflow.sh: --mask output is not masked" >&2
	exit 1
fi
rm -f "$WORK/masked.txt"
log "--mask: $MASK_RUNS runs of 4 commands on $MASK_BYTES (hyperfine -N, output to /dev/null)"
hyperfine -N --style basic --warmup 1 --runs "$MASK_RUNS" --export-json "$OUT/mask.json" \
	-n child-alone "$GEN $MASK_BYTES $S" \
	-n child-through-cat "/bin/sh -c '$GEN $MASK_BYTES $S | cat'" \
	-n run-no-mask "$CUSTOS run --path bench/mask1000 -- $GEN $MASK_BYTES $S" \
	-n run-mask "$CUSTOS run --mask --path bench/mask1000 -- $GEN $MASK_BYTES $S" \
	>"$OUT/mask.txt" 2>&1
log "masker in-process: 256 MiB, 5 rounds; callgrind on 16 MiB"
"$GEN" 256M "$S" | "$MASKSPEED" "$S" 5 >"$OUT/mask_speed.txt"
"$GEN" 256M >"$WORK/plain.txt"
"$MASKSPEED" "$S" 5 <"$WORK/plain.txt" | sed 's/^/no-secrets-in-text: /' >>"$OUT/mask_speed.txt"
rm -f "$WORK/plain.txt"
: >"$OUT/callgrind.tsv"
if [ "$CALLGRIND" = 1 ]; then
	"$GEN" 16M "$S" >"$WORK/in16.txt"
	valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind-mask.out" \
		"$MASKSPEED" "$S" 1 <"$WORK/in16.txt" >/dev/null 2>"$OUT/callgrind-mask.err"
	printf 'mask_speed-16M\t%s\n' "$(awk '/^summary:/ {print $2}' "$OUT/callgrind-mask.out")" >>"$OUT/callgrind.tsv"
	rm -f "$WORK/in16.txt"
fi

# --- 3: import of 10,000 lines -------------------------------------------------
log "import dotenv of $(wc -l <"$WORK/big.env") lines: $ROUNDS rounds of $RUNS/3 runs"
"$CUSTOS" import dotenv "$WORK/big.env" bench/big >"$OUT/import-check.txt"
for r in $(seq 1 "$ROUNDS"); do
	hyperfine -N --style basic --warmup 2 --runs $((RUNS / 3 > 5 ? RUNS / 3 : 5)) \
		--export-json "$OUT/import-$r.json" \
		--prepare "$CUSTOS destroy bench/big --all" \
		-n custos-import-dotenv "$CUSTOS import dotenv $WORK/big.env bench/big" \
		-n python-dotenv-values "$PY -c 'import dotenv; dotenv.dotenv_values(\"$WORK/big.env\")'" \
		>"$OUT/import-$r.txt" 2>&1
done

# --- summary -------------------------------------------------------------------
{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "host: $(uname -srm), $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "custos: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "tools: $(hyperfine --version), $("$PY" -c 'import dotenv; print("python-dotenv", dotenv.__version__ if hasattr(dotenv, "__version__") else "0.21 (Debian)")' 2>/dev/null)"
	echo "load average: at start $LOAD0; at end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "results: $OUT"
	cat "$OUT/import-check.txt"
} >"$OUT/summary.txt"
"$PY" - "$OUT" "$ROUNDS" "$MASK_BYTES" >>"$OUT/summary.txt" <<'EOF'
import glob, json, os, re, statistics as st, sys
out, rounds, mask_bytes = sys.argv[1], int(sys.argv[2]), sys.argv[3]
med = st.median

def collect(pattern):
    times, round_meds = {}, {}
    for f in sorted(glob.glob(os.path.join(out, pattern))):
        for res in json.load(open(f))["results"]:
            times.setdefault(res["command"], []).extend(res["times"])
            round_meds.setdefault(res["command"], []).append(med(res["times"]))
    return times, round_meds

def table(times, round_meds, unit=1e3, fmt="{:>10.3f}"):
    for name, ts in times.items():
        lo, hi = min(round_meds[name]), max(round_meds[name])
        wide = "  >20%" if lo > 0 and (hi - lo) / lo > 0.2 else ""
        print(f"{name:<26}" + fmt.format(med(ts) * unit) + f"   rounds {lo*unit:.3f} .. {hi*unit:.3f}{wide}"
              f"   runs {min(ts)*unit:.3f} .. {max(ts)*unit:.3f}  n={len(ts)}")

print("\n== 1. custos run -- /bin/true over /bin/true (hyperfine -N), ms ==")
t, rm = collect("run-*-*.json")
table(t, rm)
for mode in ("local", "remote"):
    d = med(t[f"{mode}-run"]) - med(t[f"{mode}-true"])
    print(f"{mode}: run - true = {d*1e3:.3f} ms (target <= 10 ms: {'met' if d <= 0.010 else 'MISSED'}); "
          f"run - get = {(med(t[f'{mode}-run']) - med(t[f'{mode}-get']))*1e3:.3f} ms")

print(f"\n== 2. --mask on {mask_bytes} of child output, 1,000 secrets (hyperfine -N), s ==")
t, rm = collect("mask.json")
table(t, rm, unit=1, fmt="{:>10.3f}")
n = {"k": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(mask_bytes[-1], 1) * int(re.sub(r"\D", "", mask_bytes))
for name in t:
    print(f"{name:<26}{n / med(t[name]) / 1e6:>10.0f} MB/s")
mb = n / med(t["run-mask"]) / 1e6
print(f"run-mask target >= 500 MB/s: {'met' if mb >= 500 else 'MISSED'} ({mb:.0f} MB/s); "
      f"run-mask / child-through-cat time: {med(t['run-mask']) / med(t['child-through-cat']):.2f}x")
print(open(os.path.join(out, "mask_speed.txt")).read().rstrip())
for line in open(os.path.join(out, "callgrind.tsv")):
    k, v = line.split()
    print(f"callgrind {k}: {int(v):,} instructions = {int(v) / (16 << 20):.2f} per byte (read + mask)")

print("\n== 3. import dotenv of 10,000 lines (hyperfine -N), ms ==")
t, rm = collect("import-*.json")
table(t, rm)
c = med(t["custos-import-dotenv"])
print(f"custos import target < 1 s: {'met' if c < 1 else 'MISSED'} ({c*1e3:.1f} ms); "
      f"custos / python-dotenv parse alone: {c / med(t['python-dotenv-values']):.2f}x")
EOF
cat "$OUT/summary.txt"
