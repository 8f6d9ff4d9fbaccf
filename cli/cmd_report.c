/* cmd_report.c - custos report: the sys/report figures (from the local
 * vault, or from a server in remote mode) rendered here as markdown, JSON
 * or one self-contained HTML page, to stdout or a file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "report/report.h"
#include "util/file.h"
#include "util/timefmt.h"

static const char help[] =
	"usage: custos report [--since 30d] [--warn 14d] [--format md|json|html]\n"
	"                     [--audit-file PATH]... [-o FILE]\n\n"
	"A report on the vault for the people who answer for it: secrets by type and team,\n"
	"the age of each one's current version, credentials overdue (past expires_at, or older\n"
	"than rotate_every: see custos meta) or due within --warn, live tokens by team and\n"
	"policy, root tokens, and from the audit log within --since (a duration, or an RFC 3339\n"
	"time): failed logins, root-token use and requests per team and per principal. Values\n"
	"never appear: names, types, teams, times and counts only.\n\n"
	"The audit log is the current file of the vault's file audit device unless --audit-file\n"
	"names logs (rotated files too; against a server, files in a device's directory\n"
	"there). Without one, the report says so. --format md (the default) is GitHub-flavoured\n"
	"markdown, json the figures as sys/report answers them (docs/report.md), html one\n"
	"self-contained page with charts. -o writes FILE (0600) instead of standard output.\n";

int cmd_report(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"since", 0, 1, 0, {0}},      {"warn", 0, 1, 0, {0}},
	                  {"format", 'f', 1, 0, {0}},   {"audit-file", 0, 1, 0, {0}},
	                  {"output", 'o', 1, 0, {0}},   {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos != 0)
		return cli_usage(ctx, "takes no arguments");
	const char *format = cli_value(opts, "format");
	if (format == NULL)
		format = "md";
	if (strcmp(format, "md") && strcmp(format, "json") && strcmp(format, "html"))
		return cli_usage(ctx, "--format takes md, json or html, not '%.32s'", format);
	json_t *body = json_object();
	const char *v;
	if ((v = cli_value(opts, "since")) != NULL)
		json_object_set_new(body, "since", json_string(v));
	if ((v = cli_value(opts, "warn")) != NULL)
		json_object_set_new(body, "warn", json_string(v));
	json_t *files = cli_values(opts, "audit-file");
	if (json_array_size(files))
		json_object_set(body, "audit_file", files);
	json_decref(files);
	/* The same checks the server makes, to answer a usage error as one. */
	cst_report_opts check;
	if (cst_report_params(&check, body, cst_now_ns()) < 0) {
		int status = cli_usage(ctx, "%s", cst_errmsg());
		json_decref(body);
		return status;
	}
	cst_response resp = {0};
	int rc = cli_request(ctx, CST_OP_UPDATE, "sys/report", body, &resp);
	json_decref(body);
	cst_buf out = CST_BUF_INIT;
	out.max = (size_t)256 << 20;
	if (rc == CST_OK && resp.data == NULL)
		rc = cst_fail(CST_EIO, "the report came back empty");
	if (rc == CST_OK && !strcmp(format, "json")) {
		char *text = json_dumps(resp.data, JSON_INDENT(2));
		rc = text ? cst_buf_puts(&out, text) : cst_fail(CST_ENOMEM, "out of memory");
		if (rc == CST_OK)
			rc = cst_buf_puts(&out, "\n");
		free(text);
	} else if (rc == CST_OK && !strcmp(format, "md")) {
		rc = cst_report_markdown(&out, resp.data);
	} else if (rc == CST_OK) {
		rc = cst_report_html(&out, resp.data);
	}
	const char *file = cli_value(opts, "output");
	if (rc == CST_OK && file)
		rc = cst_file_replace(file, out.ptr, out.len);
	else if (rc == CST_OK && fwrite(out.ptr, 1, out.len, stdout) != out.len)
		rc = cst_fail(CST_EIO, "cannot write the report");
	cst_buf_release(&out);
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}
