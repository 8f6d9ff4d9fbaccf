# t0405 - custos export: every format read back by a real parser (dotenv by
# python-dotenv and by `custos import dotenv`, json by Python's json, shell
# by sh, k8s by Python's yaml), with values made to break quoting; the
# variable names `custos run` uses; --mask; -o FILE 0600; collisions and
# names a format cannot hold refused.
. "$(dirname "$0")/lib.sh"
t_setup
t_init
PY=/usr/bin/python3
export PYTHONUTF8=1

KEY=sk-proj-exportabcdefghijklmn4242
printf '%s\n' "$KEY" | custos put openai/prod --type openai api_key=- organization=org-exp >/dev/null
# A custom credential whose values break naive quoting: quotes, backslashes
# (one at the end), newlines, CR, '#', '$', spaces at the ends, Unicode.
"$PY" - >"$T_DIR/hard.json" <<'PY'
import json
print(json.dumps({"QUOTES": "it's \"quoted\" 'twice'", "BACKSLASH_END": "C:\\dir\\",
    "BACKSLASHES": "a\\nb\\\\c\\\"", "MULTI": "line one\nline two\n", "CR": "a\rb",
    "HASH": "value # not a comment", "DOLLAR": "cost $5 and $HOME", "SPACES": "  padded  ",
    "UNICODE": "café 🔑 \u00a0nbsp", "EMPTY": "", "EQUALS": "a=b", "lower.name": "dots"}))
PY
expect_status 0 custos put hard --type custom --json @"$T_DIR/hard.json"
custos put aws --type aws access_key_id=AKIAIOSFODNN7EXAMPLE secret_access_key=exp/secret/KEY region=us-east-2 >/dev/null 2>&1

# dotenv: python-dotenv reads back exactly what is stored.
expect_status 0 custos export hard openai/prod -o "$T_DIR/out.env"
expect_eq "$(mode_of "$T_DIR/out.env")" 600 "output mode"
expect_eq "$("$PY" - "$T_DIR/out.env" "$T_DIR/hard.json" "$KEY" <<'PY'
import dotenv, json, sys
got = dotenv.dotenv_values(sys.argv[1])
want = json.load(open(sys.argv[2]))
want.update({"OPENAI_API_KEY": sys.argv[3], "OPENAI_ORG_ID": "org-exp"})
print("same" if got == want else "differ: %r" % {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v})
PY
)" same "python-dotenv reading the export"
# ... and so does `custos import dotenv`: the round trip keeps every value.
expect_status 0 custos export hard -o "$T_DIR/hard.env"
expect_status 0 custos import dotenv "$T_DIR/hard.env" hard/again
expect_eq "$(custos get hard/again --format json | "$PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["data"], sort_keys=True))')" \
	"$("$PY" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), sort_keys=True))' "$T_DIR/hard.json")" "dotenv round trip"
# A value python-dotenv would expand is written with a warning.
custos put expands --type custom 'V=${HOME}/x' >/dev/null 2>&1
expect_status 0 custos export expands && expect_in "$ERR" "--no-expand"

# json: one object of the variables.
expect_status 0 custos export hard openai/prod aws --format json
expect_eq "$(printf '%s' "$OUT" | "$PY" -c 'import json,sys
d = json.load(sys.stdin); w = json.load(open(sys.argv[1]))
print(all(d[k] == v for k, v in w.items()), d["OPENAI_API_KEY"] == sys.argv[2], d["AWS_REGION"], len(d))' "$T_DIR/hard.json" "$KEY")" \
	"True True us-east-2 17" "json"

# shell: sh evaluates the lines to the same values.
custos put shellsafe --type custom 'WEIRD=it'"'"'s $(not run) `nor this` \n' 'NL=a
b' >/dev/null 2>&1
expect_status 0 custos export shellsafe openai/prod --format shell -o "$T_DIR/out.sh"
expect_eq "$(sh -c ". '$T_DIR/out.sh'; printf '%s|%s|%s' \"\$WEIRD\" \"\$NL\" \"\$OPENAI_API_KEY\"")" \
	"it's \$(not run) \`nor this\` \\n|a
b|$KEY" "shell"
expect_status 2 custos export hard --format shell && expect_in "$ERR" "lower.name"

# k8s: one Secret per credential, base64 data, in the namespace.
expect_status 0 custos export openai/prod aws --format k8s --namespace team-a -o "$T_DIR/secrets.yaml"
expect_eq "$(mode_of "$T_DIR/secrets.yaml")" 600
expect_eq "$("$PY" - "$T_DIR/secrets.yaml" "$KEY" <<'PY'
import base64, sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
out = []
for d in docs:
    assert d["apiVersion"] == "v1" and d["kind"] == "Secret" and d["type"] == "Opaque", d
    data = {k: base64.b64decode(v).decode() for k, v in d["data"].items()}
    out.append("%s/%s:%s" % (d["metadata"]["namespace"], d["metadata"]["name"], ",".join(sorted(data))))
    if "OPENAI_API_KEY" in data:
        assert data["OPENAI_API_KEY"] == sys.argv[2] and data["OPENAI_ORG_ID"] == "org-exp"
        assert d["metadata"]["annotations"]["custos/name"] == "openai/prod"
    else:
        assert data["AWS_SECRET_ACCESS_KEY"] == "exp/secret/KEY"
print(" ".join(out))
PY
)" "team-a/openai-prod:OPENAI_API_KEY,OPENAI_ORG_ID team-a/aws:AWS_ACCESS_KEY_ID,AWS_REGION,AWS_SECRET_ACCESS_KEY" "k8s"
# The awkward custom values survive base64 and YAML.
expect_status 0 custos export hard --format k8s
expect_eq "$(printf '%s' "$OUT" | "$PY" -c 'import base64, json, sys, yaml
d = yaml.safe_load(sys.stdin); w = json.load(open(sys.argv[1]))
print({k: base64.b64decode(v).decode() for k, v in d["data"].items()} == w, "namespace" in d["metadata"])' "$T_DIR/hard.json")" \
	"True False" "k8s values"
custos put 'weird_name.' --type custom 'bad key=1' >/dev/null 2>&1
custos put badkey --type custom 'k:1=v' >/dev/null 2>&1
expect_status 2 custos export badkey --format k8s && expect_in "$ERR" "not a Secret key"
expect_status 2 custos export openai/prod --format k8s --namespace Bad_NS
expect_status 2 custos export openai/prod --namespace team-a

# --mask: secret values masked, descriptive ones shown.
expect_status 0 custos export openai/prod aws --mask
expect_in "$OUT" 'OPENAI_ORG_ID="org-exp"' && expect_in "$OUT" 'AWS_REGION="us-east-2"'
expect_in "$OUT" 'OPENAI_API_KEY="sk-proj-…4242"'
expect_not_in "$OUT" "$KEY" "masked export"
expect_not_in "$OUT" "exp/secret/KEY" "masked export"

# Collisions and bad input.
printf '%s\n' sk-proj-otherabcdefghijklmn | custos put openai/other --type openai api_key=- >/dev/null
expect_status 2 custos export openai/prod openai/other && expect_in "$ERR" "openai/other"
expect_status 3 custos export no/such
expect_status 2 custos export openai/prod --format xml
expect_status 2 custos export
t_done
