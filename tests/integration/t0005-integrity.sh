# t0005 - must-fail cases: a flipped byte in any stored value, a value
# moved to another path, a truncated database, a wrong key or passphrase
# each give exit status 5 and a one-line message; no plaintext of any
# secret appears anywhere in the SQLite file.
. "$(dirname "$0")/lib.sh"
t_setup
t_local_only
custos init >/dev/null
S1=sk-ant-api03-PLAINTEXTCANARY0123456789
S2=hunter2-PLAINTEXTCANARY-db-password
echo "$S1" | custos put ai/anthropic --type anthropic api_key=- >/dev/null
echo "$S2" | custos put db/main --type http_basic username=svc password=- >/dev/null
custos meta db/main --set owner=ops >/dev/null
sqlite3 "$VAULT" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null

# No plaintext anywhere in the files (main db, WAL, shm).
for f in "$VAULT" "$VAULT-wal" "$VAULT-shm"; do
	[ -e "$f" ] || continue
	for s in "$S1" "$S2" PLAINTEXTCANARY hunter2 svc; do
		grep -qa -- "$s" "$f" && fail "plaintext '$s' found in $f"
	done
done
T_CHECKS=$((T_CHECKS + 1))

# Flip one byte at several offsets of every stored value: each read fails 5.
keys=$(sql "$VAULT" "SELECT key FROM kv WHERE key LIKE 'logical/%'")
for key in $keys; do
	len=$(sql "$VAULT" "SELECT length(value) FROM kv WHERE key='$key'")
	for off in 0 1 4 5 16 17 $((len / 2)) $((len - 1)); do
		cp "$VAULT" "$T_DIR/t.db"
		flip_byte "$T_DIR/t.db" "$key" "$off"
		name=$(printf '%s' "$key" | sed -E 's#^logical/[0-9a-f]+/[mv]/##; s/#.*//')
		expect_status 5 custos --vault "$T_DIR/t.db" get "$name" -f api_key
		expect_one_line "$ERR"
	done
done

# A value moved to another path fails authentication.
cp "$VAULT" "$T_DIR/m.db"
python3 - "$T_DIR/m.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
rows = dict(c.execute("SELECT key, value FROM kv WHERE key LIKE 'logical/%/v/%'").fetchall())
a = [k for k in rows if '/v/ai/' in k][0]
b = [k for k in rows if '/v/db/' in k][0]
c.execute("UPDATE kv SET value=? WHERE key=?", (rows[a], b))
c.commit()
PY
expect_status 5 custos --vault "$T_DIR/m.db" get db/main -f password && expect_in "$ERR" "failed authentication"
expect_status 0 custos --vault "$T_DIR/m.db" get ai/anthropic -f api_key

# The keyring and canary are also authenticated.
for k in core/keyring core/canary core/mounts; do
	cp "$VAULT" "$T_DIR/k.db"
	flip_byte "$T_DIR/k.db" "$k" -1
	expect_status 5 custos --vault "$T_DIR/k.db" get db/main -f password
	expect_one_line "$ERR"
done

# A truncated database file.
size=$(stat -c %s "$VAULT")
for cut in $((size / 2)) 4096 100 0; do
	cp "$VAULT" "$T_DIR/tr.db"
	truncate -s "$cut" "$T_DIR/tr.db"
	expect_status 5 custos --vault "$T_DIR/tr.db" get db/main -f password
	expect_one_line "$ERR"
done

# A wrong master key.
head -c 32 /dev/urandom | base64 >"$T_DIR/wrong.key"
chmod 600 "$T_DIR/wrong.key"
expect_status 5 custos --key-file "$T_DIR/wrong.key" get db/main && expect_in "$ERR" "wrong master key"
expect_one_line "$ERR"
echo garbage >"$T_DIR/bad.key"
chmod 600 "$T_DIR/bad.key"
expect_status 5 custos --key-file "$T_DIR/bad.key" get db/main

# A wrong passphrase.
echo "correct horse battery" >"$T_DIR/pass"
echo "wrong horse" >"$T_DIR/wrongpass"
expect_status 0 custos --vault "$T_DIR/p.db" --passphrase-file "$T_DIR/pass" init
expect_in "$OUT" "passphrase"
echo pp-secret | custos --vault "$T_DIR/p.db" --passphrase-file "$T_DIR/pass" put p/x v=- >/dev/null
expect_status 0 custos --vault "$T_DIR/p.db" --passphrase-file "$T_DIR/pass" get p/x -f v && expect_eq "$OUT" pp-secret
expect_status 5 custos --vault "$T_DIR/p.db" --passphrase-file "$T_DIR/wrongpass" get p/x -f v
expect_in "$ERR" "wrong master key or passphrase"
expect_status 7 custos --vault "$T_DIR/p.db" get p/x -f v </dev/null && expect_in "$ERR" "passphrase"
export CUSTOS_PASSPHRASE_FILE="$T_DIR/pass"
expect_status 0 custos --vault "$T_DIR/p.db" get p/x -f v
unset CUSTOS_PASSPHRASE_FILE

# Nothing above changed the real vault.
expect_status 0 custos get db/main -f password && expect_eq "$OUT" "$S2"
t_done
