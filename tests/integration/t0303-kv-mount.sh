# t0303 - the KV commands on other kv mounts than secret/: --kv-mount and
# CUSTOS_KV_MOUNT (a team's teams/<team>/, the personal users/), with or
# without the trailing slash, for put/get/list/history/delete/undelete/run/
# export; mounts that cannot be mount paths are usage errors. In the
# remote pass also who may use them: a team's member reads and writes its
# mount, another team's member gets 4, personal credentials are the
# user's alone.
. "$(dirname "$0")/lib.sh"
t_setup
t_init

expect_status 0 custos team create ml --mount
expect_in "$OUT" "teams/ml/" "team create names the mount"
expect_status 0 custos team create ops --mount
KEY=sk-mlteam0123456789abcdefghijklmnopqrstuv
printf '%s' "$KEY" >"$T_DIR/key"
expect_status 0 custos --kv-mount teams/ml put openai --type openai api_key=@"$T_DIR/key"
expect_status 0 custos get openai -f api_key --kv-mount teams/ml/
expect_eq "$OUT" "$KEY" "read back from the team's mount"
expect_status 3 custos get openai
expect_status 0 env CUSTOS_KV_MOUNT=teams/ml "$CUSTOS_BIN" list
expect_eq "$OUT" "openai" "list of the team's mount"
expect_status 0 custos --kv-mount teams/ml put openai --type openai api_key=@"$T_DIR/key"
expect_status 0 custos --kv-mount teams/ml history openai
expect_in "$OUT" "2" "two versions"
expect_status 0 custos --kv-mount teams/ml delete openai
expect_status 3 custos --kv-mount teams/ml get openai
expect_status 0 custos --kv-mount teams/ml undelete openai --versions 2
expect_status 0 custos --kv-mount teams/ml run --path openai -- sh -c 'test "$OPENAI_API_KEY" = "$0"' "$KEY"
expect_status 0 custos --kv-mount teams/ml export openai --format dotenv
expect_in "$OUT" "OPENAI_API_KEY" "export from the team's mount"
expect_status 3 custos --kv-mount teams/ops get openai
# Not a mount path: a usage error, one line.
for bad in /secret teams/../secret 'te am' teams//ml; do
	expect_status 2 custos --kv-mount "$bad" get openai
	expect_one_line "$ERR"
	expect_in "$ERR" "--kv-mount" "the message names the flag"
done
expect_status 2 env CUSTOS_KV_MOUNT=/x "$CUSTOS_BIN" get openai

if [ "${CUSTOS_REMOTE:-0}" = 1 ]; then
	expect_status 0 custos auth enable userpass
	printf 'pw-alice-1' >"$T_DIR/pa"
	printf 'pw-bob-123' >"$T_DIR/pb"
	expect_status 0 custos user create alice --team ml --password-file "$T_DIR/pa"
	expect_status 0 custos user create bob --team ops --password-file "$T_DIR/pb"
	token_of() {
		curl -s -X POST -d "{\"password\":\"$2\"}" "$CUSTOS_ADDR/v1/auth/userpass/login/$1" |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["auth"]["client_token"])'
	}
	ALICE=$(token_of alice pw-alice-1)
	BOB=$(token_of bob pw-bob-123)
	expect_status 0 env CUSTOS_TOKEN="$ALICE" "$CUSTOS_BIN" --kv-mount teams/ml get openai -f api_key
	expect_eq "$OUT" "$KEY" "a member reads the team's mount"
	expect_status 0 env CUSTOS_TOKEN="$ALICE" "$CUSTOS_BIN" --kv-mount teams/ml put hf --type huggingface token=hf_abcdefghijklmnopqrstuvwxyz
	expect_status 4 env CUSTOS_TOKEN="$BOB" "$CUSTOS_BIN" --kv-mount teams/ml get openai
	expect_status 4 env CUSTOS_TOKEN="$BOB" "$CUSTOS_BIN" --kv-mount teams/ml put x api_key=y
	printf 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' >"$T_DIR/gh"
	expect_status 0 env CUSTOS_TOKEN="$ALICE" "$CUSTOS_BIN" --kv-mount users put alice/github --type github token=@"$T_DIR/gh"
	expect_status 0 env CUSTOS_TOKEN="$ALICE" "$CUSTOS_BIN" --kv-mount users get alice/github -f token
	expect_eq "$OUT" "ghp_abcdefghijklmnopqrstuvwxyz0123456789" "personal credential"
	expect_status 4 env CUSTOS_TOKEN="$BOB" "$CUSTOS_BIN" --kv-mount users get alice/github
	expect_status 4 env CUSTOS_TOKEN="$ALICE" "$CUSTOS_BIN" --kv-mount users put bob/x api_key=y
fi
t_done
