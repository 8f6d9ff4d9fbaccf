/* cmd_audit.c - custos audit enable|disable|list|verify|hash: audit
 * devices (the sys/audit routes), locally or against a server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "util/mem.h"

static const char help[] =
	"usage: custos audit enable TYPE [--path P] [--description D] [KEY=VALUE...]\n"
	"       custos audit disable PATH\n"
	"       custos audit list [--format json]\n"
	"       custos audit verify FILE\n"
	"       custos audit hash PATH [INPUT|-]\n\n"
	"Audit devices record every request and response as JSON lines, values HMAC'd (Vault's\n"
	"layout), each line chained to the one before by a MAC under the vault's audit key.\n"
	"TYPE is file (path=/var/log/custos/audit.log, made 0600), syslog (facility=AUTH,\n"
	"tag=custos) or stdout (servers only); the device path defaults to TYPE. Every type takes\n"
	"filter='path != \"sys/metrics\"' (Vault's filter expressions: ==, !=, matches, and, or,\n"
	"not over path, operation, mount_type, mount_point, namespace) and hmac_accessor=false.\n"
	"When devices take a request and none can record it, the request is refused.\n\n"
	"verify checks a log file: exit 0 and the entry count, or exit 5 naming the first entry\n"
	"deleted, edited, moved or cut off. It needs the vault (its audit key): locally the vault\n"
	"file; against a server (CUSTOS_ADDR), a file in an audit device's directory there.\n"
	"hash prints a device's HMAC of INPUT (prompted without echo, or '-' for stdin), to find\n"
	"that value in a log.\n";

static int enable(cli_ctx *ctx, cli_opt *opts, int npos, char **argv)
{
	const char *type = argv[1];
	const char *path = cli_value(opts, "path");
	const char *desc = cli_value(opts, "description");
	char target[256];
	json_t *options = json_object();
	for (int i = 2; i < npos; i++) {
		const char *eq = strchr(argv[i], '=');
		if (eq == NULL || eq == argv[i]) {
			json_decref(options);
			return cli_usage(ctx, "options are KEY=VALUE, not '%.64s'", argv[i]);
		}
		json_t *val = json_string(eq + 1);
		char key[64];
		snprintf(key, sizeof(key), "%.*s", (int)(eq - argv[i]), argv[i]);
		if (val == NULL || json_object_set_new(options, key, val) < 0) {
			json_decref(options);
			return cli_usage(ctx, "option %.64s is not UTF-8 text", key);
		}
	}
	snprintf(target, sizeof(target), "sys/audit/%.200s", path ? path : type);
	json_t *body = json_pack("{s:s, s:s, s:o}", "type", type, "description", desc ? desc : "",
	                         "options", options);
	cst_response resp = {0};
	int rc = body ? cli_request(ctx, CST_OP_UPDATE, target, body, &resp)
	              : cst_fail(CST_EINVAL, "device type is not UTF-8 text");
	if (rc == CST_OK)
		printf("audit device %s enabled at %s/\n", type, path ? path : type);
	json_decref(body);
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}

static int list(cli_ctx *ctx, cli_opt *opts)
{
	cst_response resp = {0};
	int rc = cli_request(ctx, CST_OP_READ, "sys/audit", NULL, &resp);
	const char *format = cli_value(opts, "format");
	if (rc == CST_OK && format && !strcmp(format, "json")) {
		cli_print_json(stdout, resp.data);
	} else if (rc == CST_OK) {
		static const char *const headers[] = {"PATH", "TYPE", "DESCRIPTION", "OPTIONS"};
		json_t *rows = json_array();
		const char *path;
		json_t *d;
		json_object_foreach(resp.data, path, d) {
			char *o = json_dumps(json_object_get(d, "options"), JSON_COMPACT | JSON_SORT_KEYS);
			json_array_append_new(rows, json_pack("[s, O, O, s]", path, json_object_get(d, "type"),
			                                      json_object_get(d, "description"), o ? o : ""));
			free(o);
		}
		if (json_array_size(rows))
			cli_print_table(stdout, headers, 4, rows);
		else
			printf("no audit devices\n");
		json_decref(rows);
	}
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}

static int verify(cli_ctx *ctx, const char *file)
{
	json_t *body = json_pack("{s:s}", "file_path", file);
	cst_response resp = {0};
	int rc = body ? cli_request(ctx, CST_OP_UPDATE, "sys/audit/verify", body, &resp)
	              : cst_fail(CST_EINVAL, "file name is not UTF-8 text");
	json_decref(body);
	int status = 0;
	if (rc == CST_OK) {
		const json_t *d = resp.data;
		long long entries = (long long)json_integer_value(json_object_get(d, "entries"));
		if (json_is_true(json_object_get(d, "ok"))) {
			printf("%s: OK, %lld entries (seq %lld to %lld)%s\n", file, entries,
			       (long long)json_integer_value(json_object_get(d, "first_seq")),
			       (long long)json_integer_value(json_object_get(d, "last_seq")),
			       json_is_true(json_object_get(d, "live")) ? ", up to the device's last entry"
			                                                : "");
		} else {
			fprintf(stderr, "custos: %s: line %lld: %s\n", file,
			        (long long)json_integer_value(json_object_get(d, "bad_line")),
			        json_string_value(json_object_get(d, "reason")));
			status = cst_exit_status(CST_EINTEGRITY);
		}
	}
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : status;
}

static int hash(cli_ctx *ctx, int npos, char **argv)
{
	char *input = NULL;
	size_t len = 0;
	int rc;
	if (npos == 3 && strcmp(argv[2], "-") != 0) {
		fprintf(stderr, "custos audit: warning: a value on the command line is visible to other "
		                "processes; prefer '-' or the prompt\n");
		rc = (input = cst_strndup(argv[2], strlen(argv[2]))) ? CST_OK
		                                                    : cst_fail(CST_ENOMEM, "out of memory");
		len = strlen(argv[2]);
	} else if (npos == 3) {
		rc = cli_read_stdin(&input, &len);
	} else {
		rc = cli_prompt_secret(&input, &len, "Value to hash: ");
	}
	char target[256];
	snprintf(target, sizeof(target), "sys/audit-hash/%.200s", argv[1]);
	json_t *body = rc == CST_OK ? json_pack("{s:s%}", "input", input, len) : NULL;
	if (rc == CST_OK && body == NULL)
		rc = cst_fail(CST_EINVAL, "the value is not UTF-8 text");
	cst_response resp = {0};
	if (rc == CST_OK)
		rc = cli_request(ctx, CST_OP_UPDATE, target, body, &resp);
	if (rc == CST_OK)
		printf("%s\n", json_string_value(json_object_get(resp.data, "hash")));
	json_decref(body);
	cst_free_wiped(input);
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}

int cmd_audit(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"path", 0, 1, 0, {0}}, {"description", 0, 1, 0, {0}},
	                  {"format", 0, 1, 0, {0}}, {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos < 1)
		return cli_usage(ctx, "missing enable, disable, list, verify or hash");
	const char *sub = argv[0];
	if (!strcmp(sub, "enable") && npos >= 2)
		return enable(ctx, opts, npos, argv);
	if (!strcmp(sub, "list") && npos == 1)
		return list(ctx, opts);
	if (!strcmp(sub, "verify") && npos == 2)
		return verify(ctx, argv[1]);
	if (!strcmp(sub, "hash") && (npos == 2 || npos == 3))
		return hash(ctx, npos, argv);
	if (!strcmp(sub, "disable") && npos == 2) {
		char target[256];
		snprintf(target, sizeof(target), "sys/audit/%.200s", argv[1]);
		cst_response resp = {0};
		int rc = cli_request(ctx, CST_OP_DELETE, target, NULL, &resp);
		cst_response_release(&resp);
		if (rc == CST_OK)
			printf("audit device %s disabled\n", argv[1]);
		return rc < 0 ? cli_fail(rc) : 0;
	}
	return cli_usage(ctx, "unknown subcommand or wrong arguments");
}
