# t0002 - put from stdin, file, inline and JSON; get as masked table,
# revealed table, one raw field, JSON and env; typed validation.
. "$(dirname "$0")/lib.sh"
t_setup
t_init

KEY=sk-proj-abcdefghijklmnopqrstuv7f3a
expect_status 0 sh -c "printf '%s\n' '$KEY' | '$CUSTOS_BIN' put openai/prod --type openai api_key=-"
expect_in "$OUT" "openai/prod: version 1"
expect_status 0 custos get openai/prod
expect_in "$OUT" "sk-proj-…7f3a" "masked table"
expect_not_in "$OUT" "$KEY" "masked table"
expect_in "$OUT" "type:     openai"
expect_status 0 custos get openai/prod --reveal && expect_in "$OUT" "$KEY"
expect_status 0 custos get openai/prod -f api_key && expect_eq "$OUT" "$KEY" "raw field"
# The raw field has no trailing newline when stdout is not a terminal.
expect_eq "$(custos get openai/prod -f api_key | wc -c)" "${#KEY}" "raw field length"
expect_status 0 custos get openai/prod --format json
expect_eq "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["api_key"])')" "$KEY" "json"
expect_status 0 custos get openai/prod --format env && expect_eq "$OUT" "API_KEY='$KEY'" "env"
expect_status 3 custos get openai/prod -f nope
expect_status 3 custos get openai/missing && expect_one_line "$ERR"
expect_status 3 custos get openai/prod --version 9

# @file keeps multi-line values whole (a PEM key keeps its final newline).
printf -- '-----BEGIN KEY-----\nabc\n-----END KEY-----\n' >"$T_DIR/id"
expect_status 0 custos put ssh/box --type ssh username=deploy private_key=@"$T_DIR/id" host=h port=22
custos get ssh/box -f private_key >"$T_DIR/id.out"
cmp -s "$T_DIR/id" "$T_DIR/id.out" || fail "private key changed on the way through"
expect_status 0 custos get ssh/box && expect_in "$OUT" "deploy" "plain username shown"

# --json reads a whole object; duplicates are refused.
expect_status 0 sh -c "echo '{\"user\":\"u\",\"pass\":\"p-secret-value-1234\"}' | '$CUSTOS_BIN' put app/cfg --json -"
expect_status 0 custos get app/cfg -f pass && expect_eq "$OUT" "p-secret-value-1234"
expect_status 2 sh -c "echo '{\"a\":\"1\",\"a\":\"2\"}' | '$CUSTOS_BIN' put app/dup --json -"
expect_in "$ERR" "duplicate"
expect_status 2 sh -c "echo '[1]' | '$CUSTOS_BIN' put app/arr --json -"
expect_status 2 sh -c "echo '{bad' | '$CUSTOS_BIN' put app/bad --json -"
# Parse errors and bad arguments never echo what could be a secret value.
expect_status 2 sh -c "echo '{\"k\": sk-LEAKCHECK123}' | '$CUSTOS_BIN' put app/bad --json -"
expect_not_in "$ERR" "LEAKCHECK" "json error"
expect_status 2 custos put app/bad =sk-LEAKCHECK456
expect_not_in "$ERR" "LEAKCHECK" "field error"
expect_status 2 custos put app/two a=1 a=2 && expect_in "$ERR" "given twice"

# Inline values work but warn; no value and no terminal is a usage error.
expect_status 0 custos put plain/one token=abc && expect_in "$ERR" "visible to other processes"
expect_status 2 custos put plain/two token </dev/null
expect_status 2 custos put plain/three

# Typed validation: errors name the field, nothing is stored.
expect_status 2 custos put bad/1 --type openai api_key=nope && expect_in "$ERR" "api_key"
expect_status 2 custos put bad/2 --type anthropic api_key=sk-notant && expect_in "$ERR" "sk-ant-"
expect_status 2 custos put bad/3 --type db_dsn dsn=localhost && expect_in "$ERR" "dsn"
expect_status 2 custos put bad/4 --type http_basic username=u && expect_in "$ERR" "password"
expect_status 2 custos put bad/5 --type ssh username=u && expect_in "$ERR" "private_key"
expect_status 2 custos put bad/6 --type github token=xyz && expect_in "$ERR" "ghp_"
expect_status 2 custos put bad/7 --type nosuch a=b && expect_in "$ERR" "unknown credential type"
expect_status 2 custos put bad/8 --type openai api_key= && expect_in "$ERR" "empty"
expect_status 2 custos put bad/9 --type openai api_key=sk-abcdefghijkl extra=1 && expect_in "$ERR" "extra"
expect_status 2 custos put bad/10 --type aws access_key_id=lower secret_access_key=s && expect_in "$ERR" "access_key_id"
expect_status 3 custos get bad/1
expect_status 0 custos put good/aws --type aws access_key_id=AKIAIOSFODNN7EXAMPLE secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY region=us-east-1
expect_status 0 custos put good/gh --type github token=github_pat_11ABCDEFG0123456789
expect_status 0 custos put good/hf --type huggingface token=hf_abcdefghijklmnopqrstuvwxyz
expect_status 0 custos put good/pc --type pinecone api_key=pcsk_abc123_defghijklmnop
expect_status 0 custos put good/ol --type ollama url=http://127.0.0.1:11434
expect_status 0 custos put good/sb --type supabase url=https://x.supabase.co anon_key=eyJhbGciOiJIUzI1NiJ9.e30.x
expect_status 0 custos put good/sl --type slack token=xoxb-1234-abcd
expect_status 0 custos put good/db --type db_dsn dsn=postgres://u:p@localhost/db
# A later version keeps its type and is validated against it.
expect_status 2 custos put openai/prod api_key=not-a-key
expect_status 0 custos types && expect_in "$OUT" "anthropic"

# list shows names, never values.
expect_status 0 custos list && expect_in "$OUT" "openai/"
expect_status 0 custos list -r
expect_in "$OUT" "openai/prod"
expect_in "$OUT" "good/aws"
expect_not_in "$OUT" "$KEY" "list output"
expect_status 0 custos list good && expect_in "$OUT" "sl"
expect_status 3 custos list nothing/here
t_done
