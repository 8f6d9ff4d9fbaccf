/* cmd_put.c - custos put: a new version of a credential. Values come from
 * standard input (FIELD=-), a file (FIELD=@path), a no-echo prompt (FIELD
 * alone) or, for `vault kv put` habits, inline (FIELD=VALUE), which is
 * discouraged because argv is visible to other processes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "core/limits.h"
#include "util/json.h"
#include "util/mem.h"

static const char help[] =
	"usage: custos put NAME [--type TYPE] [--cas N] FIELD[=VALUE|=-|=@FILE]...\n"
	"       custos put NAME [--type TYPE] [--cas N] --json -|@FILE\n\n"
	"Stores a new version of credential NAME. For each field:\n"
	"  FIELD          prompt for the value without echo (needs a terminal)\n"
	"  FIELD=-        read the value from standard input (one field only)\n"
	"  FIELD=@FILE    read the value from FILE\n"
	"  FIELD=VALUE    inline value: visible in `ps` and shell history, avoid for secrets\n"
	"A single-line value read from stdin or a file loses its trailing newline.\n"
	"--json reads a whole JSON object of string fields.\n"
	"--type checks the fields against a credential type (see 'custos types'); later\n"
	"versions keep the type. --cas N writes only if the current version is N (0: only if\n"
	"NAME does not exist yet); a mismatch exits with status 6.\n";

/* Reads one FIELD[=...] argument's value into data. */
static int add_field(cli_ctx *ctx, json_t *data, const char *arg, int *stdin_used, int *inline_used)
{
	const char *eq = strchr(arg, '=');
	size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
	char name[CST_LIMIT_FIELD_NAME + 1];
	if (nlen == 0 || nlen > CST_LIMIT_FIELD_NAME)
		return cli_usage(ctx, "a field argument has an empty or over-long name: want FIELD, "
		                      "FIELD=-, FIELD=@FILE or FIELD=VALUE"); /* never echo: it may hold a value */
	memcpy(name, arg, nlen);
	name[nlen] = '\0';
	if (json_object_get(data, name) != NULL)
		return cli_usage(ctx, "field '%s' given twice", name);
	char *value = NULL;
	size_t len = 0;
	int rc;
	if (eq == NULL) {
		char prompt[CST_LIMIT_FIELD_NAME + 16];
		snprintf(prompt, sizeof(prompt), "%s: ", name);
		rc = cli_prompt_secret(&value, &len, prompt);
	} else if (strcmp(eq + 1, "-") == 0) {
		if ((*stdin_used)++)
			return cli_usage(ctx, "only one field can read standard input");
		rc = cli_read_stdin(&value, &len);
	} else if (eq[1] == '@') {
		rc = cli_read_file_value(&value, &len, eq + 2);
	} else {
		*inline_used = 1;
		len = strlen(eq + 1);
		value = cst_strndup(eq + 1, len);
		rc = value ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	}
	if (rc < 0)
		return cli_fail(rc);
	if (memchr(value, '\0', len) != NULL) {
		cst_free_wiped(value);
		return cli_usage(ctx, "value of field '%s' holds a NUL byte", name);
	}
	json_object_set_new(data, name, json_stringn(value, len));
	cst_free_wiped(value);
	if (json_object_get(data, name) == NULL)
		return cli_usage(ctx, "value of field '%s' is not valid UTF-8", name);
	return 0;
}

static int read_json(cli_ctx *ctx, json_t **out, const char *src)
{
	char *text = NULL;
	size_t len = 0;
	int rc = strcmp(src, "-") == 0 ? cli_read_stdin(&text, &len)
	                               : cli_read_file_value(&text, &len, src[0] == '@' ? src + 1 : src);
	if (rc == CST_OK)
		rc = cst_json_parse_object(out, text, len, "--json input");
	cst_free_wiped(text);
	if (rc == CST_EINVAL)
		return cli_usage(ctx, "%s", cst_errmsg());
	return rc < 0 ? cli_fail(rc) : 0;
}

int cmd_put(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"type", 't', 1, 0, {0}}, {"cas", 0, 1, 0, {0}}, {"json", 0, 1, 0, {0}}, {0}};
	int npos, started, stdin_used = 0, inline_used = 0, status = 0;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos < 1)
		return cli_usage(ctx, "missing NAME");
	const char *json_src = cli_value(opts, "json");
	if (json_src && npos > 1)
		return cli_usage(ctx, "give fields either with --json or as arguments, not both");
	if (!json_src && npos < 2)
		return cli_usage(ctx, "no fields given");
	char path[CLI_KV_PATH_MAX];
	int rc = cli_kv_path(path, sizeof(path), "data", argv[0], 0);
	if (rc < 0)
		return cli_usage(ctx, "%s", cst_errmsg());
	json_t *body = json_object(), *data = NULL;
	if (json_src) {
		status = read_json(ctx, &data, json_src);
	} else {
		data = json_object();
		for (int i = 1; i < npos && status == 0; i++)
			status = add_field(ctx, data, argv[i], &stdin_used, &inline_used);
	}
	if (status == 0) {
		json_object_set_new(body, "data", data);
		data = NULL;
		const char *type = cli_value(opts, "type");
		if (type)
			json_object_set_new(body, "type", json_string(type));
		unsigned long long cas;
		if (cli_value(opts, "cas")) {
			if (cli_uint(&cas, cli_value(opts, "cas"), "--cas") < 0)
				status = cli_usage(ctx, "%s", cst_errmsg());
			else
				json_object_set_new(body, "options", json_pack("{s:I}", "cas", (json_int_t)cas));
		}
	}
	if (status == 0 && inline_used)
		fprintf(stderr, "custos put: warning: inline values are visible to other processes "
		                "and in shell history; prefer FIELD=-, FIELD=@FILE or the prompt\n");
	if (status == 0) {
		cst_response resp;
		rc = cli_request(ctx, CST_OP_UPDATE, path, body, &resp);
		if (rc < 0)
			status = cli_fail(rc);
		else
			printf("%s: version %lld\n", argv[0],
			       (long long)json_integer_value(json_object_get(resp.data, "version")));
		cst_response_release(&resp);
	}
	json_decref(data);
	json_decref(body);
	return status;
}
