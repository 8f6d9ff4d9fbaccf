# t0007 - the C API example reads a credential; key rotation and rewrap
# keep every value readable; status counts secrets.
. "$(dirname "$0")/lib.sh"
t_setup
t_local_only
custos init >/dev/null
echo sk-ant-example-key-0123456789 | custos put ai/claude --type anthropic api_key=- >/dev/null
export CUSTOS_VAULT="$VAULT"
expect_status 0 "$BUILD/examples/read_secret" ai/claude api_key
expect_eq "$OUT" sk-ant-example-key-0123456789 "example output"
expect_status 3 "$BUILD/examples/read_secret" ai/none api_key
expect_status 3 "$BUILD/examples/read_secret" ai/claude nofield
expect_status 2 "$BUILD/examples/read_secret" "../x" api_key
expect_status 5 env CUSTOS_MASTER_KEY="$(head -c 32 /dev/urandom | base64)" "$BUILD/examples/read_secret" ai/claude api_key

for i in $(seq 1 20); do echo "v$i" | custos put "bulk/s$i" v=- >/dev/null; done
expect_status 0 custos key rotate && expect_in "$OUT" "term is now 2"
echo new | custos put bulk/after v=- >/dev/null
expect_status 0 custos key status
expect_in "$OUT" "2 *"
expect_status 0 custos rewrap && expect_in "$OUT" "rewrapped"
expect_status 0 custos key status
# After rewrap, term 1 seals no values.
expect_eq "$(printf '%s\n' "$OUT" | awk '$1 == "1" {print $NF}')" 0 "values under term 1"
for i in 1 10 20; do
	expect_status 0 custos get "bulk/s$i" -f v && expect_eq "$OUT" "v$i"
done
expect_status 0 custos status && expect_in "$OUT" "secrets:     22"
expect_in "$OUT" "key terms:   2"
expect_status 2 custos key bogus
t_done
