/* cmd_admin.c - server administration from the CLI: custos policy
 * write|read|list|delete and custos operator init|unseal|seal. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/mem.h"

static const char policy_help[] =
	"usage: custos policy write NAME FILE|-\n"
	"       custos policy read NAME\n"
	"       custos policy list\n"
	"       custos policy delete NAME\n\n"
	"ACL policies in Vault's HCL or JSON form: path \"secret/data/team-ml/*\" {\n"
	"  capabilities = [\"read\", \"list\"] }. Deny wins; anything not granted is denied.\n";

int cmd_policy(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, policy_help, &npos)) >= 0)
		return started;
	if (npos < 1)
		return cli_usage(ctx, "missing write, read, list or delete");
	const char *sub = argv[0];
	char path[256];
	cst_response resp = {0};
	int rc;
	if (!strcmp(sub, "list") && npos == 1) {
		rc = cli_request(ctx, CST_OP_LIST, "sys/policies/acl/", NULL, &resp);
		size_t i;
		json_t *k;
		json_array_foreach(json_object_get(resp.data, "keys"), i, k)
			puts(json_string_value(k));
	} else if (npos == 2 && (!strcmp(sub, "read") || !strcmp(sub, "delete"))) {
		snprintf(path, sizeof(path), "sys/policies/acl/%.200s", argv[1]);
		int read = !strcmp(sub, "read");
		rc = cli_request(ctx, read ? CST_OP_READ : CST_OP_DELETE, path, NULL, &resp);
		if (rc == CST_OK && read)
			fputs(json_string_value(json_object_get(resp.data, "policy")), stdout);
	} else if (npos == 3 && !strcmp(sub, "write")) {
		cst_buf text = CST_BUF_INIT;
		snprintf(path, sizeof(path), "sys/policies/acl/%.200s", argv[1]);
		rc = cst_file_read(&text, argv[2]);
		json_t *body = rc == CST_OK ? json_pack("{s:s%}", "policy", text.ptr, text.len) : NULL;
		if (rc == CST_OK && body == NULL)
			rc = cst_fail(CST_EINVAL, "policy file is not valid UTF-8");
		if (rc == CST_OK)
			rc = cli_request(ctx, CST_OP_UPDATE, path, body, &resp);
		if (rc == CST_OK)
			printf("policy %s written\n", argv[1]);
		json_decref(body);
		cst_buf_release(&text);
	} else {
		return cli_usage(ctx, "unknown subcommand or wrong arguments");
	}
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}

static const char operator_help[] =
	"usage: custos operator init [--shares 5] [--threshold 3] [--format json]\n"
	"       custos operator unseal [KEY|-]\n"
	"       custos operator seal\n\n"
	"Against a server (CUSTOS_ADDR): init creates the vault and prints the unseal keys and the\n"
	"root token, once; keep them apart. unseal takes one key per call (prompt without echo,\n"
	"or '-' for stdin) until the threshold is reached. seal needs a root or sudo token.\n";

static int operator_init(cli_ctx *ctx, cli_opt *opts)
{
	unsigned long long shares = 5, threshold = 3;
	if ((cli_value(opts, "shares") && cli_uint(&shares, cli_value(opts, "shares"), "--shares") < 0) ||
	    (cli_value(opts, "threshold") &&
	     cli_uint(&threshold, cli_value(opts, "threshold"), "--threshold") < 0))
		return cli_usage(ctx, "%s", cst_errmsg());
	json_t *body = json_pack("{s:I, s:I}", "secret_shares", (json_int_t)shares, "secret_threshold",
	                         (json_int_t)threshold);
	cst_response resp = {0};
	int rc = cli_request(ctx, CST_OP_UPDATE, "sys/init", body, &resp);
	json_decref(body);
	const char *format = cli_value(opts, "format");
	if (rc == CST_OK && format && !strcmp(format, "json")) {
		cli_print_json(stdout, resp.data);
	} else if (rc == CST_OK) {
		size_t i;
		json_t *k;
		json_array_foreach(json_object_get(resp.data, "keys_base64"), i, k)
			printf("Unseal Key %zu: %s\n", i + 1, json_string_value(k));
		printf("\nInitial Root Token: %s\n\nThe vault is sealed: unseal it with %llu of these keys "
		       "(custos operator unseal).\nKeep the keys apart; they are shown only now.\n",
		       json_string_value(json_object_get(resp.data, "root_token")), threshold);
	}
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}

int cmd_operator(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"shares", 0, 1, 0, {0}}, {"threshold", 0, 1, 0, {0}},
	                  {"format", 0, 1, 0, {0}}, {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, operator_help, &npos)) >= 0)
		return started;
	if (npos < 1)
		return cli_usage(ctx, "missing init, unseal or seal");
	if (cli_remote_addr() == NULL)
		return cli_usage(ctx, "needs a server: set CUSTOS_ADDR (or VAULT_ADDR)");
	const char *sub = argv[0];
	if (!strcmp(sub, "init") && npos == 1)
		return operator_init(ctx, opts);
	cst_response resp = {0};
	int rc;
	if (!strcmp(sub, "seal") && npos == 1) {
		rc = cli_request(ctx, CST_OP_UPDATE, "sys/seal", NULL, &resp);
		if (rc == CST_OK)
			printf("sealed\n");
	} else if (!strcmp(sub, "unseal") && npos <= 2) {
		char *key = NULL;
		size_t len = 0;
		if (npos == 2 && strcmp(argv[1], "-") != 0)
			fprintf(stderr, "custos: warning: an unseal key on the command line is visible to "
			                "other processes; prefer '-' or the prompt\n");
		rc = npos == 1 ? cli_prompt_secret(&key, &len, "Unseal key: ")
		     : !strcmp(argv[1], "-") ? cli_read_stdin(&key, &len)
		                             : ((key = cst_strndup(argv[1], strlen(argv[1]))) ? CST_OK : CST_ENOMEM);
		json_t *body = rc == CST_OK ? json_pack("{s:s}", "key", key) : NULL;
		if (rc == CST_OK)
			rc = cli_request(ctx, CST_OP_UPDATE, "sys/unseal", body, &resp);
		if (rc == CST_OK) {
			if (json_is_true(json_object_get(resp.data, "sealed")))
				printf("sealed: %lld of %lld keys given\n",
				       (long long)json_integer_value(json_object_get(resp.data, "progress")),
				       (long long)json_integer_value(json_object_get(resp.data, "t")));
			else
				printf("unsealed\n");
		}
		json_decref(body);
		cst_free_wiped(key);
	} else {
		return cli_usage(ctx, "unknown subcommand or wrong arguments");
	}
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}
