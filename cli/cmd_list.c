/* cmd_list.c - custos list: credential names under a folder, never values;
 * -r walks sub-folders. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/limits.h"

static const char help[] =
	"usage: custos list [PREFIX] [-r]\n\n"
	"Lists the names under folder PREFIX (\"openai/\" or \"openai\"); sub-folders end in '/'.\n"
	"-r lists every name below PREFIX, one full name per line. Values are never shown.\n"
	"Exit status 3 if PREFIX holds nothing (an empty vault lists nothing, status 0).\n";

static int list_folder(cli_ctx *ctx, const char *folder, int recursive, int *printed)
{
	char path[CLI_KV_PATH_MAX];
	int rc = cli_kv_path(path, sizeof(path), "metadata", folder, 1);
	if (rc < 0)
		return rc;
	cst_response resp;
	rc = cli_request(ctx, CST_OP_LIST, path, NULL, &resp);
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(resp.data, "keys"), i, k) {
		const char *name = json_string_value(k);
		size_t n = strlen(name);
		char full[CST_LIMIT_NAME + 2];
		snprintf(full, sizeof(full), "%s%s", folder, name);
		if (recursive && n && name[n - 1] == '/') {
			rc = list_folder(ctx, full, recursive, printed);
			if (rc < 0)
				break;
			continue;
		}
		puts(recursive ? full : name);
		(*printed)++;
	}
	cst_response_release(&resp);
	return rc;
}

int cmd_list(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"recursive", 'r', 0, 0, {0}}, {0}};
	int npos, started, printed = 0;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos > 1)
		return cli_usage(ctx, "takes at most one PREFIX");
	char folder[CST_LIMIT_NAME + 2] = "";
	if (npos == 1 && argv[0][0] != '\0') {
		size_t n = strlen(argv[0]);
		snprintf(folder, sizeof(folder), "%s%s", argv[0], argv[0][n - 1] == '/' ? "" : "/");
	}
	int rc = list_folder(ctx, folder, cli_flag(opts, "recursive"), &printed);
	if (rc == CST_ENOTFOUND && folder[0] == '\0')
		return 0; /* an empty vault is not an error */
	if (rc == CST_EINVAL)
		return cli_usage(ctx, "%s", cst_errmsg());
	return rc < 0 ? cli_fail(rc) : 0;
}
