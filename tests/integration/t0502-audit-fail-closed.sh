# t0502 - audit fails closed, locally and (CUSTOS_REMOTE=1) on a dev server:
# when the only device's file cannot be written (its directory replaced by
# a file; on a server after a SIGHUP reopen), requests are refused (exit 1,
# HTTP 500, "audit failure"), nothing changes, and once the path works
# again requests go through and the log verifies, the refusals included
# nowhere (they were never written). A device whose filter leaves a
# request out does not block it.
. "$(dirname "$0")/lib.sh"
t_setup
t_init
REMOTE=${CUSTOS_REMOTE:-0}
mkdir -p "$T_DIR/logs"
LOG="$T_DIR/logs/audit.log"

printf 'v1' | expect_status 0 custos put app/db k=-
expect_status 0 custos audit enable file path="$LOG" filter='path != "secret/data/free"'
printf 'v1' | expect_status 0 custos put app/db2 k=-

# Break the path: the directory becomes a file (root ignores modes).
mv "$T_DIR/logs" "$T_DIR/logs.away"
: >"$T_DIR/logs"
if [ "$REMOTE" = 1 ]; then
	kill -HUP "$T_SERVER_PID"
	sleep 0.3
fi
expect_status 1 custos put app/db k=- <<<v2
expect_in "$ERR" "audit failure"
expect_one_line "$ERR"
expect_status 1 custos get app/db -f k
expect_in "$ERR" "audit failure"
if [ "$REMOTE" = 1 ]; then
	CODE=$(curl -s -o "$T_DIR/body" -w '%{http_code}' -H "X-Vault-Token: root" \
		"$CUSTOS_ADDR/v1/secret/data/app/db")
	expect_eq "$CODE" 500 "HTTP status of a request no device could record"
	expect_in "$(cat "$T_DIR/body")" "audit failure"
fi
# the device's filter leaves this path out: it needs no device
printf 'free' | expect_status 0 custos put free k=-

# Mend it: nothing was changed meanwhile.
rm "$T_DIR/logs"
mv "$T_DIR/logs.away" "$T_DIR/logs"
if [ "$REMOTE" = 1 ]; then
	kill -HUP "$T_SERVER_PID"
	sleep 0.3
fi
expect_status 0 custos get app/db -f k
expect_eq "$OUT" "v1" "value after the refused write"
expect_status 0 custos history app/db
expect_not_in "$OUT" "2 "
expect_status 0 custos audit verify "$LOG"
expect_status 1 grep -q '"path":"secret/data/free"' "$LOG"
if [ "$REMOTE" = 1 ]; then
	expect_status 0 curl -sf -H "X-Vault-Token: root" -o "$T_DIR/m" \
		"$CUSTOS_ADDR/v1/sys/metrics?format=prometheus"
	expect_status 0 grep -q '^custos_audit_refused_total [1-9]' "$T_DIR/m"
	expect_status 0 grep -q '^custos_audit_failures_total{device="file/"} [1-9]' "$T_DIR/m"
fi
t_done
