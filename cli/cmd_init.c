/* cmd_init.c - custos init: a new vault and its master key. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util/mem.h"

static const char help[] =
	"usage: custos init [--passphrase]\n\n"
	"Creates a new vault (default $XDG_DATA_HOME/custos/vault.db) sealed by a master key.\n"
	"The key comes from $CUSTOS_MASTER_KEY if set; otherwise a key file (default\n"
	"$XDG_CONFIG_HOME/custos/master.key, mode 0600) is created, or reused if it exists.\n"
	"Keep the key file apart from the vault: a copied vault alone reveals nothing.\n"
	"With --passphrase the key is derived from a passphrase (scrypt) typed twice at\n"
	"the prompt or read from --passphrase-file. An existing vault is never overwritten.\n";

static int ask_twice(char **out, size_t *len)
{
	char *again = NULL;
	size_t again_len = 0;
	int rc = cli_prompt_secret(out, len, "New passphrase: ");
	if (rc == 0)
		rc = cli_prompt_secret(&again, &again_len, "Repeat passphrase: ");
	if (rc == 0 && (again_len != *len || !cst_ct_equal(again, *out, *len))) {
		fprintf(stderr, "custos init: the passphrases differ\n");
		rc = -2;
	}
	cst_free_wiped(again);
	return rc;
}

int cmd_init(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"passphrase", 'p', 0, 0, {0}}, {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos > 0)
		return cli_usage(ctx, "unexpected argument '%.64s'", argv[0]);
	if (cli_remote_addr() != NULL)
		return cli_usage(ctx, "creates a local vault; for a server (CUSTOS_ADDR is set) use "
		                      "'custos operator init'");
	cst_open_opts o = {0};
	o.vault_path = ctx->vault_path;
	o.key_file = ctx->key_file;
	o.passphrase_file = ctx->passphrase_file;
	unsigned flags = 0;
	char *pass = NULL;
	size_t pass_len = 0;
	int rc = 0;
	if (cli_flag(opts, "passphrase") || ctx->passphrase_file) {
		flags |= CST_INIT_PASSPHRASE;
		if (ctx->passphrase_file == NULL && (rc = ask_twice(&pass, &pass_len)) < 0) {
			cst_free_wiped(pass);
			return rc == -2 ? 2 : cli_fail(rc);
		}
		o.passphrase = pass;
		o.passphrase_len = pass_len;
	}
	rc = cst_vault_init(&ctx->vault, &o, flags);
	cst_free_wiped(pass);
	if (rc < 0)
		return cli_fail(rc);
	json_t *d = cst_vault_describe(ctx->vault);
	printf("initialised vault %s\nmaster key: %s\n", json_string_value(json_object_get(d, "path")),
	       json_string_value(json_object_get(d, "key_source")));
	if (!(flags & CST_INIT_PASSPHRASE))
		printf("back up the master key and keep it apart from the vault: without it the "
		       "vault cannot be opened\n");
	json_decref(d);
	return 0;
}
