# t0001 - init creates a 0600 vault and key file apart from each other,
# refuses to overwrite, and status describes the vault.
. "$(dirname "$0")/lib.sh"
t_setup
t_local_only

expect_status 3 custos status && expect_in "$ERR" "custos init" "no-vault message"
expect_one_line "$ERR"
expect_status 0 custos init
expect_in "$OUT" "$VAULT"
expect_eq "$(mode_of "$VAULT")" 600 "vault mode"
expect_eq "$(mode_of "$KEYFILE")" 600 "key file mode"
expect_eq "$(mode_of "$(dirname "$KEYFILE")")" 700 "key dir mode"
key_before=$(cat "$KEYFILE")
expect_status 6 custos init && expect_in "$ERR" "already exists"
expect_eq "$(cat "$KEYFILE")" "$key_before" "key file after refused init"

expect_status 0 custos status
expect_in "$OUT" "backend:     sqlite"
expect_in "$OUT" "key file $KEYFILE"
expect_in "$OUT" "secrets:     0"
expect_status 0 custos status --format json
expect_in "$OUT" '"active_term": 1'

# A second vault reuses the existing key file rather than overwriting it.
expect_status 0 custos --vault "$T_DIR/second.db" init
expect_eq "$(cat "$KEYFILE")" "$key_before" "key file after second init"
expect_status 0 custos status --vault "$T_DIR/second.db"

# CUSTOS_MASTER_KEY: base64 of 32 bytes, no key file written.
export CUSTOS_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
expect_status 0 custos --vault "$T_DIR/env.db" --key-file "$T_DIR/nokey" init
expect_in "$OUT" "env CUSTOS_MASTER_KEY"
[ -e "$T_DIR/nokey" ] && fail "init wrote a key file although CUSTOS_MASTER_KEY was set"
echo v-123 | custos --vault "$T_DIR/env.db" put a/b v=- >/dev/null
expect_status 0 custos --vault "$T_DIR/env.db" get a/b -f v && expect_eq "$OUT" "v-123"
export CUSTOS_MASTER_KEY=notbase64!!
expect_status 5 custos --vault "$T_DIR/env.db" get a/b -f v
expect_in "$ERR" "CUSTOS_MASTER_KEY"
unset CUSTOS_MASTER_KEY

# A key file others can read is refused.
chmod 644 "$KEYFILE"
expect_status 4 custos status && expect_in "$ERR" "chmod 600"
chmod 600 "$KEYFILE"
# No key file at all.
expect_status 3 custos --key-file "$T_DIR/missing.key" status
expect_one_line "$ERR"

# Global flags work before and after the command; every command has -h.
expect_status 0 custos status --vault "$VAULT"
for c in init status put get list history rollback delete undelete destroy meta key rewrap types; do
	expect_status 0 custos "$c" -h && expect_in "$OUT" "usage: custos $c"
done
expect_status 2 custos frobnicate
expect_status 2 custos get --bogus x
t_done
