/* cmd_status.c - custos status: where the vault and key are, key terms
 * and how many secrets it holds. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char help[] =
	"usage: custos status [--format table|json]\n\n"
	"Shows the vault path, storage backend, master key source, data-key terms and the\n"
	"number of secrets per mount. Exit status 3 if there is no vault, 5 if the key is wrong.\n";

/* Against a server: its seal status (no token needed). */
static int remote_status(cli_ctx *ctx, int json)
{
	cst_response resp;
	int rc = cli_request(ctx, CST_OP_READ, "sys/seal-status", NULL, &resp);
	if (rc == CST_OK && json) {
		cli_print_json(stdout, resp.data);
	} else if (rc == CST_OK) {
		json_t *d = resp.data;
		printf("server:      %s\n", cli_remote_addr());
		printf("initialized: %s\n", json_is_true(json_object_get(d, "initialized")) ? "yes" : "no");
		printf("sealed:      %s\n", json_is_true(json_object_get(d, "sealed")) ? "yes" : "no");
		printf("unseal keys: %lld of %lld needed\n",
		       (long long)json_integer_value(json_object_get(d, "t")),
		       (long long)json_integer_value(json_object_get(d, "n")));
		printf("storage:     %s\n", json_string_value(json_object_get(d, "storage_type")));
	}
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}

int cmd_status(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"format", 0, 1, 0, {0}}, {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	const char *format = cli_value(opts, "format");
	if (npos > 0 || (format && strcmp(format, "json") != 0 && strcmp(format, "table") != 0))
		return cli_usage(ctx, "takes no arguments but --format table|json");
	if (cli_remote_addr() != NULL)
		return remote_status(ctx, format && strcmp(format, "json") == 0);
	cst_response resp;
	int rc = cli_request(ctx, CST_OP_READ, "sys/vault-status", NULL, &resp);
	if (rc < 0) {
		cst_response_release(&resp);
		return cli_fail(rc);
	}
	json_t *d = cst_vault_describe(ctx->vault);
	json_object_update(d, resp.data);
	if (format && strcmp(format, "json") == 0) {
		cli_print_json(stdout, d);
	} else {
		json_int_t secrets = 0;
		const char *k;
		json_t *m;
		json_object_foreach(json_object_get(d, "mounts"), k, m)
			secrets += json_integer_value(json_object_get(m, "secrets"));
		printf("vault:       %s\n", json_string_value(json_object_get(d, "path")));
		printf("backend:     %s\n", json_string_value(json_object_get(d, "backend")));
		printf("key source:  %s\n", json_string_value(json_object_get(d, "key_source")));
		printf("key terms:   %zu (active term %lld)\n",
		       json_array_size(json_object_get(d, "terms")),
		       (long long)json_integer_value(json_object_get(d, "active_term")));
		printf("secrets:     %lld\n", (long long)secrets);
	}
	json_decref(d);
	cst_response_release(&resp);
	return 0;
}
