# t0402 - custos import dotenv: the values stored are the values
# python-dotenv (Debian's python3-dotenv, the reference) reads from the same
# file, for the tricky files in tests/fixtures/dotenv/good and for random
# ones (tests/integration/dotenv_diff.py); a file python-dotenv cannot
# parse stops the import with its line number and stores nothing; new
# versions, unchanged data, another type's name refused, --no-expand,
# --dry-run, standard input, a 10,000-line file; values never in messages.
. "$(dirname "$0")/lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures/dotenv" && pwd)
DIFF=$(cd "$(dirname "$0")" && pwd)/dotenv_diff.py
t_setup
t_init
PY=/usr/bin/python3
export PYTHONUTF8=1 DOTENV_TEST_FROM_ENV=value-from-env

# python-dotenv's reading of a file: its names with values, as sorted JSON.
py_values() {
	"$PY" -c 'import dotenv, json, sys
print(json.dumps({k: v for k, v in dotenv.dotenv_values(sys.argv[1]).items() if v is not None}, sort_keys=True))' "$1"
}
stored() {
	custos get "$1" --format json | "$PY" -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["data"], sort_keys=True))'
}

for f in "$FIX"/good/*.env; do
	n=fixture/$(basename "$f" .env)
	expect_status 0 custos import dotenv "$f" "$n" && expect_in "$OUT" "stored $n (custom) version 1"
	expect_eq "$(stored "$n")" "$(py_values "$f")" "$(basename "$f")"
done
# The notes name what came from where, never values.
expect_status 0 custos import dotenv "$FIX/good/expansion.env" notes/x
expect_in "$ERR" "line 6: \${NOT_SET_ANYWHERE} is not set"
expect_in "$ERR" "line 13: NONE_VALUE has no '='"
expect_in "$ERR" "\${DOTENV_TEST_FROM_ENV} taken from the environment"
expect_not_in "$ERR" "value-from-env" "notes"

# Random files: python-dotenv and custos agree on every one.
mkdir "$T_DIR/rand"
"$PY" "$DIFF" gen "$T_DIR/rand" 20251124 150
for f in "$T_DIR"/rand/*.env; do
	n=rand/$(basename "$f" .env)
	if custos import dotenv "$f" "$n" >/dev/null 2>"$T_DIR/err"; then
		{ echo 0; custos get "$n" --format json; } >"${f%.env}.out"
	else
		{ echo $?; cat "$T_DIR/err"; } >"${f%.env}.out"
	fi
done
T_CHECKS=$((T_CHECKS + 1))
"$PY" "$DIFF" compare "$T_DIR/rand" >"$T_DIR/diff.txt" || fail "custos and python-dotenv differ: $(head -5 "$T_DIR/diff.txt")"
expect_in "$(cat "$T_DIR/diff.txt")" "compared 150 files, 0 mismatches"
# Both outcomes occur: files that import and files that stop.
expect_eq "$(grep -l '^0$' "$T_DIR"/rand/*.out | wc -l | awk '{print ($1 > 30)}')" 1 "random files imported"
expect_eq "$(grep -l '^2$' "$T_DIR"/rand/*.out | wc -l | awk '{print ($1 > 30)}')" 1 "random files refused"

# A line that does not parse: exit 2, its line number, nothing stored.
for f in "$FIX"/bad/*.env; do
	line=$(basename "$f" .env | sed 's/.*-line//')
	expect_status 2 custos import dotenv "$f" bad/x && expect_in "$ERR" "line $line:" "$(basename "$f")"
	expect_one_line "$ERR"
done
expect_status 3 custos get bad/x
# An existing credential stays as it was when the new file fails.
expect_status 0 custos import dotenv "$FIX/good/basic.env" keep/me
expect_status 2 custos import dotenv "$FIX/bad/unterminated-line3.env" keep/me
expect_status 0 custos history keep/me && expect_not_in "$OUT" "2  " "history after a failed import"
printf 'OK=1\nTOKEN="sk-LEAKCHECK-1234"oops\n' >"$T_DIR/leak.env"
expect_status 2 custos import dotenv "$T_DIR/leak.env" leak/x
expect_not_in "$ERR" "LEAKCHECK" "parse error"
printf "OK=1\n'bad name'=sk-LEAKCHECK-5678\n" >"$T_DIR/badname.env"
expect_status 2 custos import dotenv "$T_DIR/badname.env" leak/y && expect_in "$ERR" "line 2"
expect_not_in "$ERR" "LEAKCHECK" "name error"
printf '# nothing\nNO_VALUE\n' >"$T_DIR/empty.env"
expect_status 2 custos import dotenv "$T_DIR/empty.env" empty/x && expect_in "$ERR" "no variables"
expect_status 3 custos import dotenv "$T_DIR/missing.env" x/y

# A new version when the data changes, none when it does not.
printf 'A=1\n' >"$T_DIR/v.env"
expect_status 0 custos import dotenv "$T_DIR/v.env" ver/x && expect_in "$OUT" "version 1"
expect_status 0 custos import dotenv "$T_DIR/v.env" ver/x && expect_in "$OUT" "unchanged"
printf 'A=2\nB=\n' >"$T_DIR/v.env"
expect_status 0 custos import dotenv "$T_DIR/v.env" ver/x && expect_in "$OUT" "version 2"
expect_eq "$(stored ver/x)" '{"A": "2", "B": ""}' "empty value kept"
# Another type's name is not turned into a custom credential.
echo sk-import-abcdefghijkl | custos put typed/openai --type openai api_key=- >/dev/null
expect_status 6 custos import dotenv "$T_DIR/v.env" typed/openai && expect_in "$ERR" "openai credential"
expect_status 0 custos get typed/openai -f api_key && expect_eq "$OUT" sk-import-abcdefghijkl

# --no-expand, --dry-run, standard input.
printf 'A=x\nB=${A}-${HOME}\n' >"$T_DIR/exp.env"
expect_status 0 custos import dotenv --no-expand "$T_DIR/exp.env" exp/raw
expect_eq "$(stored exp/raw)" '{"A": "x", "B": "${A}-${HOME}"}' "--no-expand"
expect_status 0 custos import dotenv --dry-run "$T_DIR/exp.env" exp/dry
expect_in "$OUT" "would store exp/dry (custom) with 2 fields: A B"
expect_status 3 custos get exp/dry
expect_status 0 sh -c "printf 'FROM_STDIN=yes\n' | '$CUSTOS_BIN' import dotenv - stdin/x"
expect_eq "$(stored stdin/x)" '{"FROM_STDIN": "yes"}' "stdin"
expect_status 2 custos import dotenv "$T_DIR/v.env" && expect_in "$ERR" "FILE and NAME"
expect_status 2 custos import dotenv "$T_DIR/v.env" bad//name

# 10,000 lines: one credential of 10,000 fields.
"$PY" -c 'import sys
with open(sys.argv[1], "w") as f:
    for i in range(10000):
        f.write("VAR_%05d=value-%05d-abcdefghijklmnopqrstuvwxyz\n" % (i, i))' "$T_DIR/big.env"
expect_status 0 custos import dotenv "$T_DIR/big.env" big/x && expect_in "$OUT" "10000 fields"
expect_eq "$(custos get big/x --format json | "$PY" -c 'import json,sys; d=json.load(sys.stdin)["data"]; print(len(d), d["VAR_09999"])')" \
	"10000 value-09999-abcdefghijklmnopqrstuvwxyz" "10,000 fields"
t_done
