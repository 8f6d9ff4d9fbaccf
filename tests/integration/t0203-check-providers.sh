# t0203 - custos check against fake providers on loopback that verify each
# provider's exact auth headers and, for AWS STS, the SigV4 signature
# (tests/integration/fake_providers.py): ok, rejected, unreachable, error,
# timeouts, concurrency, --all, --json, the plain-http refusal, and that
# no secret is printed. In remote mode the server makes the calls.
. "$(dirname "$0")/lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
t_setup
t_init
/usr/bin/python3 "$HERE/fake_providers.py" >"$T_DIR/fake.port" 2>"$T_DIR/fake.log" &
FAKE_PID=$!
for _ in $(seq 1 100); do [ -s "$T_DIR/fake.port" ] && break; sleep 0.05; done
P=$(cat "$T_DIR/fake.port")
B="http://127.0.0.1:$P"
put() { custos put "$@" >/dev/null 2>"$T_DIR/put.err" || fail "put $*: $(cat "$T_DIR/put.err")"; }

put ok/openai --type openai api_key=sk-good-openai-0123456789 organization=org-good base_url=$B/openai/v1
put bad/openai --type openai api_key=sk-wrong-0123456789 base_url=$B/openai/v1
put ok/anthropic --type anthropic api_key=sk-ant-good-0123456789 base_url=$B/anthropic
put bad/anthropic --type anthropic api_key=sk-ant-wrong-0123456789 base_url=$B/anthropic
put ok/hf --type huggingface token=hf_goodtoken0123456789 base_url=$B/hf
put ok/github --type github token=ghp_goodtoken0123456789 base_url=$B/github
put bad/github --type github token=ghp_wrongtoken0123456789 base_url=$B/github
put ok/pinecone --type pinecone api_key=pcsk_goodkey0123456789 base_url=$B/pinecone
put ok/weaviate --type weaviate url=$B/weaviate api_key=weaviate-good-key
put ok/ollama --type ollama url=$B/ollama
put ok/slack --type slack token=xoxb-good-0123456789 base_url=$B/slack/api
put bad/slack --type slack token=xoxb-wrong-0123456789 base_url=$B/slack/api
put ok/aws --type aws access_key_id=AKIAFAKEGOOD00000001 secret_access_key=fakeSecretKeyGood/0123456789abcdefghijklm base_url=$B
put ok/aws-session --type aws access_key_id=ASIAFAKESESSION00001 secret_access_key=fakeSecretKeySession/0123456789abcdefghij session_token=FQoGZXIvYXdzEFAKEsessiontoken== region=eu-west-1 base_url=$B
put bad/aws --type aws access_key_id=AKIAFAKEGOOD00000001 secret_access_key=wrongSecret/0123456789 base_url=$B

OKS="ok/openai ok/anthropic ok/hf ok/github ok/pinecone ok/weaviate ok/ollama ok/slack ok/aws ok/aws-session"
expect_status 0 custos check $OKS
for n in $OKS; do
	expect_in "$OUT" "$(printf '%s' "$n")" "table"
done
expect_eq "$(printf '%s\n' "$OUT" | awk 'NR > 1 && $3 == "ok"' | wc -l | tr -d ' ')" 10 "ok rows"
expect_in "$OUT" " ms"
for secret in sk-good-openai sk-ant-good hf_good ghp_good pcsk_good weaviate-good xoxb-good fakeSecretKey FQoGZXIv; do
	expect_not_in "$OUT$ERR" "$secret" "check output"
done

# Rejected credentials: exit 4, status rejected with the HTTP status.
for n in bad/openai bad/anthropic bad/github bad/slack bad/aws; do
	expect_status 4 custos check "$n"
	expect_in "$OUT" "rejected"
done
expect_status 4 custos check bad/aws --json
expect_in "$OUT" '"http_status": 403'
expect_in "$OUT" '"status": "rejected"'
expect_status 4 custos check ok/openai bad/openai

# Unreachable (nothing listens on the port), a slow provider past the
# timeout, a 500 (error), a redirect that is not followed.
put down/openai --type openai api_key=sk-good-openai-0123456789 base_url=http://127.0.0.1:1/v1
expect_status 1 custos check down/openai
expect_in "$OUT" "unreachable"
put slow/ollama --type ollama url=$B/slow
start=$(date +%s)
expect_status 1 custos check slow/ollama --timeout 1s
expect_in "$OUT" "unreachable"
expect_eq "$(( $(date +%s) - start < 4 ))" 1 "timeout respected"
put broken/ollama --type ollama url=$B/broken
expect_status 1 custos check broken/ollama --json
expect_in "$OUT" '"status": "error"'
expect_in "$OUT" '"http_status": 500'
put redirect/ollama --type ollama url=$B/redirect
expect_status 1 custos check redirect/ollama --json
expect_in "$OUT" '"http_status": 302'

# Concurrency: four slow checks with --parallel 4 take about one timeout.
put slow/b --type ollama url=$B/slow
put slow/c --type ollama url=$B/slow
put slow/d --type ollama url=$B/slow
start=$(date +%s)
expect_status 1 custos check slow/ollama slow/b slow/c slow/d --timeout 2s --parallel 4
expect_eq "$(( $(date +%s) - start < 6 ))" 1 "checks ran at once"

# Plain http to a host that is not loopback is refused before sending.
put remote/openai --type openai api_key=sk-good-openai-0123456789 base_url=http://api.example.com/v1
expect_status 1 custos check remote/openai
expect_in "$OUT" "plain http://"

# Not found, untyped, a webhook-only Slack credential, usage errors.
expect_status 3 custos check no/such
put plain/thing token=abc
expect_status 1 custos check plain/thing
expect_in "$OUT" "no provider check"
put hook/slack --type slack webhook_url=https://hooks.slack.com/services/T/B/x
expect_status 1 custos check hook/slack
expect_status 2 custos check
expect_status 2 custos check --all ok/openai
expect_status 2 custos check ../bad
expect_status 2 custos check ok/openai --parallel 0

# --all: every credential; untyped ones are skipped, the bad ones count.
expect_status 4 custos check --all --timeout 1s
expect_in "$OUT" "skipped"
expect_in "$OUT" "plain/thing"
expect_status 0 custos check --json ok/aws
expect_in "$OUT" '"endpoint": "http://127.0.0.1:'

kill "$FAKE_PID" 2>/dev/null
wait "$FAKE_PID" 2>/dev/null
t_done
