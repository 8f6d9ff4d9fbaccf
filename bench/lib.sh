# bench/lib.sh - what the server benchmarks share (sourced by audit.sh,
# login.sh and server.sh): servers they start are stopped by PID on exit
# and the temp dir removed; logs carry the time. Set WORK and append to
# PIDS; call bench_need for the binaries and tools a script needs.

PIDS=()

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$RESULTS/log.txt" >&2; }

# bench_need NAME FILE... -- TOOL...: exits 2 naming what is missing.
bench_need()
{
	local name=$1 files=1
	shift
	for x in "$@"; do
		if [ "$x" = -- ]; then
			files=0
		elif [ "$files" = 1 ]; then
			[ -x "$x" ] || { echo "$name: no $x; run make first" >&2; exit 2; }
		else
			command -v "$x" >/dev/null || { echo "$name: $x is missing (scripts/install-deps.sh --bench)" >&2; exit 2; }
		fi
	done
}

# Stops one server: SIGTERM, up to 10 s for its drain, then SIGKILL.
stop_pid()
{
	local pid=$1
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

bench_cleanup()
{
	local rc=$?
	for pid in "${PIDS[@]}"; do
		stop_pid "$pid"
	done
	[ -n "${WORK:-}" ] && rm -rf "$WORK"
	exit "$rc"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

free_port()
{
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
