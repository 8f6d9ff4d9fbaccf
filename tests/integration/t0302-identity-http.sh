# t0302 - identity over HTTP, against custos-server: userpass lockout and
# the client address throttle (from a second loopback address), bound
# CIDRs on users and secret_ids, expired and used-up secret_ids, teams and
# their mounts, personal credentials through {{identity.entity.name}},
# templated policies failing closed, malformed policies, and that every
# refused request leaves nothing behind. Needs curl and python3.
. "$(dirname "$0")/lib.sh"
t_setup
t_server_only
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
PORT=$(t_free_port)
ADDR="http://127.0.0.1:$PORT"
"$CUSTOS_SERVER" --dev --dev-listen-address "127.0.0.1:$PORT" --dev-root-token-id root \
	>"$T_DIR/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill -KILL "$SERVER_PID" 2>/dev/null' EXIT
for _ in $(seq 1 100); do
	curl -s -o /dev/null --max-time 1 "$ADDR/v1/sys/health" && break
	sleep 0.05
done
ROOT=(-H "X-Vault-Token: root")

# req METHOD PATH [curl args...]: sets CODE and BODY.
req() {
	local m=$1 p=$2
	shift 2
	CODE=$(curl -s -o "$T_DIR/body" -w '%{http_code}' --max-time 20 -X "$m" "$@" "$ADDR/v1/$p")
	BODY=$(cat "$T_DIR/body")
}
json_get() { printf '%s' "$BODY" | "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
login() { # USER PASSWORD [curl args]: sets CODE, BODY, TOK
	local u=$1 p=$2
	shift 2
	req POST "auth/userpass/login/$u" -d "{\"password\":\"$p\"}" "$@"
	TOK=""
	[ "$CODE" = 200 ] && TOK=$(json_get 'd["auth"]["client_token"]')
}

# -- auth methods -----------------------------------------------------------
req POST sys/auth/userpass "${ROOT[@]}" -d '{"type":"userpass","config":{"user_lockout_config":{"lockout_threshold":3,"lockout_duration":"2s","lockout_counter_reset":"10s"}}}'
expect_eq "$CODE" 204 "enable userpass"
req POST sys/auth/userpass "${ROOT[@]}" -d '{"type":"userpass"}'
expect_eq "$CODE" 400 "enable twice"
expect_in "$BODY" "path is already in use at auth/userpass/"
req POST sys/auth/token "${ROOT[@]}" -d '{"type":"userpass"}'
expect_eq "$CODE" 400 "enable over token/"
req POST sys/auth/x "${ROOT[@]}" -d '{"type":"ldap"}'
expect_eq "$CODE" 400 "unknown type"
expect_in "$BODY" 'unknown auth method type \"ldap\"'
req GET sys/auth/x/tune "${ROOT[@]}"
expect_eq "$CODE" 400 "tune of nothing"
req GET sys/auth/userpass/tune "${ROOT[@]}"
expect_eq "$(json_get 'd["data"]["user_lockout_config"]["lockout_threshold"]')" 3 "lockout threshold"
expect_eq "$(json_get 'd["data"]["user_lockout_config"]["lockout_duration"]')" 2 "lockout duration"
req GET sys/auth "${ROOT[@]}"
expect_eq "$(json_get 'd["userpass/"]["type"]')" userpass "sys/auth listed at the top level too"
req GET sys/auth/userpass "${ROOT[@]}"
expect_eq "$(json_get 'd["data"]["accessor"][:14]')" auth_userpass_ "sys/auth/userpass"
req GET sys/auth/nothing "${ROOT[@]}"
expect_eq "$CODE" 404 "sys/auth/nothing"
# A token without sudo may not enable auth methods (sys/auth/* is root-protected).
req POST sys/policies/acl/authw "${ROOT[@]}" -d '{"policy":"path \"sys/auth/*\" { capabilities = [\"create\",\"update\"] }"}'
req POST auth/token/create "${ROOT[@]}" -d '{"policies":["authw"]}'
NOSUDO=$(json_get 'd["auth"]["client_token"]')
req POST sys/auth/other -H "X-Vault-Token: $NOSUDO" -d '{"type":"approle"}'
expect_eq "$CODE" 403 "sys/auth without sudo"
req GET sys/auth "${ROOT[@]}"
expect_not_in "$BODY" "other/" "a refused enable"

# -- userpass: passwords, lockout, throttle, CIDRs -------------------------
req POST auth/userpass/users/alice "${ROOT[@]}" -d '{"password":"pw-alice-1","token_policies":"dev"}'
expect_eq "$CODE" 200 "create alice (a warning: no policy dev yet)"
expect_in "$BODY" 'Policy \"dev\" does not exist'
req POST auth/userpass/users/eve "${ROOT[@]}" -d '{"password":"x","token_policies":["root"]}'
expect_eq "$CODE" 400 "root policy refused"
req GET auth/userpass/users/eve "${ROOT[@]}"
expect_eq "$CODE" 404 "nothing stored for eve"
req POST auth/userpass/users/eve "${ROOT[@]}" -d '{"token_policies":["dev"]}'
expect_eq "$CODE" 400 "a new user needs a password"
expect_in "$BODY" "missing password"
req POST auth/userpass/users/bad%2Fname "${ROOT[@]}" -d '{"password":"x"}'
expect_eq "$CODE" 400 "a name with a slash"
login alice pw-alice-1
expect_eq "$CODE" 200 "alice logs in"
expect_eq "$(json_get 'd["auth"]["metadata"]["username"]')" alice "auth.metadata.username"
expect_eq "$(json_get '",".join(d["auth"]["policies"])')" "default,dev,personal" "policies"
expect_eq "$(json_get 'len(d["auth"]["entity_id"])')" 36 "entity_id"
req GET auth/token/lookup-self -H "X-Vault-Token: $TOK"
expect_eq "$(json_get 'd["data"]["display_name"]')" userpass-alice "display_name"
expect_eq "$(json_get 'd["data"]["path"]')" auth/userpass/login/alice "path"
req POST auth/userpass/login/alice -d '{}'
expect_eq "$CODE" 400 "no password"
expect_in "$BODY" "missing password"
login alice wrong
expect_eq "$CODE" 400 "wrong password"
expect_in "$BODY" "invalid username or password"
login nobody whatever
expect_eq "$CODE" 400 "unknown user"
expect_in "$BODY" "invalid username or password"
# Three failures lock alice (threshold 3 on this mount) for 2 s: even the
# right password is refused, with Vault's permission denied.
login alice wrong
login alice wrong
expect_eq "$CODE" 400 "third failure"
login alice pw-alice-1
expect_eq "$CODE" 403 "locked out"
expect_in "$BODY" "permission denied"
login nobody whatever
login nobody whatever
login nobody whatever
expect_eq "$CODE" 403 "unknown users lock the same way"
sleep 2.5
login alice pw-alice-1
expect_eq "$CODE" 200 "unlocked after the lockout duration"
# A success clears the count: two failures do not lock.
login alice wrong
login alice wrong
login alice pw-alice-1
expect_eq "$CODE" 200 "two failures after a success"
# Bound CIDRs: a user who may only log in from 127.0.0.2.
req POST auth/userpass/users/bound "${ROOT[@]}" -d '{"password":"pw-b","token_bound_cidrs":["127.0.0.2/32"]}'
login bound pw-b
expect_eq "$CODE" 403 "login from outside the bound CIDRs"
login bound pw-b --interface 127.0.0.2
expect_eq "$CODE" 200 "login from inside the bound CIDRs"
req GET auth/token/lookup-self -H "X-Vault-Token: $TOK"
expect_eq "$CODE" 403 "the token is bound too"
req GET auth/token/lookup-self -H "X-Vault-Token: $TOK" --interface 127.0.0.2
expect_eq "$CODE" 200 "the token from its CIDR"
# The address throttle: over 30 failures a minute from 127.0.0.3 (spread
# over users, so no lockout) and every login from it gets 429 for a while,
# the right password included; other addresses are unaffected.
for i in $(seq 1 31); do
	login "u$i" wrong --interface 127.0.0.3
done
expect_eq "$CODE" 400 "the 31st failure is still an ordinary one"
login alice pw-alice-1 --interface 127.0.0.3
expect_eq "$CODE" 429 "throttled address"
expect_in "$BODY" "too many failed logins from this address"
login alice pw-alice-1
expect_eq "$CODE" 200 "another address is not throttled"

# -- personal credentials and templates -----------------------------------
req POST auth/userpass/users/bob "${ROOT[@]}" -d '{"password":"pw-bob-1"}'
# users/NAME/policies changes the policies alone: a password or another
# setting in its body is not applied (a grant of that path is no takeover).
req POST auth/userpass/users/bob/policies "${ROOT[@]}" -d '{"token_policies":"authw","password":"taken-over","token_ttl":"1s"}'
expect_eq "$CODE" 204 "users/bob/policies"
login bob taken-over
expect_eq "$CODE" 400 "a password sent to users/NAME/policies is not set"
req GET auth/userpass/users/bob "${ROOT[@]}"
expect_eq "$(json_get '",".join(d["data"]["token_policies"])')" authw "users/NAME/policies sets the policies"
expect_eq "$(json_get 'd["data"]["token_ttl"]')" 0 "and nothing else"
req POST auth/userpass/users/bob/policies "${ROOT[@]}" -d '{"token_policies":[]}'
expect_eq "$CODE" 204 "and sets them back"
login alice pw-alice-1
ALICE=$TOK
login bob pw-bob-1
BOB=$TOK
req POST users/data/alice/openai -H "X-Vault-Token: $ALICE" -d '{"data":{"api_key":"sk-alice"}}'
expect_eq "$CODE" 200 "alice writes her own folder"
req GET users/data/alice/openai -H "X-Vault-Token: $ALICE"
expect_eq "$(json_get 'd["data"]["data"]["api_key"]')" sk-alice "alice reads it"
req GET users/data/alice/openai -H "X-Vault-Token: $BOB"
expect_eq "$CODE" 403 "bob cannot read alice's"
req POST users/data/alice/openai -H "X-Vault-Token: $BOB" -d '{"data":{"api_key":"sk-bob"}}'
expect_eq "$CODE" 403 "bob cannot write alice's"
req LIST users/metadata/ -H "X-Vault-Token: $BOB"
expect_eq "$CODE" 403 "bob cannot list everyone's"
req GET users/data/alice/openai -H "X-Vault-Token: $ALICE"
expect_eq "$(json_get 'd["data"]["metadata"]["version"]')" 1 "the refused write left no version"
# A token with the personal policy but no identity gets nothing from it.
req POST auth/token/create "${ROOT[@]}" -d '{"policies":["personal"]}'
PLAIN=$(json_get 'd["auth"]["client_token"]')
req GET users/data/alice/openai -H "X-Vault-Token: $PLAIN"
expect_eq "$CODE" 403 "templates fail closed without an identity"
req POST sys/capabilities-self -H "X-Vault-Token: $ALICE" -d '{"paths":["users/data/alice/x","users/data/bob/x"]}'
expect_eq "$(json_get '",".join(d["data"]["users/data/bob/x"])')" deny "capabilities-self resolves templates"
# Malformed policies: 400 with the reason, nothing stored.
req POST sys/policies/acl/broken "${ROOT[@]}" -d '{"policy":"path \"x/{{identity.entity.nope}}\" { capabilities = [\"read\"] }"}'
expect_eq "$CODE" 400 "unknown template"
expect_in "$BODY" "unknown template"
req POST sys/policies/acl/broken "${ROOT[@]}" -d '{"policy":"path \"x/*\" { capabilities = [\"read\" }"}'
expect_eq "$CODE" 400 "malformed HCL"
req GET sys/policies/acl/broken "${ROOT[@]}"
expect_eq "$CODE" 404 "no broken policy stored"

# -- teams ----------------------------------------------------------------
req POST sys/teams/ml "${ROOT[@]}" -d '{"policies":["nope"],"mount":true}'
expect_eq "$CODE" 400 "team with an unknown policy"
expect_in "$BODY" 'policy \"nope\" does not exist'
req GET sys/teams/ml "${ROOT[@]}"
expect_eq "$CODE" 404 "no team stored"
req GET sys/mounts "${ROOT[@]}"
expect_not_in "$BODY" "teams/ml/" "no mount made"
req POST sys/policies/acl/dev "${ROOT[@]}" -d '{"policy":"path \"secret/data/dev/*\" { capabilities = [\"read\"] }"}'
req POST sys/teams/ml "${ROOT[@]}" -d '{"policies":"dev","mount":true}'
expect_eq "$CODE" 204 "team ml with a mount"
req POST sys/teams/web "${ROOT[@]}" -d '{"mount":true}'
req POST auth/userpass/users/carol "${ROOT[@]}" -d '{"password":"pw-c","teams":["ml","web"]}'
req POST auth/userpass/users/dave "${ROOT[@]}" -d '{"password":"pw-d","teams":"ml"}'
req POST auth/userpass/users/dave "${ROOT[@]}" -d '{"teams":["nosuch"]}'
expect_eq "$CODE" 400 "unknown team"
req GET auth/userpass/users/dave "${ROOT[@]}"
expect_eq "$(json_get '",".join(d["data"]["teams"])')" ml "the refused update left dave as he was"
login carol pw-c
CAROL=$TOK
expect_eq "$(json_get '",".join(d["auth"]["policies"])')" "default,dev,personal,team-ml,team-web" "two teams: the union"
login dave pw-d
DAVE=$TOK
req POST teams/ml/data/model -H "X-Vault-Token: $DAVE" -d '{"data":{"k":"v"}}'
expect_eq "$CODE" 200 "a member writes the team mount"
req POST teams/web/data/site -H "X-Vault-Token: $DAVE" -d '{"data":{"k":"v"}}'
expect_eq "$CODE" 403 "not another team's"
req POST teams/web/data/site -H "X-Vault-Token: $CAROL" -d '{"data":{"k":"v"}}'
expect_eq "$CODE" 200 "carol is in both"
req GET teams/ml/data/model -H "X-Vault-Token: $CAROL"
expect_eq "$CODE" 200 "carol reads ml's"
# Deleting a team drops its generated policy: access ends at once, the
# secrets stay (no purge) for root.
req DELETE sys/teams/ml "${ROOT[@]}"
expect_eq "$CODE" 204 "delete team ml"
req GET teams/ml/data/model -H "X-Vault-Token: $DAVE"
expect_eq "$CODE" 403 "no access once the team is gone"
req GET teams/ml/data/model "${ROOT[@]}"
expect_eq "$CODE" 200 "the secrets are kept"
req POST sys/teams/ml "${ROOT[@]}" -d '{"mount":true}'
expect_eq "$CODE" 200 "recreated, keeping the mount (a warning)"
req DELETE "sys/teams/ml?purge=true" "${ROOT[@]}"
req GET sys/mounts "${ROOT[@]}"
expect_not_in "$BODY" "teams/ml/" "purged"

# -- approle ----------------------------------------------------------------
req POST sys/auth/approle "${ROOT[@]}" -d '{"type":"approle"}'
req POST auth/approle/role/svc "${ROOT[@]}" -d '{"token_policies":["dev"],"secret_id_ttl":"4s","secret_id_bound_cidrs":"127.0.0.1/32,127.0.0.4/32"}'
expect_eq "$CODE" 204 "role svc"
req GET auth/approle/role/svc/role-id "${ROOT[@]}"
RID=$(json_get 'd["data"]["role_id"]')
req POST auth/approle/role/svc/secret-id "${ROOT[@]}"
SID=$(json_get 'd["data"]["secret_id"]')
req POST auth/approle/login -d "{\"role_id\":\"$RID\",\"secret_id\":\"$SID\"}" --interface 127.0.0.5
expect_eq "$CODE" 400 "secret_id from outside its CIDRs"
expect_in "$BODY" "CIDR restrictions on the secret ID"
req POST auth/approle/login -d "{\"role_id\":\"$RID\",\"secret_id\":\"$SID\"}"
expect_eq "$CODE" 200 "approle login"
expect_eq "$(json_get 'd["auth"]["metadata"]["role_name"]')" svc "metadata.role_name"
# A TTL of 4 s, not 1: the three requests above must fit in it on a busy
# CI machine too (with 1 s the login once found the secret_id expired).
sleep 4.5
# "secret_id has expired" until the sweep (every 5 s) removes it, then
# "invalid role or secret ID" (the unit test checks the first exactly).
req POST auth/approle/login -d "{\"role_id\":\"$RID\",\"secret_id\":\"$SID\"}"
expect_eq "$CODE" 400 "an expired secret_id"
case "$BODY" in
*"secret_id has expired"* | *"invalid role or secret ID"*) ;;
*) fail "expired secret_id: $BODY" ;;
esac
req POST auth/approle/login -d "{\"role_id\":\"$RID\",\"secret_id\":\"$SID\"}"
expect_eq "$CODE" 400 "gone after expiry"
expect_in "$BODY" "invalid role or secret ID"
req POST auth/approle/login -d "{\"role_id\":\"nope\",\"secret_id\":\"$SID\"}"
expect_eq "$CODE" 400 "unknown role_id"
expect_in "$BODY" "invalid role or secret ID"
req POST auth/approle/login -d '{"secret_id":"x"}'
expect_eq "$CODE" 400 "no role_id"
expect_in "$BODY" "missing role_id"
# The sweep removes expired secret_ids without a login touching them.
req POST auth/approle/role/svc/secret-id "${ROOT[@]}"
ACC=$(json_get 'd["data"]["secret_id_accessor"]')
sleep 10 # expired after 4 s; the server sweeps every 5 s
req LIST auth/approle/role/svc/secret-id "${ROOT[@]}"
expect_eq "$CODE" 404 "swept"
req POST auth/approle/role/svc/secret-id-accessor/lookup "${ROOT[@]}" -d "{\"secret_id_accessor\":\"$ACC\"}"
expect_eq "$CODE" 400 "its accessor is gone too"
# Use limits.
req POST auth/approle/role/once "${ROOT[@]}" -d '{"secret_id_num_uses":2}'
req GET auth/approle/role/once/role-id "${ROOT[@]}"
RID=$(json_get 'd["data"]["role_id"]')
req POST auth/approle/role/once/secret-id "${ROOT[@]}" -d '{"metadata":"{\"host\":\"web-1\"}"}'
SID=$(json_get 'd["data"]["secret_id"]')
req POST auth/approle/role/once/secret-id/lookup "${ROOT[@]}" -d "{\"secret_id\":\"$SID\"}"
expect_eq "$(json_get 'd["data"]["secret_id_num_uses"]')" 2 "two uses"
expect_eq "$(json_get 'd["data"]["metadata"]["host"]')" web-1 "metadata"
req POST auth/approle/login -d "{\"role_id\":\"$RID\",\"secret_id\":\"$SID\"}"
expect_eq "$(json_get 'd["auth"]["metadata"]["host"]')" web-1 "secret_id metadata on the token"
ONCE=$(json_get 'd["auth"]["client_token"]')
req POST auth/approle/login -d "{\"role_id\":\"$RID\",\"secret_id\":\"$SID\"}"
expect_eq "$CODE" 200 "second use"
req POST auth/approle/login -d "{\"role_id\":\"$RID\",\"secret_id\":\"$SID\"}"
expect_eq "$CODE" 400 "used up"
req POST auth/approle/role/once/secret-id/lookup "${ROOT[@]}" -d "{\"secret_id\":\"$SID\"}"
expect_eq "$CODE" 204 "a used-up secret_id is gone"
# Deleting the role revokes its tokens.
req DELETE auth/approle/role/once "${ROOT[@]}"
req GET auth/token/lookup-self -H "X-Vault-Token: $ONCE"
expect_eq "$CODE" 403 "role deleted: token revoked"

# -- disabling a method revokes its tokens and erases its users ------------
req GET auth/token/lookup-self -H "X-Vault-Token: $ALICE"
expect_eq "$CODE" 200 "alice's token before"
req DELETE sys/auth/userpass "${ROOT[@]}"
expect_eq "$CODE" 204 "disable userpass"
req GET auth/token/lookup-self -H "X-Vault-Token: $ALICE"
expect_eq "$CODE" 403 "alice's token after"
req POST sys/auth/userpass "${ROOT[@]}" -d '{"type":"userpass"}'
login alice pw-alice-1
expect_eq "$CODE" 400 "no alice on the new mount"
# -- a use-limited token on GETs: each read takes one use (the server runs
# such reads on a worker, since counting the use writes), then 403 --------
req POST sys/policies/acl/nu-read "${ROOT[@]}" -d '{"policy":"path \"secret/data/nu/*\" { capabilities = [\"read\"] }"}'
req POST secret/data/nu/x "${ROOT[@]}" -d '{"data":{"api_key":"v1"}}'
expect_eq "$CODE" 200 "write nu/x"
req POST auth/token/create "${ROOT[@]}" -d '{"policies":["nu-read"],"num_uses":3}'
NU=$(json_get 'd["auth"]["client_token"]')
for i in 1 2 3; do
	req GET secret/data/nu/x -H "X-Vault-Token: $NU"
	expect_eq "$CODE" 200 "use $i of 3"
done
expect_eq "$(json_get 'd["data"]["data"]["api_key"]')" v1 "the read's answer"
req GET secret/data/nu/x -H "X-Vault-Token: $NU"
expect_eq "$CODE" 403 "a fourth use"
req POST auth/token/create "${ROOT[@]}" -d '{"policies":["nu-read"],"num_uses":2}'
NU=$(json_get 'd["auth"]["client_token"]')
req GET secret/data/elsewhere -H "X-Vault-Token: $NU"
expect_eq "$CODE" 403 "a read its policy refuses"
req GET auth/token/lookup-self -H "X-Vault-Token: $NU"
expect_eq "$CODE" 200 "the refused read spent no use"
expect_eq "$(json_get 'd["data"]["num_uses"]')" 1 "lookup-self took one of two uses"
req GET secret/data/nu/x -H "X-Vault-Token: $NU"
expect_eq "$CODE" 200 "the last use"
req GET secret/data/nu/x -H "X-Vault-Token: $NU"
expect_eq "$CODE" 403 "used up"
# Requests racing for a token's uses: each use is taken once.
req POST auth/token/create "${ROOT[@]}" -d '{"policies":["nu-read"],"num_uses":3}'
NU=$(json_get 'd["auth"]["client_token"]')
RACERS=()
for i in $(seq 1 12); do
	curl -s -o /dev/null -w '%{http_code}\n' -H "X-Vault-Token: $NU" "$ADDR/v1/secret/data/nu/x" >"$T_DIR/race-$i" &
	RACERS+=($!)
done
wait "${RACERS[@]}"
expect_eq "$(cat "$T_DIR"/race-* | grep -c '^200$')" 3 "12 parallel reads with a 3-use token"

# Secrets never in the log.
expect_not_in "$(cat "$T_DIR/server.log")" "pw-alice-1" "server log"
expect_not_in "$(cat "$T_DIR/server.log")" "sk-alice" "server log"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
t_done
