/* identity.c - what the identity commands (auth, user, team, approle,
 * login --method) share: secrets read from a prompt, a file or stdin
 * (never argv), names checked before they become path segments, repeated
 * options as JSON lists, and key/value output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "util/mem.h"

int cli_secret_input(char **out, size_t *out_len, const char *file, const char *prompt,
                     int confirm)
{
	*out = NULL;
	if (file != NULL)
		return strcmp(file, "-") == 0 ? cli_read_stdin(out, out_len)
		                              : cli_read_file_value(out, out_len, file);
	int rc = cli_prompt_secret(out, out_len, prompt);
	if (rc == CST_EINVAL) /* no terminal: say how to give it instead */
		rc = cst_fail(CST_EINVAL, "no terminal to prompt on: give it with --password-file FILE "
		                          "(- for standard input)");
	if (rc < 0 || !confirm)
		return rc;
	char *again = NULL;
	size_t again_len = 0;
	rc = cli_prompt_secret(&again, &again_len, "Again: ");
	if (rc == CST_OK && (again_len != *out_len || !cst_ct_equal(again, *out, again_len)))
		rc = cst_fail(CST_EINVAL, "the two entries differ");
	cst_free_wiped(again);
	if (rc < 0) {
		cst_free_wiped(*out);
		*out = NULL;
	}
	return rc;
}

int cli_path_segment(const char *name, const char *what)
{
	if (name == NULL || *name == '\0' || strchr(name, '/') || strlen(name) > 200)
		return cst_fail(CST_EINVAL, "%s must be a non-empty name without '/'", what);
	return CST_OK;
}

json_t *cli_values(cli_opt *opts, const char *name)
{
	cli_opt *o = cli_find(opts, name);
	json_t *list = json_array();
	for (int i = 0; o && i < o->count; i++)
		json_array_append_new(list, json_string(o->vals[i]));
	return list;
}

void cli_print_fields(FILE *f, json_t *data)
{
	const char *k;
	json_t *v;
	json_object_foreach(data, k, v) {
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		fprintf(f, "%-24s %s\n", k, json_is_string(v) ? json_string_value(v) : (text ? text : ""));
		free(text);
	}
}

int cli_list_keys(cli_ctx *ctx, const char *path)
{
	cst_response resp = {0};
	int rc = cli_request(ctx, CST_OP_LIST, path, NULL, &resp);
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(resp.data, "keys"), i, k)
		puts(json_string_value(k));
	cst_response_release(&resp);
	return rc == CST_ENOTFOUND ? 0 : rc < 0 ? cli_fail(rc) : 0;
}

int cli_show_record(cli_ctx *ctx, cli_opt *opts, const char *path, const char *missing)
{
	cst_response resp = {0};
	int rc = cli_request(ctx, CST_OP_READ, path, NULL, &resp);
	const char *format = cli_value(opts, "format");
	if (rc == CST_OK && format && !strcmp(format, "json"))
		cli_print_json(stdout, resp.data);
	else if (rc == CST_OK)
		cli_print_fields(stdout, resp.data);
	else if (rc == CST_ENOTFOUND)
		rc = cst_fail(CST_ENOTFOUND, "%s", missing);
	cst_response_release(&resp);
	return rc;
}

void cli_print_warnings(const cst_response *resp)
{
	size_t i;
	json_t *w;
	json_array_foreach(resp->warnings, i, w)
		fprintf(stderr, "custos: warning: %s\n", json_string_value(w));
}
