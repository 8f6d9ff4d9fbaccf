# t0501 - audit devices end to end, locally and (CUSTOS_REMOTE=1) against a
# dev server: a file device records a write, reads, a failed read and (on a
# server) a denied one; the log holds no secret value and no raw token;
# `audit hash` finds a value; `audit verify` passes, then fails with exit 5
# naming the first bad line for a deleted, edited, reordered, cut-off or
# beheaded copy; a filter leaves requests out of one device; bad options
# are refused with exit 2 and leave nothing behind.
. "$(dirname "$0")/lib.sh"
t_setup
t_init
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
REMOTE=${CUSTOS_REMOTE:-0}
LOG="$T_DIR/audit.log"
SECRET="sk-auditTEST-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"

expect_status 0 custos audit list
expect_in "$OUT" "no audit devices"
expect_status 0 custos audit enable file path="$LOG" --description "main log"
expect_eq "$(mode_of "$LOG")" 600 "mode of the audit file"
expect_status 0 custos audit list
expect_in "$OUT" "file/"
expect_in "$OUT" "$LOG"

# In remote mode the requests go with a child token, whose id must never
# appear; a token with a narrow policy makes a denied request.
if [ "$REMOTE" = 1 ]; then
	printf 'path "secret/data/ok/*" { capabilities = ["read"] }\n' >"$T_DIR/ok.hcl"
	expect_status 0 custos policy write okread "$T_DIR/ok.hcl"
	expect_status 0 custos token create --policy okread --format json
	NARROW=$(printf '%s' "$OUT" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["client_token"])')
	expect_status 0 custos token create --format json
	CHILD=$(printf '%s' "$OUT" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["client_token"])')
	export CUSTOS_TOKEN=$CHILD
fi
printf '%s' "$SECRET" | expect_status 0 custos put app/db api_key=-
expect_status 0 custos get app/db -f api_key
expect_eq "$OUT" "$SECRET" "value read back"
expect_status 3 custos get app/none
if [ "$REMOTE" = 1 ]; then
	CUSTOS_TOKEN=$NARROW expect_status 4 custos get app/db
	# a denied write changes nothing and is in the log with its error
	CUSTOS_TOKEN=$NARROW expect_status 4 custos put app/db api_key=- <<<"sk-denied-write-value"
	expect_status 0 custos get app/db -f api_key
	expect_eq "$OUT" "$SECRET" "value after a denied write"
	T_CHECKS=$((T_CHECKS + 1))
	grep -q '"operation":"update".*"path":"secret/data/app/db".*"error":"permission denied"' "$LOG" ||
		fail "the denied write is not in the audit log"
	expect_status 1 grep -qF "sk-denied-write-value" "$LOG"
	# one request id in the response, the request entry and the response entry
	BODY=$(curl -s -H "X-Vault-Token: $CHILD" "$CUSTOS_ADDR/v1/secret/data/app/db")
	RID=$(printf '%s' "$BODY" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["request_id"])')
	expect_eq "$(grep -c "\"id\":\"$RID\"" "$LOG")" 2 "entries with the response's request_id"
	expect_status 0 grep -q '"error":"permission denied"' "$LOG"
fi

# Nothing secret in clear; the HMAC of the value is there.
expect_status 1 grep -qF "$SECRET" "$LOG"
if [ "$REMOTE" = 1 ]; then
	expect_status 1 grep -qF "$CHILD" "$LOG"
	expect_status 1 grep -qF "$NARROW" "$LOG"
fi
HASH=$(printf '%s' "$SECRET" | custos audit hash file -)
expect_in "$HASH" "hmac-sha256:"
T_CHECKS=$((T_CHECKS + 1))
[ "$(grep -cF "$HASH" "$LOG")" -ge 2 ] || fail "audit hash not found in the log"
expect_status 0 grep -q '"type":"response"' "$LOG"
expect_status 0 grep -q '"error":"no secret app/none' "$LOG"
# every line is JSON with consecutive seq numbers
T_CHECKS=$((T_CHECKS + 1))
"$PY" - "$LOG" <<'PY' || fail "log lines are not JSON with seq 1..n"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines[0]["type"] == "chain" and lines[0]["prev_seq"] == 0, lines[0]
assert [l["seq"] for l in lines] == list(range(1, len(lines) + 1))
assert all(l["chain"].startswith("hmac-sha256:") for l in lines)
assert {l["type"] for l in lines[1:]} <= {"request", "response"}
PY

expect_status 0 custos audit verify "$LOG"
expect_in "$OUT" "OK"

# Tampered copies, next to the log (a server verifies files in a device's directory).
tamper() { # NAME PYTHON-EXPR-ON-lines
	"$PY" - "$LOG" "$T_DIR/$1.log" "$2" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")[:-1]
lines = eval(sys.argv[3])
open(sys.argv[2], "w").write("".join(l + "\n" for l in lines))
PY
}
tamper deleted 'lines[:3] + lines[4:]'
expect_status 5 custos audit verify "$T_DIR/deleted.log"
expect_in "$ERR" "line 4"
expect_in "$ERR" "deleted"
expect_one_line "$ERR"
tamper edited 'lines[:2] + [lines[2].replace("\"time\":\"2", "\"time\":\"1", 1)] + lines[3:]'
expect_status 5 custos audit verify "$T_DIR/edited.log"
expect_in "$ERR" "line 3"
expect_in "$ERR" "edited"
tamper reordered 'lines[:2] + [lines[3], lines[2]] + lines[4:]'
expect_status 5 custos audit verify "$T_DIR/reordered.log"
expect_in "$ERR" "line 3"
tamper beheaded 'lines[2:]'
expect_status 5 custos audit verify "$T_DIR/beheaded.log"
expect_in "$ERR" "line 1"
head -c -40 "$LOG" >"$T_DIR/cut.log"
N=$(wc -l <"$LOG")
expect_status 5 custos audit verify "$T_DIR/cut.log"
expect_in "$ERR" "line $N"
expect_in "$ERR" "cut short"
# a copy cut at a line boundary is a valid shorter log...
head -n 3 "$LOG" >"$T_DIR/head.log"
expect_status 0 custos audit verify "$T_DIR/head.log"
expect_in "$OUT" "3 entries"
# ...but the live file cut back is caught against the server's position
if [ "$REMOTE" = 1 ]; then
	head -n 3 "$LOG" >"$T_DIR/short" && cat "$T_DIR/short" >"$LOG"
	expect_status 5 custos audit verify "$LOG"
	expect_in "$ERR" "line 4"
	expect_in "$ERR" "deleted"
fi
expect_status 3 custos audit verify "$T_DIR/none.log"

# A second device with a filter: reads are left out of it.
QLOG="$T_DIR/quiet.log"
expect_status 0 custos audit enable file --path quiet path="$QLOG" filter='operation != "read"'
expect_status 0 custos get app/db
printf 'x' | expect_status 0 custos put app/other k=-
expect_status 1 grep -q '"operation":"read"' "$QLOG"
expect_status 0 grep -q '"operation":"create"' "$QLOG"
expect_status 0 custos audit disable quiet
expect_status 0 custos audit list
expect_not_in "$OUT" "quiet/"

# Bad input: exit 2, a one-line message, nothing enabled.
mkdir -p "$T_DIR/d" && : >"$T_DIR/notadir"
expect_status 2 custos audit enable file path="$T_DIR/notadir/audit.log" --path nd
expect_in "$ERR" "cannot be opened for writing"
expect_one_line "$ERR"
expect_status 2 custos audit enable file path=relative.log --path rel
expect_status 2 custos audit enable file path=/dev/full --path full
expect_in "$ERR" "cannot write"
expect_status 2 custos audit enable file path="$T_DIR/d/x.log" --path bad filter='path ==='
expect_in "$ERR" "filter"
expect_status 2 custos audit enable file path="$T_DIR/d/x.log" --path raw log_raw=true
expect_status 2 custos audit enable nosuch --path other
expect_status 2 custos audit enable file path="$LOG" --path twice
# The same file by another name: a doubled slash, a symlinked directory.
expect_status 2 custos audit enable file path="$(dirname "$LOG")//$(basename "$LOG")" --path twice
expect_in "$ERR" "already writes to"
ln -s "$(dirname "$LOG")" "$T_DIR/linked"
expect_status 2 custos audit enable file path="$T_DIR/linked/$(basename "$LOG")" --path twice
expect_in "$ERR" "already writes to"
expect_in "$ERR" "already writes"
expect_status 0 custos audit list
expect_not_in "$OUT" "bad/"
expect_not_in "$OUT" "full/"
expect_not_in "$OUT" "raw/"
expect_status 2 custos audit verify
t_done
