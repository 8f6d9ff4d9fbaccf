#!/bin/bash
# bench/run.sh - every custos benchmark, side by side with its peer, in one
# run: `make bench`, or bench/run.sh from the repository root.
#
#   1. `custos get NAME -f api_key`, whole process, on vaults of 1,000,
#      100,000 and 1,000,000 secrets, next to `pass show NAME` (store of
#      1,000 entries) and /bin/true: hyperfine -N, ROUNDS rounds of RUNS
#      runs per command, command order rotated each round (A B C, B C A, ...)
#      so that drift hits every command alike.
#   2. Peak RSS of the same commands: /usr/bin/time -v, alternating, ROUNDS.
#   3. seal+open of a 1 KiB value in-process (build/bench/seal_open) next to
#      `openssl speed -evp aes-256-gcm -bytes 1024 -seconds 3` (and its
#      -aead variant), alternating, SEAL_ROUNDS rounds.
#   4. Instruction counts (valgrind --tool=callgrind) of one `custos get` per
#      vault size: a figure that does not move with machine load, with the
#      inclusive counts of its main parts; and the in-process phases of a
#      get (build/bench/get_phases: OpenSSL set-up, vault open, read, close).
#
# Vaults, the pass store and its GNUPGHOME are cached in $CUSTOS_BENCH_DIR
# (default /tmp/custos-bench; never inside the repository); delete the
# directory to rebuild them. Results go to $CUSTOS_BENCH_DIR/results-DATE/
# and the summary to stdout. gpg-agent is started here, warmed, and stopped
# on exit with `gpgconf --kill all` under the throwaway GNUPGHOME.
#
# Knobs (environment): ROUNDS (10), RUNS (30), WARMUP (5), SEAL_ROUNDS (5),
# SIZES ("1000 100000 1000000"), BUILD (build), CALLGRIND (1; 0 skips it).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
WORK=${CUSTOS_BENCH_DIR:-/tmp/custos-bench}
ROUNDS=${ROUNDS:-10}
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-5}
SEAL_ROUNDS=${SEAL_ROUNDS:-5}
SIZES=${SIZES:-"1000 100000 1000000"}
CALLGRIND=${CALLGRIND:-1}
PASS_ENTRIES=1000
# Secret 507 exists in every vault (and in the pass store): the same name
# everywhere, so only the vault size differs between the custos commands.
PICK=507

case "$WORK" in "$ROOT"/*) echo "run.sh: keep $WORK out of the repository" >&2; exit 2 ;; esac

for tool in hyperfine pass gpg gpgconf openssl python3 /usr/bin/time; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run.sh: $tool missing; installing the bench dependencies" >&2
		scripts/install-deps.sh --bench
		break
	fi
done

case "$BUILD" in /*) BIN=$BUILD ;; *) BIN=$ROOT/$BUILD ;; esac
CUSTOS=$BIN/custos
GEN=$BIN/bench/gen_vault
SEAL=$BIN/bench/seal_open
PHASES=$BIN/bench/get_phases
make --no-print-directory BUILD="$BUILD" "$BUILD/custos" "$BUILD/bench/gen_vault" \
	"$BUILD/bench/seal_open" "$BUILD/bench/get_phases" >&2

mkdir -p "$WORK"
chmod 700 "$WORK"
KEY=$WORK/master.key
export GNUPGHOME=$WORK/gnupg
export PASSWORD_STORE_DIR=$WORK/pass-store
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
OUT=$WORK/results-$STAMP
mkdir -p "$OUT"
NAME=$("$GEN" --name "$PICK" "$PASS_ENTRIES")
unset CUSTOS_MASTER_KEY CUSTOS_VAULT CUSTOS_KEY_FILE CUSTOS_PASSPHRASE_FILE

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

cleanup() {
	# Only the agent of our throwaway GNUPGHOME; nothing else is touched.
	if [ -d "$GNUPGHOME" ]; then
		gpgconf --kill all >/dev/null 2>&1 || true
	fi
}
trap cleanup EXIT

# --- vaults ----------------------------------------------------------------
vault_of() { echo "$WORK/vault-$1.db"; }

vault_ok() { # the last secret is written last: its presence proves the rest
	local v=$1 n=$2 last
	last=$("$GEN" --name $((n - 1)) "$n")
	[ -f "$v" ] && "$CUSTOS" --vault "$v" --key-file "$KEY" get "$last" -f api_key \
		>/dev/null 2>&1
}

for n in $SIZES; do
	v=$(vault_of "$n")
	if vault_ok "$v" "$n"; then
		log "vault of $n secrets: cached ($v)"
		continue
	fi
	log "vault of $n secrets: generating $v"
	# The -wal and -shm files go too: readers leave them next to the vault,
	# and SQLite would replay a stale -wal into the new file.
	rm -f "$v" "$v-wal" "$v-shm" "$v.tmp" "$v.tmp-wal" "$v.tmp-shm"
	/usr/bin/time -v "$GEN" --key-file "$KEY" "$v.tmp" "$n" >"$OUT/gen-$n.out" 2>"$OUT/gen-$n.err"
	if [ -s "$v.tmp-wal" ]; then # gen_vault's close checkpoints: nothing may be left
		echo "run.sh: $v.tmp-wal still holds frames; not moving the vault" >&2
		exit 1
	fi
	rm -f "$v.tmp-wal" "$v.tmp-shm"
	mv "$v.tmp" "$v"
	tail -1 "$OUT/gen-$n.out" >&2
done

# --- pass store ------------------------------------------------------------
pass_ok() {
	[ -f "$PASSWORD_STORE_DIR/.gpg-id" ] &&
		pass show "$("$GEN" --name $((PASS_ENTRIES - 1)) "$PASS_ENTRIES")" >/dev/null 2>&1
}

if ! pass_ok; then
	log "pass store of $PASS_ENTRIES entries: creating $PASSWORD_STORE_DIR"
	gpgconf --kill all >/dev/null 2>&1 || true
	rm -rf "$GNUPGHOME" "$PASSWORD_STORE_DIR"
	mkdir -m 700 "$GNUPGHOME"
	# Debian 12's gpg default key (rsa3072, with an rsa3072 encryption
	# subkey), no passphrase: what `gpg --gen-key` gives a pass user.
	gpg --batch --pinentry-mode loopback --passphrase '' \
		--quick-generate-key 'custos bench <bench@custos.invalid>' default default never \
		2>"$OUT/gpg-keygen.err"
	fpr=$(gpg --list-keys --with-colons | awk -F: '/^fpr:/ {print $10; exit}')
	pass init "$fpr" >/dev/null
	"$GEN" --print "$PASS_ENTRIES" | while read -r name _type value; do
		printf '%s\n' "$value" | pass insert -m -f "$name" >/dev/null
	done
fi
gpg --list-keys --with-colons | awk -F: '/^(pub|sub):/ {
	a = $4 == 1 ? "rsa" $3 : $4 == 22 ? "ed25519" : $4 == 18 ? "cv25519" : "algo" $4 "/" $3
	printf "%s %s (%s)\n", ($1 == "pub" ? "pass key:" : "  subkey:"), a, $12}' >"$OUT/pass-key.txt"

# Start and warm the agent so `pass show` is measured in its steady state:
# the agent is up and has read the (unprotected) secret key before timing.
gpgconf --launch gpg-agent
for _ in 1 2 3; do pass show "$NAME" >/dev/null; done

# --- 1 and 2: whole-process time -------------------------------------------
declare -a labels=() cmds=()
for n in $SIZES; do
	labels+=("custos-get-$n")
	cmds+=("$CUSTOS --vault $(vault_of "$n") --key-file $KEY get $NAME -f api_key")
done
labels+=("pass-show-$PASS_ENTRIES" "true")
cmds+=("pass show $NAME" "/bin/true")

# Every command must print the same secret before anything is timed.
want=$(pass show "$NAME")
for i in "${!cmds[@]}"; do
	[ "${labels[$i]}" = true ] && continue
	got=$(${cmds[$i]})
	if [ "$got" != "$want" ]; then
		echo "run.sh: ${labels[$i]} printed something else than pass" >&2
		exit 1
	fi
done

ncmd=${#cmds[@]}
log "time: $ROUNDS rounds x $RUNS runs of $ncmd commands (hyperfine -N)"
for r in $(seq 1 "$ROUNDS"); do
	args=()
	for k in $(seq 0 $((ncmd - 1))); do
		i=$(((k + r - 1) % ncmd))
		args+=(-n "${labels[$i]}" "${cmds[$i]}")
	done
	hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
		--export-json "$OUT/time-round-$r.json" "${args[@]}" >"$OUT/time-round-$r.txt" 2>&1
done

# --- peak RSS ----------------------------------------------------------------
log "peak RSS: $ROUNDS rounds of $ncmd commands (/usr/bin/time -v)"
: >"$OUT/rss.tsv"
for r in $(seq 1 "$ROUNDS"); do
	for i in "${!cmds[@]}"; do
		/usr/bin/time -v ${cmds[$i]} >/dev/null 2>"$OUT/rss.tmp"
		kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/rss.tmp")
		printf '%s\t%s\n' "${labels[$i]}" "$kb" >>"$OUT/rss.tsv"
	done
done
rm -f "$OUT/rss.tmp"

# --- where a get's time goes, in-process ---------------------------------------
mid=$(echo $SIZES | awk '{print $(NF > 1 ? 2 : 1)}')
log "phases of one get (build/bench/get_phases, vault of $mid): $((ROUNDS * 3)) processes"
: >"$OUT/phases.tsv"
for r in $(seq 1 $((ROUNDS * 3))); do
	"$PHASES" "$(vault_of "$mid")" "$KEY" "$NAME" api_key |
		awk '{for (i = 2; i <= NF; i++) { split($i, kv, "="); printf "%s\t%s\n", kv[1], kv[2] }}' \
		>>"$OUT/phases.tsv"
done

# --- 3: seal+open vs openssl speed --------------------------------------------
log "seal+open: $SEAL_ROUNDS rounds of seal_open / openssl speed / openssl speed -aead"
: >"$OUT/crypto.tsv"
for r in $(seq 1 "$SEAL_ROUNDS"); do
	"$SEAL" -b 1024 -n 300000 -r 1 >"$OUT/seal-$r.txt"
	awk '/^seal_open / {for (i = 2; i <= NF; i++) {
		if ($i ~ /^median_ops=/) { sub("median_ops=", "", $i); ops = $i }
		if ($i ~ /^first_us=/) { sub("first_us=", "", $i); first = $i } }
		print "seal_open\t" ops "\t" first}' "$OUT/seal-$r.txt" >>"$OUT/crypto.tsv"
	# -mr only changes the output format. "+R:count:alg:cpu_secs": the loop
	# runs for 3 s of wall time (SIGALRM); openssl divides by CPU time.
	openssl speed -mr -evp aes-256-gcm -bytes 1024 -seconds 3 >"$OUT/openssl-$r.txt" 2>&1
	awk -F: '/^\+R:/ {printf "openssl\t%.0f\t%.0f\n", $2 / 3, $2 / $4}' \
		"$OUT/openssl-$r.txt" >>"$OUT/crypto.tsv"
	openssl speed -mr -aead -evp aes-256-gcm -bytes 1024 -seconds 3 >"$OUT/openssl-aead-$r.txt" 2>&1
	awk -F: '/^\+R:/ {printf "openssl-aead\t%.0f\t%.0f\n", $2 / 3, $2 / $4}' \
		"$OUT/openssl-aead-$r.txt" >>"$OUT/crypto.tsv"
done

# --- 4: instruction counts ----------------------------------------------------
: >"$OUT/callgrind.tsv"
if [ "$CALLGRIND" = 1 ] && command -v valgrind >/dev/null 2>&1; then
	log "callgrind: one custos get per vault size"
	for n in $SIZES; do
		valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind-get-$n.out" \
			"$CUSTOS" --vault "$(vault_of "$n")" --key-file "$KEY" get "$NAME" -f api_key \
			>/dev/null 2>"$OUT/callgrind-get-$n.err"
		ir=$(awk '/^summary:/ {print $2}' "$OUT/callgrind-get-$n.out")
		printf 'custos-get-%s\t%s\n' "$n" "$ir" >>"$OUT/callgrind.tsv"
	done
	# Inclusive counts of the parts of one get (vault of $mid).
	callgrind_annotate --inclusive=yes "$OUT/callgrind-get-$mid.out" 2>/dev/null |
		awk '/Auto-annotated source/ { done = 1 }   # read on: no SIGPIPE under pipefail
		     done { next }
		     /PROGRAM TOTALS/ { gsub(",", "", $1); printf "TOTALS\t%s\n", $1 }
		     /^ *[0-9,]+ \( *[0-9.]+%\)  [^=]*:(EVP_CIPHER_fetch|OPENSSL_cleanup|_dl_start|sq_open|sqlite3_prepare_v3|cst_vault_open|cst_vault_request|cst_vault_close|cst_cache_clear|cmd_get) / {
			v = $1; gsub(",", "", v); sub(/^[^)]*\)  /, ""); sub(/ .*/, "")
			n = split($0, f, ":"); printf "%s\t%s\n", f[n], v }' \
		>"$OUT/callgrind-parts.tsv"
fi

# --- summary -----------------------------------------------------------------
{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "host: $(uname -srm), $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "custos: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || cat "$ROOT/.commit" 2>/dev/null || echo unknown)"
	echo "tools: $(hyperfine --version), $(gpg --version | head -1), $(openssl version)"
	echo "load average: at start $LOAD0; at end $(cut -d' ' -f1-3 /proc/loadavg)"
	cat "$OUT/pass-key.txt"
	echo "secret read: $NAME (field api_key); results in $OUT"
	for i in "${!cmds[@]}"; do echo "cmd ${labels[$i]}: ${cmds[$i]}"; done
} >"$OUT/summary.txt"
python3 - "$OUT" "$ROUNDS" "$SIZES" "$PASS_ENTRIES" >>"$OUT/summary.txt" <<'EOF'
import glob, json, os, statistics as st, sys
out, rounds, sizes, pass_n = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4]
med = st.median

times, round_meds, cpu = {}, {}, {}
for r in range(1, rounds + 1):
    for res in json.load(open(os.path.join(out, f"time-round-{r}.json")))["results"]:
        times.setdefault(res["command"], []).extend(res["times"])
        round_meds.setdefault(res["command"], []).append(med(res["times"]))
        cpu.setdefault(res["command"], []).append(res["user"] + res["system"])

def spread(vals):
    lo, hi = min(vals), max(vals)
    return lo, hi, (hi - lo) / lo > 0.20

print("\n== whole-process time (hyperfine -N), ms ==")
print(f"{'command':<22}{'median':>9}{'round medians min..max':>26}{'runs min..max':>18}{'n':>6}{'cpu':>8}")
M = {}
for name, ts in times.items():
    M[name] = med(ts)
    lo, hi, wide = spread(round_meds[name])
    print(f"{name:<22}{M[name]*1e3:>9.3f}{lo*1e3:>14.3f} ..{hi*1e3:>7.3f}{'  >20%' if wide else '':>3}"
          f"{min(ts)*1e3:>9.3f} ..{max(ts)*1e3:>7.3f}{len(ts):>6}{med(cpu[name])*1e3:>8.3f}")
print("(cpu: user + system ms per run, median of the rounds' means: less sensitive to load)")

rss = {}
for line in open(os.path.join(out, "rss.tsv")):
    k, v = line.split()
    rss.setdefault(k, []).append(int(v))
print("\n== peak RSS (/usr/bin/time -v), MiB ==")
for k, v in rss.items():
    print(f"{k:<22}{med(v)/1024:>9.2f}   min {min(v)/1024:.2f} max {max(v)/1024:.2f} (n={len(v)})")

big = f"custos-get-{sizes[1]}" if len(sizes) > 1 else f"custos-get-{sizes[0]}"
peer = f"pass-show-{pass_n}"
print("\n== ratios ==")
if big in M and peer in M:
    print(f"{peer} / {big} time: {M[peer]/M[big]:.2f}x (custos is that many times faster)")
    print(f"{big} - true: {(M[big]-M['true'])*1e3:.3f} ms over bare process start")
    print(f"{big} target <= 3 ms: {'met' if M[big] <= 0.003 else 'MISSED'} ({M[big]*1e3:.3f} ms)")
if big in rss:
    r = med(rss[big]) / 1024
    print(f"{big} peak RSS target < 10 MiB: {'met' if r < 10 else 'MISSED'} ({r:.2f} MiB)")
    if peer in rss:
        print(f"{peer} / {big} peak RSS: {med(rss[peer])/med(rss[big]):.2f}x")
small, large = f"custos-get-{sizes[0]}", f"custos-get-{sizes[-1]}"
if small in M and large in M and small != large:
    q = M[large] / M[small]
    print(f"{large} / {small} time: {q:.3f}x (target <= 1.5x: {'met' if q <= 1.5 else 'MISSED'})")
    q = (M[large] - M["true"]) / (M[small] - M["true"])
    print(f"  same, minus /bin/true: {q:.3f}x")

cg = [l.split() for l in open(os.path.join(out, "callgrind.tsv")) if l.strip()]
if cg:
    print("\n== instructions per `custos get` (callgrind Ir) ==")
    base = int(cg[0][1])
    for k, v in cg:
        print(f"{k:<22}{int(v):>14,}  {int(v)/base:.3f}x")

parts = [l.split() for l in open(os.path.join(out, "callgrind-parts.tsv"))] \
    if os.path.exists(os.path.join(out, "callgrind-parts.tsv")) else []
if parts:
    total = next((int(v) for k, v in parts if k == "TOTALS"), 0)
    print(f"\n== where one `custos get` goes ({big}), callgrind Ir, inclusive ==")
    for k, v in parts:
        if k != "TOTALS":
            print(f"{k:<22}{int(v):>12,}  {int(v)/total*100:5.1f}%")

ph = {}
for line in open(os.path.join(out, "phases.tsv")):
    k, v = line.split()
    ph.setdefault(k, []).append(float(v))
if ph:
    print(f"\n== phases of one get, in-process (bench/get_phases), us, median of {len(ph['total_us'])} processes ==")
    for k, v in ph.items():
        if k.endswith("_us"):
            print(f"{k[:-3]:<22}{med(v):>9.0f}   min {min(v):.0f} max {max(v):.0f}")

cr = {}
for line in open(os.path.join(out, "crypto.tsv")):
    p = line.split()
    cr.setdefault(p[0], []).append([float(x) for x in p[1:]])
print("\n== 1 KiB AES-256-GCM, ops/s (median of rounds) ==")
if "seal_open" in cr:
    s = [x[0] for x in cr["seal_open"]]
    lo, hi, wide = spread(s)
    print(f"seal_open (seal+open, wall)     {med(s):>12,.0f}  min {lo:,.0f} max {hi:,.0f}"
          f"{'  >20%' if wide else ''}  = {1e9/med(s):,.0f} ns per seal+open")
    f = [x[1] for x in cr["seal_open"]]
    print(f"seal_open, first seal+open of a process (OpenSSL init, cipher fetch, DRBG seeding):"
          f" median {med(f):,.0f} us, min {min(f):,.0f} max {max(f):,.0f}")
for k in ("openssl", "openssl-aead"):
    if k in cr:
        w = [x[0] for x in cr[k]]
        c = [x[1] for x in cr[k]]
        lo, hi, wide = spread(w)
        print(f"{k:<15} (1 encrypt, wall) {med(w):>12,.0f}  min {lo:,.0f} max {hi:,.0f}"
              f"{'  >20%' if wide else ''}  = {1e9/med(w):,.0f} ns; per CPU s (openssl's figure) {med(c):,.0f}"
              f" = {med(c)*1024/1e6:,.0f} MB/s")
        if "seal_open" in cr:
            print(f"  {k} / seal_open: {med(w)/med(s):.2f}x")
EOF
cat "$OUT/summary.txt"
