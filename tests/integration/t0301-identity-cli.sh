# t0301 - identity from the CLI: custos auth enable|list|disable, custos
# team, custos user, custos approle, locally (as root on the vault file)
# and in remote mode; custos login --method userpass and custos approle
# login need a server, so those parts run in remote mode only. Bad input
# (unknown policy or team, a user that exists, wrong password, a used-up
# secret_id) gets its documented exit status, one message, and leaves
# nothing behind.
. "$(dirname "$0")/lib.sh"
t_setup
t_init
remote=${CUSTOS_REMOTE:-0}

expect_status 0 custos auth enable userpass
expect_in "$OUT" "enabled userpass at auth/userpass/"
expect_status 2 custos auth enable nosuch
expect_in "$ERR" 'unknown auth method type "nosuch"'
expect_one_line "$ERR"
expect_status 2 custos auth enable userpass
expect_in "$ERR" "path is already in use"
expect_status 0 custos auth list
expect_in "$OUT" "userpass/"
expect_in "$OUT" "token/"
expect_in "$OUT" "auth_userpass_"
# Enabling userpass made the personal-credentials policy.
expect_status 0 custos policy list
expect_in "$OUT" "personal"

# A team naming a policy that does not exist: refused, nothing stored.
expect_status 2 custos team create ml --policy nope --mount
expect_in "$ERR" 'policy "nope" does not exist'
expect_one_line "$ERR"
expect_status 0 custos team list
expect_eq "$OUT" "" "teams after a refused create"
printf 'path "secret/data/dev/*" { capabilities = ["read"] }\n' >dev.hcl
expect_status 0 custos policy write dev dev.hcl
expect_status 0 custos team create ml --policy dev --mount
expect_status 6 custos team create ml
expect_status 0 custos team read ml
expect_in "$OUT" "teams/ml/"
expect_in "$OUT" "team-ml"
expect_status 0 custos policy read team-ml
expect_in "$OUT" 'path "teams/ml/*"'
expect_status 0 custos team create data
expect_status 0 custos team list
expect_in "$OUT" "ml"
expect_in "$OUT" "data"
expect_status 2 custos team create 'bad name!'
expect_status 2 custos team create a/b

# Users: the password from standard input, never argv.
expect_status 0 sh -c "printf 'pw-alice-123\n' | '$CUSTOS_BIN' user create alice --team ml --team data --password-file -"
expect_in "$OUT" "user alice created"
expect_status 6 sh -c "printf 'x\n' | '$CUSTOS_BIN' user create alice --password-file -"
expect_in "$ERR" "user alice exists"
expect_status 2 sh -c "printf 'pw\n' | '$CUSTOS_BIN' user create bob --team nosuch --password-file -"
expect_in "$ERR" 'team "nosuch" does not exist'
expect_status 3 custos user read bob
expect_status 0 custos user read alice
expect_in "$OUT" '["ml","data"]'
expect_not_in "$OUT" "pw-alice-123" "user read"
expect_not_in "$OUT" "hash" "user read"
# Vault accepts policy names that do not exist (yet) on users: a warning.
expect_status 0 custos user update alice --policy later
expect_in "$ERR" 'Policy "later" does not exist'
expect_status 0 custos user list
expect_eq "$OUT" "alice" "user list"
expect_status 2 sh -c "printf '\n' | '$CUSTOS_BIN' user create carol --password-file -"
expect_in "$ERR" "empty password"
expect_status 2 custos user create carol </dev/null
expect_status 3 custos user update nobody --policy dev

# Approle roles, role_ids and secret_ids.
expect_status 0 custos auth enable approle
expect_status 0 custos approle role write svc --policy dev --team ml --secret-id-num-uses 1
expect_status 0 custos approle role read svc
expect_in "$OUT" "secret_id_num_uses"
expect_status 0 custos approle role-id svc
ROLE_ID=$OUT
expect_eq "${#ROLE_ID}" 36 "role_id length"
expect_status 0 custos approle secret-id svc
SECRET_ID=$OUT
expect_eq "${#SECRET_ID}" 36 "secret_id length"
expect_in "$ERR" "secret_id_accessor:"
expect_status 0 custos approle role list
expect_eq "$OUT" "svc" "role list"
expect_status 2 custos approle secret-id nosuchrole
expect_in "$ERR" 'role "nosuchrole" does not exist'
expect_status 2 custos approle role write open --no-bind-secret-id
expect_in "$ERR" "at least one constraint"

if [ "$remote" = 1 ]; then
	# Log in as alice: the token is kept in the token file.
	expect_status 0 sh -c "printf 'pw-alice-123\n' | env CUSTOS_TOKEN= '$CUSTOS_BIN' login --method userpass --username alice --password-file -"
	expect_in "$OUT" "as userpass-alice"
	expect_in "$OUT" "team-ml"
	expect_in "$OUT" "personal"
	expect_status 0 env CUSTOS_TOKEN= "$CUSTOS_BIN" token lookup
	expect_in "$OUT" "userpass-alice"
	expect_in "$OUT" '"username":"alice"'
	expect_in "$OUT" '["ml","data"]'
	# alice's token reads secret/dev/ (team ml's policy dev), nothing else.
	expect_status 0 custos put dev/db password=-  <<<'s3cret'
	expect_status 0 env CUSTOS_TOKEN= "$CUSTOS_BIN" get dev/db -f password
	expect_eq "$OUT" "s3cret" "alice reads dev/db"
	expect_status 4 env CUSTOS_TOKEN= "$CUSTOS_BIN" put other/x k=-  <<<'v'
	# A wrong password: 400 -> exit 2, Vault's message.
	expect_status 2 sh -c "printf 'wrong\n' | env CUSTOS_TOKEN= '$CUSTOS_BIN' login --method userpass --username alice --password-file -"
	expect_in "$ERR" "invalid username or password"
	expect_one_line "$ERR"
	expect_status 2 sh -c "printf 'x\n' | env CUSTOS_TOKEN= '$CUSTOS_BIN' login --method userpass --username nobody --password-file -"
	expect_in "$ERR" "invalid username or password"
	# Approle login, and the one-use secret_id is used up after it.
	expect_status 0 sh -c "printf '%s' '$SECRET_ID' | env CUSTOS_TOKEN= '$CUSTOS_BIN' approle login --role-id '$ROLE_ID' --secret-id-file -"
	expect_in "$OUT" "as role svc"
	expect_status 0 env CUSTOS_TOKEN= "$CUSTOS_BIN" token lookup
	expect_in "$OUT" "approle"
	expect_in "$OUT" '"role_name":"svc"'
	expect_status 2 sh -c "printf '%s' '$SECRET_ID' | env CUSTOS_TOKEN= '$CUSTOS_BIN' approle login --role-id '$ROLE_ID' --secret-id-file -"
	expect_in "$ERR" "invalid role or secret ID"
	# Deleting alice revokes her tokens at once.
	expect_status 0 sh -c "printf 'pw-alice-123\n' | env CUSTOS_TOKEN= '$CUSTOS_BIN' login --method userpass --username alice --password-file -"
	expect_status 0 custos user delete alice
	expect_status 4 env CUSTOS_TOKEN= "$CUSTOS_BIN" token lookup
else
	# Logins need a server; the local vault has no use for tokens.
	expect_status 2 custos login --method userpass --username alice
	expect_in "$ERR" "CUSTOS_ADDR"
	expect_status 2 custos approle login --role-id "$ROLE_ID" --secret-id-file /dev/null
	expect_in "$ERR" "needs a server"
	expect_status 0 custos user delete alice
fi
expect_status 3 custos user read alice

# Deleting a team keeps its mount's secrets unless --purge.
expect_status 0 custos team delete ml
expect_status 3 custos policy read team-ml
expect_status 0 custos team delete ml --purge
expect_status 0 custos auth disable approle
expect_status 0 custos auth list
expect_not_in "$OUT" "approle/"
expect_status 2 custos auth disable token
expect_in "$ERR" "cannot be disabled"
t_done
