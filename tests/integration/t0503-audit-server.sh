# t0503 - audit devices of a long-running server (a dev server on a sqlite
# vault): SIGHUP after logrotate's move starts a new 0600 file with a chain
# line, each file verifies alone and their concatenation too (and a line
# cut from the old file's end shows at the new file's chain line); a
# restart continues the chain; lines cut from the log while the server was
# down show at the restart's chain line; the stdout device writes to the
# server's output; a syslog device writes through syslog(3) (captured when
# this machine has no /dev/log of its own).
. "$(dirname "$0")/lib.sh"
t_setup
t_server_only
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
PIDS=()
SYSLOG_PID=""
MADE_DEVLOG=0
cleanup() {
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	[ -n "$SYSLOG_PID" ] && kill "$SYSLOG_PID" 2>/dev/null
	[ "$MADE_DEVLOG" = 1 ] && rm -f /dev/log
}
trap cleanup EXIT
PORT=$(t_free_port)
export CUSTOS_ADDR="http://127.0.0.1:$PORT" CUSTOS_TOKEN=root
start() {
	"$CUSTOS_SERVER" --dev --dev-listen-address "127.0.0.1:$PORT" --dev-root-token-id root \
		--vault "$T_DIR/v.db" >>"$T_DIR/server.log" 2>&1 &
	SRV=$!
	PIDS+=("$SRV")
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "$CUSTOS_ADDR/v1/sys/health" && return
		sleep 0.05
	done
	fail "server did not start: $(tail -3 "$T_DIR/server.log")"
}
stop() {
	kill -TERM "$SRV"
	wait "$SRV" 2>/dev/null
}
mkdir -p "$T_DIR/logs"
LOG="$T_DIR/logs/audit.log"
start
expect_status 0 custos audit enable file path="$LOG"
expect_status 0 custos put a k=- <<<one
expect_status 0 custos get a -f k

# logrotate: move, SIGHUP, the server writes a new file.
mv "$LOG" "$LOG.1"
kill -HUP "$SRV"
for _ in $(seq 1 50); do [ -f "$LOG" ] && break; sleep 0.05; done
expect_eq "$(mode_of "$LOG")" 600 "mode of the reopened file"
expect_status 0 custos get a -f k
expect_in "$(head -n 1 "$LOG")" '"type":"chain"'
expect_in "$(head -n 1 "$LOG")" '"reason":"reopen"'
expect_status 0 custos audit verify "$LOG.1"
expect_status 0 custos audit verify "$LOG"
cat "$LOG.1" "$LOG" >"$T_DIR/logs/both.log"
expect_status 0 custos audit verify "$T_DIR/logs/both.log"
{ head -n -1 "$LOG.1"; cat "$LOG"; } >"$T_DIR/logs/gap.log"
expect_status 5 custos audit verify "$T_DIR/logs/gap.log"
expect_in "$ERR" "missing before this chain entry"
cat "$LOG" "$LOG.1" >"$T_DIR/logs/swapped.log"
expect_status 5 custos audit verify "$T_DIR/logs/swapped.log"
# outside the devices' directory the server verifies nothing
cp "$LOG" "$T_DIR/elsewhere.log"
expect_status 4 custos audit verify "$T_DIR/elsewhere.log"

# A restart continues the chain.
stop
start
expect_status 0 custos get a -f k
expect_in "$(grep -c '"reason":"start"' "$LOG")" 1
expect_status 0 custos audit verify "$LOG"
expect_in "$OUT" "up to the device's last entry"

# Lines cut from the end while the server was down show at its restart.
stop
head -n -2 "$LOG" >"$T_DIR/short" && cat "$T_DIR/short" >"$LOG"
start
expect_status 0 custos get a -f k
expect_status 5 custos audit verify "$LOG"
expect_in "$ERR" "missing before this chain entry"

# stdout: for containers, the server's own output.
expect_status 0 custos audit enable stdout
expect_status 0 custos put b k=- <<<two
expect_status 0 grep -q '"type":"request".*"path":"secret/data/b"' "$T_DIR/server.log"
expect_status 1 grep -q 'two' "$LOG"
expect_status 0 custos audit disable stdout

# syslog(3); with no /dev/log here, a listener stands in for syslogd.
if [ ! -e /dev/log ]; then
	"$PY" - "$T_DIR/syslog.txt" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")
PY
	SYSLOG_PID=$!
	MADE_DEVLOG=1
	for _ in $(seq 1 50); do [ -f "$T_DIR/syslog.txt.ready" ] && break; sleep 0.05; done
fi
expect_status 0 custos audit enable syslog facility=LOCAL0 tag=custos-test
expect_status 0 custos put c k=- <<<three
expect_status 0 custos audit list
expect_in "$OUT" "syslog/"
if [ "$MADE_DEVLOG" = 1 ]; then
	sleep 0.2
	expect_status 0 grep -q 'custos-test\[[0-9]*\]: {"time".*"type":"request".*"path":"secret/data/c"' "$T_DIR/syslog.txt"
	expect_status 1 grep -q 'three' "$T_DIR/syslog.txt"
	# <134> = LOCAL0 (16) * 8 + INFO (6)
	expect_status 0 grep -q '^<134>' "$T_DIR/syslog.txt"
fi
expect_status 2 custos audit enable syslog --path sl2 facility=NOPE
stop
t_done
