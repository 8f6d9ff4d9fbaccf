#!/bin/bash
# bench/login.sh - userpass logins over HTTP (bench/login.sh from the
# repository root, after `make`), in one run:
#
#   1. The bare cost: build/bench/scrypt_cost, one scrypt hash per log_n on
#      one thread and on two (the ceiling of password checks on this box).
#   2. Login rate at log_n 14, 15 (the default) and 16: one custos-server
#      --dev --vault (sqlite, durable token writes) per cost, a user whose
#      hash has that cost, and wrk -t2 -c4 -d$DUR --latency POSTing
#      auth/userpass/login/NAME; ROUNDS rounds alternating the costs
#      (14, 15, 16, 14, 15, 16, ...) after one warm-up each.
#   3. A login storm next to service traffic at the default cost: KV v2
#      reads with a non-root token (wrk -t1 -c16) alone, then the same
#      reads while wrk -t1 -c64 hammers the login path; alternating, ROUNDS
#      times. It shows what the storm costs the services, and how many
#      logins are refused with 429 once CST_LIMIT_LOGIN_QUEUE wait.
#
# The load average goes next to every figure. Servers listen on 127.0.0.1
# only and are stopped by PID; everything lives in a temp dir removed on
# exit; raw wrk outputs stay in RESULTS (default /tmp/custos-bench/login-DATE).
# Knobs: ROUNDS (5), DUR (10s), BUILD (build), RESULTS.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-5}
DUR=${DUR:-10s}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=${RESULTS:-/tmp/custos-bench/login-$STAMP}
SERVER=$BUILD/custos-server
. bench/lib.sh
bench_need login.sh "$SERVER" "$BUILD/bench/scrypt_cost" -- wrk curl python3
mkdir -p "$RESULTS"
WORK=$(mktemp -d)
TMP=$WORK
load() { cut -d' ' -f1 /proc/loadavg; }

# start COST: a server whose new hashes have that cost; sets ADDR_<COST>.
declare -A ADDR
start() {
	local cost=$1 port
	port=$(free_port)
	CUSTOS_PASSWORD_LOG_N=$cost "$SERVER" --dev --dev-listen-address "127.0.0.1:$port" \
		--dev-root-token-id root --vault "$TMP/v$cost.db" >"$TMP/server-$cost.log" 2>&1 &
	PIDS+=($!)
	local a="http://127.0.0.1:$port"
	for _ in $(seq 1 200); do curl -s -o /dev/null "$a/v1/sys/health" && break; sleep 0.05; done
	local h=(-s -o /dev/null -H "X-Vault-Token: root")
	curl "${h[@]}" -X POST -d '{"type":"userpass"}' "$a/v1/sys/auth/userpass"
	curl "${h[@]}" -X POST -d '{"password":"bench-password-1"}' "$a/v1/auth/userpass/users/bench"
	curl "${h[@]}" -X POST -d '{"policy":"path \"secret/data/bench/*\" { capabilities = [\"read\"] }"}' \
		"$a/v1/sys/policies/acl/bench-read"
	curl "${h[@]}" -X POST -d '{"data":{"api_key":"sk-bench-0000000000000000"}}' "$a/v1/secret/data/bench/k"
	ADDR[$cost]=$a
}

cat >"$TMP/login.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"password":"bench-password-1"}'
wrk.headers["Content-Type"] = "application/json"
LUA

# rps FILE: requests/s of a wrk output; lat FILE PCT; non2xx FILE.
rps() { awk '/^Requests\/sec/ { print $2 }' "$1"; }
lat() { awk -v p="$2%" '$1 == p { print $2 }' "$1"; }
non2xx() { awk '/Non-2xx/ { print $5 } END { }' "$1" | tail -1; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
minmax() { tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'; }

echo "== bare scrypt (load $(load))" | tee "$RESULTS/summary.txt"
"$BUILD/bench/scrypt_cost" 9 2 | tee -a "$RESULTS/summary.txt"

COSTS=(14 15 16)
for c in "${COSTS[@]}"; do start "$c"; done

echo "== login rate, wrk -t2 -c4 -d$DUR" | tee -a "$RESULTS/summary.txt"
declare -A R P50 P99 LOADS
for c in "${COSTS[@]}"; do # warm-up
	wrk -t2 -c4 -d3s -s "$TMP/login.lua" "${ADDR[$c]}/v1/auth/userpass/login/bench" >/dev/null
done
for r in $(seq 1 "$ROUNDS"); do
	for c in "${COSTS[@]}"; do
		f="$RESULTS/login-$c-$r.txt"
		LOADS[$c]="${LOADS[$c]:-} $(load)"
		wrk -t2 -c4 -d"$DUR" --latency -s "$TMP/login.lua" "${ADDR[$c]}/v1/auth/userpass/login/bench" >"$f"
		R[$c]="${R[$c]:-} $(rps "$f")"
		P50[$c]="${P50[$c]:-} $(lat "$f" 50)"
		P99[$c]="${P99[$c]:-} $(lat "$f" 99)"
	done
done
for c in "${COSTS[@]}"; do
	printf 'log_n %s: %s logins/s (min-max %s), p50 %s, p99 %s; load %s\n' "$c" \
		"$(echo "${R[$c]}" | median)" "$(echo "${R[$c]}" | minmax)" "$(echo "${P50[$c]}" | median)" \
		"$(echo "${P99[$c]}" | median)" "$(echo "${LOADS[$c]}" | median)" | tee -a "$RESULTS/summary.txt"
done

echo "== KV reads during a login storm (log_n 15): wrk -t1 -c16 reads, wrk -t1 -c64 logins" |
	tee -a "$RESULTS/summary.txt"
A=${ADDR[15]}
TOK=$(curl -s -H "X-Vault-Token: root" -X POST -d '{"policies":["bench-read"]}' "$A/v1/auth/token/create" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["auth"]["client_token"])')
cat >"$TMP/read.lua" <<LUA
wrk.headers["X-Vault-Token"] = "$TOK"
LUA
QUIET="" STORM="" LOGINS="" REFUSED="" LQ="" LS=""
for r in $(seq 1 "$ROUNDS"); do
	LQ="$LQ $(load)"
	wrk -t1 -c16 -d"$DUR" -s "$TMP/read.lua" "$A/v1/secret/data/bench/k" >"$RESULTS/read-quiet-$r.txt"
	QUIET="$QUIET $(rps "$RESULTS/read-quiet-$r.txt")"
	LS="$LS $(load)"
	wrk -t1 -c64 -d"$DUR" -s "$TMP/login.lua" "$A/v1/auth/userpass/login/bench" >"$RESULTS/storm-$r.txt" &
	storm=$!
	sleep 1
	wrk -t1 -c16 -d"$DUR" -s "$TMP/read.lua" "$A/v1/secret/data/bench/k" >"$RESULTS/read-storm-$r.txt"
	wait "$storm"
	STORM="$STORM $(rps "$RESULTS/read-storm-$r.txt")"
	total=$(awk '/requests in/ { print $1 }' "$RESULTS/storm-$r.txt")
	bad=$(non2xx "$RESULTS/storm-$r.txt")
	bad=${bad:-0}
	LOGINS="$LOGINS $(python3 -c "print(round(($total - $bad) / float('${DUR%s}'), 1))")"
	REFUSED="$REFUSED $(python3 -c "print(round($bad / float('${DUR%s}'), 1))")"
done
printf 'KV reads alone: %s/s (min-max %s; load %s)\n' "$(echo "$QUIET" | median)" \
	"$(echo "$QUIET" | minmax)" "$(echo "$LQ" | median)" | tee -a "$RESULTS/summary.txt"
printf 'KV reads during the storm: %s/s (min-max %s; load %s)\n' "$(echo "$STORM" | median)" \
	"$(echo "$STORM" | minmax)" "$(echo "$LS" | median)" | tee -a "$RESULTS/summary.txt"
printf 'storm: %s logins/s succeeded, %s/s refused with 429 (medians)\n' "$(echo "$LOGINS" | median)" \
	"$(echo "$REFUSED" | median)" | tee -a "$RESULTS/summary.txt"
echo "raw outputs in $RESULTS"
