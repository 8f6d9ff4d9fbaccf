/* cmd_types.c - custos types: the credential types and their fields. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char help[] =
	"usage: custos types [--format table|json]\n\n"
	"Lists the credential types that 'custos put --type' checks, with their fields:\n"
	"required fields are marked *, secret fields are masked in tables, and a\n"
	"field's shape says what a valid value looks like. 'custom' takes any fields.\n";

int cmd_types(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"format", 0, 1, 0, {0}}, {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos)
		return cli_usage(ctx, "takes no arguments");
	json_t *types = cst_types_json();
	const char *format = cli_value(opts, "format");
	if (format && strcmp(format, "json") == 0) {
		cli_print_json(stdout, types);
		json_decref(types);
		return 0;
	}
	json_t *rows = json_array();
	size_t i, j;
	json_t *t, *f;
	json_array_foreach(types, i, t) {
		char fields[512] = "";
		json_array_foreach(json_object_get(t, "fields"), j, f) {
			const char *shape = json_string_value(json_object_get(f, "shape"));
			snprintf(fields + strlen(fields), sizeof(fields) - strlen(fields), "%s%s%s%s%s%s",
			         j ? ", " : "", json_string_value(json_object_get(f, "name")),
			         json_is_true(json_object_get(f, "required")) ? "*" : "",
			         shape && *shape ? " (" : "", shape ? shape : "", shape && *shape ? ")" : "");
		}
		json_array_append_new(rows, json_pack("[s, s]", json_string_value(json_object_get(t, "name")),
		                                      fields[0] ? fields : "any string fields"));
	}
	static const char *const headers[] = {"TYPE", "FIELDS (* required)"};
	cli_print_table(stdout, headers, 2, rows);
	json_decref(rows);
	json_decref(types);
	return 0;
}
