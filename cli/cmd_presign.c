/* cmd_presign.c - custos presign s3://BUCKET/KEY --cred NAME: a SigV4
 * presigned URL for S3 or an S3-compatible store, as `aws s3 presign`
 * prints one. The aws credential is read through the usual request path
 * (local vault or, in remote mode, the server) and the URL is signed
 * here; the keys are never printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "core/error.h"
#include "core/limits.h"
#include "providers/s3_presign.h"
#include "util/buf.h"
#include "util/timefmt.h"

static const char help[] =
	"usage: custos presign s3://BUCKET/KEY --cred NAME [--method GET|PUT|HEAD|DELETE]\n"
	"         [--expires 3600] [--region R] [--endpoint URL] [--path-style]\n"
	"         [--param NAME=VALUE]... [--header NAME=VALUE]... [--date 20130524T000000Z]\n\n"
	"Prints a presigned URL (AWS Signature Version 4 in the query string) that lets whoever\n"
	"holds it GET, PUT, HEAD or DELETE one object until it expires (--expires seconds, at\n"
	"most 604800 = 7 days; 3600 by default). NAME is a credential of type aws; a session\n"
	"token is signed in. The region and endpoint default to the credential's own fields,\n"
	"then us-east-1 and https://s3.REGION.amazonaws.com; --endpoint http://127.0.0.1:9000\n"
	"--path-style suits MinIO. --param adds a signed query parameter (versionId=...,\n"
	"response-content-disposition=...), --header a signed header the client must send\n"
	"(content-type=image/png for an upload). --date fixes the signing time.\n";

/* Splits "NAME=VALUE" (the argv string stays as it is). */
static int split_pairs(cst_presign_pair *out, char *copies[], const cli_opt *o, const char *what)
{
	for (int i = 0; i < o->count; i++) {
		const char *eq = strchr(o->vals[i], '=');
		if (eq == NULL || eq == o->vals[i])
			return cst_fail(CST_EINVAL, "%s wants NAME=VALUE", what);
		copies[i] = strndup(o->vals[i], (size_t)(eq - o->vals[i]));
		if (copies[i] == NULL)
			return cst_fail(CST_ENOMEM, "out of memory");
		out[i] = (cst_presign_pair){copies[i], eq + 1};
	}
	return CST_OK;
}

/* 20130524T000000Z (AWS's form) or an RFC 3339 time. */
static int parse_date(int64_t *out, const char *s)
{
	char rfc[32];
	int64_t ns = 0;
	if (strlen(s) == 16 && s[8] == 'T' && s[15] == 'Z') {
		snprintf(rfc, sizeof(rfc), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", s, s + 4, s + 6, s + 9,
		         s + 11, s + 13);
		s = rfc;
	}
	if (cst_time_parse(&ns, s) < 0)
		return cst_fail(CST_EINVAL, "--date must look like 20130524T000000Z");
	*out = ns / 1000000000;
	return CST_OK;
}

int cmd_presign(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"cred", 0, 1, 0, {0}},      {"method", 'X', 1, 0, {0}},
	                  {"expires", 0, 1, 0, {0}},   {"region", 0, 1, 0, {0}},
	                  {"endpoint", 0, 1, 0, {0}},  {"path-style", 0, 0, 0, {0}},
	                  {"param", 0, 1, 0, {0}},     {"header", 'H', 1, 0, {0}},
	                  {"date", 0, 1, 0, {0}},      {0}};
	int npos, started, status = 0;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos != 1 || strncmp(argv[0], "s3://", 5) != 0)
		return cli_usage(ctx, "give one s3://BUCKET/KEY");
	const char *cred = cli_value(opts, "cred");
	if (cred == NULL)
		return cli_usage(ctx, "--cred NAME (an aws credential) is required");
	char path[CLI_KV_PATH_MAX];
	if (cli_kv_path(path, sizeof(path), "data", cred, 0) < 0)
		return cli_usage(ctx, "--cred: %s", cst_errmsg());
	const char *bk = argv[0] + 5, *slash = strchr(bk, '/');
	if (slash == NULL || slash == bk || slash[1] == '\0')
		return cli_usage(ctx, "give one s3://BUCKET/KEY");
	char bucket[256];
	snprintf(bucket, sizeof(bucket), "%.*s", (int)(slash - bk), bk);
	cst_presign_opts o = {0};
	o.method = cli_value(opts, "method");
	o.bucket = bucket;
	o.key = slash + 1;
	o.region = cli_value(opts, "region");
	o.endpoint = cli_value(opts, "endpoint");
	o.path_style = cli_flag(opts, "path-style");
	unsigned long long expires = 0;
	if (cli_value(opts, "expires") &&
	    (cli_uint(&expires, cli_value(opts, "expires"), "--expires") < 0 || expires == 0 ||
	     expires > CST_PRESIGN_MAX_EXPIRES))
		return cli_usage(ctx, "--expires must be 1 to %d seconds", CST_PRESIGN_MAX_EXPIRES);
	o.expires = (int64_t)expires;
	if (cli_value(opts, "date") && parse_date(&o.time, cli_value(opts, "date")) < 0)
		return cli_usage(ctx, "%s", cst_errmsg());
	cst_presign_pair params[CLI_MAX_VALUES], headers[CLI_MAX_VALUES];
	char *copies[2 * CLI_MAX_VALUES] = {0};
	cli_opt *po = cli_find(opts, "param"), *ho = cli_find(opts, "header");
	int rc = split_pairs(params, copies, po, "--param");
	if (rc == CST_OK)
		rc = split_pairs(headers, copies + CLI_MAX_VALUES, ho, "--header");
	o.params = params;
	o.n_params = (size_t)po->count;
	o.headers = headers;
	o.n_headers = (size_t)ho->count;
	cst_response resp = {0};
	cst_buf url = CST_BUF_INIT;
	if (rc < 0) {
		status = cli_usage(ctx, "%s", cst_errmsg());
		goto done;
	}
	if ((rc = cli_request(ctx, CST_OP_READ, path, NULL, &resp)) == CST_OK) {
		cst_s3_creds c;
		const char *type =
			json_string_value(json_object_get(json_object_get(resp.data, "metadata"), "type"));
		rc = cst_s3_creds_from_json(&c, json_object_get(resp.data, "data"), type);
		if (rc == CST_OK)
			rc = cst_s3_presign_url(&url, &c, &o, (int64_t)time(NULL));
	}
	if (rc < 0)
		status = cli_fail(rc);
	else
		printf("%s\n", url.ptr);
done:
	for (size_t i = 0; i < 2 * CLI_MAX_VALUES; i++)
		free(copies[i]);
	cst_buf_release(&url);
	cst_response_release(&resp);
	return status;
}
