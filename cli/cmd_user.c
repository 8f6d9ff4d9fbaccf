/* cmd_user.c - custos user create|update|read|list|delete|passwd: users of
 * a userpass auth method (auth/<path>/users/NAME). Passwords come from a
 * no-echo prompt (asked twice) or --password-file (a file, or '-' for
 * standard input), never from the command line. Works against a server
 * and, as root, on the local vault. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "util/mem.h"

static const char help[] =
	"usage: custos user create NAME [--team T]... [--policy P]... [--ttl D] [--max-ttl D]\n"
	"                          [--cidr C]... [--password-file F|-] [--path userpass]\n"
	"       custos user update NAME [--team T]... [--policy P]... [--ttl D] [--max-ttl D] [--cidr C]...\n"
	"       custos user passwd NAME [--password-file F|-]\n"
	"       custos user read NAME [--format json]\n"
	"       custos user list\n"
	"       custos user delete NAME\n\n"
	"A login token gets the user's policies, the policies of each of the user's teams, the\n"
	"\"personal\" policy (the user's own folder users/NAME/) and \"default\". update replaces\n"
	"what it is given (--team '' leaves no team). delete also revokes the user's tokens.\n";

/* The token settings given on the command line, into body. */
static int settings(json_t *body, cli_opt *opts)
{
	static const char *const lists[][2] = {{"team", "teams"},
	                                       {"policy", "token_policies"},
	                                       {"cidr", "token_bound_cidrs"}};
	for (size_t i = 0; i < 3; i++)
		if (cli_find(opts, lists[i][0])->count)
			json_object_set_new(body, lists[i][1], cli_values(opts, lists[i][0]));
	if (cli_value(opts, "ttl"))
		json_object_set_new(body, "token_ttl", json_string(cli_value(opts, "ttl")));
	if (cli_value(opts, "max-ttl"))
		json_object_set_new(body, "token_max_ttl", json_string(cli_value(opts, "max-ttl")));
	return CST_OK;
}

static int with_password(json_t *body, cli_opt *opts, const char *name)
{
	char prompt[300];
	char *pw = NULL;
	size_t len = 0;
	snprintf(prompt, sizeof(prompt), "New password for %s: ", name);
	int rc = cli_secret_input(&pw, &len, cli_value(opts, "password-file"), prompt, 1);
	if (rc == CST_OK && len == 0)
		rc = cst_fail(CST_EINVAL, "empty password");
	if (rc == CST_OK && json_object_set_new(body, "password", json_stringn(pw, len)) < 0)
		rc = cst_fail(CST_EINVAL, "the password is not valid UTF-8");
	cst_free_wiped(pw);
	return rc;
}

int cmd_user(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"team", 't', 1, 0, {0}},      {"policy", 'p', 1, 0, {0}},
	                  {"ttl", 0, 1, 0, {0}},         {"max-ttl", 0, 1, 0, {0}},
	                  {"cidr", 0, 1, 0, {0}},        {"password-file", 0, 1, 0, {0}},
	                  {"path", 0, 1, 0, {0}},        {"format", 0, 1, 0, {0}},
	                  {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	const char *sub = npos ? argv[0] : "";
	const char *mount = cli_value(opts, "path") ? cli_value(opts, "path") : "userpass";
	char path[600];
	cst_response resp = {0};
	int rc = cli_path_segment(mount, "--path");
	if (rc < 0)
		return cli_usage(ctx, "%s", cst_errmsg());
	if (!strcmp(sub, "list") && npos == 1) {
		snprintf(path, sizeof(path), "auth/%s/users/", mount);
		return cli_list_keys(ctx, path);
	}
	static const char *const subs[] = {"create", "update", "passwd", "read", "delete"};
	int known = 0;
	for (size_t i = 0; i < 5; i++)
		known |= !strcmp(sub, subs[i]);
	if (!known || npos != 2)
		return cli_usage(ctx, "missing create, update, passwd, read or delete NAME, or list");
	const char *name = argv[1];
	if (cli_path_segment(name, "NAME") < 0)
		return cli_usage(ctx, "%s", cst_errmsg());
	snprintf(path, sizeof(path), "auth/%s/users/%s", mount, name);
	if (!strcmp(sub, "read")) {
		char missing[600];
		snprintf(missing, sizeof(missing), "no user %s on auth/%s/", name, mount);
		rc = cli_show_record(ctx, opts, path, missing);
	} else if (!strcmp(sub, "delete")) {
		rc = cli_request(ctx, CST_OP_DELETE, path, NULL, &resp);
		if (rc == CST_OK)
			printf("user %s deleted\n", name);
	} else {
		json_t *body = json_object();
		int create = !strcmp(sub, "create"), passwd = !strcmp(sub, "passwd");
		if (create || !passwd) { /* create and update: the user must (not) exist */
			rc = cli_request(ctx, CST_OP_READ, path, NULL, &resp);
			cst_response_release(&resp);
			if (create && rc == CST_OK)
				rc = cst_fail(CST_ECONFLICT, "user %s exists (custos user update, or passwd)", name);
			else if (!create && rc == CST_ENOTFOUND)
				rc = cst_fail(CST_ENOTFOUND, "no user %s on auth/%s/", name, mount);
			else if (create && rc == CST_ENOTFOUND)
				rc = CST_OK;
		}
		if (rc == CST_OK && !passwd)
			rc = settings(body, opts);
		if (rc == CST_OK && (create || passwd))
			rc = with_password(body, opts, name);
		if (rc == CST_OK && passwd)
			snprintf(path, sizeof(path), "auth/%s/users/%s/password", mount, name);
		if (rc == CST_OK)
			rc = cli_request(ctx, CST_OP_UPDATE, path, body, &resp);
		if (rc == CST_OK)
			printf("user %s %s\n", name, create ? "created" : passwd ? "password changed" : "updated");
		json_decref(body);
	}
	cli_print_warnings(&resp);
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}
