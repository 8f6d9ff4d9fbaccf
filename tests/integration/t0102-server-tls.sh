# t0102 - custos server with TLS (on unless tls_disable), driven by the CLI
# in remote mode: operator init/unseal, login, put/get, token TTLs from
# default_lease_ttl; a client without the CA refuses the server.
. "$(dirname "$0")/lib.sh"
t_setup
t_local_only # runs once: it starts its own server
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-keyout "$T_DIR/key.pem" -out "$T_DIR/cert.pem" -subj /CN=custos-test \
	-addext "subjectAltName=IP:127.0.0.1" 2>/dev/null || fail "openssl could not make a certificate"
port=$(t_free_port)
cat >"$T_DIR/custos.hcl" <<HCL
storage "sqlite" { path = "$T_DIR/server.db" }
listener "tcp" {
  address = "127.0.0.1:$port"
  tls_cert_file = "$T_DIR/cert.pem"
  tls_key_file = "$T_DIR/key.pem"
}
default_lease_ttl = "1h"
HCL
"$CUSTOS_SERVER" --config "$T_DIR/custos.hcl" >"$T_DIR/server.log" 2>&1 &
T_SERVER_PID=$!
export CUSTOS_ADDR="https://127.0.0.1:$port" CUSTOS_CACERT="$T_DIR/cert.pem"
for _ in $(seq 1 100); do custos status >/dev/null 2>&1 && break; sleep 0.05; done

expect_status 0 custos status && expect_in "$OUT" "initialized: no"
expect_status 0 custos operator init --shares 3 --threshold 2 --format json
init="$OUT"
key() { printf '%s' "$init" | python3 -c "import json,sys; print(json.load(sys.stdin)['keys_base64'][$1])"; }
root=$(printf '%s' "$init" | python3 -c 'import json,sys; print(json.load(sys.stdin)["root_token"])')
expect_status 0 sh -c "echo '$(key 0)' | '$CUSTOS_BIN' operator unseal -" && expect_in "$OUT" "1 of 2"
expect_status 0 sh -c "echo '$(key 2)' | '$CUSTOS_BIN' operator unseal -" && expect_in "$OUT" "unsealed"
expect_status 0 sh -c "echo '$root' | '$CUSTOS_BIN' login -"
expect_eq "$(mode_of "$XDG_CONFIG_HOME/custos/token")" 600 "token file mode"
expect_status 0 sh -c "echo sk-ant-tls-0123456789abcdef | '$CUSTOS_BIN' put ai/claude --type anthropic api_key=-"
expect_status 0 custos get ai/claude -f api_key && expect_eq "$OUT" sk-ant-tls-0123456789abcdef
expect_status 0 custos token create --policy default --format json
ttl=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["lease_duration"])')
T_CHECKS=$((T_CHECKS + 1))
[ "$ttl" -gt 3500 ] && [ "$ttl" -le 3600 ] || fail "token ttl $ttl, want the 1h default_lease_ttl"
# Without the CA the certificate is not trusted: a clear one-line error.
expect_status 1 env -u CUSTOS_CACERT "$CUSTOS_BIN" get ai/claude -f api_key
expect_in "$ERR" "certificate" && expect_one_line "$ERR"
# Plain HTTP to a TLS listener fails cleanly too.
expect_status 1 env CUSTOS_ADDR="http://127.0.0.1:$port" "$CUSTOS_BIN" get ai/claude
# While the server runs it holds the vault file alone: the local CLI on
# the same file is refused (exit 7), and nothing there changes.
expect_status 7 env -u CUSTOS_ADDR "$CUSTOS_BIN" --vault "$T_DIR/server.db" list
expect_in "$ERR" "locked by another process" && expect_one_line "$ERR"
expect_status 0 custos operator seal
expect_status 7 custos get ai/claude && expect_in "$ERR" "sealed"
t_done
