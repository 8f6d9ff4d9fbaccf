/* cmd_meta.c - custos meta: show a credential's metadata, or change its
 * settings and custom metadata (merged, as a PATCH). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "core/limits.h"

static const char help[] =
	"usage: custos meta NAME [--max-versions N] [--cas-required[=true|false]]\n"
	"                        [--delete-after DURATION] [--set KEY=VALUE]... [--unset KEY]...\n"
	"                        [--type TYPE] [--team TEAM] [--expires-at TIME]\n"
	"                        [--rotate-every DURATION] [--format table|json]\n\n"
	"Without changes, shows NAME's metadata. --max-versions keeps the newest N versions\n"
	"(0: the engine default, 10). --delete-after soft-deletes each new version after\n"
	"DURATION (720h, 30m; 0 turns it off). --set/--unset change custom metadata, which is\n"
	"for descriptions, owners and tickets: keys that look like secrets are refused.\n"
	"Lifecycle (what `custos report` checks): --team names the owner team (secrets of a\n"
	"team's mount teams/T/ are T's already), --expires-at the time the credential stops\n"
	"working (RFC 3339, 2027-03-01T00:00:00Z), --rotate-every how old its current version\n"
	"may get (90d, 720h). An empty value (--team '') clears the setting.\n";

static int show(cli_ctx *ctx, const char *path, const char *name, int json)
{
	cst_response resp;
	int rc = cli_request(ctx, CST_OP_READ, path, NULL, &resp);
	if (rc == CST_OK && json) {
		cli_print_json(stdout, resp.data);
	} else if (rc == CST_OK) {
		json_t *d = resp.data;
		const char *type = json_string_value(json_object_get(d, "type"));
		printf("name:                 %s\n", name);
		printf("type:                 %s\n", type ? type : "-");
		printf("current version:      %lld\n",
		       (long long)json_integer_value(json_object_get(d, "current_version")));
		printf("versions kept:        %zu (max_versions %lld)\n",
		       json_object_size(json_object_get(d, "versions")),
		       (long long)json_integer_value(json_object_get(d, "max_versions")));
		printf("cas required:         %s\n",
		       json_is_true(json_object_get(d, "cas_required")) ? "yes" : "no");
		printf("delete versions after: %s\n",
		       json_string_value(json_object_get(d, "delete_version_after")));
		printf("created:              %s\n", json_string_value(json_object_get(d, "created_time")));
		printf("updated:              %s\n", json_string_value(json_object_get(d, "updated_time")));
		const char *team = json_string_value(json_object_get(d, "owner_team"));
		const char *exp = json_string_value(json_object_get(d, "expires_at"));
		const char *every = json_string_value(json_object_get(d, "rotate_every"));
		printf("owner team:           %s\n", team ? team : "-");
		printf("expires at:           %s\n", exp ? exp : "-");
		printf("rotate every:         %s\n", every ? every : "-");
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(d, "custom_metadata"), k, v)
			printf("  %s = %s\n", k, json_string_value(v));
	}
	cst_response_release(&resp);
	return rc < 0 ? cli_fail(rc) : 0;
}

/* Fills body from the options; returns 1 when anything is to change. */
static int build_changes(cli_ctx *ctx, cli_opt *opts, json_t *body, int *status)
{
	unsigned long long n;
	const char *v;
	int any = 0;
	*status = 0;
	if ((v = cli_value(opts, "max-versions")) != NULL) {
		if (cli_uint(&n, v, "--max-versions") < 0)
			return *status = cli_usage(ctx, "%s", cst_errmsg()), 0;
		json_object_set_new(body, "max_versions", json_integer((json_int_t)n));
		any = 1;
	}
	if ((v = cli_value(opts, "cas-required")) != NULL) {
		int on = *v == '\0' || strcmp(v, "true") == 0;
		if (!on && strcmp(v, "false") != 0)
			return *status = cli_usage(ctx, "--cas-required takes true or false"), 0;
		json_object_set_new(body, "cas_required", json_boolean(on));
		any = 1;
	}
	if ((v = cli_value(opts, "delete-after")) != NULL) {
		json_object_set_new(body, "delete_version_after", json_string(v));
		any = 1;
	}
	if ((v = cli_value(opts, "type")) != NULL) {
		json_object_set_new(body, "type", json_string(v));
		any = 1;
	}
	/* Lifecycle settings: the server validates them; "" clears one. */
	static const char *const lifecycle[][2] = {
		{"team", "owner_team"}, {"expires-at", "expires_at"}, {"rotate-every", "rotate_every"}};
	for (size_t i = 0; i < sizeof(lifecycle) / sizeof(lifecycle[0]); i++) {
		if ((v = cli_value(opts, lifecycle[i][0])) == NULL)
			continue;
		json_t *s = json_string(v);
		if (s == NULL)
			return *status = cli_usage(ctx, "--%s is not UTF-8 text", lifecycle[i][0]), 0;
		json_object_set_new(body, lifecycle[i][1], s);
		any = 1;
	}
	json_t *custom = json_object();
	cli_opt *set = cli_find(opts, "set"), *unset = cli_find(opts, "unset");
	for (int i = 0; i < set->count; i++) {
		const char *eq = strchr(set->vals[i], '=');
		if (eq == NULL || eq == set->vals[i]) {
			json_decref(custom);
			return *status = cli_usage(ctx, "--set takes KEY=VALUE"), 0;
		}
		if (eq - set->vals[i] > CST_LIMIT_CUSTOM_META_KEY) {
			json_decref(custom);
			return *status = cli_usage(ctx, "--set keys are at most %d characters",
			                           CST_LIMIT_CUSTOM_META_KEY), 0;
		}
		char key[CST_LIMIT_CUSTOM_META_KEY + 1];
		snprintf(key, sizeof(key), "%.*s", (int)(eq - set->vals[i]), set->vals[i]);
		json_object_set_new(custom, key, json_string(eq + 1));
	}
	for (int i = 0; i < unset->count; i++)
		json_object_set_new(custom, unset->vals[i], json_null());
	if (json_object_size(custom)) {
		json_object_set_new(body, "custom_metadata", custom);
		any = 1;
	} else {
		json_decref(custom);
	}
	return any;
}

int cmd_meta(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"max-versions", 0, 1, 0, {0}}, {"cas-required", 0, 1, 0, {0}},
	                  {"delete-after", 0, 1, 0, {0}}, {"set", 0, 1, 0, {0}},
	                  {"unset", 0, 1, 0, {0}},        {"type", 't', 1, 0, {0}},
	                  {"format", 0, 1, 0, {0}},       {"team", 0, 1, 0, {0}},
	                  {"expires-at", 0, 1, 0, {0}},   {"rotate-every", 0, 1, 0, {0}},
	                  {0}};
	/* --cas-required alone means true: give it an empty value. */
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--cas-required") == 0)
			argv[i] = "--cas-required=";
	int npos, started, status;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos != 1)
		return cli_usage(ctx, npos ? "takes one NAME" : "missing NAME");
	char path[CLI_KV_PATH_MAX];
	if (cli_kv_path(path, sizeof(path), "metadata", argv[0], 0) < 0)
		return cli_usage(ctx, "%s", cst_errmsg());
	json_t *body = json_object();
	int any = build_changes(ctx, opts, body, &status);
	if (status || !any) {
		json_decref(body);
		if (status)
			return status;
		const char *format = cli_value(opts, "format");
		return show(ctx, path, argv[0], format && strcmp(format, "json") == 0);
	}
	/* PATCH merges custom metadata into what is there; a secret with no
	 * metadata yet is created by a plain write instead. */
	cst_response resp;
	int rc = cli_request(ctx, CST_OP_PATCH, path, body, &resp);
	if (rc == CST_ENOTFOUND) {
		cst_response_release(&resp);
		json_t *custom = json_object_get(body, "custom_metadata");
		const char *k;
		json_t *v;
		void *tmp;
		json_object_foreach_safe(custom, tmp, k, v)
			if (json_is_null(v))
				json_object_del(custom, k);
		rc = cli_request(ctx, CST_OP_UPDATE, path, body, &resp);
	}
	cst_response_release(&resp);
	json_decref(body);
	return rc < 0 ? cli_fail(rc) : 0;
}
