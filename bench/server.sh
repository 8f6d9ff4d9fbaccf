#!/bin/bash
# bench/server.sh - custos-server over HTTP, side by side with its peers, in
# one run (bench/server.sh from the repository root, after `make`):
#
#   1. KV v2 read of one secret with a NON-root token whose policy is
#      path "secret/data/bench/*" { capabilities = ["read"] }, keep-alive,
#      next to nginx (Debian) serving a 100-byte JSON file (own conf in a
#      temp dir: worker_processes 2, access_log off, keepalive_requests
#      1000000). Same client and the same request bytes but the path:
#      wrk -t1 -c32 -d10s --latency with a Lua script that sets X-Vault-Token
#      (nginx ignores it). One warm-up each, then ROUNDS rounds alternating
#      nginx, custos, nginx, custos, ...
#   2. KV v2 durable writes (acknowledged after the group-commit fdatasync),
#      wrk -c32 POSTing to 1,000 keys with values that change on every
#      request; next to `dd bs=4k count=2000 oflag=dsync` in the vault's
#      directory (one dd before each write round). One extra round counts the
#      server's fdatasync calls (perf stat) for the real writes per fsync.
#   3. Token create (POST auth/token/create as root) and token lookup (POST
#      auth/token/lookup of one token), wrk -c32; rounds of 2 and 3 are
#      interleaved: write, create, lookup, write, create, lookup, ...
#   4. Server RSS (VmRSS, /proc/PID/status) on a fresh vault: at start, after
#      loading LOAD_N secrets and LOAD_N live tokens through the HTTP API (wrk
#      with a Lua counter that exits at LOAD_N answers), after DUR of reads of
#      random secrets with one token, after DUR of reads of random secrets
#      each with a random one of the LOAD_N tokens, and 10 s later, idle.
#
# Before each phase the script waits (polling every 10 s, up to QUIET_WAIT
# seconds) until `pgrep -f hyperfine` and `pgrep -f ab_get.sh` find nothing,
# and records the load average with every run. Servers listen on 127.0.0.1
# only and are stopped by PID on exit; the vaults and the nginx prefix live in
# a temp dir under TMPDIR that is removed on exit. Raw wrk outputs and the
# summary stay in RESULTS (default /tmp/custos-bench/server-DATE).
#
# Knobs (environment): ROUNDS (5), DUR (10s), WARMUP_DUR (5s), LOAD_N
# (100000), QUIET_WAIT (1200), BUILD (build), RESULTS, PROFILE (0; 1 runs
# `perf record --call-graph dwarf` against custos during one extra round of
# reads, writes and token creates, reports in RESULTS/perf-*.txt).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-5}
DUR=${DUR:-10s}
WARMUP_DUR=${WARMUP_DUR:-5s}
LOAD_N=${LOAD_N:-100000}
QUIET_WAIT=${QUIET_WAIT:-1200}
PROFILE=${PROFILE:-0}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=${RESULTS:-/tmp/custos-bench/server-$STAMP}
SERVER=$BUILD/custos-server
CLI=$BUILD/custos
WRK=(wrk -t1 -c32 --latency)

. bench/lib.sh
bench_need server.sh "$SERVER" "$CLI" -- wrk nginx curl python3 dd
mkdir -p "$RESULTS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/custos-srvbench-XXXXXX")

# Waits up to 10 s for URL to answer anything over HTTP.
wait_http()
{
	for _ in $(seq 1 100); do
		curl -s -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.1
	done
	echo "server.sh: nothing answers at $1" >&2
	return 1
}

busy() { pgrep -f hyperfine >/dev/null || pgrep -f ab_get.sh >/dev/null; }

# Waits until no CLI benchmark runs (hyperfine, ab_get.sh), polling every 10 s.
wait_quiet()
{
	local waited=0
	while busy; do
		if [ "$waited" -ge "$QUIET_WAIT" ]; then
			log "WARNING: another benchmark still runs after ${QUIET_WAIT}s; measuring anyway"
			return 0
		fi
		[ "$waited" -eq 0 ] && log "waiting for hyperfine / ab_get.sh to finish"
		sleep 10
		waited=$((waited + 10))
	done
	log "quiet (waited ${waited}s), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# cpu_ticks PID...: user + system clock ticks of the processes, summed.
cpu_ticks()
{
	local sum=0 pid
	for pid in "$@"; do
		sum=$((sum + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
	done
	echo "$sum"
}

# run_wrk NAME DURATION URL LUA [ENV=VALUE...]: one wrk run into
# $RESULTS/NAME.txt, with the load average before and whether another
# benchmark was running after.
run_wrk()
{
	local name=$1 dur=$2 url=$3 lua=$4
	shift 4
	local load pids t0 t1
	load=$(cut -d' ' -f1 /proc/loadavg)
	# The server's CPU time (user + system, all threads and nginx workers).
	if [[ $url == *":$NGINX_PORT/"* ]]; then
		pids="$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"
	else
		pids=$SRV_PID
	fi
	t0=$(cpu_ticks $pids)
	{
		echo "# env $* wrk -t1 -c32 -d$dur --latency -s $(basename "$lua") $url"
		env "$@" "${WRK[@]}" -d"$dur" -s "$lua" "$url"
	} >"$RESULTS/$name.txt" 2>&1
	t1=$(cpu_ticks $pids)
	local other=0
	busy && other=1
	printf '%s\t%s\t%s\t%s\n' "$name" "$load" "$other" "$((t1 - t0))" >>"$RESULTS/runs.tsv"
	log "$name: $(awk '/^Requests\/sec/ {print $2}' "$RESULTS/$name.txt") req/s" \
		"p99 $(awk '$1 == "99%" {print $2}' "$RESULTS/$name.txt")" \
		"$(grep -h 'Non-2xx' "$RESULTS/$name.txt" || true)"
}

# start_custos VAULT PORT LOG: sets CUSTOS_PID.
start_custos()
{
	"$SERVER" --dev --dev-listen-address "127.0.0.1:$2" --dev-root-token-id root --vault "$1" \
		>"$3" 2>&1 &
	CUSTOS_PID=$!
	PIDS+=("$CUSTOS_PID")
	wait_http "http://127.0.0.1:$2/v1/sys/health"
}

rss_line() # LABEL PID
{
	local s
	s=$(awk '/^(VmRSS|VmHWM|RssAnon|RssFile):/ {printf "%s %s kB  ", $1, $2}' "/proc/$2/status")
	printf '%s\t%s\n' "$1" "$s" >>"$RESULTS/rss.tsv"
	log "rss $1: $s"
}

# ---------------------------------------------------------------- set-up
{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null) ($(git status --porcelain 2>/dev/null | wc -l) paths changed)"
	echo "custos-server: $(stat -c '%y' "$SERVER"), sha256 $(sha256sum "$SERVER" | cut -c1-16)"
	echo "machine: $(nproc) cpus, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
	echo "wrk: $(dpkg-query -W -f '${Version}' wrk 2>/dev/null), nginx: $(nginx -v 2>&1 | cut -d/ -f2)"
	echo "vault fs: $(df -T "$WORK" | awk 'NR == 2 {print $1, $2}')"
	echo "rounds $ROUNDS, duration $DUR, warm-up $WARMUP_DUR, load $LOAD_N"
} >"$RESULTS/env.txt"
cat "$RESULTS/env.txt" >&2
: >"$RESULTS/runs.tsv"
: >"$RESULTS/rss.tsv"
: >"$RESULTS/dd.tsv"

mkdir -p "$WORK/vault" "$WORK/load" "$WORK/nginx/html" "$WORK/nginx/logs"
# nginx workers run as nobody: they need to traverse into the html dir.
chmod 711 "$WORK"
chmod 755 "$WORK/nginx" "$WORK/nginx/html"

# A 100-byte JSON file.
python3 - "$WORK/nginx/html/secret.json" <<'EOF'
import json, sys
doc = {"data": {"api_key": ""}, "version": 1}
base = len(json.dumps(doc, separators=(",", ":")))
doc["data"]["api_key"] = "k" * (100 - base)
text = json.dumps(doc, separators=(",", ":"))
assert len(text) == 100, len(text)
open(sys.argv[1], "w").write(text)
EOF

NGINX_PORT=$(free_port)
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 65;
    default_type application/json;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $WORK/nginx/html;
    }
}
EOF
cp "$WORK/nginx/nginx.conf" "$RESULTS/nginx.conf"
nginx -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
NGINX_URL=http://127.0.0.1:$NGINX_PORT/secret.json
wait_http "$NGINX_URL"
[ "$(curl -s "$NGINX_URL" | wc -c)" -eq 100 ] || { echo "server.sh: nginx does not serve the file" >&2; exit 1; }

PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
start_custos "$WORK/vault/bench.db" "$PORT" "$RESULTS/custos-server.log"
SRV_PID=$CUSTOS_PID
export CUSTOS_ADDR=$BASE CUSTOS_TOKEN=root
unset CUSTOS_VAULT CUSTOS_KEY_FILE CUSTOS_MASTER_KEY CUSTOS_PASSPHRASE_FILE
printf 'path "secret/data/bench/*" { capabilities = ["read"] }\n' >"$WORK/read.hcl"
"$CLI" policy write benchread "$WORK/read.hcl" >/dev/null
printf 'sk-%s' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" |
	"$CLI" put bench/s1 api_key=- >/dev/null
READ_TOKEN=$("$CLI" token create --policy benchread --ttl 24h --format json |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["client_token"])')
# The token reads bench/*, nothing else: the ACL is in the path measured.
code() { curl -s -o /dev/null -w '%{http_code}' -H "X-Vault-Token: $1" "$BASE/v1/$2"; }
[ "$(code "$READ_TOKEN" secret/data/bench/s1)" = 200 ] || { echo "server.sh: token cannot read" >&2; exit 1; }
echo x | "$CLI" put other/s1 k=- >/dev/null
[ "$(code "$READ_TOKEN" secret/data/other/s1)" = 403 ] || { echo "server.sh: policy not enforced" >&2; exit 1; }
curl -s -H "X-Vault-Token: $READ_TOKEN" "$BASE/v1/secret/data/bench/s1" >"$RESULTS/custos-read-body.json"
LOOKUP_TOKEN=$(curl -s -X POST -H 'X-Vault-Token: root' -d '{"policies":["benchread"],"ttl":"24h"}' \
	"$BASE/v1/auth/token/create" | python3 -c 'import json, sys; print(json.load(sys.stdin)["auth"]["client_token"])')

# ---------------------------------------------------------------- wrk scripts
cat >"$WORK/read.lua" <<'EOF'
-- GET of one path with X-Vault-Token (nginx ignores the header).
wrk.method = "GET"
wrk.headers["X-Vault-Token"] = os.getenv("BENCH_TOKEN")
EOF
cat >"$WORK/write.lua" <<'EOF'
-- POST secret/data/bench/w/<n mod 1000>, a value that changes every request.
local hdr = {["X-Vault-Token"] = os.getenv("BENCH_TOKEN"), ["Content-Type"] = "application/json"}
local tag = os.getenv("BENCH_TAG") or "r"
local keys = 1000
local n = 0
request = function()
	n = n + 1
	local body = string.format('{"data":{"api_key":"sk-%s-%09d-abcdefghijklmnopqrstuvwxyz012345"}}', tag, n)
	return wrk.format("POST", "/v1/secret/data/bench/w/k" .. (n % keys), hdr, body)
end
EOF
cat >"$WORK/post.lua" <<'EOF'
-- POST a fixed JSON body (BENCH_BODY) to the URL's path.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["X-Vault-Token"] = os.getenv("BENCH_TOKEN")
wrk.headers["Content-Type"] = "application/json"
EOF
cat >"$WORK/load.lua" <<'EOF'
-- Loads LOAD_N secrets (LOAD_KIND=secrets) or tokens (tokens), then exits:
-- once the LOAD_N writes are out, the connections send GETs of a missing
-- secret (404) until the last write has answered. Tokens go to LOAD_OUT.
local kind = os.getenv("LOAD_KIND")
local N = tonumber(os.getenv("LOAD_N"))
local hdr = {["X-Vault-Token"] = "root", ["Content-Type"] = "application/json"}
local outpath = os.getenv("LOAD_OUT") or ""
local out = outpath ~= "" and assert(io.open(outpath, "w")) or nil
local n, ok, bad = 0, 0, 0
local first = true
request = function()
	-- wrk calls request() once to check it, and drops that request: the
	-- first call is a GET (404) so that every write is sent.
	if first then
		first = false
		return wrk.format("GET", "/v1/secret/data/bench/none-such", hdr)
	end
	n = n + 1
	if n > N then
		return wrk.format("GET", "/v1/secret/data/bench/none-such", hdr)
	end
	if kind == "tokens" then
		return wrk.format("POST", "/v1/auth/token/create", hdr,
			'{"policies":["benchread"],"ttl":"24h"}')
	end
	local body = string.format('{"data":{"api_key":"sk-load-%09d-abcdefghijklmnopqrstuvwxyz0123456789","user":"svc-%d"}}', n, n)
	return wrk.format("POST", "/v1/secret/data/bench/load/k" .. n, hdr, body)
end
response = function(status, headers, body)
	if status == 404 then return end
	if status == 200 then
		ok = ok + 1
		if out then out:write(body:match('"client_token":"([^"]+)"'), "\n") end
	else
		bad = bad + 1
		if bad <= 5 then io.stderr:write("load: status ", status, " ", body, "\n") end
	end
	if ok + bad >= N then
		if out then out:close() end
		io.stdout:write(string.format("load %s: %d ok, %d failed\n", kind, ok, bad))
		os.exit(bad == 0 and 0 or 1)
	end
end
EOF
cat >"$WORK/readmany.lua" <<'EOF'
-- GET a random one of LOAD_N secrets; with LOAD_TOKENS, each with a random
-- token of that file, else with BENCH_TOKEN.
local N = tonumber(os.getenv("LOAD_N"))
local tokens = {}
if os.getenv("LOAD_TOKENS") then
	for line in io.lines(os.getenv("LOAD_TOKENS")) do tokens[#tokens + 1] = line end
end
local one = os.getenv("BENCH_TOKEN")
math.randomseed(7)
request = function()
	local t = #tokens > 0 and tokens[math.random(#tokens)] or one
	return wrk.format("GET", "/v1/secret/data/bench/load/k" .. math.random(N), {["X-Vault-Token"] = t})
end
local bad = 0
response = function(status, headers, body)
	if status ~= 200 then
		bad = bad + 1
		if bad <= 5 then io.stderr:write("readmany: status ", status, " ", body, "\n") end
	end
end
EOF
cp "$WORK"/*.lua "$RESULTS/"

# perf_round NAME URL LUA ENV...: one extra round under perf record (DWARF
# call graphs, 499 Hz, 8 s): flat self time by dso,symbol, and the inclusive
# time of custos' own functions.
perf_round()
{
	local name=$1
	[ "$PROFILE" = 1 ] || return 0
	perf record --call-graph dwarf,16384 -F 499 -o "$WORK/perf-$name.data" -p "$SRV_PID" \
		-- sleep 8 >/dev/null 2>&1 &
	local perf_pid=$!
	sleep 1 # perf attaches to every thread first
	run_wrk "profile-$name" "$DUR" "${@:2}"
	wait "$perf_pid" || true
	{
		echo "# perf report --no-children --sort dso,symbol -g none"
		perf report -i "$WORK/perf-$name.data" --no-children --sort dso,symbol --stdio -g none \
			2>/dev/null | grep -v '^#' | grep -v '^$' | head -40
		echo "# perf report --children --sort symbol -g none (custos-server's own functions)"
		perf report -i "$WORK/perf-$name.data" --children --sort dso,symbol --stdio -g none \
			2>/dev/null | grep 'custos-server' | head -40
	} >"$RESULTS/perf-$name.txt" || true
	rm -f "$WORK/perf-$name.data"
}

CUSTOS_READ_URL=$BASE/v1/secret/data/bench/s1
READ_ENV=(BENCH_TOKEN="$READ_TOKEN")

# ---------------------------------------------------------------- 1. reads
wait_quiet
log "phase 1: reads, nginx vs custos (non-root token, ACL)"
run_wrk warmup-read-nginx "$WARMUP_DUR" "$NGINX_URL" "$WORK/read.lua" "${READ_ENV[@]}"
run_wrk warmup-read-custos "$WARMUP_DUR" "$CUSTOS_READ_URL" "$WORK/read.lua" "${READ_ENV[@]}"
for r in $(seq 1 "$ROUNDS"); do
	run_wrk "read-nginx-$r" "$DUR" "$NGINX_URL" "$WORK/read.lua" "${READ_ENV[@]}"
	run_wrk "read-custos-$r" "$DUR" "$CUSTOS_READ_URL" "$WORK/read.lua" "${READ_ENV[@]}"
done
perf_round read "$CUSTOS_READ_URL" "$WORK/read.lua" "${READ_ENV[@]}"

# ---------------------------------------------------------------- 2 + 3. writes, tokens
dd_round()
{
	local line
	line=$(dd if=/dev/zero of="$WORK/vault/dd.test" bs=4k count=2000 oflag=dsync 2>&1 | tail -1)
	rm -f "$WORK/vault/dd.test"
	printf '%s\t%s\n' "$1" "$line" >>"$RESULTS/dd.tsv"
	log "dd $1: $line"
}
TCREATE_BODY='{"policies":["benchread"],"ttl":"1h"}'
TLOOKUP_BODY="{\"token\":\"$LOOKUP_TOKEN\"}"
wait_quiet
log "phase 2+3: durable writes, token create, token lookup"
run_wrk warmup-write "$WARMUP_DUR" "$BASE" "$WORK/write.lua" BENCH_TOKEN=root BENCH_TAG=w0
run_wrk warmup-tcreate "$WARMUP_DUR" "$BASE/v1/auth/token/create" "$WORK/post.lua" \
	BENCH_TOKEN=root BENCH_BODY="$TCREATE_BODY"
run_wrk warmup-tlookup "$WARMUP_DUR" "$BASE/v1/auth/token/lookup" "$WORK/post.lua" \
	BENCH_TOKEN=root BENCH_BODY="$TLOOKUP_BODY"
for r in $(seq 1 "$ROUNDS"); do
	dd_round "$r"
	run_wrk "write-$r" "$DUR" "$BASE" "$WORK/write.lua" BENCH_TOKEN=root BENCH_TAG="w$r"
	run_wrk "tcreate-$r" "$DUR" "$BASE/v1/auth/token/create" "$WORK/post.lua" \
		BENCH_TOKEN=root BENCH_BODY="$TCREATE_BODY"
	run_wrk "tlookup-$r" "$DUR" "$BASE/v1/auth/token/lookup" "$WORK/post.lua" \
		BENCH_TOKEN=root BENCH_BODY="$TLOOKUP_BODY"
done
# Real writes per fsync: the server's fdatasync calls during one more round.
perf stat -x, -e syscalls:sys_enter_fdatasync -p "$SRV_PID" -o "$RESULTS/fsync-count.csv" \
	-- sleep "${DUR%s}" >/dev/null 2>&1 &
PERF_PID=$!
run_wrk fsynccount-write "$DUR" "$BASE" "$WORK/write.lua" BENCH_TOKEN=root BENCH_TAG=wf
wait "$PERF_PID" || true
perf_round write "$BASE" "$WORK/write.lua" BENCH_TOKEN=root BENCH_TAG=wp
perf_round tcreate "$BASE/v1/auth/token/create" "$WORK/post.lua" BENCH_TOKEN=root BENCH_BODY="$TCREATE_BODY"
ls -l "$WORK/vault" >"$RESULTS/vault-files.txt"
stop_pid "$SRV_PID"
stop_pid "$NGINX_PID"

# ---------------------------------------------------------------- 4. RSS
wait_quiet
log "phase 4: RSS with $LOAD_N secrets and $LOAD_N tokens"
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
start_custos "$WORK/load/load.db" "$PORT" "$RESULTS/custos-server-load.log"
SRV_PID=$CUSTOS_PID
export CUSTOS_ADDR=$BASE
"$CLI" policy write benchread "$WORK/read.hcl" >/dev/null
READ_TOKEN=$("$CLI" token create --policy benchread --ttl 24h --format json |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["client_token"])')
rss_line start "$SRV_PID"
for kind in secrets tokens; do
	t0=$(date +%s.%N)
	LOAD_KIND=$kind LOAD_N=$LOAD_N LOAD_OUT=$([ "$kind" = tokens ] && echo "$WORK/load/tokens.txt" || true) \
		wrk -t1 -c32 -d600s -s "$WORK/load.lua" "$BASE" >"$RESULTS/load-$kind.txt" 2>&1 ||
		{ cat "$RESULTS/load-$kind.txt" >&2; exit 1; }
	t1=$(date +%s.%N)
	log "$(cat "$RESULTS/load-$kind.txt") in $(python3 -c "print(f'{$t1 - $t0:.1f}')") s"
	printf 'load-%s\t%s\n' "$kind" "$(python3 -c "print(f'{$LOAD_N / ($t1 - $t0):.0f}')")" >>"$RESULTS/load-rates.tsv"
done
[ "$(wc -l <"$WORK/load/tokens.txt")" -eq "$LOAD_N" ] || { echo "server.sh: token file short" >&2; exit 1; }
rss_line loaded "$SRV_PID"
run_wrk rss-read-one-token "$DUR" "$BASE" "$WORK/readmany.lua" LOAD_N="$LOAD_N" BENCH_TOKEN="$READ_TOKEN"
rss_line after-reads-one-token "$SRV_PID"
run_wrk rss-read-all-tokens "$DUR" "$BASE" "$WORK/readmany.lua" LOAD_N="$LOAD_N" LOAD_TOKENS="$WORK/load/tokens.txt"
rss_line after-reads-all-tokens "$SRV_PID"
sleep 10 # past the token cache's 1 s TTL and two token sweeps
rss_line idle-10s "$SRV_PID"
ls -l "$WORK/load" | grep -v tokens.txt >"$RESULTS/load-vault-files.txt"
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- summary
python3 - "$RESULTS" "$ROUNDS" <<'EOF' | tee "$RESULTS/summary.md"
import os, re, statistics as st, sys
res, rounds = sys.argv[1], int(sys.argv[2])

def wrk(name):
    text = open(os.path.join(res, name + ".txt")).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    p99 = float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
    total = int(re.search(r"(\d+) requests in", text).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    err = re.search(r"Socket errors: (.*)", text)
    return rps, p99, int(bad.group(1)) if bad else 0, err.group(1) if err else "", total

def series(prefix):
    return [wrk(f"{prefix}-{r}") for r in range(1, rounds + 1)]

def fmt(vals, unit, digits):
    med = st.median(vals)
    s = f"{med:,.{digits}f}{unit}"
    lo, hi = min(vals), max(vals)
    if lo > 0 and hi / lo > 1.2:
        s += f" (min {lo:,.{digits}f}, max {hi:,.{digits}f})"
    return s, med

loads, others, ticks = {}, {}, {}
hz = os.sysconf("SC_CLK_TCK")
for line in open(os.path.join(res, "runs.tsv")):
    name, load, other, tk = line.rstrip("\n").split("\t")
    loads[name], others[name], ticks[name] = float(load), other == "1", int(tk)

rows, meds = [], {}
for key, label in [("read-nginx", "nginx, 100-byte JSON file (GET)"),
                   ("read-custos", "custos KV v2 read, non-root token + ACL (GET)"),
                   ("write", "custos KV v2 durable write, 1,000 keys (POST)"),
                   ("tcreate", "custos token create (POST auth/token/create)"),
                   ("tlookup", "custos token lookup (POST auth/token/lookup)")]:
    s = series(key)
    rps, rmed = fmt([x[0] for x in s], "", 0)
    p99, pmed = fmt([x[1] for x in s], " ms", 2)
    bad = sum(x[2] for x in s)
    errs = "; ".join(sorted({x[3] for x in s if x[3]}))
    cpu, cmed = fmt([ticks[f"{key}-{r}"] / hz * 1e6 / s[r - 1][4] for r in range(1, rounds + 1)], " us", 1)
    meds[key] = (rmed, pmed, cmed)
    ld = [loads[f"{key}-{r}"] for r in range(1, rounds + 1)]
    busy = sum(others[f"{key}-{r}"] for r in range(1, rounds + 1))
    rows.append(f"| {label} | {rps} | {p99} | {cpu} | {bad}{' (' + errs + ')' if errs else ''} | {min(ld):.2f}-{max(ld):.2f}{', ' + str(busy) + ' overlapped' if busy else ''} |")

print(f"Medians of {rounds} runs of `wrk -t1 -c32 -d10s --latency` each (after a warm-up).\n")
print("| workload | req/s | p99 | server CPU per request | non-2xx | load avg (1 min) |")
print("| --- | --- | --- | --- | --- | --- |")
print("\n".join(rows))
rn, rc = meds["read-nginx"], meds["read-custos"]
print(f"\nRead ratios: custos/nginx req/s = {rc[0] / rn[0]:.2f} (target >= 0.5); "
      f"custos/nginx p99 = {rc[1] / rn[1]:.2f} (target <= 1.5); "
      f"custos/nginx server CPU per request = {rc[2] / rn[2]:.2f}.")
print(f"Durable writes: {meds['write'][0]:,.0f}/s (target >= 10,000/s).")

dd = []
for line in open(os.path.join(res, "dd.tsv")):
    m = re.search(r"copied, ([\d.]+) s", line)
    dd.append(float(m.group(1)) / 2000 * 1e3)
ddm = st.median(dd)
w_med = meds["write"][0]
print(f"\nfsync: dd bs=4k count=2000 oflag=dsync in the vault's directory, median {ddm:.3f} ms per "
      f"synced write (min {min(dd):.3f}, max {max(dd):.3f}): at most {1e3 / ddm:,.0f} fsyncs/s back "
      f"to back, so {w_med:,.0f} writes/s needs groups of >= {w_med * ddm / 1e3:.1f} writes per fsync "
      f"and 10,000 writes/s needs >= {10000 * ddm / 1e3:.1f}.")
try:
    cnt = None
    for line in open(os.path.join(res, "fsync-count.csv")):
        f = line.split(",")
        if len(f) > 2 and "fdatasync" in f[2]:
            cnt = int(f[0])
    w = wrk("fsynccount-write")
    total = w[4]
    if cnt:
        print(f"Counted: {cnt} fdatasync calls during a {w[0]:,.0f} writes/s round "
              f"({total:,} writes): {total / cnt:.1f} writes per fdatasync.")
except (OSError, AttributeError, ValueError) as e:
    print(f"(fdatasync count unavailable: {e})")

print("\nServer RSS (VmRSS from /proc/PID/status):\n")
print("| point | VmRSS | VmHWM | RssAnon |")
print("| --- | --- | --- | --- |")
for line in open(os.path.join(res, "rss.tsv")):
    label, vals = line.rstrip("\n").split("\t")
    d = dict(re.findall(r"(\w+): (\d+) kB", vals))
    mib = lambda k: f"{int(d[k]) / 1024:.1f} MiB"
    print(f"| {label} | {mib('VmRSS')} | {mib('VmHWM')} | {mib('RssAnon')} |")
for name in ("load-rates.tsv",):
    for line in open(os.path.join(res, name)):
        k, v = line.split()
        print(f"\n{k}: {int(v):,}/s through the API (wrk -c32 loader)", end="")
print()
for name in ("rss-read-one-token", "rss-read-all-tokens"):
    w = wrk(name)
    print(f"{name}: {w[0]:,.0f} req/s, p99 {w[1]:.2f} ms, non-2xx {w[2]}")
EOF
log "results in $RESULTS"
