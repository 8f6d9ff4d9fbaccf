#!/bin/bash
# bench/ab_get.sh - compares custos binaries on the same `get NAME -f api_key`
# (vault of 100,000 secrets cached by bench/run.sh), to check a change:
#
#   bench/ab_get.sh before=/tmp/old/custos after=build/custos
#
# ROUNDS (10) rounds of hyperfine -N, RUNS (30) runs per binary, binary order
# rotated every round, /bin/true alongside; then for each binary one
# callgrind instruction count and, over 10 runs each, the median minor page
# faults and peak RSS (/usr/bin/time). Run bench/run.sh once first.
set -euo pipefail

WORK=${CUSTOS_BENCH_DIR:-/tmp/custos-bench}
ROUNDS=${ROUNDS:-10}
RUNS=${RUNS:-30}
N=${N:-100000}
VAULT=$WORK/vault-$N.db
KEY=$WORK/master.key
NAME=team-07/svc-000507
[ $# -ge 1 ] || { echo "usage: ab_get.sh LABEL=CUSTOS_BINARY..." >&2; exit 2; }
[ -f "$VAULT" ] || { echo "ab_get: no $VAULT; run bench/run.sh first" >&2; exit 2; }
unset CUSTOS_MASTER_KEY CUSTOS_VAULT CUSTOS_KEY_FILE CUSTOS_PASSPHRASE_FILE

labels=() cmds=()
for a in "$@"; do
	labels+=("${a%%=*}")
	cmds+=("${a#*=} --vault $VAULT --key-file $KEY get $NAME -f api_key")
done
labels+=(true)
cmds+=(/bin/true)
want=$(${cmds[0]})
for i in "${!cmds[@]}"; do
	[ "${labels[$i]}" = true ] && continue
	[ "$(${cmds[$i]})" = "$want" ] || { echo "ab_get: ${labels[$i]} prints another value" >&2; exit 1; }
done

OUT=$(mktemp -d "$WORK/ab-XXXXXX")
n=${#cmds[@]}
for r in $(seq 1 "$ROUNDS"); do
	args=()
	for k in $(seq 0 $((n - 1))); do
		i=$(((k + r - 1) % n))
		args+=(-n "${labels[$i]}" "${cmds[$i]}")
	done
	hyperfine -N --style none --warmup 5 --runs "$RUNS" --export-json "$OUT/round-$r.json" \
		"${args[@]}" >/dev/null 2>&1
done
: >"$OUT/static.tsv"
for i in "${!cmds[@]}"; do
	[ "${labels[$i]}" = true ] && continue
	valgrind --tool=callgrind --callgrind-out-file="$OUT/cg-$i.out" ${cmds[$i]} >/dev/null 2>&1
	ir=$(awk '/^summary:/ {print $2}' "$OUT/cg-$i.out")
	for _ in $(seq 1 10); do
		fm=$(/usr/bin/time -f '%R %M' ${cmds[$i]} 2>&1 >/dev/null | tail -1)
		printf '%s\t%s\t%s\n' "${labels[$i]}" "$ir" "$fm" >>"$OUT/static.tsv"
	done
done
echo "ab_get: $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(cut -d' ' -f1-3 /proc/loadavg), vault of $N, results in $OUT"
python3 - "$OUT" "$ROUNDS" <<'EOF'
import json, os, statistics as st, sys
out, rounds = sys.argv[1], int(sys.argv[2])
t, rm, cpu = {}, {}, {}
for r in range(1, rounds + 1):
    for x in json.load(open(os.path.join(out, f"round-{r}.json")))["results"]:
        t.setdefault(x["command"], []).extend(x["times"])
        rm.setdefault(x["command"], []).append(st.median(x["times"]))
        cpu.setdefault(x["command"], []).append(x["user"] + x["system"])
runs = {}
for l in open(os.path.join(out, "static.tsv")):
    k, ir, faults, rss = l.split()
    runs.setdefault(k, []).append((int(ir), int(faults), int(rss)))
static = {k: [v[0][0], int(st.median(x[1] for x in v)), int(st.median(x[2] for x in v))]
          for k, v in runs.items()}
print(f"{'binary':<22}{'median ms':>10}{'round medians':>20}{'cpu ms':>8}{'Ir':>12}{'faults':>8}{'RSS MiB':>9}")
for k, v in t.items():
    s = static.get(k, ["-", "-", "-"])
    ir = f"{int(s[0]):,}" if s[0] != "-" else "-"
    rss = f"{int(s[2])/1024:.2f}" if s[2] != "-" else "-"
    print(f"{k:<22}{st.median(v)*1e3:>10.3f}{min(rm[k])*1e3:>10.3f} ..{max(rm[k])*1e3:>7.3f}"
          f"{st.median(cpu[k])*1e3:>8.3f}{ir:>12}{s[1]:>8}{rss:>9}")
EOF
