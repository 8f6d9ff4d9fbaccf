# t0202 - custos presign: the AWS documentation example byte for byte, the
# AWS SDK for JavaScript v3 URLs (with the parameters that SDK adds), a
# session token, MinIO-style endpoints, and the refusals. Locally and, in
# remote mode, with the credential read from the server.
. "$(dirname "$0")/lib.sh"
FIX="$(cd "$(dirname "$0")/../fixtures" && pwd)/s3-presign"
t_setup
t_init
PY=/usr/bin/python3
echo wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY | custos put aws/docs --type aws \
	access_key_id=AKIAIOSFODNN7EXAMPLE secret_access_key=- >/dev/null 2>&1

WANT=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["cases"][0]["expected"]["url"])' "$FIX/aws_docs_s3_presign_example.json")
expect_status 0 custos presign s3://examplebucket/test.txt --cred aws/docs \
	--endpoint https://s3.amazonaws.com --expires 86400 --date 20130524T000000Z
expect_eq "$OUT" "$WANT" "AWS docs example URL"
expect_not_in "$OUT" "wJalrXUtnFEMI" "URL"

# Every SDK v3 case through the CLI: same signature, same URL once sorted.
$PY - "$FIX/sdk_js_v3_presigned_urls.json" >"$T_DIR/sdk" <<'PY'
import json, sys, shlex
names = {"ResponseContentDisposition": "response-content-disposition", "VersionId": "versionId"}
for c in json.load(open(sys.argv[1]))["cases"]:
    i, e = c["input"], c["expected"]
    args = ["s3://%s/%s" % (i["bucket"], i["key"]), "--method", i["http_method"],
            "--region", i["region"], "--expires", str(i["expires_in"]),
            "--date", i["signing_date"].replace("-", "").replace(":", ""),
            "--param", "X-Amz-Content-Sha256=UNSIGNED-PAYLOAD"]
    if i["sdk_command"] != "HeadObjectCommand":
        args += ["--param", "x-id=" + i["sdk_command"][:-len("Command")]]
    for k, v in i["extra_command_params"].items():
        if k in names:
            args += ["--param", "%s=%s" % (names[k], v)]
    if i["endpoint"]:
        args += ["--endpoint", i["endpoint"]]
    if i["force_path_style"]:
        args += ["--path-style"]
    cred = "aws/sts" if i["session_token"] else "aws/sdk"
    print(c["id"], cred, e["url"], " ".join(shlex.quote(a) for a in args))
PY
SESSION=$($PY -c 'import json,sys; print([c for c in json.load(open(sys.argv[1]))["cases"] if c["input"]["session_token"]][0]["input"]["session_token"])' "$FIX/sdk_js_v3_presigned_urls.json")
echo wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY | custos put aws/sdk --type aws \
	access_key_id=AKIAIOSFODNN7EXAMPLE secret_access_key=- >/dev/null 2>&1
printf '%s\n' "$SESSION" | custos put aws/sts --type aws access_key_id=AKIAIOSFODNN7EXAMPLE \
	secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY session_token=- >/dev/null 2>&1
n=0
while read -r id cred want args; do
	eval "set -- $args"
	expect_status 0 custos presign --cred "$cred" "$@" || continue
	got=$(printf '%s' "$OUT" | $PY -c 'import sys; u=sys.stdin.read().strip(); b,q=u.split("?",1); print(b+"?"+"&".join(sorted(q.split("&"))))')
	expect_eq "$got" "$want" "$id URL (query in the SDK's order)"
	n=$((n + 1))
done <"$T_DIR/sdk"
expect_eq "$n" 20 "SDK cases run"

# An upload URL with a signed content-type; a custom MinIO endpoint.
expect_status 0 custos presign s3://uploads/new.png --cred aws/sdk --method PUT \
	--header content-type=image/png --endpoint http://127.0.0.1:9000 --path-style
expect_in "$OUT" "http://127.0.0.1:9000/uploads/new.png?"
expect_in "$OUT" "X-Amz-SignedHeaders=content-type%3Bhost"

# Refusals.
expect_status 2 custos presign s3://b/k
expect_in "$ERR" "--cred"
expect_status 2 custos presign https://b/k --cred aws/sdk
expect_status 2 custos presign s3://bucketonly --cred aws/sdk
expect_status 2 custos presign s3://b/k --cred aws/sdk --method POST
expect_status 2 custos presign s3://b/k --cred aws/sdk --expires 604801
expect_status 2 custos presign s3://b/k --cred aws/sdk --param novalue
expect_status 2 custos presign s3://b/k --cred aws/sdk --date yesterday
expect_status 3 custos presign s3://b/k --cred aws/none
echo sk-abcdefabcdefabcdef | custos put ai/openai --type openai api_key=- >/dev/null
expect_status 2 custos presign s3://b/k --cred ai/openai
expect_in "$ERR" "not aws"
expect_one_line "$ERR"
t_done
