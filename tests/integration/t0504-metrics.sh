# t0504 - sys/metrics on a dev server: Prometheus text (Content-Type
# text/plain; version=0.0.4) that `promtool check metrics` accepts, with
# request counts by route and status, latency histograms, authentication
# failures, live tokens, secrets per mount and audit counters; Vault's JSON
# shape without ?format; a token without read on sys/metrics gets 403.
. "$(dirname "$0")/lib.sh"
t_setup
t_server_only
CUSTOS_REMOTE=1 t_init
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
get() { # TOKEN PATH -> CODE, $T_DIR/body, $T_DIR/hdr
	CODE=$(curl -s -o "$T_DIR/body" -D "$T_DIR/hdr" -w '%{http_code}' -H "X-Vault-Token: $1" \
		"$CUSTOS_ADDR/v1/$2")
}
printf 'path "secret/data/ok/*" { capabilities = ["read"] }\n' >"$T_DIR/ok.hcl"
expect_status 0 custos policy write okread "$T_DIR/ok.hcl"
expect_status 0 custos token create --policy okread --format json
NARROW=$(printf '%s' "$OUT" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["client_token"])')
expect_status 0 custos put app/db k=- <<<v1
expect_status 0 custos audit enable file path="$T_DIR/audit.log"
get root secret/data/app/db
expect_eq "$CODE" 200
get root secret/data/app/none
expect_eq "$CODE" 404
get "$NARROW" secret/data/app/db
expect_eq "$CODE" 403
get not-a-token secret/data/app/db
expect_eq "$CODE" 403
get "$NARROW" sys/metrics
expect_eq "$CODE" 403 "sys/metrics without read on it"

get root "sys/metrics?format=prometheus"
expect_eq "$CODE" 200
expect_in "$(tr -d '\r' <"$T_DIR/hdr")" "Content-Type: text/plain; version=0.0.4"
M=$(cat "$T_DIR/body")
T_CHECKS=$((T_CHECKS + 1))
promtool check metrics <"$T_DIR/body" >"$T_DIR/promtool.txt" 2>&1 ||
	fail "promtool check metrics: $(head -5 "$T_DIR/promtool.txt")"
expect_in "$M" 'custos_requests_total{engine="kv",route="data/",code="200"}'
expect_in "$M" 'custos_requests_total{engine="kv",route="data/",code="404"} 1'
expect_in "$M" 'custos_requests_total{engine="kv",route="data/",code="403"} 2'
expect_in "$M" 'custos_request_duration_seconds_bucket{engine="kv",route="data/",le="+Inf"}'
expect_in "$M" 'custos_request_duration_seconds_count{engine="kv",route="data/"}'
expect_in "$M" 'custos_auth_failures_total{reason="invalid_token"} 1'
expect_in "$M" 'custos_auth_failures_total{reason="permission_denied"} 2'
expect_in "$M" 'custos_secrets{mount="secret/"} 1'
expect_in "$M" 'custos_audit_failures_total{device="file/"} 0'
expect_in "$M" 'custos_audit_refused_total 0'
T_CHECKS=$((T_CHECKS + 1))
printf '%s\n' "$M" | grep -Eq '^custos_tokens [2-9]' || fail "custos_tokens below 2"
T_CHECKS=$((T_CHECKS + 1))
printf '%s\n' "$M" | grep -Eq '^custos_audit_entries_total\{device="file/"\} [1-9]' ||
	fail "no audit entries counted"

get root sys/metrics
expect_eq "$CODE" 200
expect_in "$(tr -d '\r' <"$T_DIR/hdr")" "Content-Type: application/json"
T_CHECKS=$((T_CHECKS + 1))
"$PY" - "$T_DIR/body" <<'PY' || fail "sys/metrics JSON is not Vault's shape"
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) >= {"Timestamp", "Gauges", "Counters", "Samples"}, d.keys()
names = {g["Name"] for g in d["Gauges"]}
assert {"custos.tokens", "custos.secrets"} <= names, names
reqs = [c for c in d["Counters"] if c["Name"] == "custos.requests"]
assert any(c["Labels"] == {"engine": "kv", "route": "data/", "code": "404"} and c["Count"] == 1 for c in reqs), reqs
assert any(s["Name"] == "custos.request.duration" for s in d["Samples"])
PY
get root "sys/metrics?format=xml"
expect_eq "$CODE" 400
t_done
