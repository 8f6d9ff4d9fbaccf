/* auth.h - what the auth method engines (userpass.c, approle.c) share:
 * request fields decoded as Vault's framework decodes them, the token_*
 * settings of a user or role, record storage under the mount, names, the
 * mount's lockout settings, and issuing the token of a successful login. */
#ifndef CST_ENGINES_AUTH_H
#define CST_ENGINES_AUTH_H

#include <jansson.h>
#include <stdint.h>

#include "core/login_guard.h"
#include "core/router.h"

/* A list field: a JSON array of strings or a "a,b" string (what hvac and
 * the Vault CLI send); spaces around items and empty items are dropped.
 * *out is NULL when the field is absent or null. CST_EINVAL otherwise. */
int auth_list_field(json_t **out, const json_t *body, const char *name)
	__attribute__((warn_unused_result));
/* A duration field: seconds (number or numeric string) or "1h30m". */
int auth_seconds_field(int64_t *out, int *given, const json_t *body, const char *name)
	__attribute__((warn_unused_result));
/* A non-negative integer field (number or numeric string). */
int auth_uint_field(int64_t *out, int *given, const json_t *body, const char *name)
	__attribute__((warn_unused_result));
/* A boolean field (true/false or "true"/"false"). */
int auth_bool_field(int *out, int *given, const json_t *body, const char *name)
	__attribute__((warn_unused_result));

/* A user or role name: lower-cased into out, letters, digits and "._@-",
 * 1 to CST_LIMIT_AUTH_NAME bytes, not starting with '.'. */
int auth_name(char *out, size_t n, const char *in, const char *what)
	__attribute__((warn_unused_result));

/* The name at the start of a path tail ("alice" or "alice/password"),
 * checked as auth_name does; *out_sub points after it ("" or "password"). */
int auth_name_of(char *out, size_t n, const char *rest, const char **out_sub, const char *what)
	__attribute__((warn_unused_result));

/* Policy names given to a user, role or team: each made a valid
 * lower-case name; "root" refused. Unknown policies add a Vault-style
 * warning to *warnings, or with warnings NULL are refused (teams). */
int auth_check_policies(json_t *list, cst_vault *v, json_t **warnings)
	__attribute__((warn_unused_result));

/* Applies the token settings of a user or role from a request body onto
 * rec (only the fields given change): token_policies (or the older
 * policies), teams, token_ttl, token_max_ttl, token_explicit_max_ttl,
 * token_period (or period), token_num_uses, token_bound_cidrs,
 * token_no_default_policy, token_type. Policies that do not exist are
 * accepted with a warning, as Vault does; "root" is refused; teams must
 * exist. Nothing is stored here. */
int auth_token_settings(json_t *rec, const json_t *body, cst_vault *v, json_t **warnings)
	__attribute__((warn_unused_result));

/* The token settings as Vault's read responses show them, set into data. */
void auth_token_settings_out(json_t *data, const json_t *rec);

/* Storage key "<mount prefix><suffix>" into out (CST_LIMIT_STORAGE_KEY+1). */
int auth_key(char *out, const cst_engine_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), warn_unused_result));

/* Loads a JSON record (CST_ENOTFOUND when absent, message cleared) and
 * its revision; saves one under a revision check (0: must be absent). */
int auth_load(json_t **out, uint64_t *out_rev, cst_engine_ctx *ctx, const char *key)
	__attribute__((warn_unused_result));
int auth_save(cst_engine_ctx *ctx, const char *key, const json_t *rec, uint64_t rev)
	__attribute__((warn_unused_result));

/* Lists the names right under a storage folder (key prefix), for LIST
 * responses: CST_ENOTFOUND when there are none. */
int auth_list_keys(json_t **out, cst_engine_ctx *ctx, const char *prefix)
	__attribute__((warn_unused_result));

/* This mount's accessor ("auth_userpass_1a2b3c4d") and its user lockout
 * settings (config.user_lockout_config of sys/auth, else Vault's
 * defaults). */
void auth_accessor(char *out, size_t n, const cst_engine_ctx *ctx);
int auth_lockout_cfg(cst_lockout_cfg *out, cst_engine_ctx *ctx) __attribute__((warn_unused_result));

/* A random version 4 UUID (ids, role_ids, secret_ids, accessors). */
int auth_uuid(char out[37]) __attribute__((warn_unused_result));

/* A successful login: the token it gets. */
typedef struct auth_login {
	const json_t *rec;           /* the user or role: token settings and teams */
	const char *entity_name;     /* the user or role name */
	const char *entity_id;       /* its stable id */
	const json_t *meta;          /* token metadata ({"username": ...}) */
	const char *display_name;    /* "userpass-alice", "approle" */
	const char *extra_policy;    /* one more policy ("personal"), or NULL */
	const json_t *bound_cidrs;   /* overrides the record's token_bound_cidrs, or NULL */
} auth_login;

int auth_issue_token(cst_engine_ctx *ctx, const cst_request *req, const auth_login *l,
                     cst_response *resp) __attribute__((warn_unused_result));

/* Revokes every token this mount issued to one entity (a user or role
 * deleted), or to any entity when name is NULL (the mount disabled). */
int auth_revoke_entity(cst_vault *v, const char *mount_path, const char *name)
	__attribute__((warn_unused_result));

#endif
