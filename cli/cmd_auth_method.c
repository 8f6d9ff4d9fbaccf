/* cmd_auth_method.c - custos auth enable|disable|list|tune: auth methods
 * mounted as Vault mounts them (sys/auth). Works against a server and,
 * as root, on the local vault. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"

static const char help[] =
	"usage: custos auth enable TYPE [--path P] [--description D]\n"
	"       custos auth disable PATH\n"
	"       custos auth list [--format json]\n"
	"       custos auth tune PATH [--lockout-threshold N] [--lockout-duration D]\n"
	"                             [--lockout-counter-reset D] [--lockout-disable]\n\n"
	"TYPE is userpass or approle; it is mounted at auth/P/ (P defaults to TYPE). Enabling\n"
	"userpass also makes the users/ mount and the \"personal\" policy for personal credentials.\n"
	"Disabling erases the method's users, roles and secret_ids and revokes its tokens.\n"
	"tune sets the user lockout: N failed logins lock a user for D (Vault: 5, 15m, 15m).\n";

static int list(cli_ctx *ctx, cli_opt *opts)
{
	cst_response resp = {0};
	int rc = cli_request(ctx, CST_OP_READ, "sys/auth", NULL, &resp);
	const char *format = cli_value(opts, "format");
	if (rc == CST_OK && format && !strcmp(format, "json")) {
		cli_print_json(stdout, resp.data);
	} else if (rc == CST_OK) {
		static const char *const headers[] = {"PATH", "TYPE", "ACCESSOR", "DESCRIPTION"};
		json_t *rows = json_array();
		const char *k;
		json_t *v;
		json_object_foreach(resp.data, k, v)
			json_array_append_new(rows, json_pack("[s, O, O, O]", k, json_object_get(v, "type"),
			                                      json_object_get(v, "accessor"),
			                                      json_object_get(v, "description")));
		cli_print_table(stdout, headers, 4, rows);
		json_decref(rows);
	}
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}

static int tune(cli_ctx *ctx, cli_opt *opts, const char *mount)
{
	char path[300];
	json_t *cfg = json_object();
	static const char *const fields[][2] = {{"lockout-threshold", "lockout_threshold"},
	                                        {"lockout-duration", "lockout_duration"},
	                                        {"lockout-counter-reset", "lockout_counter_reset"}};
	for (size_t i = 0; i < 3; i++)
		if (cli_value(opts, fields[i][0]))
			json_object_set_new(cfg, fields[i][1], json_string(cli_value(opts, fields[i][0])));
	if (cli_flag(opts, "lockout-disable"))
		json_object_set_new(cfg, "lockout_disable", json_true());
	snprintf(path, sizeof(path), "sys/auth/%s/tune", mount);
	cst_response resp = {0};
	int rc;
	if (json_object_size(cfg)) {
		json_t *body = json_pack("{s:O}", "user_lockout_config", cfg);
		rc = cli_request(ctx, CST_OP_UPDATE, path, body, &resp);
		json_decref(body);
		cst_response_release(&resp);
	}
	rc = cli_request(ctx, CST_OP_READ, path, NULL, &resp);
	if (rc == CST_OK)
		cli_print_fields(stdout, json_object_get(resp.data, "user_lockout_config"));
	cst_response_release(&resp);
	json_decref(cfg);
	return rc < 0 ? cli_fail(rc) : 0;
}

int cmd_auth_method(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"path", 0, 1, 0, {0}},
	                  {"description", 0, 1, 0, {0}},
	                  {"format", 0, 1, 0, {0}},
	                  {"lockout-threshold", 0, 1, 0, {0}},
	                  {"lockout-duration", 0, 1, 0, {0}},
	                  {"lockout-counter-reset", 0, 1, 0, {0}},
	                  {"lockout-disable", 0, 0, 0, {0}},
	                  {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	const char *sub = npos ? argv[0] : "";
	if (!strcmp(sub, "list") && npos == 1)
		return list(ctx, opts);
	if (npos != 2 || (strcmp(sub, "enable") && strcmp(sub, "disable") && strcmp(sub, "tune")))
		return cli_usage(ctx, "missing enable TYPE, disable PATH, tune PATH or list");
	const char *mount = !strcmp(sub, "enable") && cli_value(opts, "path") ? cli_value(opts, "path")
	                                                                      : argv[1];
	char path[300];
	size_t n = strlen(mount);
	if (n == 0 || n > 200)
		return cli_usage(ctx, "bad auth method path");
	if (!strcmp(sub, "tune"))
		return tune(ctx, opts, mount);
	snprintf(path, sizeof(path), "sys/auth/%.*s", (int)(mount[n - 1] == '/' ? n - 1 : n), mount);
	cst_response resp = {0};
	int rc;
	if (!strcmp(sub, "enable")) {
		json_t *body = json_pack("{s:s}", "type", argv[1]);
		if (cli_value(opts, "description"))
			json_object_set_new(body, "description", json_string(cli_value(opts, "description")));
		rc = cli_request(ctx, CST_OP_UPDATE, path, body, &resp);
		json_decref(body);
		if (rc == CST_OK)
			printf("enabled %s at auth/%s/\n", argv[1], path + 9);
	} else {
		rc = cli_request(ctx, CST_OP_DELETE, path, NULL, &resp);
		if (rc == CST_OK)
			printf("disabled auth/%s/\n", path + 9);
	}
	cli_print_warnings(&resp);
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}
