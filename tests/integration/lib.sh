# lib.sh - helpers for the integration scripts. Each script runs in its own
# temporary directory with its own XDG dirs, so tests never share a vault.
# $CUSTOS_BIN is the binary under test; $BUILD is the build directory.
set -u

T_FAILS=0
T_CHECKS=0
custos() { "$CUSTOS_BIN" "$@"; }

fail() {
	T_FAILS=$((T_FAILS + 1))
	echo "  FAIL: $*" >&2
}

# expect_status N CMD...: runs CMD, checks its exit status is N.
# Output goes to $OUT and $ERR for later checks.
expect_status() {
	local want=$1
	shift
	T_CHECKS=$((T_CHECKS + 1))
	"$@" >"$T_DIR/out" 2>"$T_DIR/err"
	local got=$?
	OUT=$(cat "$T_DIR/out")
	ERR=$(cat "$T_DIR/err")
	if [ "$got" != "$want" ]; then
		fail "status $got, want $want: $*"
		sed 's/^/    stdout: /' "$T_DIR/out" | head -5 >&2
		sed 's/^/    stderr: /' "$T_DIR/err" | head -5 >&2
		return 1
	fi
	return 0
}

# expect_in TEXT NEEDLE [what]: TEXT contains NEEDLE.
expect_in() {
	T_CHECKS=$((T_CHECKS + 1))
	case "$1" in
	*"$2"*) return 0 ;;
	esac
	fail "${3:-output} does not contain '$2': $(printf '%s' "$1" | head -c 300)"
	return 1
}

# expect_not_in TEXT NEEDLE [what]
expect_not_in() {
	T_CHECKS=$((T_CHECKS + 1))
	case "$1" in
	*"$2"*) fail "${3:-output} contains '$2'"; return 1 ;;
	esac
	return 0
}

expect_eq() {
	T_CHECKS=$((T_CHECKS + 1))
	[ "$1" = "$2" ] && return 0
	fail "${3:-value} is '$1', want '$2'"
	return 1
}

# one_line TEXT: the error message is exactly one line.
expect_one_line() {
	T_CHECKS=$((T_CHECKS + 1))
	local n
	n=$(printf '%s\n' "$1" | grep -c .)
	[ "$n" = 1 ] && return 0
	fail "message is $n lines, want 1: $1"
	return 1
}

mode_of() { stat -c %a "$1"; }

t_setup() {
	T_DIR=$(mktemp -d /tmp/custos-it.XXXXXX)
	export XDG_DATA_HOME="$T_DIR/data" XDG_CONFIG_HOME="$T_DIR/config" HOME="$T_DIR/home"
	unset CUSTOS_VAULT CUSTOS_KEY_FILE CUSTOS_MASTER_KEY CUSTOS_PASSPHRASE_FILE
	export CUSTOS_SCRYPT_LOG_N=10 # keep passphrase tests fast; the default is stronger
	VAULT="$XDG_DATA_HOME/custos/vault.db"
	KEYFILE="$XDG_CONFIG_HOME/custos/master.key"
	cd "$T_DIR" || exit 1
}

# t_remote_only_local: scripts that test the local vault file itself call
# this; in remote mode (CUSTOS_REMOTE=1) they are skipped.
t_local_only() {
	if [ "${CUSTOS_REMOTE:-0}" = 1 ]; then
		echo "checks=0 fails=0 (local only: skipped in remote mode)"
		[ -n "${T_DIR:-}" ] && cd / && rm -rf "$T_DIR"
		exit 0
	fi
}

# t_server_only: scripts that start their own servers call this after
# t_setup; they run once, in the local pass, and need CUSTOS_SERVER.
t_server_only() {
	if [ "${CUSTOS_REMOTE:-0}" = 1 ]; then
		echo "checks=0 fails=0 (server test: runs in the local pass only)"
		cd / && rm -rf "${T_DIR:?}"
		exit 0
	fi
	: "${CUSTOS_SERVER:?set CUSTOS_SERVER to the custos-server binary}"
}

# t_free_port: a free TCP port on 127.0.0.1.
t_free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# t_init: a fresh vault to work on. Locally `custos init`; in remote mode
# (CUSTOS_REMOTE=1) a dev server on a free loopback port, the same CLI
# commands then going over HTTP with CUSTOS_ADDR and CUSTOS_TOKEN.
t_init() {
	if [ "${CUSTOS_REMOTE:-0}" != 1 ]; then
		custos init >/dev/null
		return
	fi
	local port
	port=$(t_free_port)
	"$CUSTOS_SERVER" --dev --dev-listen-address "127.0.0.1:$port" --dev-root-token-id root \
		>"$T_DIR/server.log" 2>&1 &
	T_SERVER_PID=$!
	export CUSTOS_ADDR="http://127.0.0.1:$port" CUSTOS_TOKEN=root
	for _ in $(seq 1 100); do
		custos status >/dev/null 2>&1 && return
		sleep 0.05
	done
	fail "dev server did not start"
}

t_done() {
	cd /
	if [ -n "${T_SERVER_PID:-}" ]; then
		kill -TERM "$T_SERVER_PID" 2>/dev/null
		wait "$T_SERVER_PID" 2>/dev/null
	fi
	rm -rf "$T_DIR"
	echo "checks=$T_CHECKS fails=$T_FAILS"
	[ "$T_FAILS" = 0 ]
}

# sql FILE STATEMENT: runs SQL on a vault file with the sqlite3 shell.
sql() { sqlite3 "$1" "$2"; }

# flip_byte DB KEY OFFSET: XORs one byte of a stored value with 0x01
# (OFFSET may be negative: from the end).
flip_byte() {
	python3 - "$1" "$2" "$3" <<'PY'
import sqlite3, sys
db, key, off = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = sqlite3.connect(db)
v = bytearray(c.execute("SELECT value FROM kv WHERE key=?", (key,)).fetchone()[0])
v[off] ^= 0x01
c.execute("UPDATE kv SET value=? WHERE key=?", (bytes(v), key))
c.commit()
PY
}
