/* cmd_versions.c - the version life cycle: history, rollback, delete,
 * undelete and destroy (Vault's KV v2 verbs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "core/limits.h"

/* Parses and checks the usual NAME argument; fills path for `kind`. */
static int one_name(cli_ctx *ctx, cli_opt *opts, int argc, char **argv, const char *help,
                    char *path, size_t n, const char *kind, int *done)
{
	int npos, started;
	*done = 0;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0) {
		*done = 1;
		return started;
	}
	if (npos != 1)
		return cli_usage(ctx, npos ? "takes one NAME" : "missing NAME");
	if (cli_kv_path(path, n, kind, argv[0], 0) < 0)
		return cli_usage(ctx, "%s", cst_errmsg());
	return 0;
}

/* "1,2,5" -> [1,2,5]; NULL when the list is malformed. */
static json_t *version_list(const char *text)
{
	json_t *arr = json_array();
	const char *p = text;
	while (arr && *p) {
		char *end = NULL;
		if (*p < '0' || *p > '9') {
			json_decref(arr);
			return NULL;
		}
		unsigned long long v = strtoull(p, &end, 10);
		if (v == 0 || (*end != ',' && *end != '\0') || end - p > 18) {
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(arr, json_integer((json_int_t)v));
		p = *end ? end + 1 : end;
	}
	if (arr && json_array_size(arr) == 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static int send(cli_ctx *ctx, cst_op op, const char *path, json_t *body)
{
	cst_response resp;
	int rc = cli_request(ctx, op, path, body, &resp);
	cst_response_release(&resp);
	json_decref(body);
	return rc < 0 ? cli_fail(rc) : 0;
}

static const char history_help[] =
	"usage: custos history NAME\n\n"
	"Lists every kept version of NAME with when it was created, deleted or destroyed.\n";

int cmd_history(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{0}};
	char path[CLI_KV_PATH_MAX];
	int done, status = one_name(ctx, opts, argc, argv, history_help, path, sizeof(path),
	                            "metadata", &done);
	if (status || done)
		return status;
	cst_response resp;
	int rc = cli_request(ctx, CST_OP_READ, path, NULL, &resp);
	if (rc < 0) {
		cst_response_release(&resp);
		return cli_fail(rc);
	}
	json_int_t current = json_integer_value(json_object_get(resp.data, "current_version"));
	json_t *rows = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(resp.data, "versions"), k, v) {
		const char *deleted = json_string_value(json_object_get(v, "deletion_time"));
		char state[16];
		snprintf(state, sizeof(state), "%s%s",
		         json_is_true(json_object_get(v, "destroyed")) ? "destroyed"
		         : deleted && *deleted                          ? "deleted"
		                                                        : "live",
		         atoll(k) == current ? " *" : "");
		json_array_append_new(rows, json_pack("[s, s, s, s]", k,
		                                      json_string_value(json_object_get(v, "created_time")),
		                                      deleted && *deleted ? deleted : "-", state));
	}
	static const char *const headers[] = {"VERSION", "CREATED", "DELETED", "STATE"};
	cli_print_table(stdout, headers, 4, rows);
	json_decref(rows);
	cst_response_release(&resp);
	return 0;
}

static const char rollback_help[] =
	"usage: custos rollback NAME --version N\n\n"
	"Writes version N's data as a new newest version (N itself is kept). Fails with\n"
	"status 6 if NAME changes while the rollback runs, 3 if version N is deleted.\n";

int cmd_rollback(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"version", 'v', 1, 0, {0}}, {0}};
	char path[CLI_KV_PATH_MAX];
	int done, status = one_name(ctx, opts, argc, argv, rollback_help, path, sizeof(path), "data",
	                            &done);
	if (status || done)
		return status;
	unsigned long long version;
	if (cli_uint(&version, cli_value(opts, "version"), "--version") < 0 || version == 0)
		return cli_usage(ctx, "--version N is required (a version number from 1)");
	cst_response old, meta = {0};
	json_t *query = json_pack("{s:I}", "version", (json_int_t)version);
	int rc = cli_request(ctx, CST_OP_READ, path, query, &old);
	json_decref(query);
	char meta_path[CLI_KV_PATH_MAX];
	(void)cli_kv_path(meta_path, sizeof(meta_path), "metadata", argv[0], 0);
	if (rc == CST_OK)
		rc = cli_request(ctx, CST_OP_READ, meta_path, NULL, &meta);
	if (rc == CST_OK) {
		/* cas = the current version we saw, so a concurrent write fails
		 * the rollback instead of being silently overwritten. */
		json_int_t current = json_integer_value(json_object_get(meta.data, "current_version"));
		json_t *body = json_pack("{s:O, s:{s:I}}", "data", json_object_get(old.data, "data"),
		                         "options", "cas", current);
		cst_response resp;
		rc = cli_request(ctx, CST_OP_UPDATE, path, body, &resp);
		if (rc == CST_OK)
			printf("%s: version %lld (copy of version %llu)\n", argv[0],
			       (long long)json_integer_value(json_object_get(resp.data, "version")), version);
		cst_response_release(&resp);
		json_decref(body);
	}
	cst_response_release(&old);
	cst_response_release(&meta);
	return rc < 0 ? cli_fail(rc) : 0;
}

static const char delete_help[] =
	"usage: custos delete NAME [--versions 1,2]\n\n"
	"Soft-deletes the newest version of NAME, or the listed versions. Deleted versions\n"
	"can be restored with 'custos undelete'; 'custos destroy' erases them for good.\n";

int cmd_delete(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"versions", 0, 1, 0, {0}}, {0}};
	char path[CLI_KV_PATH_MAX];
	int done, status = one_name(ctx, opts, argc, argv, delete_help, path, sizeof(path), "data",
	                            &done);
	if (status || done)
		return status;
	const char *list = cli_value(opts, "versions");
	if (list == NULL)
		return send(ctx, CST_OP_DELETE, path, NULL);
	json_t *versions = version_list(list);
	if (versions == NULL)
		return cli_usage(ctx, "--versions takes a list such as 1,2,5");
	(void)cli_kv_path(path, sizeof(path), "delete", argv[0], 0);
	return send(ctx, CST_OP_UPDATE, path, json_pack("{s:o}", "versions", versions));
}

static int versions_command(cli_ctx *ctx, int argc, char **argv, const char *help,
                            const char *kind, int allow_all)
{
	cli_opt opts[] = {{"versions", 0, 1, 0, {0}}, {"all", 0, 0, 0, {0}}, {0}};
	char path[CLI_KV_PATH_MAX];
	int done, status = one_name(ctx, opts, argc, argv, help, path, sizeof(path), kind, &done);
	if (status || done)
		return status;
	if (allow_all && cli_flag(opts, "all")) {
		if (cli_value(opts, "versions"))
			return cli_usage(ctx, "give either --versions or --all");
		(void)cli_kv_path(path, sizeof(path), "metadata", argv[0], 0);
		return send(ctx, CST_OP_DELETE, path, NULL);
	}
	if (!allow_all && cli_flag(opts, "all"))
		return cli_usage(ctx, "unknown option --all");
	const char *list = cli_value(opts, "versions");
	json_t *versions = list ? version_list(list) : NULL;
	if (versions == NULL)
		return cli_usage(ctx, "--versions takes a list such as 1,2,5%s",
		                 allow_all ? " (or --all)" : "");
	return send(ctx, CST_OP_UPDATE, path, json_pack("{s:o}", "versions", versions));
}

static const char undelete_help[] =
	"usage: custos undelete NAME --versions 1,2\n\n"
	"Restores soft-deleted versions. Destroyed versions cannot be restored.\n";

int cmd_undelete(cli_ctx *ctx, int argc, char **argv)
{
	return versions_command(ctx, argc, argv, undelete_help, "undelete", 0);
}

static const char destroy_help[] =
	"usage: custos destroy NAME --versions 1,2\n"
	"       custos destroy NAME --all\n\n"
	"Erases the listed versions' data for good (their history rows stay, marked\n"
	"destroyed). --all erases NAME with every version and its metadata.\n";

int cmd_destroy(cli_ctx *ctx, int argc, char **argv)
{
	return versions_command(ctx, argc, argv, destroy_help, "destroy", 1);
}
