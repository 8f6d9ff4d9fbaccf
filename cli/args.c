/* args.c - the option parser shared by every command: long options with
 * "--name value" or "--name=value", short options "-x value", repeatable
 * options, positionals in any order, "--" to end options. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"

cli_opt *cli_find(cli_opt *opts, const char *name)
{
	for (cli_opt *o = opts; o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

const char *cli_value(cli_opt *opts, const char *name)
{
	cli_opt *o = cli_find(opts, name);
	return o && o->count ? o->vals[o->count - 1] : NULL;
}

int cli_flag(cli_opt *opts, const char *name)
{
	cli_opt *o = cli_find(opts, name);
	return o ? o->count : 0;
}

static int record(cli_opt *o, const char *value)
{
	if (o->count >= CLI_MAX_VALUES)
		return cst_fail(CST_EINVAL, "option --%s given too many times", o->name);
	o->vals[o->count++] = value;
	return CST_OK;
}

int cli_parse(cli_opt *opts, int argc, char **argv, int *npos, int *help)
{
	int pos = 0, only_pos = 0;
	*help = 0;
	for (int i = 0; i < argc; i++) {
		char *a = argv[i];
		if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
			argv[pos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			*help = 1;
			continue;
		}
		cli_opt *o = NULL;
		const char *inline_val = NULL;
		if (a[1] == '-') {
			char name[64];
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			if (n < sizeof(name)) {
				memcpy(name, a + 2, n);
				name[n] = '\0';
				o = cli_find(opts, name);
			}
			inline_val = eq ? eq + 1 : NULL;
		} else if (a[2] == '\0') {
			for (cli_opt *s = opts; s->name != NULL; s++)
				if (s->short_name == a[1])
					o = s;
		}
		if (o == NULL)
			return cst_fail(CST_EINVAL, "unknown option %.64s", a);
		if (!o->takes_value) {
			if (inline_val != NULL)
				return cst_fail(CST_EINVAL, "option --%s takes no value", o->name);
			if (record(o, "") < 0)
				return CST_EINVAL;
			continue;
		}
		if (inline_val == NULL) {
			if (i + 1 >= argc)
				return cst_fail(CST_EINVAL, "option %.64s needs a value", a);
			inline_val = argv[++i];
		}
		if (record(o, inline_val) < 0)
			return CST_EINVAL;
	}
	*npos = pos;
	return CST_OK;
}

int cli_uint(unsigned long long *out, const char *text, const char *what)
{
	char *end = NULL;
	if (text == NULL || *text < '0' || *text > '9' || strlen(text) > 18)
		return cst_fail(CST_EINVAL, "%s must be a whole number", what);
	*out = strtoull(text, &end, 10);
	if (*end != '\0')
		return cst_fail(CST_EINVAL, "%s must be a whole number", what);
	return CST_OK;
}

int cli_fail(int rc)
{
	const char *msg = cst_errmsg();
	fprintf(stderr, "custos: %s\n", msg && *msg ? msg : cst_strerror(rc));
	return cst_exit_status(rc);
}

int cli_usage(const cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "custos %s: ", ctx->command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'custos %s -h')\n", ctx->command);
	return cst_exit_status(CST_EINVAL);
}

int cli_start(cli_ctx *ctx, cli_opt *opts, int argc, char **argv, const char *help, int *npos)
{
	int want_help;
	if (cli_parse(opts, argc, argv, npos, &want_help) < 0)
		return cli_usage(ctx, "%s", cst_errmsg());
	if (want_help) {
		fputs(help, stdout);
		return 0;
	}
	return -1;
}
