/* cmd_get.c - custos get: one version of a credential as a masked table,
 * a revealed table, JSON, env lines, or one raw field for $(...). */
#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/limits.h"

static const char help[] =
	"usage: custos get NAME [--version N] [--reveal] [-f FIELD] [--format table|json|env]\n\n"
	"Shows the newest version of NAME (or version N). The table masks secret values\n"
	"(sk-…7f3a) unless --reveal is given. -f FIELD prints that field's raw value only,\n"
	"for $(custos get NAME -f FIELD). --format json prints {\"data\",\"metadata\"} as Vault\n"
	"does and --format env prints FIELD='value' lines (names upper-cased); both show values.\n"
	"Exit status 3 when NAME, the version or the field does not exist or is deleted.\n";

static void print_env(json_t *data)
{
	const char *k;
	json_t *v;
	json_object_foreach(data, k, v) {
		if (isdigit((unsigned char)*k)) /* a shell name cannot start with a digit */
			putchar('_');
		for (const char *p = k; *p; p++)
			putchar(isalnum((unsigned char)*p) ? toupper((unsigned char)*p) : '_');
		putchar('=');
		if (json_is_string(v)) {
			cli_shell_quote(stdout, json_string_value(v));
		} else {
			char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			cli_shell_quote(stdout, text ? text : "");
			free(text);
		}
		putchar('\n');
	}
}

static void print_table(const char *name, json_t *data, json_t *meta, int reveal)
{
	const char *type = json_string_value(json_object_get(meta, "type"));
	printf("name:     %s\n", name);
	printf("type:     %s\n", type ? type : "-");
	printf("version:  %lld (created %s)\n",
	       (long long)json_integer_value(json_object_get(meta, "version")),
	       json_string_value(json_object_get(meta, "created_time")));
	putchar('\n');
	json_t *rows = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(data, k, v) {
		char shown[64];
		char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		const char *value = text ? text : json_string_value(v);
		size_t len = value ? strlen(value) : 0;
		if (reveal || !cst_field_is_secret(type, k)) {
			json_array_append_new(rows, json_pack("[s, s]", k, value ? value : ""));
		} else {
			cli_mask(shown, sizeof(shown), value ? value : "", len);
			json_array_append_new(rows, json_pack("[s, s]", k, shown));
		}
		free(text);
	}
	static const char *const headers[] = {"FIELD", "VALUE"};
	cli_print_table(stdout, headers, 2, rows);
	json_decref(rows);
}

int cmd_get(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"version", 'v', 1, 0, {0}}, {"reveal", 'r', 0, 0, {0}},
	                  {"field", 'f', 1, 0, {0}},   {"format", 0, 1, 0, {0}},
	                  {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos != 1)
		return cli_usage(ctx, npos ? "takes one NAME" : "missing NAME");
	const char *format = cli_value(opts, "format"), *field = cli_value(opts, "field");
	if (format && strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "env"))
		return cli_usage(ctx, "--format must be table, json or env");
	char path[CLI_KV_PATH_MAX];
	if (cli_kv_path(path, sizeof(path), "data", argv[0], 0) < 0)
		return cli_usage(ctx, "%s", cst_errmsg());
	json_t *query = json_object();
	unsigned long long version = 0;
	if (cli_value(opts, "version")) {
		if (cli_uint(&version, cli_value(opts, "version"), "--version") < 0 || version == 0) {
			json_decref(query);
			return cli_usage(ctx, "--version must be a version number from 1");
		}
		json_object_set_new(query, "version", json_integer((json_int_t)version));
	}
	cst_response resp;
	int rc = cli_request(ctx, CST_OP_READ, path, query, &resp), status = 0;
	json_decref(query);
	if (rc < 0) {
		status = cli_fail(rc);
		cst_response_release(&resp);
		return status;
	}
	json_t *data = json_object_get(resp.data, "data");
	json_t *meta = json_object_get(resp.data, "metadata");
	if (field) {
		json_t *v = json_object_get(data, field);
		if (!json_is_string(v)) {
			fprintf(stderr, "custos: %s has no field '%s'\n", argv[0], field);
			status = 3;
		} else {
			/* Raw bytes; a newline only for a person at a terminal, so
			 * `custos get X -f F > file` stores the value exactly. */
			fwrite(json_string_value(v), 1, json_string_length(v), stdout);
			if (isatty(STDOUT_FILENO))
				putchar('\n');
		}
	} else if (format && strcmp(format, "json") == 0) {
		cli_print_json(stdout, resp.data);
	} else if (format && strcmp(format, "env") == 0) {
		print_env(data);
	} else {
		print_table(argv[0], data, meta, cli_flag(opts, "reveal"));
	}
	cst_response_release(&resp);
	return status;
}
