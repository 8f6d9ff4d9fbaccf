/* cmd_auth.c - tokens from the CLI: custos login (keep a token for later
 * commands, like ~/.vault-token; with --method userpass, log in with a
 * user name and password first) and custos token create|lookup|renew|revoke. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/error.h"
#include "util/file.h"
#include "util/mem.h"

/* A token argument: "-" reads stdin, absent prompts (no echo). Tokens on
 * the command line are visible to other processes, so that form warns. */
static int token_arg(char **out, const char *arg, const char *prompt)
{
	size_t len;
	if (arg == NULL)
		return cli_prompt_secret(out, &len, prompt);
	if (strcmp(arg, "-") == 0)
		return cli_read_stdin(out, &len);
	fprintf(stderr, "custos: warning: a token on the command line is visible to other "
	                "processes; prefer '-' (stdin) or the prompt\n");
	*out = cst_strndup(arg, strlen(arg));
	return *out ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
}

static const char login_help[] =
	"usage: custos login [TOKEN|-]\n"
	"       custos login --method userpass --username NAME [--path userpass] [--password-file F|-]\n\n"
	"Checks a token against the server (CUSTOS_ADDR or VAULT_ADDR) and keeps it, mode 0600,\n"
	"in $XDG_CONFIG_HOME/custos/token (or $CUSTOS_TOKEN_FILE) for later commands.\n"
	"Without TOKEN it is read from a no-echo prompt; '-' reads standard input.\n"
	"With --method userpass it logs in as NAME (password from a no-echo prompt, or from\n"
	"--password-file, '-' for standard input) and keeps the token it gets.\n";

/* Writes the token file atomically: a new 0600 file renamed over the old. */
int cli_save_token(const char *token)
{
	char path[4096], tmp[4200];
	int rc = cli_token_file(path, sizeof(path));
	if (rc == CST_OK)
		rc = cst_file_mkparents(path);
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	size_t n = strlen(token);
	char *line = malloc(n + 2);
	if (rc == CST_OK && line == NULL)
		rc = cst_fail(CST_ENOMEM, "out of memory");
	if (rc == CST_OK) {
		memcpy(line, token, n);
		line[n] = '\n';
		rc = cst_file_create(tmp, line, n + 1);
	}
	if (rc == CST_OK && rename(tmp, path) != 0) {
		unlink(tmp);
		rc = cst_fail(CST_EIO, "cannot write %s", path);
	}
	if (line)
		cst_wipe(line, n + 2);
	free(line);
	if (rc == CST_OK)
		fprintf(stderr, "token saved to %s\n", path);
	return rc;
}

/* custos login --method userpass: the password buys a token, which is
 * then kept like any other. */
static int login_userpass(const char *addr, cli_opt *opts, char **out_token)
{
	const char *user = cli_value(opts, "username");
	const char *mount = cli_value(opts, "path") ? cli_value(opts, "path") : "userpass";
	char path[512], prompt[300];
	char *pw = NULL;
	size_t len = 0;
	int rc = cli_path_segment(user, "--username");
	if (rc == CST_OK)
		rc = cli_path_segment(mount, "--path");
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "auth/%s/login/%s", mount, user);
	snprintf(prompt, sizeof(prompt), "Password for %s: ", user);
	rc = cli_secret_input(&pw, &len, cli_value(opts, "password-file"), prompt, 0);
	json_t *body = rc == CST_OK ? json_pack("{s:s%}", "password", pw, len) : NULL;
	if (rc == CST_OK && body == NULL)
		rc = cst_fail(CST_EINVAL, "the password is not valid UTF-8");
	cst_response resp = {0};
	if (rc == CST_OK)
		rc = cli_remote_request(addr, "", CST_OP_UPDATE, path, body, &resp);
	if (rc == CST_EPERM) /* the server says only "permission denied" */
		rc = cst_fail(CST_EPERM, "permission denied: %s is locked out after too many failed "
		                         "logins, or may not log in from this address", user);
	const char *tok = json_string_value(json_object_get(resp.auth, "client_token"));
	if (rc == CST_OK && tok == NULL)
		rc = cst_fail(CST_EIO, "the server answered the login without a token");
	if (rc == CST_OK && (*out_token = cst_strndup(tok, strlen(tok))) == NULL)
		rc = cst_fail(CST_ENOMEM, "out of memory");
	cst_response_release(&resp);
	json_decref(body);
	cst_free_wiped(pw);
	return rc;
}

int cmd_login(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"method", 'm', 1, 0, {0}},        {"username", 'u', 1, 0, {0}},
	                  {"path", 0, 1, 0, {0}},            {"password-file", 0, 1, 0, {0}},
	                  {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, login_help, &npos)) >= 0)
		return started;
	const char *method = cli_value(opts, "method");
	int userpass = method && strcmp(method, "userpass") == 0;
	if (method && !userpass && strcmp(method, "token") != 0)
		return cli_usage(ctx, "--method is token or userpass (approle: custos approle login)");
	if (npos > (userpass ? 0 : 1))
		return cli_usage(ctx, userpass ? "--method userpass takes no TOKEN" : "takes at most one TOKEN");
	if (userpass && cli_value(opts, "username") == NULL)
		return cli_usage(ctx, "--method userpass needs --username NAME");
	const char *addr = cli_remote_addr();
	if (addr == NULL)
		return cli_usage(ctx, "set CUSTOS_ADDR (or VAULT_ADDR) to the server first");
	char *token = NULL;
	int rc = userpass ? login_userpass(addr, opts, &token)
	                  : token_arg(&token, npos ? argv[0] : NULL, "Token: ");
	cst_response resp = {0};
	if (rc == CST_OK)
		rc = cli_remote_request(addr, token, CST_OP_READ, "auth/token/lookup-self", NULL, &resp);
	if (rc == CST_OK) {
		json_t *pol = json_object_get(resp.data, "policies");
		char *list = json_dumps(pol, JSON_COMPACT);
		printf("logged in to %s as %s with policies %s\n", addr,
		       json_string_value(json_object_get(resp.data, "display_name")), list ? list : "[]");
		free(list);
		rc = cli_save_token(token);
	}
	cst_response_release(&resp);
	cst_free_wiped(token);
	if (rc == CST_EINVAL && userpass && strncmp(cst_errmsg(), "--", 2) == 0)
		return cli_usage(ctx, "%s", cst_errmsg());
	return rc < 0 ? cli_fail(rc) : 0;
}

static const char token_help[] =
	"usage: custos token create [--policy P]... [--ttl D] [--orphan] [--num-uses N]\n"
	"                           [--cidr CIDR]... [--period D] [--display-name N] [--format json]\n"
	"       custos token lookup [TOKEN|-] [--accessor A]\n"
	"       custos token renew [TOKEN|-] [--increment D]\n"
	"       custos token revoke [TOKEN|-] [--accessor A]\n\n"
	"create prints a new token (a child of yours unless --orphan). Without TOKEN, lookup and\n"
	"renew act on your own token; revoke needs TOKEN (or '-') or --accessor.\n";

static void print_auth(json_t *auth, int json)
{
	if (json) {
		cli_print_json(stdout, auth);
		return;
	}
	char *pol = json_dumps(json_object_get(auth, "policies"), JSON_COMPACT);
	printf("token:      %s\n", json_string_value(json_object_get(auth, "client_token")));
	printf("accessor:   %s\n", json_string_value(json_object_get(auth, "accessor")));
	printf("policies:   %s\n", pol ? pol : "[]");
	printf("ttl:        %llds%s\n", (long long)json_integer_value(json_object_get(auth, "lease_duration")),
	       json_is_true(json_object_get(auth, "renewable")) ? " (renewable)" : "");
	free(pol);
}

static int token_create(cli_ctx *ctx, cli_opt *opts)
{
	json_t *body = json_object(), *pol = json_array(), *cidrs = json_array();
	cli_opt *p = cli_find(opts, "policy"), *c = cli_find(opts, "cidr");
	for (int i = 0; i < p->count; i++)
		json_array_append_new(pol, json_string(p->vals[i]));
	for (int i = 0; i < c->count; i++)
		json_array_append_new(cidrs, json_string(c->vals[i]));
	if (json_array_size(pol))
		json_object_set(body, "policies", pol);
	if (json_array_size(cidrs))
		json_object_set(body, "bound_cidrs", cidrs);
	json_decref(pol);
	json_decref(cidrs);
	static const char *const strings[][2] = {{"ttl", "ttl"}, {"period", "period"},
	                                         {"display-name", "display_name"}};
	for (size_t i = 0; i < 3; i++)
		if (cli_value(opts, strings[i][0]))
			json_object_set_new(body, strings[i][1], json_string(cli_value(opts, strings[i][0])));
	unsigned long long uses;
	if (cli_value(opts, "num-uses")) {
		if (cli_uint(&uses, cli_value(opts, "num-uses"), "--num-uses") < 0) {
			json_decref(body);
			return cli_usage(ctx, "%s", cst_errmsg());
		}
		json_object_set_new(body, "num_uses", json_integer((json_int_t)uses));
	}
	cst_response resp;
	const char *path = cli_flag(opts, "orphan") ? "auth/token/create-orphan" : "auth/token/create";
	int rc = cli_request(ctx, CST_OP_UPDATE, path, body, &resp);
	const char *format = cli_value(opts, "format");
	if (rc == CST_OK)
		print_auth(resp.auth, format && !strcmp(format, "json"));
	cst_response_release(&resp);
	json_decref(body);
	return rc < 0 ? cli_fail(rc) : 0;
}

int cmd_token(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"policy", 'p', 1, 0, {0}},   {"ttl", 0, 1, 0, {0}},
	                  {"orphan", 0, 0, 0, {0}},     {"num-uses", 0, 1, 0, {0}},
	                  {"cidr", 0, 1, 0, {0}},       {"period", 0, 1, 0, {0}},
	                  {"display-name", 0, 1, 0, {0}}, {"format", 0, 1, 0, {0}},
	                  {"accessor", 0, 1, 0, {0}},   {"increment", 0, 1, 0, {0}},
	                  {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, token_help, &npos)) >= 0)
		return started;
	if (npos < 1)
		return cli_usage(ctx, "missing create, lookup, renew or revoke");
	const char *sub = argv[0];
	if (!strcmp(sub, "create"))
		return npos == 1 ? token_create(ctx, opts) : cli_usage(ctx, "create takes no arguments");
	if (strcmp(sub, "lookup") && strcmp(sub, "renew") && strcmp(sub, "revoke"))
		return cli_usage(ctx, "unknown subcommand '%.32s'", sub);
	if (npos > 2)
		return cli_usage(ctx, "takes at most one TOKEN");
	const char *accessor = cli_value(opts, "accessor");
	char *token = NULL;
	int rc = CST_OK;
	char path[64];
	json_t *body = json_object();
	if (accessor) {
		if (!strcmp(sub, "renew"))
			rc = cst_fail(CST_EINVAL, "renew takes a token, not an accessor");
		json_object_set_new(body, "accessor", json_string(accessor));
		snprintf(path, sizeof(path), "auth/token/%s-accessor", sub);
	} else if (npos == 2) {
		rc = token_arg(&token, argv[1], "Token: ");
		if (rc == CST_OK)
			json_object_set_new(body, "token", json_string(token));
		snprintf(path, sizeof(path), "auth/token/%s", sub);
	} else if (!strcmp(sub, "revoke")) {
		rc = cst_fail(CST_EINVAL, "revoke needs TOKEN, '-' or --accessor (revoke-self: "
		                          "custos token revoke -)");
	} else {
		snprintf(path, sizeof(path), "auth/token/%s-self", sub);
	}
	if (cli_value(opts, "increment"))
		json_object_set_new(body, "increment", json_string(cli_value(opts, "increment")));
	cst_response resp = {0};
	cst_op op = !strcmp(path, "auth/token/lookup-self") ? CST_OP_READ : CST_OP_UPDATE;
	if (rc == CST_OK)
		rc = cli_request(ctx, op, path, body, &resp);
	const char *format = cli_value(opts, "format");
	int json = format && !strcmp(format, "json");
	if (rc == CST_OK && !strcmp(sub, "lookup")) {
		if (json) {
			cli_print_json(stdout, resp.data);
		} else {
			json_object_del(resp.data, "id"); /* never echo the token */
			cli_print_fields(stdout, resp.data);
		}
	} else if (rc == CST_OK && !strcmp(sub, "renew")) {
		printf("renewed: ttl %llds\n",
		       (long long)json_integer_value(json_object_get(resp.auth, "lease_duration")));
	} else if (rc == CST_OK) {
		printf("revoked\n");
	}
	cst_response_release(&resp);
	json_decref(body);
	cst_free_wiped(token);
	if (rc == CST_EINVAL && npos == 1 && !strcmp(sub, "revoke"))
		return cli_usage(ctx, "%s", cst_errmsg());
	return rc < 0 ? cli_fail(rc) : 0;
}
