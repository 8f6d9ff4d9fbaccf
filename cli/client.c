/* client.c - where a command's request goes. In local mode the vault is
 * opened in-process and the request goes straight to the router; the
 * server issue adds the remote mode here, behind the same call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/keysource.h"
#include "util/mem.h"

int cli_token_file(char *out, size_t n)
{
	const char *f = getenv("CUSTOS_TOKEN_FILE");
	if (f && *f) {
		snprintf(out, n, "%s", f);
		return CST_OK;
	}
	return cst_default_path(out, n, "config", "token");
}

int cli_open(cli_ctx *ctx)
{
	if (ctx->vault != NULL)
		return CST_OK;
	if (cli_remote_addr() != NULL)
		return cst_fail(CST_EINVAL, "'custos %s' works on a local vault; unset CUSTOS_ADDR "
		                            "and VAULT_ADDR to use one", ctx->command);
	cst_open_opts o = {0};
	o.vault_path = ctx->vault_path;
	o.key_file = ctx->key_file;
	o.passphrase_file = ctx->passphrase_file;
	int rc = cst_vault_open(&ctx->vault, &o);
	if (rc != CST_ESEALED || ctx->passphrase_file != NULL || !isatty(STDERR_FILENO))
		return rc;
	/* A passphrase-sealed vault and a person at the terminal: ask. */
	char *pass = NULL;
	size_t len = 0;
	char prompt[4200];
	char path[4096] = "";
	snprintf(path, sizeof(path), "%s", ctx->vault_path ? ctx->vault_path : "the vault");
	snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", path);
	if ((rc = cli_prompt_secret(&pass, &len, prompt)) < 0)
		return rc;
	o.passphrase = pass;
	o.passphrase_len = len;
	rc = cst_vault_open(&ctx->vault, &o);
	cst_free_wiped(pass);
	return rc;
}

int cli_request(cli_ctx *ctx, cst_op op, const char *path, json_t *data, cst_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	const char *addr = cli_remote_addr();
	if (addr != NULL) {
		char token[512];
		int rc = cli_remote_token(token, sizeof(token));
		if (rc == CST_OK)
			rc = cli_remote_request(addr, token, op, path, data, resp);
		cst_wipe(token, sizeof(token));
		return rc;
	}
	int rc = cli_open(ctx);
	if (rc < 0)
		return rc;
	cst_request req = {.op = op, .path = path, .data = data};
	return cst_vault_request(ctx->vault, &req, resp);
}

static char kv_mount[128] = "secret";

int cli_set_kv_mount(const char *mount)
{
	if (mount == NULL || *mount == '\0')
		mount = getenv("CUSTOS_KV_MOUNT");
	if (mount == NULL || *mount == '\0')
		return CST_OK; /* "secret" */
	size_t len = strlen(mount);
	if (mount[len - 1] == '/') /* "teams/ml/" as sys/mounts lists it */
		len--;
	if (len == 0 || len >= sizeof(kv_mount) || cst_name_check(mount, len) < 0) {
		cst_error_clear();
		return cst_fail(CST_EINVAL, "--kv-mount: '%.64s' is not a mount path (letters, digits, "
		                            "._- and / between segments, as teams/ml)", mount);
	}
	memcpy(kv_mount, mount, len);
	kv_mount[len] = '\0';
	return CST_OK;
}

int cli_kv_path(char *out, size_t n, const char *kind, const char *name, int allow_folder)
{
	int rc = allow_folder ? cst_name_check_prefix(name, strlen(name))
	                      : cst_name_check(name, strlen(name));
	if (rc < 0)
		return rc;
	int w = snprintf(out, n, "%s/%s/%s", kv_mount, kind, name);
	if (w < 0 || (size_t)w >= n)
		return cst_fail(CST_EINVAL, "name too long for the mount %s/", kv_mount);
	return CST_OK;
}
