/* cmd_import_fernet.c - custos import fernet: credentials that a Python
 * service encrypted with cryptography.fernet (a JSON map or lines of
 * tokens) become the fields of one new version of a credential. Tokens are
 * decrypted here, so the Fernet key never leaves this process, also in
 * remote mode. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "core/limits.h"
#include "providers/fernet_import.h"
#include "util/mem.h"

static const char help[] =
	"usage: custos import fernet NAME [FILE|-] --key-env VAR [--ttl N] [--type T] [--now RFC3339]\n\n"
	"Reads Fernet tokens made by Python's cryptography.fernet from FILE (standard input by\n"
	"default) and stores their plaintexts as one new version of NAME. The input is either a\n"
	"JSON object {\"FIELD\": \"gAAAA...\"} or lines of FIELD=TOKEN, or of bare tokens whose\n"
	"plaintext is a FIELD=VALUE line; blank lines and # comments are skipped. The key (the\n"
	"service's Fernet key, URL-safe base64) is read from the environment variable VAR.\n"
	"--ttl N refuses tokens older than N seconds (Fernet.decrypt(token, ttl=N)); --type sets\n"
	"the credential type, checked as by custos put. Nothing is stored unless every token is\n"
	"good. Exit status 5 for a bad, expired or wrong-key token, 2 for bad input.\n";

int cmd_import_fernet(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"key-env", 0, 1, 0, {0}}, {"ttl", 0, 1, 0, {0}}, {"now", 0, 1, 0, {0}},
	                  {"type", 't', 1, 0, {0}},  {0}};
	int npos, started;
	ctx->command = "import fernet";
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos < 1 || npos > 2)
		return cli_usage(ctx, npos ? "takes NAME and at most one FILE" : "missing NAME");
	char path[CLI_KV_PATH_MAX];
	if (cli_kv_path(path, sizeof(path), "data", argv[0], 0) < 0)
		return cli_usage(ctx, "%s", cst_errmsg());
	unsigned char key[CST_FERNET_KEY_LEN];
	int64_t ttl, now;
	int status = cli_fernet_options(ctx, key, &ttl, &now, cli_value(opts, "key-env"),
	                                cli_value(opts, "ttl"), cli_value(opts, "now"));
	char *text = NULL;
	size_t len = 0;
	json_t *fields = NULL, *body = NULL;
	int rc = CST_OK;
	if (status != 0)
		goto done;
	const char *src = npos == 2 ? argv[1] : "-";
	rc = strcmp(src, "-") == 0 ? cli_read_stdin(&text, &len) : cli_read_file_value(&text, &len, src);
	if (rc == CST_OK)
		rc = cst_fernet_import(&fields, key, text, len, ttl, now);
	if (rc < 0) {
		status = cli_fail(rc);
		goto done;
	}
	body = json_pack("{s:O}", "data", fields);
	if (cli_value(opts, "type"))
		json_object_set_new(body, "type", json_string(cli_value(opts, "type")));
	cst_response resp;
	rc = cli_request(ctx, CST_OP_UPDATE, path, body, &resp);
	if (rc < 0)
		status = cli_fail(rc);
	else
		printf("%s: version %lld (%zu fields from Fernet tokens)\n", argv[0],
		       (long long)json_integer_value(json_object_get(resp.data, "version")),
		       json_object_size(fields));
	cst_response_release(&resp);
done:
	cst_wipe(key, sizeof(key));
	cst_free_wiped(text);
	json_decref(fields);
	json_decref(body);
	return status;
}
