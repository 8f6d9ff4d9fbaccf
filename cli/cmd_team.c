/* cmd_team.c - custos team create|update|read|list|delete: teams
 * (sys/teams/NAME, a custos extension). Works against a server and, as
 * root, on the local vault. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"

static const char help[] =
	"usage: custos team create NAME [--policy P]... [--mount]\n"
	"       custos team update NAME [--policy P]... [--mount]\n"
	"       custos team read NAME [--format json]\n"
	"       custos team list\n"
	"       custos team delete NAME [--purge]\n\n"
	"Members (users and approle roles naming the team) get the team's policies at login.\n"
	"--mount gives the team its own kv mount teams/NAME/ and a policy team-NAME with full\n"
	"access there and nothing else. delete keeps the mount's secrets unless --purge.\n"
	"Every policy named must exist.\n";

int cmd_team(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"policy", 'p', 1, 0, {0}}, {"mount", 0, 0, 0, {0}},
	                  {"purge", 0, 0, 0, {0}},    {"format", 0, 1, 0, {0}},
	                  {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	const char *sub = npos ? argv[0] : "";
	cst_response resp = {0};
	int rc;
	if (!strcmp(sub, "list") && npos == 1)
		return cli_list_keys(ctx, "sys/teams/");
	if (npos != 2 || (strcmp(sub, "create") && strcmp(sub, "update") && strcmp(sub, "read") &&
	                  strcmp(sub, "delete")))
		return cli_usage(ctx, "missing create, update, read or delete NAME, or list");
	const char *name = argv[1];
	char path[300];
	if (cli_path_segment(name, "NAME") < 0)
		return cli_usage(ctx, "%s", cst_errmsg());
	snprintf(path, sizeof(path), "sys/teams/%s", name);
	if (!strcmp(sub, "read")) {
		char missing[300];
		snprintf(missing, sizeof(missing), "no team %s", name);
		rc = cli_show_record(ctx, opts, path, missing);
	} else if (!strcmp(sub, "delete")) {
		json_t *q = cli_flag(opts, "purge") ? json_pack("{s:s}", "purge", "true") : NULL;
		rc = cli_request(ctx, CST_OP_DELETE, path, q, &resp);
		if (rc == CST_OK)
			printf("team %s deleted%s\n", name,
			       cli_flag(opts, "purge") ? ", with its mount and secrets" : "");
		json_decref(q);
	} else {
		int create = !strcmp(sub, "create");
		rc = cli_request(ctx, CST_OP_READ, path, NULL, &resp);
		cst_response_release(&resp);
		if (create && rc == CST_OK)
			rc = cst_fail(CST_ECONFLICT, "team %s exists (custos team update)", name);
		else if (!create && rc == CST_ENOTFOUND)
			rc = cst_fail(CST_ENOTFOUND, "no team %s", name);
		else if (rc == CST_ENOTFOUND)
			rc = CST_OK;
		json_t *body = json_object();
		if (cli_find(opts, "policy")->count || create)
			json_object_set_new(body, "policies", cli_values(opts, "policy"));
		if (cli_flag(opts, "mount"))
			json_object_set_new(body, "mount", json_true());
		if (rc == CST_OK)
			rc = cli_request(ctx, CST_OP_UPDATE, path, body, &resp);
		if (rc == CST_OK && cli_flag(opts, "mount"))
			printf("team %s %s with its mount teams/%s/ and policy team-%s\n", name,
			       create ? "created" : "updated", name, name);
		else if (rc == CST_OK)
			printf("team %s %s\n", name, create ? "created" : "updated");
		json_decref(body);
	}
	cli_print_warnings(&resp);
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}
