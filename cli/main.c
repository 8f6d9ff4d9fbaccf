/* main.c - the custos command: global flags (anywhere on the line), the
 * command table, process hardening, and the exit-status contract:
 *
 *   0 ok  1 other error  2 usage  3 not found  4 permission denied
 *   5 integrity failure (wrong key, tampered or truncated data)
 *   6 conflict (check-and-set mismatch, already exists)  7 sealed or locked
 *
 * (one table: cst_exit_status in src/core/error.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "util/mem.h"

typedef struct command {
	const char *name;
	int (*run)(cli_ctx *ctx, int argc, char **argv);
	const char *summary;
} command;

static const command commands[] = {
	{"init", cmd_init, "create a new vault and its master key"},
	{"status", cmd_status, "show the vault, its key source, key terms and secret count"},
	{"put", cmd_put, "store a new version of a credential"},
	{"get", cmd_get, "show a credential (masked unless --reveal) or one field"},
	{"list", cmd_list, "list credential names (never values)"},
	{"history", cmd_history, "list a credential's versions"},
	{"rollback", cmd_rollback, "write an older version's data as the newest version"},
	{"delete", cmd_delete, "soft-delete versions (the latest by default)"},
	{"undelete", cmd_undelete, "restore soft-deleted versions"},
	{"destroy", cmd_destroy, "erase versions (or a whole credential) for good"},
	{"meta", cmd_meta, "show or change a credential's metadata"},
	{"key", cmd_key, "data-key terms: rotate, status, rewrap"},
	{"rewrap", cmd_rewrap, "re-seal every value under the newest key term"},
	{"types", cmd_types, "list credential types and their fields"},
	{"server", cmd_server, "serve the vault over Vault's HTTP API (custos server -h)"},
	{"login", cmd_login, "keep a server token for later commands"},
	{"token", cmd_token, "create, look up, renew and revoke tokens"},
	{"policy", cmd_policy, "write, read, list and delete ACL policies"},
	{"audit", cmd_audit, "audit devices: enable, disable, list, verify a log, hash a value"},
	{"operator", cmd_operator, "initialise, unseal and seal a server"},
	{"auth", cmd_auth_method, "enable, disable, list and tune auth methods (userpass, approle)"},
	{"user", cmd_user, "create, change and delete userpass users"},
	{"team", cmd_team, "create, change and delete teams (policies, an own kv mount)"},
	{"approle", cmd_approle, "roles, role_ids and secret_ids for services; approle login"},
	{"import", cmd_import, "import credentials: the environment, a .env file, Fernet tokens"},
	{"check", cmd_check, "check credentials against their providers (custos check -h)"},
	{"presign", cmd_presign, "presigned S3 URLs from an aws credential"},
	{"fernet", cmd_fernet, "encrypt or decrypt Fernet tokens (Python cryptography.fernet)"},
	{"run", cmd_run, "run a command with credentials in its environment"},
	{"inject", cmd_inject, "fill custos:// references in a template into a file (0600)"},
	{"header", cmd_header, "print a credential's HTTP auth header (curl -H @<(...))"},
	{"export", cmd_export, "write credentials as dotenv, JSON, shell or Kubernetes Secrets"},
	{"report", cmd_report, "a report: overdue credentials, tokens, failed logins, access (md, json, html)"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: custos [--vault PATH] [--key-file PATH] [--passphrase-file PATH] "
	           "[--kv-mount MOUNT] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nEvery command takes -h. --kv-mount (or CUSTOS_KV_MOUNT) names the kv mount\n"
	           "credential commands use: secret by default, teams/NAME for a team's, users\n"
	           "for personal ones. Environment: CUSTOS_VAULT, CUSTOS_KEY_FILE,\n"
	           "CUSTOS_MASTER_KEY (base64 of 32 bytes), CUSTOS_PASSPHRASE_FILE; remote mode:\n"
	           "CUSTOS_ADDR (or VAULT_ADDR), CUSTOS_TOKEN (or VAULT_TOKEN), CUSTOS_CACERT.\n"
	           "Exit status: 0 ok, 1 error, 2 usage, 3 not found, 4 permission denied,\n"
	           "5 integrity failure, 6 conflict, 7 sealed or locked.\n");
}

/* Takes the global flags out of argv wherever they stand (before "--"). */
static int take_globals(cli_ctx *ctx, int *argc, char **argv)
{
	static const char *const names[] = {"--vault", "--key-file", "--passphrase-file", "--kv-mount"};
	const char **slots[] = {&ctx->vault_path, &ctx->key_file, &ctx->passphrase_file, &ctx->kv_mount};
	int out = 1;
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		int taken = 0;
		for (size_t g = 0; g < sizeof(names) / sizeof(names[0]) && !taken; g++) {
			size_t n = strlen(names[g]);
			if (strncmp(argv[i], names[g], n) != 0)
				continue;
			if (argv[i][n] == '=') {
				*slots[g] = argv[i] + n + 1;
				taken = 1;
			} else if (argv[i][n] == '\0') {
				if (i + 1 >= *argc) {
					fprintf(stderr, "custos: %s needs a value\n", names[g]);
					return 2;
				}
				*slots[g] = argv[++i];
				taken = 1;
			}
		}
		if (!taken)
			argv[out++] = argv[i];
	}
	*argc = out;
	if (cli_set_kv_mount(ctx->kv_mount) < 0) {
		fprintf(stderr, "custos: %s\n", cst_errmsg());
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	cst_mem_no_core_dumps();
	cst_mem_init_json();
	cli_ctx ctx = {0};
	ctx.start_umask = umask(077);
	int status = take_globals(&ctx, &argc, argv);
	if (status != 0)
		return status;
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("custos %s\n", CST_VERSION_STRING);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		ctx.command = commands[i].name;
		status = commands[i].run(&ctx, argc - 2, argv + 2);
		cst_vault_close(ctx.vault);
		if (fflush(stdout) != 0 && status == 0)
			status = 1;
		return status;
	}
	fprintf(stderr, "custos: unknown command '%.64s' (see 'custos help')\n", argv[1]);
	return 2;
}
