# t0201 - Fernet: custos fernet decrypt/encrypt against the pyca vectors
# and against Debian's python3-cryptography in both directions; import
# fernet from a JSON map and from lines, with TTLs and bad tokens.
. "$(dirname "$0")/lib.sh"
FIX="$(cd "$(dirname "$0")/../fixtures" && pwd)/fernet"
t_setup
t_init
PY=/usr/bin/python3

# The verify vectors decrypt at their time with their TTL; invalid ones exit 5.
$PY - "$FIX" >"$T_DIR/cases" <<'PY'
import json, sys
d = sys.argv[1]
for c in json.load(open(d + "/verify_illustrative.json")):
    print("ok", c["secret"], c["token"], c["now"], c["ttl_sec"], c["src"].encode().hex())
for c in json.load(open(d + "/invalid_illustrative.json")):
    print("bad", c["secret"], c["token"] or "-", c["now"], c["ttl_sec"], "-")
PY
while read -r kind key tok now ttl hex; do
	[ "$tok" = - ] && tok=""
	if [ "$kind" = ok ]; then
		expect_status 0 env K="$key" sh -c 'printf %s "$1" | "$CUSTOS_BIN" fernet decrypt --key-env K --ttl "$2" --now "$3" | od -An -tx1 | tr -d " \n"' _ "$tok" "$ttl" "$now"
		expect_eq "$OUT" "$hex" "plaintext of $tok"
	else
		expect_status 5 env K="$key" sh -c 'printf %s "$1" | "$CUSTOS_BIN" fernet decrypt --key-env K --ttl "$2" --now "$3"' _ "$tok" "$ttl" "$now"
		expect_one_line "$ERR"
		expect_in "$ERR" "custos: fernet:"
	fi
done <"$T_DIR/cases"

# Python encrypts, custos decrypts; custos encrypts, Python decrypts.
KEY=$($PY -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
export KEY
TOK=$($PY -c 'import os; from cryptography.fernet import Fernet; print(Fernet(os.environ["KEY"]).encrypt("pässwörd 🔑 from python".encode()).decode())')
expect_status 0 sh -c 'echo "$1" | "$CUSTOS_BIN" fernet decrypt --key-env KEY --ttl 300' _ "$TOK"
expect_eq "$OUT" "pässwörd 🔑 from python" "python -> custos"
expect_status 0 sh -c 'printf "custos → python\n" | "$CUSTOS_BIN" fernet encrypt --key-env KEY'
CTOK=$OUT
expect_in "$CTOK" "gAAAAA" "custos token"
expect_status 0 $PY -c 'import os, sys; from cryptography.fernet import Fernet; sys.stdout.write(Fernet(os.environ["KEY"]).decrypt(sys.argv[1].encode(), ttl=300).decode())' "$CTOK"
expect_eq "$OUT" "custos → python" "custos -> python"
# Python refuses a custos token under another key, and so does custos a Python one.
OTHER=$($PY -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
export OTHER
expect_status 1 $PY -c 'import os, sys; from cryptography.fernet import Fernet; Fernet(os.environ["OTHER"]).decrypt(sys.argv[1].encode())' "$CTOK"
expect_status 5 sh -c 'echo "$1" | "$CUSTOS_BIN" fernet decrypt --key-env OTHER' _ "$TOK"
expect_in "$ERR" "wrong key or tampered"

# Usage errors: no key variable, unset variable, bad key, bad TTL.
expect_status 2 sh -c 'echo x | "$CUSTOS_BIN" fernet decrypt'
expect_in "$ERR" "--key-env"
expect_status 2 sh -c 'echo x | "$CUSTOS_BIN" fernet decrypt --key-env NOPE_UNSET'
expect_status 2 env BADK=abc sh -c 'echo x | "$CUSTOS_BIN" fernet decrypt --key-env BADK'
expect_status 2 sh -c 'echo x | "$CUSTOS_BIN" fernet decrypt --key-env KEY --ttl -5'
expect_status 2 custos fernet sign --key-env KEY

# import fernet: a JSON map from the Python service.
$PY - >"$T_DIR/map.json" <<'PY'
import json, os
from cryptography.fernet import Fernet
f = Fernet(os.environ["KEY"])
print(json.dumps({"api_key": f.encrypt(b"sk-imported-0123456789").decode(),
                  "organization": f.encrypt(b"org-42").decode()}))
PY
expect_status 0 custos import fernet ai/openai "$T_DIR/map.json" --key-env KEY --type openai
expect_in "$OUT" "ai/openai: version 1 (2 fields"
expect_status 0 custos get ai/openai -f api_key && expect_eq "$OUT" "sk-imported-0123456789"
expect_status 0 custos get ai/openai -f organization && expect_eq "$OUT" "org-42"
expect_status 0 custos get ai/openai && expect_in "$OUT" "openai"
expect_not_in "$OUT" "sk-imported-0123456789" "masked table"

# Lines: FIELD=TOKEN, a bare token whose plaintext is FIELD=VALUE, comments.
$PY - >"$T_DIR/lines.txt" <<'PY'
import os
from cryptography.fernet import Fernet
f = Fernet(os.environ["KEY"])
print("# exported by orch")
print("PASSWORD=" + f.encrypt(b"hunter2").decode())
print()
print(f.encrypt(b"DATABASE_URL=postgres://u:p@db/app").decode())
PY
expect_status 0 sh -c '"$CUSTOS_BIN" import fernet app/db --key-env KEY --ttl 3600 < "$1"' _ "$T_DIR/lines.txt"
expect_status 0 custos get app/db -f PASSWORD && expect_eq "$OUT" "hunter2"
expect_status 0 custos get app/db -f DATABASE_URL && expect_eq "$OUT" "postgres://u:p@db/app"

# One bad token stores nothing, names the line, never a value; exit 5.
printf 'A=%s\nB=%s\n' "$($PY -c 'import os; from cryptography.fernet import Fernet; print(Fernet(os.environ["KEY"]).encrypt(b"fine").decode())')" "$TOK" >"$T_DIR/mixed.txt"
sed -i '2s/.$/A/' "$T_DIR/mixed.txt"
expect_status 5 custos import fernet app/mixed "$T_DIR/mixed.txt" --key-env KEY
expect_in "$ERR" "line 2: fernet:"
expect_one_line "$ERR"
expect_status 3 custos get app/mixed
# An expired token (made 2 hours ago) with --ttl 3600.
OLD=$($PY -c 'import os, time; from cryptography.fernet import Fernet; print(Fernet(os.environ["KEY"]).encrypt_at_time(b"old", int(time.time()) - 7200).decode())')
expect_status 5 sh -c 'echo "X=$1" | "$CUSTOS_BIN" import fernet app/old --key-env KEY --ttl 3600' _ "$OLD"
expect_in "$ERR" "expired"
expect_status 0 sh -c 'echo "X=$1" | "$CUSTOS_BIN" import fernet app/old --key-env KEY' _ "$OLD"
# Layout errors: a bare token with a plain plaintext, an empty input, bad JSON.
expect_status 2 sh -c 'echo "$1" | "$CUSTOS_BIN" import fernet app/bare --key-env KEY' _ "$CTOK"
expect_in "$ERR" "FIELD=TOKEN"
expect_status 2 sh -c 'printf "# nothing\n" | "$CUSTOS_BIN" import fernet app/empty --key-env KEY'
expect_status 2 sh -c 'echo "{\"a\": 1}" | "$CUSTOS_BIN" import fernet app/json --key-env KEY'
expect_status 2 custos import fernet "../bad" --key-env KEY
expect_status 2 custos import nosuchformat
# The type is checked on write: an OpenAI key without sk- is refused.
expect_status 2 sh -c 'echo "api_key=$1" | "$CUSTOS_BIN" import fernet ai/bad --key-env KEY --type openai' \
	_ "$($PY -c 'import os; from cryptography.fernet import Fernet; print(Fernet(os.environ["KEY"]).encrypt(b"nokey").decode())')"
t_done
