/* cmd_header.c - custos header: a credential's HTTP authentication header
 * lines, for `curl -H @<(custos header NAME)`: the value reaches curl
 * through a pipe, never an argument list. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "engines/type_header.h"
#include "util/buf.h"

static const char help[] =
	"usage: custos header NAME [--field FIELD]\n\n"
	"Prints the HTTP header lines that authenticate with credential NAME:\n"
	"  Authorization: Bearer ...   openai, huggingface, github, weaviate, ollama, slack,\n"
	"                              api_key, bearer_token\n"
	"  Authorization: Basic ...    http_basic (username:password, base64)\n"
	"  x-api-key: ...              anthropic\n"
	"  Api-Key: ...                pinecone\n"
	"  apikey: + Authorization     supabase (anon_key, else service_role_key)\n"
	"--field FIELD sends that field as a bearer token (custom and untyped secrets).\n"
	"Use it as: curl -H @<(custos header NAME) URL\n";

int cmd_header(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"field", 'f', 1, 0, {0}}, {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos != 1)
		return cli_usage(ctx, npos ? "takes one NAME" : "missing NAME");
	cli_envset s = {0};
	cst_buf out = CST_BUF_INIT;
	json_t *secret;
	int rc = cli_fetch_secret(ctx, &s, argv[0], &secret);
	if (rc == CST_OK) {
		const char *type = json_string_value(json_object_get(json_object_get(secret, "metadata"), "type"));
		rc = cst_auth_header(&out, type, json_object_get(secret, "data"), cli_value(opts, "field"));
		if (rc < 0 && rc != CST_ENOMEM)
			rc = cst_fail_prefix(rc, "%s", argv[0]);
	}
	if (rc == CST_OK && fwrite(out.ptr, 1, out.len, stdout) != out.len)
		rc = cst_fail(CST_EIO, "cannot write standard output");
	int status = rc < 0 ? cli_fail(rc) : 0;
	cst_buf_release(&out);
	cli_envset_release(&s);
	return status;
}
