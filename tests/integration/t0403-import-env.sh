# t0403 - custos import env: known variables of the environment become
# typed credentials (aliases folded into one field, a differing alias left
# out and named), invalid ones are reported and the rest still stored,
# --dry-run stores nothing, a second run is "unchanged", the lines to
# delete from ./.env* files are printed, `custos run` gives the same
# variables back; names only in the output, never values.
. "$(dirname "$0")/lib.sh"
t_setup
t_init

clean_env() { # the known variables, unset, so the caller's own never leak in
	env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY -u HF_TOKEN -u HUGGINGFACE_API_KEY -u GITHUB_TOKEN \
		-u GITHUB_ACCESS_TOKEN -u GH_TOKEN -u PINECONE_API_KEY -u SUPABASE_URL -u SUPABASE_ANON_KEY \
		-u SUPABASE_SERVICE_KEY -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
		-u AWS_REGION -u AWS_DEFAULT_REGION -u SLACK_WEBHOOK_URL -u PAGERDUTY_API_KEY \
		-u DOCKER_USERNAME -u DOCKER_PASSWORD -u DATABASE_URL "$@"
}
VARS="OPENAI_API_KEY=sk-proj-importenv-abcdefgh1234
ANTHROPIC_API_KEY=sk-ant-api03-importenv-abcd
HUGGINGFACE_API_KEY=hf_importenvabcdefghijkl
HF_TOKEN=hf_importenvabcdefghijkl
GITHUB_ACCESS_TOKEN=ghp_importenvabcdefghijkl
PINECONE_API_KEY=pcsk_importenv_abcdefghij
SUPABASE_URL=https://importenv.supabase.co
SUPABASE_ANON_KEY=eyJhbGciOiJIUzI1NiJ9.e30.anon
SUPABASE_SERVICE_KEY=eyJhbGciOiJIUzI1NiJ9.e30.service
AWS_ACCESS_KEY_ID=AKIAIMPORTENVEXAMPLE
AWS_SECRET_ACCESS_KEY=importenv/secret/EXAMPLEKEY
AWS_DEFAULT_REGION=ap-south-1
SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T000/B000/importenv
PAGERDUTY_API_KEY=pd-importenv-0123456789
DOCKER_USERNAME=importenv-user
DOCKER_PASSWORD=importenv-docker-pass"
# The variables as env arguments, one per line of VARS.
import_env() { clean_env $(printf '%s\n' "$VARS" | tr '\n' ' ') "$CUSTOS_BIN" import env "$@"; }

printf 'export OPENAI_API_KEY=old\nOTHER=1\nAWS_ACCESS_KEY_ID = x\n# HF_TOKEN=commented\n' >.env
printf 'DOCKER_PASSWORD=y\n' >.env.local
expect_status 0 import_env --dry-run
expect_in "$OUT" "would store openai (openai) from OPENAI_API_KEY"
expect_status 3 custos get openai

expect_status 0 import_env
for want in "stored openai (openai) version 1 from OPENAI_API_KEY" \
	"stored anthropic (anthropic)" "stored huggingface (huggingface) version 1 from HF_TOKEN, HUGGINGFACE_API_KEY" \
	"stored github (github)" "stored pinecone (pinecone)" \
	"stored supabase (supabase) version 1 from SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_KEY" \
	"stored aws (aws) version 1 from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION" \
	"stored slack (slack)" "stored pagerduty (api_key)" "stored docker (http_basic)"; do
	expect_in "$OUT" "$want"
done
expect_in "$OUT" ".env:1  OPENAI_API_KEY"
expect_in "$OUT" ".env:3  AWS_ACCESS_KEY_ID"
expect_in "$OUT" ".env.local:1  DOCKER_PASSWORD"
expect_not_in "$OUT" ".env:4" "a commented line"
expect_not_in "$OUT$ERR" "importenv-abcd" "output"
expect_not_in "$OUT$ERR" "importenv-docker-pass" "output"
expect_status 0 custos get aws -f region && expect_eq "$OUT" ap-south-1
expect_status 0 custos get supabase -f service_role_key && expect_eq "$OUT" eyJhbGciOiJIUzI1NiJ9.e30.service

# `custos run` gives back the variables the code reads (primary names).
expect_status 0 custos run --path openai --path pagerduty --path docker --path aws -- sh -c \
	'echo "$OPENAI_API_KEY $PAGERDUTY_API_KEY $DOCKER_USERNAME $DOCKER_PASSWORD $AWS_REGION"'
expect_eq "$OUT" "sk-proj-importenv-abcdefgh1234 pd-importenv-0123456789 importenv-user importenv-docker-pass ap-south-1"

# Again: nothing changed, no new versions.
expect_status 0 import_env && expect_in "$OUT" "unchanged openai (openai)"
expect_status 0 custos history openai && expect_not_in "$OUT" "2  " "history"

# An alias with another value is left out and named; an invalid credential is
# reported (exit 2) while the others are stored; --prefix.
expect_status 2 clean_env HF_TOKEN=hf_first-abcdefghijk HUGGINGFACE_API_KEY=hf_second-abcdefghij \
	OPENAI_API_KEY=not-an-openai-key GITHUB_TOKEN=ghp_prefixed-abcdefghij \
	"$CUSTOS_BIN" import env --prefix team
expect_in "$ERR" "HUGGINGFACE_API_KEY left out"
expect_in "$ERR" "team/openai not stored (from OPENAI_API_KEY)"
expect_in "$OUT" "stored team/github (github)"
expect_not_in "$ERR" "hf_second" "alias message"
expect_not_in "$ERR" "not-an-openai-key" "validation message"
expect_status 0 custos get team/huggingface -f token && expect_eq "$OUT" hf_first-abcdefghijk
expect_status 3 custos get team/openai
# A name holding another type is not overwritten.
custos put clash/openai --type api_key api_key=k-1234567890 >/dev/null 2>&1
expect_status 6 clean_env OPENAI_API_KEY=sk-clash-abcdefghijkl "$CUSTOS_BIN" import env --prefix clash
expect_in "$ERR" "api_key credential"

# Nothing known: a note, exit 0.
expect_status 0 clean_env "$CUSTOS_BIN" import env && expect_in "$ERR" "no known credential variables"
expect_status 2 custos import env extra
expect_status 2 custos import nosuch && expect_in "$ERR" "unknown source"
expect_status 0 custos import -h && expect_in "$OUT" "dotenv"
t_done
