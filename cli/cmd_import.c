/* cmd_import.c - custos import SOURCE ...: a table of sources, one row
 * each, and the one way they store a credential (cli_import_store). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "core/limits.h"

typedef struct import_source {
	const char *name;
	int (*run)(cli_ctx *ctx, int argc, char **argv);
	const char *summary;
} import_source;

static const import_source sources[] = {
	{"env", cmd_import_env, "known credential variables of the environment, as typed credentials"},
	{"dotenv", cmd_import_dotenv, "a .env file, as the fields of one custom credential"},
	{"fernet", cmd_import_fernet, "Fernet tokens from Python's cryptography.fernet"},
};

#define N_SOURCES (sizeof(sources) / sizeof(sources[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: custos import SOURCE [ARGS] (custos import SOURCE -h for each)\n\n");
	for (size_t i = 0; i < N_SOURCES; i++)
		fprintf(f, "  %-8s %s\n", sources[i].name, sources[i].summary);
}

int cmd_import(cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0) {
		usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? 2 : 0;
	}
	for (size_t i = 0; i < N_SOURCES; i++) {
		if (strcmp(argv[0], sources[i].name) != 0)
			continue;
		char command[32];
		snprintf(command, sizeof(command), "import %s", sources[i].name);
		ctx->command = command;
		int status = sources[i].run(ctx, argc - 1, argv + 1);
		ctx->command = "import";
		return status;
	}
	return cli_usage(ctx, "unknown source '%.64s'", argv[0]);
}

int cli_import_store(cli_ctx *ctx, const char *name, const char *type, json_t *data,
                     long long *out_version)
{
	char path[CLI_KV_PATH_MAX];
	*out_version = 0;
	if (cli_kv_path(path, sizeof(path), "data", name, 0) < 0)
		return CST_EINVAL;
	/* Never turn a credential of another type into this one; the same
	 * data again is no new version. A token that may write but not read
	 * goes straight to the write. */
	cst_response resp;
	int rc = cli_request(ctx, CST_OP_READ, path, NULL, &resp);
	if (rc == CST_OK) {
		const char *had = json_string_value(json_object_get(json_object_get(resp.data, "metadata"), "type"));
		if (had != NULL && strcmp(had, type) != 0)
			rc = cst_fail(CST_ECONFLICT, "%s is a %s credential, not %s: choose another name",
			              name, had, type);
		else if (had != NULL && json_equal(json_object_get(resp.data, "data"), data))
			rc = 1;
	} else if (rc == CST_ENOTFOUND || rc == CST_EPERM) {
		rc = CST_OK;
	}
	cst_response_release(&resp);
	if (rc != CST_OK)
		return rc;
	json_t *body = json_pack("{s:O, s:s}", "data", data, "type", type);
	if (body == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	rc = cli_request(ctx, CST_OP_UPDATE, path, body, &resp);
	if (rc == CST_OK)
		*out_version = (long long)json_integer_value(json_object_get(resp.data, "version"));
	cst_response_release(&resp);
	json_decref(body);
	return rc;
}
