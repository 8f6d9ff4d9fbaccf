# t0404 - custos inject: {{ custos://NAME/FIELD }} filled, other braces
# left alone, output 0600 and replaced whole, a missing reference an error
# that leaves no file (and an existing output untouched); custos header:
# the auth header of each type, checked by a real HTTP server (curl -H @-).
. "$(dirname "$0")/lib.sh"
t_setup
t_init

KEY=sk-proj-injectabcdefghijklmn9999
printf '%s\n' "$KEY" | custos put openai/prod --type openai api_key=- organization=org-inj >/dev/null
custos put db --type db_dsn dsn=postgres://u:injectpw@db:5432/app >/dev/null 2>&1
printf -- '-----BEGIN KEY-----\nline1\n-----END KEY-----\n' >"$T_DIR/pem"
custos put ssh/box --type ssh username=deploy private_key=@"$T_DIR/pem" >/dev/null

cat >"$T_DIR/config.tpl" <<'EOF'
openai:
  api_key: "{{ custos://openai/prod/api_key }}"
  organization: {{custos://openai/prod/organization}}
database: {{	custos://db/dsn	}}
helm: {{ .Values.image.tag }} and {{ not a ref }} and {{
key: |
  {{ custos://ssh/box/private_key }}
EOF
expect_status 0 custos inject -i "$T_DIR/config.tpl" -o "$T_DIR/config.yaml"
expect_eq "$(mode_of "$T_DIR/config.yaml")" 600 "output mode"
expect_eq "$(sed -n 2p "$T_DIR/config.yaml")" "  api_key: \"$KEY\""
expect_eq "$(sed -n 3p "$T_DIR/config.yaml")" "  organization: org-inj"
expect_eq "$(sed -n 4p "$T_DIR/config.yaml")" "database: postgres://u:injectpw@db:5432/app"
expect_eq "$(sed -n 5p "$T_DIR/config.yaml")" "helm: {{ .Values.image.tag }} and {{ not a ref }} and {{"
expect_eq "$(sed -n 7,9p "$T_DIR/config.yaml")" "  -----BEGIN KEY-----
line1
-----END KEY-----" "multi-line value"
expect_eq "$OUT" "" "nothing on stdout with -o"
# Standard input to standard output.
expect_status 0 sh -c "echo 'k={{ custos://openai/prod/api_key }}' | '$CUSTOS_BIN' inject"
expect_eq "$OUT" "k=$KEY"
# An existing output is replaced whole, and becomes 0600.
printf 'old content that is longer than the new one\n' >"$T_DIR/out.txt"
chmod 644 "$T_DIR/out.txt"
printf 'v={{ custos://openai/prod/organization }}\n' >"$T_DIR/small.tpl"
expect_status 0 custos inject -i "$T_DIR/small.tpl" -o "$T_DIR/out.txt"
expect_eq "$(cat "$T_DIR/out.txt")" "v=org-inj" && expect_eq "$(mode_of "$T_DIR/out.txt")" 600

# A missing reference: exit 3 with the line, no file, an old file untouched.
printf 'a: {{ custos://openai/prod/api_key }}\nb: {{ custos://openai/prod/nope }}\n' >"$T_DIR/missing.tpl"
expect_status 3 custos inject -i "$T_DIR/missing.tpl" -o "$T_DIR/new.yaml"
expect_in "$ERR" "line 2" && expect_in "$ERR" "nope" && expect_one_line "$ERR"
T_CHECKS=$((T_CHECKS + 1))
[ ! -e "$T_DIR/new.yaml" ] || fail "a failed inject left $T_DIR/new.yaml"
expect_eq "$(ls -A "$T_DIR" | grep -c custos-)" 0 "temporary files left"
expect_status 3 custos inject -i "$T_DIR/missing.tpl" -o "$T_DIR/out.txt"
expect_eq "$(cat "$T_DIR/out.txt")" "v=org-inj" "old output after a failure"
printf 'x: {{ custos://no/such/field }}\n' >"$T_DIR/nosecret.tpl"
expect_status 3 custos inject -i "$T_DIR/nosecret.tpl"
expect_eq "$OUT" "" "nothing written on a failure"
printf 'x: {{ custos://openai/prod/api_key\n' >"$T_DIR/unclosed.tpl"
expect_status 2 custos inject -i "$T_DIR/unclosed.tpl" && expect_in "$ERR" "line 1"
printf 'x: {{ custos://openai//api_key }}\n' >"$T_DIR/badname.tpl"
expect_status 2 custos inject -i "$T_DIR/badname.tpl" && expect_in "$ERR" "line 1"
expect_status 3 custos inject -i "$T_DIR/nope.tpl"
expect_status 2 custos inject extra-arg

# custos header, type by type.
custos put hf --type huggingface token=hf_headerabcdefghijklm >/dev/null 2>&1
custos put ant --type anthropic api_key=sk-ant-headerabcdefgh >/dev/null 2>&1
custos put pc --type pinecone api_key=pcsk_header_abcdefghij >/dev/null 2>&1
custos put basic --type http_basic username=aladdin password='open sesame' >/dev/null 2>&1
custos put sb --type supabase url=https://x.supabase.co anon_key=eyJhbGciOiJIUzI1NiJ9.e30.sig >/dev/null 2>&1
custos put aws --type aws access_key_id=AKIAIOSFODNN7EXAMPLE secret_access_key=abc/def >/dev/null 2>&1
custos put misc token=raw-token-value-123 >/dev/null 2>&1
expect_status 0 custos header openai/prod && expect_eq "$OUT" "Authorization: Bearer $KEY"
expect_status 0 custos header hf && expect_eq "$OUT" "Authorization: Bearer hf_headerabcdefghijklm"
expect_status 0 custos header ant && expect_eq "$OUT" "x-api-key: sk-ant-headerabcdefgh"
expect_status 0 custos header pc && expect_eq "$OUT" "Api-Key: pcsk_header_abcdefghij"
# RFC 7617's example: Aladdin / open sesame.
custos put basic2 --type http_basic username=Aladdin password='open sesame' >/dev/null 2>&1
expect_status 0 custos header basic2 && expect_eq "$OUT" "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
expect_status 0 custos header sb && expect_eq "$OUT" "apikey: eyJhbGciOiJIUzI1NiJ9.e30.sig
Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"
expect_status 2 custos header aws && expect_in "$ERR" "SigV4"
expect_status 2 custos header db
expect_status 2 custos header misc && expect_in "$ERR" "--field"
expect_status 0 custos header misc --field token && expect_eq "$OUT" "Authorization: Bearer raw-token-value-123"
expect_status 3 custos header misc --field nope
expect_status 3 custos header no/such
expect_not_in "$ERR" "raw-token" "header errors"

# A real server reads the header as curl sends it from a file (-H @file).
PORT=$(t_free_port)
/usr/bin/python3 - "$PORT" >"$T_DIR/http.log" 2>&1 <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (self.headers.get("Authorization", "-") + "|" + self.headers.get("x-api-key", "-")).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
s.handle_request(); s.handle_request()
PY
HTTP_PID=$!
for _ in $(seq 1 50); do curl -s "http://127.0.0.1:$PORT/" -o /dev/null --max-time 0.2 2>/dev/null && break; sleep 0.1; done
expect_status 0 sh -c "'$CUSTOS_BIN' header basic2 | curl -s -H @- http://127.0.0.1:$PORT/"
expect_eq "$OUT" "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==|-" "header as the server saw it"
kill "$HTTP_PID" 2>/dev/null
wait "$HTTP_PID" 2>/dev/null
t_done
