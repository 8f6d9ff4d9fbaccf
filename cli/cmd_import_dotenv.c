/* cmd_import_dotenv.c - custos import dotenv FILE NAME: the variables of a
 * .env file, read as python-dotenv reads them (src/util/dotenv.c), stored
 * as the fields of one custom credential. The file is parsed whole before
 * anything is written: a line it cannot parse stores nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "core/limits.h"
#include "engines/types.h"
#include "util/buf.h"
#include "util/dotenv.h"
#include "util/file.h"

static const char help[] =
	"usage: custos import dotenv FILE NAME [--no-expand] [--dry-run]\n\n"
	"Stores the variables of FILE (- for standard input) as the fields of the custom\n"
	"credential NAME (a new version if NAME exists), with the values python-dotenv\n"
	"reads: quotes, escapes, multi-line values, `export `, comments, and ${VAR} or\n"
	"${VAR:-default} expanded from the file, then the environment (--no-expand keeps\n"
	"them as written). A name without '=' is left out. A line that does not parse\n"
	"stops the import (exit 2) and nothing is stored. `custos run --path NAME` gives\n"
	"the variables back under their own names.\n";

static const char *lookup(const char *name, void *payload)
{
	(void)payload;
	return getenv(name);
}

/* Names only: these go to the terminal. */
static void note(unsigned line, const char *var, int kind, void *payload)
{
	const char *file = payload;
	for (const char *c = var; *c; c++)
		if (*c < 0x21 || *c > 0x7e)
			var = "(a name with unusual characters)";
	if (kind == CST_DOTENV_FROM_ENV)
		fprintf(stderr, "custos import dotenv: %s line %u: ${%.128s} taken from the "
		                "environment\n", file, line, var);
	else if (kind == CST_DOTENV_UNSET)
		fprintf(stderr, "custos import dotenv: %s line %u: ${%.128s} is not set: it becomes "
		                "nothing\n", file, line, var);
	else
		fprintf(stderr, "custos import dotenv: %s line %u: %.128s has no '=': left out\n",
		        file, line, var);
}

static int check(const char *name, void *payload)
{
	(void)payload;
	return cst_type_check_field_name(name);
}

int cmd_import_dotenv(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"no-expand", 0, 0, 0, {0}}, {"dry-run", 'n', 0, 0, {0}}, {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos != 2)
		return cli_usage(ctx, "takes FILE and NAME");
	const char *file = argv[0], *name = argv[1];
	if (cst_name_check(name, strlen(name)) < 0)
		return cli_usage(ctx, "%s", cst_errmsg());
	const char *shown = strcmp(file, "-") == 0 ? "standard input" : file;
	cst_dotenv_opts o = {.flags = cli_flag(opts, "no-expand") ? CST_DOTENV_NO_EXPAND : 0,
	                     .lookup = lookup, .note = note, .check = check, .payload = (void *)shown};
	cst_buf text = CST_BUF_INIT;
	json_t *values = NULL, *data = json_object();
	int rc = cst_file_read(&text, file);
	if (rc == CST_OK)
		rc = cst_dotenv_values(&values, text.ptr ? text.ptr : "", text.len, &o);
	cst_buf_release(&text);
	if (rc == CST_EINVAL || (rc == CST_ENOMEM && strncmp(cst_errmsg(), "line ", 5) == 0))
		rc = cst_fail_prefix(rc, "%s", shown);
	const char *k;
	json_t *v;
	json_object_foreach(values, k, v)
		if (json_is_string(v))
			json_object_set(data, k, v);
	if (rc == CST_OK && json_object_size(data) == 0)
		rc = cst_fail(CST_EINVAL, "%s defines no variables with values", shown);
	if (rc == CST_OK && json_object_size(data) > CST_LIMIT_FIELDS)
		rc = cst_fail(CST_EINVAL, "%s defines %zu variables; one credential holds at most %d",
		              shown, json_object_size(data), CST_LIMIT_FIELDS);
	long long version = 0;
	if (rc == CST_OK && cli_flag(opts, "dry-run")) {
		printf("would store %s (custom) with %zu fields:", name, json_object_size(data));
		json_object_foreach(data, k, v)
			printf(" %s", k);
		putchar('\n');
	} else if (rc == CST_OK && (rc = cli_import_store(ctx, name, "custom", data, &version)) == 1) {
		printf("unchanged %s (custom, %zu fields)\n", name, json_object_size(data));
		rc = CST_OK;
	} else if (rc == CST_OK) {
		printf("stored %s (custom) version %lld: %zu fields\n", name, version,
		       json_object_size(data));
	}
	json_decref(values);
	json_decref(data);
	return rc < 0 ? cli_fail(rc) : 0;
}
