/* sys.c - the system backend mounted at sys/: key status and rotation as
 * in Vault (sys/key-status, sys/rotate), the mount list (sys/mounts), and
 * custos extensions: sys/rewrap (re-seal values under the active term)
 * and sys/vault-status (terms and secret counts). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/mount_edit.h"
#include "core/policy.h"
#include "core/tokens.h"
#include "core/vault.h"
#include "engines/sys_auth.h"
#include "engines/teams.h"
#include "storage/storage.h"
#include "util/timefmt.h"

static json_t *term_time(int64_t ns)
{
	char t[48];
	cst_time_format(t, sizeof(t), ns);
	return json_string(t);
}

static int key_status(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)req;
	cst_barrier *b = ctx->barrier;
	pthread_mutex_lock(&b->lock);
	cst_term *t = cst_keyring_active(b->kr);
	resp->data = json_pack("{s:I, s:o, s:I, s:I}", "term", (json_int_t)t->term, "install_time",
	                       term_time(t->created_ns), "encryptions", (json_int_t)t->seals,
	                       "terms", (json_int_t)b->kr->count);
	pthread_mutex_unlock(&b->lock);
	return resp->data ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
}

static int rotate(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)req;
	(void)resp;
	return cst_barrier_rotate(ctx->barrier);
}

static int rewrap(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	uint64_t n = 0;
	int rc = cst_barrier_rewrap(ctx->barrier, &n, req->progress, req->progress_payload);
	if (rc == CST_OK)
		resp->data = json_pack("{s:I}", "rewrapped", (json_int_t)n);
	return rc;
}

/* Terms with the number of stored values each still seals, plus secret
 * counts per mount: what `custos status` and `custos key status` show. */
static int vault_status(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	cst_barrier *b = ctx->barrier;
	cst_vault *v = ctx->vault;
	int with_usage = json_is_true(json_object_get(req->data, "term_usage"));
	uint64_t *usage = calloc(b->kr->count, sizeof(*usage));
	json_t *terms = json_array(), *mounts = json_object();
	int rc = usage ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	if (rc == CST_OK && with_usage)
		rc = cst_barrier_term_usage(b, usage);
	for (size_t i = 0; rc == CST_OK && i < b->kr->count; i++) {
		cst_term *t = &b->kr->terms[i];
		json_t *row = json_pack("{s:I, s:o, s:I, s:b}", "term", (json_int_t)t->term, "created",
		                        term_time(t->created_ns), "encryptions", (json_int_t)t->seals,
		                        "active", t->term == b->kr->active);
		if (with_usage)
			json_object_set_new(row, "values", json_integer((json_int_t)usage[i]));
		json_array_append_new(terms, row);
	}
	cst_mount_table *table = cst_router_get(&v->router);
	for (size_t i = 0; rc == CST_OK && i < table->count; i++) {
		char prefix[256];
		uint64_t n = 0;
		if (strcmp(table->mounts[i].type, "kv") != 0)
			continue; /* auth methods hold no secrets */
		snprintf(prefix, sizeof(prefix), "%sm/", table->mounts[i].prefix);
		rc = cst_storage_count(b->st, prefix, &n);
		json_object_set_new(mounts, table->mounts[i].path,
		                    json_pack("{s:s, s:I}", "type", table->mounts[i].type, "secrets",
		                              (json_int_t)n));
	}
	cst_router_put(&v->router, table);
	if (rc == CST_OK)
		resp->data = json_pack("{s:I, s:o, s:o}", "active_term", (json_int_t)b->kr->active,
		                       "terms", terms, "mounts", mounts);
	else {
		json_decref(terms);
		json_decref(mounts);
	}
	free(usage);
	return rc;
}

static int mounts(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)req;
	cst_vault *v = ctx->vault;
	json_t *out = json_object();
	cst_mount_table *table = cst_router_get(&v->router);
	for (size_t i = 0; i < table->count; i++) {
		const cst_mount *m = &table->mounts[i];
		if (strncmp(m->path, "auth/", 5) == 0)
			continue; /* auth methods are listed by sys/auth */
		/* The "logical/<id>/" prefix doubles as the mount's uuid. */
		char uuid[64];
		snprintf(uuid, sizeof(uuid), "%.*s", (int)strlen(m->prefix) - 9, m->prefix + 8);
		json_object_set_new(out, m->path,
		                    json_pack("{s:s, s:{s:i, s:b, s:i}, s:s, s:b, s:b, s:{s:s}, s:b, s:s, s:s}",
		                              "accessor", uuid, "config", "default_lease_ttl", 0,
		                              "force_no_cache", 0, "max_lease_ttl", 0, "description", "",
		                              "external_entropy_access", 0, "local", 0, "options",
		                              "version", "2", "seal_wrap", 0, "type", m->type, "uuid", uuid));
	}
	cst_router_put(&v->router, table);
	json_object_set_new(out, "sys/", json_pack("{s:s, s:s, s:n}", "type", "system",
	                                           "description", "system endpoints", "options"));
	resp->data = out;
	return CST_OK;
}

/* A mount path: "team-ml/" (a trailing '/' is added), one or more name
 * segments, not under sys/ or auth/ (sys/auth mounts auth methods). */
static int mount_path(char *out, size_t n, const char *rest)
{
	size_t len = strlen(rest);
	while (len && rest[len - 1] == '/')
		len--;
	if (len == 0 || len + 2 > n || cst_name_check(rest, len) < 0)
		return cst_fail(CST_EINVAL, "mount path must be letters, digits and '._-/' segments");
	snprintf(out, n, "%.*s/", (int)len, rest);
	if (!strncmp(out, "sys/", 4) || !strncmp(out, "auth/", 5) || !strncmp(out, "cubbyhole/", 10) ||
	    !strncmp(out, "identity/", 9))
		return cst_fail(CST_EINVAL, "cannot mount under %.16s: reserved", out);
	return CST_OK;
}

static int mount_change(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)resp;
	char path[CST_NAME_MAX + 2];
	int rc = mount_path(path, sizeof(path), ctx->rest);
	if (rc < 0)
		return rc;
	if (req->op == CST_OP_DELETE)
		return cst_mount_remove(ctx->vault, path, NULL, 0);
	const char *type = json_string_value(json_object_get(req->data, "type"));
	const char *ver = json_string_value(json_object_get(json_object_get(req->data, "options"), "version"));
	if (type == NULL || (strcmp(type, "kv") && strcmp(type, "kv-v2")))
		return cst_fail(CST_EINVAL, "only kv (version 2) mounts are supported");
	if (ver && strcmp(ver, "2"))
		return cst_fail(CST_EINVAL, "only kv version 2 is supported");
	return cst_mount_add(ctx->vault, path, "kv",
	                     json_string_value(json_object_get(req->data, "description")), NULL);
}

/* --- policies: sys/policy (legacy) and sys/policies/acl ------------------ */

static int policy_name_arg(char *out, size_t n, cst_engine_ctx *ctx, json_t **warnings)
{
	int changed = 0;
	int rc = cst_policy_name(out, n, ctx->rest, &changed);
	if (rc == CST_OK && changed)
		*warnings = json_pack("[s]", "policy name was converted to lower case");
	return rc;
}

static int policy_list(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	json_t *names = NULL;
	int legacy = strncmp(req->path, "sys/policy", 10) == 0 && req->path[10] != 'i';
	int rc = cst_policy_list(&names, ctx->vault);
	if (rc == CST_OK && legacy)
		resp->data = json_pack("{s:O, s:O}", "keys", names, "policies", names);
	else if (rc == CST_OK)
		resp->data = json_pack("{s:O}", "keys", names);
	json_decref(names);
	return rc;
}

static int policy_route(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	char name[160];
	int legacy = strncmp(req->path, "sys/policy/", 11) == 0;
	if (ctx->rest[0] == '\0')
		return policy_list(ctx, req, resp);
	int rc = policy_name_arg(name, sizeof(name), ctx, &resp->warnings);
	if (rc < 0)
		return rc;
	switch (req->op) {
	case CST_OP_READ: {
		json_t *p = NULL;
		if ((rc = cst_policy_get(&p, ctx->vault, name)) == CST_OK) {
			if (legacy) /* the legacy API calls the text "rules" */
				json_object_set(p, "rules", json_object_get(p, "policy"));
			resp->data = p;
		}
		return rc;
	}
	case CST_OP_CREATE:
	case CST_OP_UPDATE: {
		const char *text = json_string_value(json_object_get(req->data, "policy"));
		if (text == NULL && legacy &&
		    (text = json_string_value(json_object_get(req->data, "rules"))) != NULL) {
			if (resp->warnings == NULL)
				resp->warnings = json_array();
			json_array_append_new(resp->warnings,
			                      json_string("'rules' is deprecated, please use 'policy' instead"));
		}
		return cst_policy_put(ctx->vault, name, text);
	}
	case CST_OP_DELETE: return cst_policy_delete(ctx->vault, name);
	case CST_OP_LIST: return policy_list(ctx, req, resp);
	case CST_OP_PATCH: break;
	}
	return cst_fail(CST_EUNSUPPORTED, "unsupported operation");
}

/* sys/capabilities-self: what the caller's token may do on paths. */
static int capabilities_self(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	json_t *paths = json_object_get(req->data, "paths");
	json_t *one = json_object_get(req->data, "path");
	json_t *list = json_array();
	if (json_is_array(paths))
		json_array_extend(list, paths);
	else if (json_is_string(paths))
		json_array_append(list, paths);
	if (json_is_string(one))
		json_array_append(list, one);
	if (json_array_size(list) == 0) {
		json_decref(list);
		return cst_fail(CST_EINVAL, "missing paths");
	}
	cst_acl *acl = NULL;
	json_t *policies = ctx->caller ? json_object_get(ctx->caller->entry, "policies")
	                               : json_pack("[s]", "root");
	int rc = cst_acl_build(&acl, ctx->vault, policies);
	if (ctx->caller == NULL)
		json_decref(policies);
	json_t *out = json_object();
	size_t i;
	json_t *p;
	json_array_foreach(list, i, p) {
		if (rc < 0 || !json_is_string(p))
			break;
		unsigned caps = cst_acl_capabilities_for(
			acl, ctx->caller ? json_object_get(ctx->caller->entry, "identity") : NULL,
			json_string_value(p), 0);
		json_t *names = caps ? cst_caps_json(caps) : json_pack("[s]", "deny");
		if (json_array_size(list) == 1)
			json_object_set(out, "capabilities", names);
		json_object_set_new(out, json_string_value(p), names);
	}
	cst_acl_free(acl);
	json_decref(list);
	if (rc == CST_OK)
		resp->data = out;
	else
		json_decref(out);
	return rc;
}

#define POLICY_OPS (CST_RD | CST_WR | CST_OPS(CST_OP_DELETE) | CST_OPS(CST_OP_LIST))

/* src/engines/sys_audit.c */
int cst_sys_audit_list(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int cst_sys_audit_change(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int cst_sys_audit_hash(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int cst_sys_audit_verify(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int cst_sys_metrics(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
/* src/engines/sys_report.c */
int cst_sys_report(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);

static const cst_route sys_routes[] = {
	{"key-status", 1, CST_RD, key_status, NULL, 0, 0, 0},
	{"rotate", 1, CST_WR, rotate, NULL, 1, 0, 0},
	{"rewrap", 1, CST_WR, rewrap, NULL, 1, 0, 0},
	{"vault-status", 1, CST_RD, vault_status, NULL, 0, 0, 0},
	{"mounts", 1, CST_RD, mounts, NULL, 0, 0, 0},
	{"mounts/", 0, CST_WR | CST_OPS(CST_OP_DELETE), mount_change, NULL, 0, 0, 0},
	{"policies/acl/", 0, POLICY_OPS, policy_route, NULL, 0, 0, 0},
	{"policies/acl", 1, CST_RD | CST_OPS(CST_OP_LIST), policy_list, NULL, 0, 0, 0},
	{"policy/", 0, POLICY_OPS, policy_route, NULL, 0, 0, 0},
	{"policy", 1, CST_RD | CST_OPS(CST_OP_LIST), policy_list, NULL, 0, 0, 0},
	{"capabilities-self", 1, CST_WR, capabilities_self, NULL, 0, 0, 0},
	{"auth", 1, CST_RD, sys_auth_list, NULL, 0, 0, 0},
	{"auth/", 0, CST_RD | CST_WR | CST_OPS(CST_OP_DELETE), sys_auth_route, NULL, 1, 0, 0},
	{"teams", 1, CST_RD | CST_OPS(CST_OP_LIST), sys_teams_list, NULL, 0, 0, 0},
	{"teams/", 0, POLICY_OPS, sys_teams_route, NULL, 0, 0, 0},
	{"audit", 1, CST_RD, cst_sys_audit_list, NULL, 1, 0, 0},
	{"audit/verify", 1, CST_WR, cst_sys_audit_verify, NULL, 1, 0, 0},
	{"audit/", 0, CST_WR | CST_OPS(CST_OP_DELETE), cst_sys_audit_change, NULL, 1, 0, 0},
	{"audit-hash/", 0, CST_WR, cst_sys_audit_hash, NULL, 1, 0, 0},
	{"metrics", 1, CST_RD, cst_sys_metrics, NULL, 0, 0, 0},
	{"report", 1, CST_RD | CST_WR, cst_sys_report, NULL, 1, 0, 1},
};

const cst_engine cst_engine_sys = {1, "system", sys_routes, sizeof(sys_routes) / sizeof(sys_routes[0]),
                                   NULL};
