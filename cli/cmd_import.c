/* cmd_import.c - custos import SOURCE ...: a dispatcher over the import
 * formats, one row per format, each handled in its own file. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct import_format {
	const char *name;
	int (*run)(cli_ctx *ctx, int argc, char **argv);
	const char *summary;
} import_format;

static const import_format formats[] = {
	{"fernet", cmd_import_fernet, "Fernet tokens from Python's cryptography.fernet"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: custos import FORMAT [ARGS] (custos import FORMAT -h for each)\n\nformats:\n");
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		fprintf(f, "  %-8s %s\n", formats[i].name, formats[i].summary);
}

int cmd_import(cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0) {
		usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(argv[0], formats[i].name) == 0)
			return formats[i].run(ctx, argc - 1, argv + 1);
	return cli_usage(ctx, "unknown format '%.64s'", argv[0]);
}
