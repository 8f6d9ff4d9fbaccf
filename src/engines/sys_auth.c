/* sys_auth.c - auth methods as Vault mounts them: GET sys/auth lists them
 * (token/ always), POST sys/auth/PATH {"type": "userpass"|"approle"}
 * enables one at auth/PATH/, DELETE sys/auth/PATH disables it (its users,
 * roles and secret_ids are erased and every token it issued is revoked),
 * and sys/auth/PATH/tune reads and sets the user lockout settings. */
#include "engines/sys_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/mount_edit.h"
#include "core/vault.h"
#include "custos.h"
#include "engines/auth.h"
#include "engines/userpass.h"

/* The auth method types custos has. */
static const char *const methods[] = {"userpass", "approle"};

static json_t *lockout_out(const json_t *cfg)
{
	static const cst_lockout_cfg d = CST_LOCKOUT_DEFAULTS;
	json_t *c = json_object_get(cfg, "user_lockout_config");
	json_int_t th = json_integer_value(json_object_get(c, "lockout_threshold"));
	json_int_t du = json_integer_value(json_object_get(c, "lockout_duration"));
	json_int_t re = json_integer_value(json_object_get(c, "lockout_counter_reset"));
	return json_pack("{s:I, s:I, s:I, s:b}", "lockout_threshold", th ? th : d.threshold,
	                 "lockout_duration", du ? du : d.duration_s, "lockout_counter_reset",
	                 re ? re : d.reset_s, "lockout_disable",
	                 json_is_true(json_object_get(c, "disable_lockout")));
}

static json_t *method_entry(const char *type, const char *prefix, const json_t *rec)
{
	char accessor[96];
	cst_mount_accessor(accessor, sizeof(accessor), type, prefix);
	const char *id = strchr(prefix, '/') ? strchr(prefix, '/') + 1 : prefix;
	char uuid[40];
	snprintf(uuid, sizeof(uuid), "%.16s", id);
	const char *desc = json_string_value(json_object_get(rec, "description"));
	return json_pack("{s:s, s:{s:i, s:i, s:b, s:s}, s:s, s:b, s:b, s:n, s:b, s:s, s:s}",
	                 "accessor", accessor, "config", "default_lease_ttl", 0, "max_lease_ttl", 0,
	                 "force_no_cache", 0, "token_type", "default-service", "description",
	                 desc ? desc : "", "external_entropy_access", 0, "local", 0, "options",
	                 "seal_wrap", 0, "type", type, "uuid", uuid);
}

int sys_auth_list(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)req;
	json_t *table = NULL, *out = json_object();
	int rc = cst_mount_list(&table, ctx->vault);
	const char *path;
	json_t *m;
	json_object_foreach(table, path, m) {
		if (rc < 0 || strncmp(path, "auth/", 5) != 0)
			continue;
		json_object_set_new(out, path + 5,
		                    method_entry(json_string_value(json_object_get(m, "type")),
		                                 json_string_value(json_object_get(m, "prefix")), m));
	}
	json_t *token = json_pack("{s:s}", "description", "token based credentials");
	/* The token method's storage is sys/token/; its accessor is fixed. */
	json_object_set_new(out, "token/", method_entry("token", "auth/0000000000000000/", token));
	json_decref(token);
	json_decref(table);
	if (rc == CST_OK)
		resp->data = out;
	else
		json_decref(out);
	return rc;
}

/* The mount path of sys/auth/<rest>: "auth/<rest>/". */
static int method_path(char *out, size_t n, const char *rest, size_t len)
{
	while (len && rest[len - 1] == '/')
		len--;
	if (len == 0 || len + 7 > n || cst_name_check(rest, len) < 0)
		return cst_fail(CST_EINVAL, "auth method path must be letters, digits and '._-/' segments");
	snprintf(out, n, "auth/%.*s/", (int)len, rest);
	return CST_OK;
}

/* Vault's user_lockout_config, checked and stored with durations in
 * seconds. Absent: *out NULL. */
static int lockout_in(json_t **out, const json_t *config)
{
	const json_t *c = json_object_get(config, "user_lockout_config");
	int64_t th = 0, du = 0, re = 0;
	int given, g2, disable = 0, rc;
	*out = NULL;
	if (c == NULL || json_is_null(c))
		return CST_OK;
	if (!json_is_object(c))
		return cst_fail(CST_EINVAL, "user_lockout_config must be an object");
	if ((rc = auth_uint_field(&th, &given, c, "lockout_threshold")) < 0 ||
	    (rc = auth_seconds_field(&du, &given, c, "lockout_duration")) < 0 ||
	    (rc = auth_seconds_field(&re, &given, c, "lockout_counter_reset")) < 0 ||
	    (rc = auth_bool_field(&disable, &given, c, "lockout_disable")) < 0)
		return rc;
	int d2 = 0;
	if ((rc = auth_bool_field(&d2, &g2, c, "disable_lockout")) < 0)
		return rc;
	*out = json_pack("{s:I, s:I, s:I, s:b}", "lockout_threshold", (json_int_t)th,
	                 "lockout_duration", (json_int_t)du, "lockout_counter_reset", (json_int_t)re,
	                 "disable_lockout", disable || d2);
	return *out ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
}

static int enable(cst_engine_ctx *ctx, const char *path, const cst_request *req,
                  cst_response *resp)
{
	const char *type = json_string_value(json_object_get(req->data, "type"));
	int known = 0;
	for (size_t i = 0; type && i < sizeof(methods) / sizeof(methods[0]); i++)
		known |= strcmp(type, methods[i]) == 0;
	if (type == NULL || *type == '\0')
		return cst_fail(CST_EINVAL, "missing auth method type (userpass or approle)");
	if (!known)
		return cst_fail(CST_EINVAL, "unknown auth method type \"%.32s\" (custos has userpass "
		                            "and approle)", type);
	json_t *lockout = NULL, *config = json_object();
	int rc = lockout_in(&lockout, json_object_get(req->data, "config"));
	if (rc == CST_OK && lockout)
		json_object_set_new(config, "user_lockout_config", lockout);
	if (rc == CST_OK)
		rc = cst_mount_add(ctx->vault, path, type,
		                   json_string_value(json_object_get(req->data, "description")), config);
	json_decref(config);
	/* Users keep personal credentials in the users/ mount (userpass.h). */
	if (rc == CST_OK && strcmp(type, "userpass") == 0 &&
	    (rc = cst_userpass_prepare(ctx->vault, &resp->warnings)) < 0) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", cst_errmsg());
		if (cst_mount_remove(ctx->vault, path, NULL, 0) < 0)
			cst_error_clear();
		cst_fail(rc, "%s", msg);
	}
	return rc;
}

static int disable(cst_engine_ctx *ctx, const char *path)
{
	if (strcmp(path, "auth/token/") == 0)
		return cst_fail(CST_EINVAL, "token credential backend cannot be disabled");
	json_t *table = NULL;
	int rc = cst_mount_list(&table, ctx->vault);
	int present = rc == CST_OK && json_object_get(table, path) != NULL;
	json_decref(table);
	if (rc < 0 || !present)
		return rc; /* nothing there: 204, as Vault */
	/* Tokens first: a crash midway leaves the method mounted, and a retry
	 * finishes the job. */
	rc = auth_revoke_entity(ctx->vault, path, NULL);
	if (rc == CST_OK)
		rc = cst_mount_remove(ctx->vault, path, NULL, 0);
	return rc;
}

static int tune(cst_engine_ctx *ctx, const char *path, const cst_request *req,
                cst_response *resp)
{
	json_t *table = NULL;
	int rc = cst_mount_list(&table, ctx->vault);
	json_t *m = json_object_get(table, path);
	if (rc == CST_OK && m == NULL && strcmp(path, "auth/token/") != 0)
		rc = cst_fail(CST_EINVAL, "no auth method is mounted at %.128s", path);
	json_t *cfg = json_object_get(m, "config");
	if (rc == CST_OK && req->op == CST_OP_READ) {
		resp->data = json_pack("{s:i, s:i, s:b, s:s, s:o}", "default_lease_ttl", 0,
		                       "max_lease_ttl", 0, "force_no_cache", 0, "token_type",
		                       "default-service", "user_lockout_config", lockout_out(cfg));
	} else if (rc == CST_OK) {
		json_t *lockout = NULL;
		if (m == NULL)
			rc = cst_fail(CST_EINVAL, "the token method has no lockout settings");
		if (rc == CST_OK)
			rc = lockout_in(&lockout, req->data);
		if (rc == CST_OK && lockout) {
			json_t *next = json_is_object(cfg) ? json_deep_copy(cfg) : json_object();
			json_object_set_new(next, "user_lockout_config", lockout);
			rc = cst_mount_set_config(ctx->vault, path, next);
			json_decref(next);
		}
	}
	json_decref(table);
	return rc;
}

/* GET sys/auth/PATH: one method as sys/auth lists it (newer Vault). */
static int show(cst_engine_ctx *ctx, const char *path, cst_response *resp)
{
	json_t *table = NULL;
	int rc = cst_mount_list(&table, ctx->vault);
	json_t *m = json_object_get(table, path);
	if (rc == CST_OK && m == NULL)
		rc = cst_fail(CST_ENOTFOUND, "no auth method at %.128s", path);
	if (rc == CST_OK)
		resp->data = method_entry(json_string_value(json_object_get(m, "type")),
		                          json_string_value(json_object_get(m, "prefix")), m);
	json_decref(table);
	return rc;
}

int sys_auth_route(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	char path[CST_NAME_MAX + 8];
	const char *rest = ctx->rest;
	size_t len = strlen(rest);
	int is_tune = len > 5 && strcmp(rest + len - 5, "/tune") == 0;
	if (rest[0] == '\0')
		return sys_auth_list(ctx, req, resp);
	int rc = method_path(path, sizeof(path), rest, is_tune ? len - 5 : len);
	if (rc < 0)
		return rc;
	if (is_tune)
		return req->op == CST_OP_DELETE || req->op == CST_OP_LIST
		           ? cst_fail(CST_EUNSUPPORTED, "unsupported operation")
		           : tune(ctx, path, req, resp);
	switch (req->op) {
	case CST_OP_CREATE:
	case CST_OP_UPDATE: return enable(ctx, path, req, resp);
	case CST_OP_DELETE: return disable(ctx, path);
	case CST_OP_READ: return show(ctx, path, resp);
	case CST_OP_LIST:
	case CST_OP_PATCH: break;
	}
	return cst_fail(CST_EUNSUPPORTED, "unsupported operation");
}
