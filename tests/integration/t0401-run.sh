# t0401 - custos run: ecosystem variable names, custom names kept, generic
# NAME_FIELD names, collisions named, map files and custos:// variables of
# the environment, values in the child's environment only (not in custos's
# own environment or argument list), exit statuses (the command's, 128+N
# for a signal, 126/127), --mask on stdout and stderr (also for a value
# split across writes and for the lines of a multi-line value), signals
# passed on by the masking parent, the umask given back to the child.
. "$(dirname "$0")/lib.sh"
t_setup
t_init

OPENAI=sk-proj-runtestabcdefghijklmnop7f3a
STAGING=sk-proj-stagingabcdefghijklmn0000
printf '%s\n' "$OPENAI" | custos put openai/prod --type openai api_key=- organization=org-runtest >/dev/null
printf '%s\n' "$STAGING" | custos put openai/staging --type openai api_key=- >/dev/null
custos put aws/prod --type aws access_key_id=AKIAIOSFODNN7EXAMPLE \
	secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY region=eu-west-1 >/dev/null 2>&1
custos put db --type db_dsn dsn=postgres://app:dbpass-1234@db/app >/dev/null 2>&1
custos put pagerduty --type api_key api_key=pd-key-0123456789 >/dev/null 2>&1
custos put docker --type http_basic username=deployer password=docker-pass-99 >/dev/null 2>&1
printf 'APP_SECRET=app-secret-value-42\nlower_case=kept as is\n' >"$T_DIR/app.env"
custos import dotenv "$T_DIR/app.env" app/dev >/dev/null

# Each ecosystem's own names; custom fields keep theirs; generic types are NAME_FIELD.
envdump() { custos run "$@" -- sh -c 'env | sort'; }
expect_status 0 envdump --path openai/prod --path aws/prod --path db --path app/dev \
	--path pagerduty --path docker
expect_in "$OUT" "OPENAI_API_KEY=$OPENAI"
expect_in "$OUT" "OPENAI_ORG_ID=org-runtest"
expect_in "$OUT" "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE"
expect_in "$OUT" "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
expect_in "$OUT" "AWS_REGION=eu-west-1"
expect_in "$OUT" "DATABASE_URL=postgres://app:dbpass-1234@db/app"
expect_in "$OUT" "APP_SECRET=app-secret-value-42"
expect_in "$OUT" "lower_case=kept as is"
expect_in "$OUT" "PAGERDUTY_API_KEY=pd-key-0123456789"
expect_in "$OUT" "DOCKER_USERNAME=deployer"
expect_in "$OUT" "DOCKER_PASSWORD=docker-pass-99"
# The rest of the environment passes through; a name given twice is read once.
expect_status 0 env RUN_TEST_MARK=kept "$CUSTOS_BIN" run --path openai/prod --path openai/prod -- sh -c 'echo "$RUN_TEST_MARK $OPENAI_API_KEY"'
expect_eq "$OUT" "kept $OPENAI"

# The values are the child's alone: not in the masking parent's environment
# or argument list (the child reads both through /proc).
expect_status 0 custos run --mask --path openai/prod -- sh -c \
	'tr "\0" "\n" </proc/$PPID/environ >parent.env; tr "\0" " " </proc/$PPID/cmdline >parent.argv
	 echo "child sees ${#OPENAI_API_KEY}"'
expect_not_in "$(cat parent.env)" "OPENAI_API_KEY=" "custos's own environment"
expect_not_in "$(cat parent.env parent.argv)" "runtestabcdef" "custos's environment and argv"
expect_in "$OUT" "child sees ${#OPENAI}"

# Two secrets giving one variable: an error naming both; the command does not run.
expect_status 2 custos run --path openai/prod --path openai/staging -- sh -c 'echo RAN'
expect_in "$ERR" "OPENAI_API_KEY" && expect_in "$ERR" "openai/prod" && expect_in "$ERR" "openai/staging"
expect_not_in "$OUT" "RAN"
expect_one_line "$ERR"
expect_not_in "$ERR" "$OPENAI" "collision error"

# A map file: its names win and take the fields they name away from the defaults.
cat >"$T_DIR/map.env" <<EOF
# comments and quotes as in any .env
PRIMARY_KEY="custos://openai/prod/api_key"
OPENAI_API_KEY=custos://openai/staging/api_key
export PLAIN_SETTING=not a reference
EOF
expect_status 0 custos run --path openai/prod --env-file "$T_DIR/map.env" -- sh -c 'env | sort'
expect_in "$OUT" "PRIMARY_KEY=$OPENAI"
expect_in "$OUT" "OPENAI_API_KEY=$STAGING"
expect_in "$OUT" "PLAIN_SETTING=not a reference"
expect_in "$OUT" "OPENAI_ORG_ID=org-runtest"
# The map alone is enough.
expect_status 0 custos run --env-file "$T_DIR/map.env" -- sh -c 'echo "$PRIMARY_KEY"'
expect_eq "$OUT" "$OPENAI"
printf 'X=custos://openai/prod/no_such_field\n' >"$T_DIR/badfield.env"
expect_status 3 custos run --env-file "$T_DIR/badfield.env" -- true
expect_in "$ERR" "no_such_field" && expect_in "$ERR" "line 1"
printf 'X=custos://bad//f\n' >"$T_DIR/badref.env"
expect_status 2 custos run --env-file "$T_DIR/badref.env" -- true && expect_in "$ERR" "line 1"
printf 'X="unterminated\n' >"$T_DIR/badsyntax.env"
expect_status 2 custos run --env-file "$T_DIR/badsyntax.env" -- true && expect_in "$ERR" "line 1"

# custos:// references in the environment are resolved, as op run does.
expect_status 0 env MY_OPENAI=custos://openai/staging/api_key "$CUSTOS_BIN" run -- sh -c 'echo "$MY_OPENAI"'
expect_eq "$OUT" "$STAGING"
expect_status 3 env MY_OPENAI=custos://openai/nope/api_key "$CUSTOS_BIN" run -- true
expect_in "$ERR" "openai/nope"

# Missing credentials and commands; nothing to pass.
expect_status 3 custos run --path no/such -- sh -c 'echo RAN' && expect_not_in "$OUT" RAN
expect_status 2 custos run -- true && expect_in "$ERR" "--path"
expect_status 2 custos run --path openai/prod && expect_in "$ERR" "command"
expect_status 127 custos run --path openai/prod -- /no/such/command && expect_in "$ERR" "cannot run"
printf 'echo hi\n' >"$T_DIR/not-executable"
chmod 644 "$T_DIR/not-executable"
expect_status 126 custos run --path openai/prod -- "$T_DIR/not-executable"
expect_status 127 custos run --mask --path openai/prod -- /no/such/command

# Exit statuses, with and without --mask; 128+N when signal N kills it.
for m in "" --mask; do
	expect_status 7 custos run $m --path openai/prod -- sh -c 'exit 7'
	expect_status 0 custos run $m --path openai/prod -- true
	expect_status 143 custos run $m --path openai/prod -- sh -c 'kill -TERM $$'
	expect_status 137 custos run $m --path openai/prod -- sh -c 'kill -KILL $$'
	# The child gets the umask custos was started with, not custos's own 077.
	expect_status 0 sh -c "umask 022; '$CUSTOS_BIN' run $m --path openai/prod -- sh -c umask"
	expect_eq "$OUT" "0022" "child umask ($m)"
done

# --mask: every value resolved from a credential becomes *****, on stdout
# and stderr, descriptive ones (the organization) too; a map file's
# literal values are not credentials and stay.
expect_status 0 custos run --mask --path openai/prod --path aws/prod --env-file "$T_DIR/map.env" -- sh -c \
	'echo "key=$OPENAI_API_KEY org=$OPENAI_ORG_ID plain=$PLAIN_SETTING"; echo "aws=$AWS_SECRET_ACCESS_KEY" >&2; echo "twice $PRIMARY_KEY$PRIMARY_KEY"'
expect_in "$OUT" "key=***** org=***** plain=not a reference"
expect_in "$OUT" "twice **********"
expect_in "$ERR" "aws=*****"
expect_not_in "$OUT$ERR" "$OPENAI" "masked output"
expect_not_in "$OUT$ERR" "wJalrXUtnFEMI" "masked output"
# A value split across writes (and so across reads) is still masked.
expect_status 0 custos run --mask --path openai/prod -- sh -c \
	'a=$(printf %s "$OPENAI_API_KEY" | cut -c1-12); b=$(printf %s "$OPENAI_API_KEY" | cut -c13-);
	 printf "start %s" "$a"; sleep 0.2; printf "%s end\n" "$b"; printf "%s" "$a" >&2; sleep 0.2; printf "%s\n" "$b" >&2'
expect_eq "$OUT" "start ***** end" "split value"
expect_eq "$ERR" "*****" "split value on stderr"
# A prefix of a value that never completes comes out as it was.
expect_status 0 custos run --mask --path openai/prod -- sh -c 'printf "%s" "$(printf %s "$OPENAI_API_KEY" | cut -c1-20)"'
expect_eq "$OUT" "$(printf %s "$OPENAI" | cut -c1-20)" "unfinished prefix"
# A multi-line value: whole, and line by line when printed otherwise.
printf -- '-----BEGIN KEY-----\nmultilinesecretAAAA1111\nmultilinesecretBBBB2222\n-----END KEY-----\n' >"$T_DIR/pem"
custos put ssh/box --type ssh username=deploy private_key=@"$T_DIR/pem" >/dev/null
expect_status 0 custos run --mask --path ssh/box -- sh -c 'printf "%s" "$SSH_BOX_PRIVATE_KEY"; printf "%s" "$SSH_BOX_PRIVATE_KEY" | tr "\n" " "'
expect_not_in "$OUT" "multilinesecret" "multi-line value"
expect_in "$OUT" "*****"
# Big output passes whole: line count and masking at chunk boundaries.
expect_status 0 sh -c "'$CUSTOS_BIN' run --mask --path openai/prod -- sh -c 'i=0; while [ \$i -lt 20000 ]; do echo \"\$i \$OPENAI_API_KEY\"; i=\$((i+1)); done' | sort -n | uniq -c | wc -l"
expect_eq "$OUT" "20000" "lines through the masker"
expect_status 0 sh -c "'$CUSTOS_BIN' run --mask --path openai/prod -- sh -c 'i=0; while [ \$i -lt 20000 ]; do echo \"\$i \$OPENAI_API_KEY\"; i=\$((i+1)); done' | grep -c 'runtest' || true"
expect_eq "$OUT" "0" "no value through the masker"
# A reader that goes away: the child gets SIGPIPE, as without custos.
expect_status 0 sh -c "'$CUSTOS_BIN' run --mask --path openai/prod -- sh -c 'yes \"\$OPENAI_API_KEY\"' | head -2"
expect_eq "$OUT" "*****
*****" "head"

# The masking parent passes signals on; the command's handler decides.
# env --default-signal: a test run started in the background of a shell
# without job control inherits SIGINT and SIGQUIT ignored, custos passes
# that on to the command as an exec would, and a bash started with a
# signal ignored cannot trap it (this loop then waited forever).
set -m # jobs in their own process group
for sig in INT TERM HUP QUIT USR1 USR2 WINCH; do
	so="$T_DIR/sig-$sig.out"
	env --default-signal "$CUSTOS_BIN" run --mask --path openai/prod -- bash -c \
		"trap 'echo got-$sig; exit 42' $sig; echo ready; while :; do sleep 0.05; done" \
		>"$so" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do grep -q ready "$so" 2>/dev/null && break; sleep 0.05; done
	kill -s "$sig" "$pid"
	wait "$pid"
	got=$?
	T_CHECKS=$((T_CHECKS + 1))
	[ "$got" = 42 ] || fail "SIG$sig: custos exited $got, want the child's 42"
	expect_in "$(cat "$so")" "got-$sig" "SIG$sig"
done
set +m
t_done
