/* cmd_approle.c - custos approle: roles of an approle auth method for
 * services, agents and MCP servers (auth/<path>/role/NAME), their role_ids
 * and secret_ids, and logging in with them. Role management works against
 * a server and, as root, on the local vault; login needs a server. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "util/mem.h"

static const char help[] =
	"usage: custos approle role write NAME [--policy P]... [--team T]... [--token-ttl D]\n"
	"                 [--token-max-ttl D] [--token-num-uses N] [--token-cidr C]...\n"
	"                 [--secret-id-ttl D] [--secret-id-num-uses N] [--cidr C]... [--no-bind-secret-id]\n"
	"       custos approle role read NAME [--format json] | role list | role delete NAME\n"
	"       custos approle role-id NAME\n"
	"       custos approle secret-id NAME [--ttl D] [--num-uses N] [--cidr C]... [--format json]\n"
	"       custos approle login --role-id ID --secret-id-file F|-\n\n"
	"Every command takes --path P (default approle: the method at auth/P/). secret-id prints a\n"
	"new secret_id once, on standard output (its accessor goes to standard error); hand it\n"
	"to the service over a safe channel. login exchanges role_id + secret_id for a token and\n"
	"keeps it like custos login. --cidr limits where a secret_id can be used from,\n"
	"--token-cidr where the tokens can be used from.\n";

static int role_write(cli_ctx *ctx, cli_opt *opts, const char *path, cst_response *resp)
{
	json_t *body = json_object();
	static const char *const lists[][2] = {{"policy", "token_policies"},
	                                       {"team", "teams"},
	                                       {"cidr", "secret_id_bound_cidrs"},
	                                       {"token-cidr", "token_bound_cidrs"}};
	for (size_t i = 0; i < 4; i++)
		if (cli_find(opts, lists[i][0])->count)
			json_object_set_new(body, lists[i][1], cli_values(opts, lists[i][0]));
	static const char *const strings[][2] = {{"token-ttl", "token_ttl"},
	                                         {"token-max-ttl", "token_max_ttl"},
	                                         {"token-num-uses", "token_num_uses"},
	                                         {"secret-id-ttl", "secret_id_ttl"},
	                                         {"secret-id-num-uses", "secret_id_num_uses"}};
	for (size_t i = 0; i < 5; i++)
		if (cli_value(opts, strings[i][0]))
			json_object_set_new(body, strings[i][1], json_string(cli_value(opts, strings[i][0])));
	if (cli_flag(opts, "no-bind-secret-id"))
		json_object_set_new(body, "bind_secret_id", json_false());
	int rc = cli_request(ctx, CST_OP_UPDATE, path, body, resp);
	json_decref(body);
	return rc;
}

static int role(cli_ctx *ctx, cli_opt *opts, const char *mount, int npos, char **argv)
{
	char path[600];
	cst_response resp = {0};
	int rc;
	const char *sub = npos > 1 ? argv[1] : "";
	if (!strcmp(sub, "list") && npos == 2) {
		snprintf(path, sizeof(path), "auth/%s/role/", mount);
		return cli_list_keys(ctx, path);
	}
	if (npos != 3 || (strcmp(sub, "write") && strcmp(sub, "read") && strcmp(sub, "delete")))
		return cli_usage(ctx, "missing role write, read or delete NAME, or role list");
	if (cli_path_segment(argv[2], "NAME") < 0)
		return cli_usage(ctx, "%s", cst_errmsg());
	snprintf(path, sizeof(path), "auth/%s/role/%s", mount, argv[2]);
	if (!strcmp(sub, "write")) {
		rc = role_write(ctx, opts, path, &resp);
		if (rc == CST_OK)
			printf("role %s written\n", argv[2]);
	} else if (!strcmp(sub, "read")) {
		char missing[600];
		snprintf(missing, sizeof(missing), "no role %s on auth/%s/", argv[2], mount);
		rc = cli_show_record(ctx, opts, path, missing);
	} else {
		rc = cli_request(ctx, CST_OP_DELETE, path, NULL, &resp);
		if (rc == CST_OK)
			printf("role %s deleted\n", argv[2]);
	}
	cli_print_warnings(&resp);
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}

static int secret_id(cli_ctx *ctx, cli_opt *opts, const char *mount, const char *name)
{
	char path[600];
	json_t *body = json_object();
	if (cli_find(opts, "cidr")->count)
		json_object_set_new(body, "cidr_list", cli_values(opts, "cidr"));
	if (cli_value(opts, "ttl"))
		json_object_set_new(body, "ttl", json_string(cli_value(opts, "ttl")));
	if (cli_value(opts, "num-uses"))
		json_object_set_new(body, "num_uses", json_string(cli_value(opts, "num-uses")));
	snprintf(path, sizeof(path), "auth/%s/role/%s/secret-id", mount, name);
	cst_response resp = {0};
	int rc = cli_request(ctx, CST_OP_UPDATE, path, body, &resp);
	const char *format = cli_value(opts, "format");
	if (rc == CST_OK && format && !strcmp(format, "json")) {
		cli_print_json(stdout, resp.data);
	} else if (rc == CST_OK) {
		puts(json_string_value(json_object_get(resp.data, "secret_id")));
		fprintf(stderr, "secret_id_accessor: %s (ttl %llds, uses %lld; 0 = unlimited)\n",
		        json_string_value(json_object_get(resp.data, "secret_id_accessor")),
		        (long long)json_integer_value(json_object_get(resp.data, "secret_id_ttl")),
		        (long long)json_integer_value(json_object_get(resp.data, "secret_id_num_uses")));
	}
	cst_response_release(&resp);
	json_decref(body);
	return rc < 0 ? cli_fail(rc) : 0;
}

static int login(cli_ctx *ctx, cli_opt *opts, const char *mount)
{
	const char *addr = cli_remote_addr();
	const char *role_id = cli_value(opts, "role-id");
	const char *file = cli_value(opts, "secret-id-file");
	if (addr == NULL)
		return cli_usage(ctx, "login needs a server: set CUSTOS_ADDR (or VAULT_ADDR)");
	if (role_id == NULL)
		return cli_usage(ctx, "login needs --role-id ID");
	char path[300], *secret = NULL;
	size_t len = 0;
	int rc = file ? cli_secret_input(&secret, &len, file, NULL, 0) : CST_OK;
	json_t *body = json_pack("{s:s}", "role_id", role_id);
	if (rc == CST_OK && secret && json_object_set_new(body, "secret_id", json_stringn(secret, len)) < 0)
		rc = cst_fail(CST_EINVAL, "the secret_id is not valid UTF-8");
	snprintf(path, sizeof(path), "auth/%s/login", mount);
	cst_response resp = {0};
	if (rc == CST_OK)
		rc = cli_remote_request(addr, "", CST_OP_UPDATE, path, body, &resp);
	const char *tok = json_string_value(json_object_get(resp.auth, "client_token"));
	if (rc == CST_OK && tok == NULL)
		rc = cst_fail(CST_EIO, "the server answered the login without a token");
	if (rc == CST_OK) {
		char *pol = json_dumps(json_object_get(resp.auth, "policies"), JSON_COMPACT);
		printf("logged in to %s as role %s with policies %s\n", addr,
		       json_string_value(json_object_get(json_object_get(resp.auth, "metadata"), "role_name")),
		       pol ? pol : "[]");
		free(pol);
		rc = cli_save_token(tok);
	}
	cst_response_release(&resp);
	json_decref(body);
	cst_free_wiped(secret);
	return rc < 0 ? cli_fail(rc) : 0;
}

int cmd_approle(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"policy", 'p', 1, 0, {0}},          {"team", 't', 1, 0, {0}},
	                  {"token-ttl", 0, 1, 0, {0}},         {"token-max-ttl", 0, 1, 0, {0}},
	                  {"token-num-uses", 0, 1, 0, {0}},    {"token-cidr", 0, 1, 0, {0}},
	                  {"secret-id-ttl", 0, 1, 0, {0}},     {"secret-id-num-uses", 0, 1, 0, {0}},
	                  {"cidr", 0, 1, 0, {0}},              {"no-bind-secret-id", 0, 0, 0, {0}},
	                  {"ttl", 0, 1, 0, {0}},               {"num-uses", 0, 1, 0, {0}},
	                  {"role-id", 0, 1, 0, {0}},           {"secret-id-file", 0, 1, 0, {0}},
	                  {"path", 0, 1, 0, {0}},              {"format", 0, 1, 0, {0}},
	                  {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	const char *mount = cli_value(opts, "path") ? cli_value(opts, "path") : "approle";
	if (cli_path_segment(mount, "--path") < 0)
		return cli_usage(ctx, "%s", cst_errmsg());
	const char *sub = npos ? argv[0] : "";
	if (!strcmp(sub, "role"))
		return role(ctx, opts, mount, npos, argv);
	if (!strcmp(sub, "login") && npos == 1)
		return login(ctx, opts, mount);
	if ((strcmp(sub, "role-id") && strcmp(sub, "secret-id")) || npos != 2)
		return cli_usage(ctx, "missing role, role-id NAME, secret-id NAME or login");
	if (cli_path_segment(argv[1], "NAME") < 0)
		return cli_usage(ctx, "%s", cst_errmsg());
	if (!strcmp(sub, "secret-id"))
		return secret_id(ctx, opts, mount, argv[1]);
	char path[600];
	snprintf(path, sizeof(path), "auth/%s/role/%s/role-id", mount, argv[1]);
	cst_response resp = {0};
	int rc = cli_request(ctx, CST_OP_READ, path, NULL, &resp);
	if (rc == CST_OK)
		puts(json_string_value(json_object_get(resp.data, "role_id")));
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}
