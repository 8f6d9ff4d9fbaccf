# t0601 - custos report, locally and (CUSTOS_REMOTE=1) against a dev
# server: a vault with secrets of several types, teams and lifecycles
# (expired, rotation overdue, due soon, within policy, without a policy),
# tokens, teams, an audit device, and a hand-written log with failed
# logins, an old entry, hostile names and a broken line. Checks the
# figures of the JSON report, the markdown tables and the HTML page (parsed
# with Python's html.parser: self-contained, escaped), that no secret
# value shows anywhere, a vault without an audit device, and bad input
# (exit 2; exit 4 for a log outside the server's audit directory).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup
t_init
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
REMOTE=${CUSTOS_REMOTE:-0}
export CUSTOS_PASSWORD_LOG_N=10
LOG="$T_DIR/audit.log"
HAND="$T_DIR/hand.log"
VAL="sk-reportSECRET$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"

# No audit device yet: the report says so and still works.
expect_status 0 custos report --format json
printf '%s' "$OUT" >"$T_DIR/none.json"
expect_eq "$("$PY" -c 'import json,sys; a=json.load(open(sys.argv[1]))["audit"]; print(a["available"], "no file audit device" in a["note"])' "$T_DIR/none.json")" "False True" "report without an audit device"
expect_status 0 custos report
expect_in "$OUT" "No audit figures: no file audit device is enabled"

expect_status 0 custos audit enable file path="$LOG"
expect_status 0 custos team create ml --mount
expect_status 0 custos team create data
expect_status 0 custos policy write readers - <<<'path "secret/data/*" { capabilities = ["read"] }'

# Secrets: three typed, two untyped; lifecycles of every kind.
SOON=$(date -u -d '+5 days' +%Y-%m-%dT%H:%M:%SZ)
printf '%s' "$VAL" | expect_status 0 custos put ai/openai --type openai api_key=-
printf 'ghp_%s' "$VAL" | expect_status 0 custos put ci/github --type github token=-
printf '%s' "$VAL" | expect_status 0 custos put app/expired k=-
printf '%s' "$VAL" | expect_status 0 custos put app/fast k=-
printf '%s' "$VAL" | expect_status 0 custos put app/plain k=-
printf '%s' "$VAL" | expect_status 0 custos put db/main --type db_dsn dsn=-  <<<"postgres://u:$VAL@h/db"
expect_status 0 custos meta app/expired --expires-at 2020-01-01T00:00:00Z --team data
expect_status 0 custos meta app/fast --rotate-every 1s --team ml
expect_status 0 custos meta ai/openai --expires-at "$SOON" --team ml
expect_status 0 custos meta ci/github --rotate-every 10d
expect_status 0 custos meta db/main --rotate-every 90d --expires-at 2099-01-01T00:00:00Z --team data
expect_status 0 custos meta db/main
expect_in "$OUT" "owner team:           data"
expect_in "$OUT" "rotate every:         2160h0m0s"
# lifecycle settings are validated
expect_status 2 custos meta app/plain --expires-at tomorrow
expect_in "$ERR" "expires_at must be an RFC 3339 time"
expect_status 2 custos meta app/plain --rotate-every often
expect_status 2 custos meta app/plain --team nosuch
expect_in "$ERR" 'team "nosuch" does not exist'
expect_status 0 custos meta app/plain --format json
expect_not_in "$OUT" "owner_team"
sleep 2 # app/fast's current version is now older than its rotate_every

# Tokens: two with a policy (one with a name that needs escaping).
expect_status 0 custos token create --policy readers --ttl 2h
expect_status 0 custos token create --policy readers --display-name '<b>x</b>' --format json
ODD=$(printf '%s' "$OUT" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["client_token"])')

if [ "$REMOTE" = 1 ]; then
	# Team secrets in the team's own mount, failed and good logins, and a
	# request by the oddly named token.
	expect_status 0 custos auth enable userpass
	printf 'pw-alice-123' | expect_status 0 custos user create alice --team ml --password-file -
	for _ in 1 2 3; do
		curl -s -o /dev/null -X POST -d '{"password":"wrong"}' "$CUSTOS_ADDR/v1/auth/userpass/login/alice"
	done
	curl -s -o /dev/null -X POST -d '{"password":"x"}' "$CUSTOS_ADDR/v1/auth/userpass/login/%3Cscript%3Eevil"
	ALICE=$(curl -s -X POST -d '{"password":"pw-alice-123"}' "$CUSTOS_ADDR/v1/auth/userpass/login/alice" |
		"$PY" -c 'import json,sys; print(json.load(sys.stdin)["auth"]["client_token"])')
	T_CHECKS=$((T_CHECKS + 1))
	curl -s -f -o /dev/null -H "X-Vault-Token: $ALICE" -d "{\"data\":{\"k\":\"$VAL\"}}" \
		"$CUSTOS_ADDR/v1/teams/ml/data/model" || fail "alice could not write teams/ml/data/model"
	curl -s -o /dev/null -H "X-Vault-Token: $ALICE" "$CUSTOS_ADDR/v1/teams/ml/data/model"
	curl -s -o /dev/null -H "X-Vault-Token: $ODD" "$CUSTOS_ADDR/v1/secret/data/app/plain"
	curl -s -o /dev/null -H "X-Vault-Token: $ODD" "$CUSTOS_ADDR/v1/secret/data/db/main"
fi

# A log written by hand, next to the device's (a server reads only there):
# failed logins of a hostile user name and an unknown approle role_id, a
# principal and a team that need escaping, a root token no longer alive, an
# entry 40 days old, a chain line, a line that is no entry and one whose
# time is impossible (February 30th: unreadable, not silently left out).
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
OLD=$(date -u -d '-40 days' +%Y-%m-%dT%H:%M:%SZ)
cat >"$HAND" <<EOF
{"time":"$OLD","type":"chain","device":"file/","reason":"enable","prev_seq":0,"prev_chain":"hmac-sha256:00","seq":1,"chain":"hmac-sha256:00"}
{"time":"$OLD","type":"response","auth":{},"request":{"id":"r0","operation":"update","mount_type":"userpass","mount_point":"auth/userpass/","path":"auth/userpass/login/olduser","remote_address":"10.0.0.9"},"error":"invalid username or password","seq":2,"chain":"hmac-sha256:00"}
{"time":"$NOW","type":"response","auth":{},"request":{"id":"r1","operation":"update","mount_type":"userpass","mount_point":"auth/userpass/","path":"auth/userpass/login/<img src=x onerror=alert(1)>","remote_address":"10.0.0.7"},"error":"invalid username or password","seq":3,"chain":"hmac-sha256:00"}
{"time":"$NOW","type":"response","auth":{},"request":{"id":"r2","operation":"update","mount_type":"approle","mount_point":"auth/approle/","path":"auth/approle/login","data":{"role_id":"hmac-sha256:abc","secret_id":"hmac-sha256:def"},"remote_address":"10.0.0.8"},"error":"invalid role or secret ID","seq":4,"chain":"hmac-sha256:00"}
{"time":"$NOW","type":"request","auth":{"client_token":"hmac-sha256:01","accessor":"hmac-sha256:02","display_name":"token-\"q\"&<i>|pipe|","policies":["default"],"entity_id":"","token_type":"service","teams":["ml","a|b<c>"]},"request":{"id":"r3","operation":"read","mount_type":"kv","mount_point":"secret/","path":"secret/data/app/plain","remote_address":"10.0.0.7"},"seq":5,"chain":"hmac-sha256:00"}
{"time":"$NOW","type":"request","auth":{"client_token":"hmac-sha256:03","accessor":"hmac-sha256:deadbeefdeadbeefdeadbeef","display_name":"root","policies":["root"],"entity_id":"","token_type":"service"},"request":{"id":"r4","operation":"update","mount_type":"system","mount_point":"sys/","path":"sys/policies/acl/x","remote_address":"10.0.0.7"},"seq":6,"chain":"hmac-sha256:00"}
this line is no audit entry
{"time":"2026-02-30T10:00:00Z","type":"request","auth":{},"request":{"id":"r5","operation":"read","path":"secret/data/x"},"seq":7,"chain":"hmac-sha256:00"}
EOF

expect_status 0 custos report --format json -o "$T_DIR/r.json"
expect_eq "$(mode_of "$T_DIR/r.json")" 600 "mode of the report file"
expect_status 0 custos report --format json --audit-file "$HAND" -o "$T_DIR/hand.json"
expect_status 0 custos report --format json --audit-file "$HAND" --since 60d -o "$T_DIR/hand60.json"
T_CHECKS=$((T_CHECKS + 1))
"$PY" - "$T_DIR" "$REMOTE" <<'PY' || fail "report figures"
import json, sys
d, remote = sys.argv[1], sys.argv[2] == "1"
r = json.load(open(d + "/r.json"))
h = json.load(open(d + "/hand.json"))
h60 = json.load(open(d + "/hand60.json"))
def eq(what, got, want):
    if got != want:
        print("  %s: %r, want %r" % (what, got, want)); sys.exit(1)
s = r["summary"]
extra = 1 if remote else 0  # teams/ml/model, written by alice over HTTP
eq("secrets", s["secrets"], 6 + extra)
eq("overdue", s["overdue"], 2)                  # app/expired, app/fast
eq("expiring", s["expiring"], 2)                # ai/openai (expires in 5 days), ci/github (due in 10)
eq("version", r["report_version"], 1)
sec = r["secrets"]
eq("by status", sec["by_status"], {"overdue": 2, "expiring": 2, "ok": 1, "unmanaged": 1 + extra, "deleted": 0, "empty": 0})
types = {t["type"]: t["count"] for t in sec["by_type"]}
eq("by type", types, {None: 3 + extra, "openai": 1, "github": 1, "db_dsn": 1})
teams = {t["team"]: (t["count"], t["overdue"], t["expiring"]) for t in sec["by_team"]}
eq("by team", teams, {"ml": (2 + extra, 1, 1), "data": (2, 1, 0), None: (2, 0, 1)})
att = [(i["name"], i["status"]) for i in sec["attention"]]
eq("attention", att, [("app/expired", "overdue"), ("app/fast", "overdue"), ("ai/openai", "expiring"), ("ci/github", "expiring")])
fast = [i for i in sec["items"] if i["name"] == "app/fast"][0]
eq("app/fast", (fast["rotation_overdue"], fast["expired"], fast["rotate_every_seconds"], fast["team"]), (True, False, 1, "ml"))
exp = [i for i in sec["items"] if i["name"] == "app/expired"][0]
eq("app/expired", (exp["expired"], exp["expires_at"], exp["due"]), (True, "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z"))
if remote:
    model = [i for i in sec["items"] if i["name"] == "model"][0]
    eq("team mount secret", (model["mount"], model["team"]), ("teams/ml/", "ml"))
tok = r["tokens"]
eq("live tokens", tok["live"], 4 if remote else 2)  # 2 made here; a server: its root token, alice's
pol = {p["policy"]: p["count"] for p in tok["by_policy"]}
eq("readers tokens", pol["readers"], 2)
eq("root tokens", s["root_tokens"], len(tok["root"]))
eq("team rows", [t["team"] for t in r["teams"]], ["data", "ml"])
eq("team ml secrets", r["teams"][1]["secrets"], 2 + extra)
a = r["audit"]
eq("audit available", a["available"], True)
eq("audit source", a["sources"][0]["path"], d + "/audit.log")
if remote:
    eq("failed logins", a["logins"]["failed"], 4)
    eq("succeeded logins", a["logins"]["succeeded"], 1)
    by = {t["name"]: t["failed"] for t in a["logins"]["by_target"]}
    eq("failed by user", by, {"alice": 3, "<script>evil": 1})
    eq("failed logins in summary", s["failed_logins"], 4)
    p = {x["principal"]: x for x in a["by_principal"]}
    eq("alice requests", (p["userpass-alice"]["requests"], p["userpass-alice"]["secret_reads"], p["userpass-alice"]["secret_writes"], p["userpass-alice"]["teams"]), (2, 1, 1, ["ml"]))
    eq("alice's entity", len(p["userpass-alice"]["entity_id"] or ""), 36)
    eq("odd token", p["token-<b>x</b>"]["requests"], 2)
    tm = {x["team"]: x["requests"] for x in a["by_team"]}
    eq("team ml requests", tm["ml"], 2)
    eq("root token named", a["root"]["by_token"][0]["alive"], True)
    if a["root"]["requests"] < 10:
        print("  root requests: %d" % a["root"]["requests"]); sys.exit(1)
    eq("local requests", a["root"]["local_requests"], 0)
else:
    eq("failed logins", a["logins"]["failed"], 0)
    if a["root"]["local_requests"] < 15:
        print("  local requests: %d" % a["root"]["local_requests"]); sys.exit(1)
    eq("principal", a["by_principal"][0]["principal"].startswith("local: uid "), True)
# the hand-written log
ha = h["audit"]
eq("hand failed", ha["logins"]["failed"], 2)
eq("hand failed targets", sorted((t["method"], t["name"]) for t in ha["logins"]["by_target"]),
   [("approle", "(unknown role_id)"), ("userpass", "<img src=x onerror=alert(1)>")])
eq("hand requests", ha["requests"], 2)
eq("hand root", (ha["root"]["requests"], ha["root"]["by_token"][0]["alive"]), (1, False))
eq("hand source", (ha["sources"][0]["lines"], ha["sources"][0]["unreadable_lines"], ha["sources"][0]["entries_before_window"]), (8, 2, 2))
eq("hand teams", sorted(t["team"] or "" for t in ha["by_team"]), ["", "a|b<c>", "ml"])
eq("hand summary failed", h["summary"]["failed_logins"], 2)
eq("60 days", h60["audit"]["logins"]["failed"], 3)
eq("60 days window", h60["window"]["seconds"], 60 * 86400)
PY

# Markdown: GFM tables, names escaped for cells.
expect_status 0 custos report --audit-file "$HAND"
MD=$OUT
expect_in "$MD" "# custos report"
expect_in "$MD" "| **Overdue credentials (expired, or rotation overdue)** | **2** |"
expect_in "$MD" "| **OVERDUE** | app/expired | secret/ | data | untyped | expired "
expect_in "$MD" "| due soon | ai/openai | secret/ | ml | openai | expires in 4 days"
expect_in "$MD" 'token-"q"\&\<i\>\|pipe\| | ml, a\|b\<c\>'
expect_in "$MD" '\<img src=x onerror=alert(1)\>'
printf '%s' "$MD" >"$T_DIR/r.md"
expect_status 1 grep -qP '(?<!\\)[<>|]' <(grep -v '^|' "$T_DIR/r.md") # prose: nothing unescaped
expect_status 1 grep -qP '(?<!\\)[<>]' "$T_DIR/r.md"
T_CHECKS=$((T_CHECKS + 1))
"$PY" - "$MD" <<'PY' || fail "markdown tables are not well-formed"
import re, sys
lines = sys.argv[1].split("\n")
for i, l in enumerate(lines):
    if l.startswith("| ---") or l.startswith("| ---:"):
        cols = len(re.findall(r"(?<!\\)\|", lines[i - 1]))
        j = i + 1
        while j < len(lines) and lines[j].startswith("|"):
            n = len(re.findall(r"(?<!\\)\|", lines[j]))
            if n != cols:
                print("  line %d has %d cells, its head %d: %s" % (j + 1, n - 1, cols - 1, lines[j]))
                sys.exit(1)
            j += 1
PY

# HTML: one self-contained page, structure and escaping (html.parser).
expect_status 0 custos report --format html --audit-file "$HAND" -o "$T_DIR/r.html"
T_CHECKS=$((T_CHECKS + 1))
"$PY" "$HERE/report_html_check.py" "$T_DIR/r.html" --text '<img src=x onerror=alert(1)>' \
	--text 'token-"q"&<i>|pipe|' --text 'a|b<c>' --text 'app/expired' --text 'needs action' \
	--forbid "$VAL" || fail "the HTML report"
expect_status 0 grep -q '&lt;img src=x onerror=alert(1)&gt;' "$T_DIR/r.html"
expect_status 0 custos report --format html -o "$T_DIR/dev.html"
T_CHECKS=$((T_CHECKS + 1))
"$PY" "$HERE/report_html_check.py" "$T_DIR/dev.html" --forbid "$VAL" || fail "the HTML report of the device log"
if [ "$REMOTE" = 1 ]; then
	T_CHECKS=$((T_CHECKS + 1))
	"$PY" "$HERE/report_html_check.py" "$T_DIR/dev.html" --text '<script>evil' --text 'token-<b>x</b>' ||
		fail "hostile names in the device log's report"
fi

# No secret value in any report, nor in the log the reports were made from.
for f in "$T_DIR/r.json" "$T_DIR/hand.json" "$T_DIR/r.html" "$T_DIR/dev.html"; do
	expect_status 1 grep -qF "$VAL" "$f"
done
expect_not_in "$MD" "$VAL"
expect_status 1 grep -qF "$VAL" "$LOG"

# Bad input: a one-line message and exit 2 (4 for a log the server may not read).
expect_status 2 custos report --since soon
expect_in "$ERR" "since must be a duration"
expect_one_line "$(printf '%s' "$ERR" | head -1)"
expect_status 2 custos report --since 0
expect_status 2 custos report --warn forever
expect_status 2 custos report --format pdf
expect_in "$ERR" "--format takes md, json or html"
expect_status 2 custos report extra
expect_status 2 custos report --audit-file "$T_DIR/missing.log"
expect_in "$ERR" "cannot read audit file $T_DIR/missing.log"
mkdir "$T_DIR/adir"
expect_status 2 custos report --audit-file "$T_DIR/adir"
if [ "$REMOTE" = 1 ]; then
	expect_status 4 custos report --audit-file /etc/hostname
	# sudo is required: a token without it is refused
	TOKEN_NS=$(custos token create --policy readers --format json |
		"$PY" -c 'import json,sys; print(json.load(sys.stdin)["client_token"])')
	CUSTOS_TOKEN=$TOKEN_NS expect_status 4 custos report
fi
t_done
