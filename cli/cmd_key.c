/* cmd_key.c - data-key terms: custos key rotate | status | rewrap, and
 * custos rewrap (the same as key rewrap). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char help[] =
	"usage: custos key rotate | key status | key rewrap\n\n"
	"rotate  adds a new data-key term; new writes use it, old values still open.\n"
	"status  lists the terms with their age, seal count and how many values each seals.\n"
	"rewrap  re-seals every value sealed under an older term with the newest one\n"
	"        (also 'custos rewrap'); shows progress on a terminal.\n";

static void progress(uint64_t done, uint64_t total, void *payload)
{
	(void)payload;
	if (done % 256 == 0 || done == total)
		fprintf(stderr, "\rrewrap: %llu/%llu values", (unsigned long long)done,
		        (unsigned long long)total);
}

static int rewrap(cli_ctx *ctx)
{
	int rc = cli_open(ctx);
	if (rc < 0)
		return cli_fail(rc);
	cst_request req = {.op = CST_OP_UPDATE, .path = "sys/rewrap"};
	if (isatty(STDERR_FILENO))
		req.progress = progress;
	cst_response resp = {0};
	rc = cst_vault_request(ctx->vault, &req, &resp);
	if (req.progress)
		fputc('\n', stderr);
	if (rc == 0)
		printf("rewrapped %lld values under the active term\n",
		       (long long)json_integer_value(json_object_get(resp.data, "rewrapped")));
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}

static int status(cli_ctx *ctx)
{
	cst_response resp;
	json_t *q = json_pack("{s:b}", "term_usage", 1);
	int rc = cli_request(ctx, CST_OP_READ, "sys/vault-status", q, &resp);
	json_decref(q);
	if (rc == 0) {
		json_t *rows = json_array();
		size_t i;
		json_t *t;
		json_array_foreach(json_object_get(resp.data, "terms"), i, t) {
			char term[24], seals[24], values[24];
			snprintf(term, sizeof(term), "%lld%s",
			         (long long)json_integer_value(json_object_get(t, "term")),
			         json_is_true(json_object_get(t, "active")) ? " *" : "");
			snprintf(seals, sizeof(seals), "%lld",
			         (long long)json_integer_value(json_object_get(t, "encryptions")));
			snprintf(values, sizeof(values), "%lld",
			         (long long)json_integer_value(json_object_get(t, "values")));
			json_array_append_new(rows, json_pack("[s, s, s, s]", term,
			                                      json_string_value(json_object_get(t, "created")),
			                                      seals, values));
		}
		static const char *const headers[] = {"TERM", "CREATED", "SEALS RESERVED", "VALUES"};
		cli_print_table(stdout, headers, 4, rows);
		json_decref(rows);
	}
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}

int cmd_key(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos == 0)
		return cli_usage(ctx, "missing rotate, status or rewrap");
	if (npos != 1)
		return cli_usage(ctx, "takes one of rotate, status, rewrap");
	if (strcmp(argv[0], "status") == 0)
		return status(ctx);
	if (strcmp(argv[0], "rewrap") == 0)
		return rewrap(ctx);
	if (strcmp(argv[0], "rotate") != 0)
		return cli_usage(ctx, "unknown subcommand '%.32s'", argv[0]);
	cst_response resp;
	int rc = cli_request(ctx, CST_OP_UPDATE, "sys/rotate", NULL, &resp);
	cst_response_release(&resp);
	if (rc == 0)
		rc = cli_request(ctx, CST_OP_READ, "sys/key-status", NULL, &resp);
	if (rc == 0)
		printf("active key term is now %lld; run 'custos rewrap' to re-seal older values\n",
		       (long long)json_integer_value(json_object_get(resp.data, "term")));
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}

int cmd_rewrap(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{0}};
	static const char rewrap_help[] =
		"usage: custos rewrap\n\nRe-seals every value sealed under an older key term with the "
		"newest term.\n";
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, rewrap_help, &npos)) >= 0)
		return started;
	if (npos)
		return cli_usage(ctx, "takes no arguments");
	return rewrap(ctx);
}
