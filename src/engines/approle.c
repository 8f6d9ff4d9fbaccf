/* approle.c - the approle auth method at Vault's paths, for services,
 * agents and MCP servers that start without a person:
 *   auth/<m>/role/                      LIST role names
 *   auth/<m>/role/NAME                  create/update, read, delete
 *   auth/<m>/role/NAME/role-id          read; update {"role_id"}
 *   auth/<m>/role/NAME/secret-id        generate (update); LIST accessors
 *   auth/<m>/role/NAME/custom-secret-id {"secret_id"} (update)
 *   auth/<m>/role/NAME/secret-id/lookup|destroy                {"secret_id"}
 *   auth/<m>/role/NAME/secret-id-accessor/lookup|destroy       {"secret_id_accessor"}
 *   auth/<m>/login                      {"role_id","secret_id"} -> a token (no token needed)
 *   auth/<m>/tidy/secret-id             remove expired secret_ids now
 *
 * Storage under the mount's prefix P (role_ids and secret_ids only ever
 * as keyed hashes, like tokens):
 *   P role/<name>                    the role: role_id, bind_secret_id,
 *                                    secret_id_* limits, token settings, teams
 *   P role-id/<hash of role_id>      {"name"}
 *   P secret-id/<role>/<hash>        {"accessor", "creation_time",
 *                                    "expiration_time" (0 = never), "num_uses"
 *                                    (left; 0 = unlimited), "cidr_list",
 *                                    "token_bound_cidrs", "metadata", ...}
 *   P accessor/<role>/<accessor>     {"hash"}
 *   P expire/<unix, 12 digits>/<role>/<hash>   {} for the sweep
 *
 * Login failures count towards the client address throttle; approle has
 * no per-role lockout (secret_ids are 122 random bits: a lockout would
 * only let someone who learnt a role_id lock a service out). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "core/login_guard.h"
#include "core/tokens.h"
#include "core/vault.h"
#include "engines/approle.h"
#include "engines/auth.h"
#include "storage/storage.h"
#include "util/cidr.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timefmt.h"

#define HASH_LEN CST_TOKEN_HASH_LEN
#define SECRET_MAX 256
#define KEYLEN (CST_LIMIT_STORAGE_KEY + 1)

typedef char hash_t[HASH_LEN + 1];

static int64_t now_s(void)
{
	return cst_now_ns() / 1000000000;
}

/* Keyed hash of a role_id or secret_id, with the kind as a domain tag. */
static int keyed(hash_t out, cst_vault *v, const char *kind, const char *value)
{
	char buf[SECRET_MAX + 64];
	if (strlen(value) > SECRET_MAX)
		return cst_fail(CST_EINVAL, "%s is longer than %d bytes", kind, SECRET_MAX);
	snprintf(buf, sizeof(buf), "approle-%s:%s", kind, value);
	int rc = cst_token_hash(v, buf, out);
	cst_wipe(buf, sizeof(buf));
	return rc;
}

/* "NAME" or "NAME/sub/path" of a role path tail. */
static int role_of(char *out, size_t n, const char *rest, const char **out_sub)
{
	return auth_name_of(out, n, rest, out_sub, "role");
}

static int load_role(json_t **out, uint64_t *rev, cst_engine_ctx *ctx, const char *name)
{
	char key[KEYLEN];
	int rc = auth_key(key, ctx, "role/%s", name);
	return rc < 0 ? rc : auth_load(out, rev, ctx, key);
}

/* The role named in a path, which must exist. */
static int existing_role(json_t **out, cst_engine_ctx *ctx, const char *name)
{
	int rc = load_role(out, NULL, ctx, name);
	return rc == CST_ENOTFOUND ? cst_fail(CST_EINVAL, "role \"%s\" does not exist", name) : rc;
}

static int role_exists(cst_engine_ctx *ctx, int *out)
{
	char name[CST_LIMIT_AUTH_NAME + 1];
	const char *sub;
	json_t *rec = NULL;
	*out = 1;
	if (role_of(name, sizeof(name), ctx->rest, &sub) < 0 || *sub) {
		cst_error_clear();
		return CST_OK;
	}
	int rc = load_role(&rec, NULL, ctx, name);
	json_decref(rec);
	*out = rc == CST_OK;
	return rc == CST_ENOTFOUND ? CST_OK : rc;
}

/* The role's own settings (besides the token ones, auth.h). */
static int role_settings(json_t *rec, const json_t *body)
{
	json_t *cidrs = NULL;
	int64_t v;
	int given, b, rc;
	if ((rc = auth_list_field(&cidrs, body, "secret_id_bound_cidrs")) < 0)
		return rc;
	if (cidrs == NULL && (rc = auth_list_field(&cidrs, body, "bound_cidr_list")) < 0)
		return rc;
	if (cidrs && (rc = cst_cidr_check_list(cidrs)) == CST_OK)
		json_object_set(rec, "secret_id_bound_cidrs", cidrs);
	json_decref(cidrs);
	if (rc < 0)
		return rc;
	if ((rc = auth_uint_field(&v, &given, body, "secret_id_num_uses")) < 0)
		return rc;
	if (given)
		json_object_set_new(rec, "secret_id_num_uses", json_integer(v));
	if ((rc = auth_seconds_field(&v, &given, body, "secret_id_ttl")) < 0)
		return rc;
	if (given)
		json_object_set_new(rec, "secret_id_ttl", json_integer(v));
	if ((rc = auth_bool_field(&b, &given, body, "bind_secret_id")) < 0)
		return rc;
	if (given)
		json_object_set_new(rec, "bind_secret_id", json_boolean(b));
	if (!json_is_true(json_object_get(rec, "bind_secret_id")) &&
	    json_array_size(json_object_get(rec, "secret_id_bound_cidrs")) == 0 &&
	    json_array_size(json_object_get(rec, "token_bound_cidrs")) == 0)
		return cst_fail(CST_EINVAL, "at least one constraint should be enabled on the role: "
		                            "bind_secret_id, secret_id_bound_cidrs or token_bound_cidrs");
	return CST_OK;
}

static int role_write(cst_engine_ctx *ctx, const char *name, const cst_request *req,
                      cst_response *resp)
{
	char key[KEYLEN], idx_new[KEYLEN] = "", idx_old[KEYLEN];
	int rc = auth_key(key, ctx, "role/%s", name);
	for (int tries = 0; rc == CST_OK && tries < CST_LIMIT_CAS_RETRIES; tries++) {
		json_t *rec = NULL, *warnings = NULL;
		uint64_t rev = 0;
		const char *given_id = json_string_value(json_object_get(req->data, "role_id"));
		char role_id[SECRET_MAX + 1] = "", old_id[SECRET_MAX + 1] = "";
		rc = auth_load(&rec, &rev, ctx, key);
		if (rc == CST_ENOTFOUND) {
			char id[37];
			rc = auth_uuid(id);
			if (rc == CST_OK)
				rec = json_pack("{s:s, s:s, s:b, s:[], s:[]}", "name", name, "id", id,
				                "bind_secret_id", 1, "token_policies", "teams");
			if (rc == CST_OK && (given_id == NULL || *given_id == '\0'))
				rc = auth_uuid(role_id);
		} else if (rc == CST_OK) {
			snprintf(old_id, sizeof(old_id), "%s", json_string_value(json_object_get(rec, "role_id")));
		}
		if (rc == CST_OK && given_id && *given_id) {
			if (strlen(given_id) > SECRET_MAX)
				rc = cst_fail(CST_EINVAL, "role_id is longer than %d bytes", SECRET_MAX);
			else
				snprintf(role_id, sizeof(role_id), "%s", given_id);
		}
		if (rc == CST_OK && role_id[0])
			json_object_set_new(rec, "role_id", json_string(role_id));
		if (rc == CST_OK)
			rc = auth_token_settings(rec, req->data, ctx->vault, &warnings);
		if (rc == CST_OK)
			rc = role_settings(rec, req->data);
		/* The role and its role_id index change together. */
		cst_barrier_op ops[3];
		size_t n = 0;
		char *text = rc == CST_OK ? json_dumps(rec, JSON_COMPACT) : NULL;
		char ref[CST_LIMIT_AUTH_NAME + 16];
		hash_t h_new, h_old;
		if (rc == CST_OK && text == NULL)
			rc = cst_fail(CST_ENOMEM, "out of memory");
		if (rc == CST_OK)
			ops[n++] = (cst_barrier_op){CST_STORAGE_PUT, key, text, strlen(text),
			                            rev ? (int64_t)rev : CST_REV_ABSENT};
		if (rc == CST_OK && role_id[0] && strcmp(role_id, old_id) != 0) {
			snprintf(ref, sizeof(ref), "{\"name\":\"%s\"}", name);
			if ((rc = keyed(h_new, ctx->vault, "role-id", role_id)) == CST_OK &&
			    (rc = auth_key(idx_new, ctx, "role-id/%s", h_new)) == CST_OK)
				ops[n++] = (cst_barrier_op){CST_STORAGE_PUT, idx_new, ref, strlen(ref),
				                            CST_REV_ABSENT};
			if (rc == CST_OK && old_id[0] && (rc = keyed(h_old, ctx->vault, "role-id", old_id)) == CST_OK &&
			    (rc = auth_key(idx_old, ctx, "role-id/%s", h_old)) == CST_OK)
				ops[n++] = (cst_barrier_op){CST_STORAGE_DELETE, idx_old, NULL, 0, CST_REV_ANY};
		}
		if (rc == CST_OK)
			rc = cst_barrier_batch(ctx->barrier, ops, n);
		cst_free_wiped(text);
		json_decref(rec);
		if (rc == CST_ECONFLICT && tries + 1 < CST_LIMIT_CAS_RETRIES) {
			/* A racing writer, or a role_id some role already has. */
			json_t *other = NULL;
			int taken = role_id[0] && idx_new[0] && auth_load(&other, NULL, ctx, idx_new) == CST_OK;
			json_decref(other);
			json_decref(warnings);
			if (taken && strcmp(role_id, old_id) != 0) {
				rc = cst_fail(CST_EINVAL, "role_id is already in use by another role");
				break;
			}
			rc = CST_OK;
			continue;
		}
		if (rc == CST_OK)
			resp->warnings = warnings;
		else
			json_decref(warnings);
		break;
	}
	return rc;
}

static int role_read(cst_engine_ctx *ctx, const char *name, cst_response *resp)
{
	json_t *rec = NULL;
	int rc = load_role(&rec, NULL, ctx, name);
	if (rc == CST_ENOTFOUND)
		return cst_fail(CST_ENOTFOUND, "no role named %s", name);
	if (rc == CST_OK) {
		json_t *d = json_object();
		auth_token_settings_out(d, rec);
		json_t *cidrs = json_object_get(rec, "secret_id_bound_cidrs");
		json_object_set_new(d, "secret_id_bound_cidrs", cidrs ? json_incref(cidrs) : json_array());
		json_object_set_new(d, "secret_id_num_uses",
		                    json_integer(json_integer_value(json_object_get(rec, "secret_id_num_uses"))));
		json_object_set_new(d, "secret_id_ttl",
		                    json_integer(json_integer_value(json_object_get(rec, "secret_id_ttl"))));
		json_object_set_new(d, "bind_secret_id",
		                    json_boolean(json_is_true(json_object_get(rec, "bind_secret_id"))));
		json_object_set_new(d, "local_secret_ids", json_false());
		json_object_set_new(d, "period", json_integer(json_integer_value(json_object_get(rec, "token_period"))));
		resp->data = d;
	}
	json_decref(rec);
	return rc;
}

/* Deletes one secret_id with its accessor and expiry rows. expect_rev is
 * the entry's revision (CST_REV_ANY: whatever it is). */
static int delete_secret(cst_engine_ctx *ctx, const char *role, const char *hash,
                         const json_t *entry, int64_t expect_rev)
{
	char k1[KEYLEN], k2[KEYLEN], k3[KEYLEN];
	cst_barrier_op ops[3];
	size_t n = 0;
	int64_t exp = json_integer_value(json_object_get(entry, "expiration_time"));
	const char *acc = json_string_value(json_object_get(entry, "accessor"));
	int rc = auth_key(k1, ctx, "secret-id/%s/%s", role, hash);
	if (rc == CST_OK)
		ops[n++] = (cst_barrier_op){CST_STORAGE_DELETE, k1, NULL, 0, expect_rev};
	if (rc == CST_OK && acc && (rc = auth_key(k2, ctx, "accessor/%s/%s", role, acc)) == CST_OK)
		ops[n++] = (cst_barrier_op){CST_STORAGE_DELETE, k2, NULL, 0, CST_REV_ANY};
	if (rc == CST_OK && exp &&
	    (rc = auth_key(k3, ctx, "expire/%012lld/%s/%s", (long long)exp, role, hash)) == CST_OK)
		ops[n++] = (cst_barrier_op){CST_STORAGE_DELETE, k3, NULL, 0, CST_REV_ANY};
	return rc == CST_OK ? cst_barrier_batch(ctx->barrier, ops, n) : rc;
}

/* Deletes every secret_id of a role, a page at a time. */
static int delete_all_secrets(cst_engine_ctx *ctx, const char *role)
{
	char prefix[KEYLEN];
	int rc = auth_key(prefix, ctx, "secret-id/%s/", role);
	while (rc == CST_OK) {
		cst_storage_keys page = {0};
		rc = cst_storage_list(ctx->barrier->st, prefix, NULL, 256, &page);
		for (size_t i = 0; rc == CST_OK && i < page.count; i++) {
			json_t *e = NULL;
			int lrc = auth_load(&e, NULL, ctx, page.keys[i]);
			if (lrc == CST_OK)
				rc = delete_secret(ctx, role, page.keys[i] + strlen(prefix), e, CST_REV_ANY);
			else if (lrc != CST_ENOTFOUND)
				rc = lrc;
			json_decref(e);
		}
		size_t got = page.count;
		cst_storage_keys_release(&page);
		if (got == 0)
			break;
	}
	return rc;
}

static int role_delete(cst_engine_ctx *ctx, const char *name)
{
	json_t *rec = NULL;
	int rc = load_role(&rec, NULL, ctx, name);
	if (rc == CST_ENOTFOUND) {
		json_decref(rec);
		return CST_OK; /* 204, as Vault */
	}
	/* secret_ids first, so a crash midway leaves a role that can be
	 * deleted again rather than orphaned secret_ids. */
	if (rc == CST_OK)
		rc = delete_all_secrets(ctx, name);
	char key[KEYLEN], idx[KEYLEN];
	hash_t h;
	cst_barrier_op ops[2];
	size_t n = 0;
	const char *role_id = json_string_value(json_object_get(rec, "role_id"));
	if (rc == CST_OK && (rc = auth_key(key, ctx, "role/%s", name)) == CST_OK)
		ops[n++] = (cst_barrier_op){CST_STORAGE_DELETE, key, NULL, 0, CST_REV_ANY};
	if (rc == CST_OK && role_id && (rc = keyed(h, ctx->vault, "role-id", role_id)) == CST_OK &&
	    (rc = auth_key(idx, ctx, "role-id/%s", h)) == CST_OK)
		ops[n++] = (cst_barrier_op){CST_STORAGE_DELETE, idx, NULL, 0, CST_REV_ANY};
	if (rc == CST_OK)
		rc = cst_barrier_batch(ctx->barrier, ops, n);
	if (rc == CST_OK)
		rc = auth_revoke_entity(ctx->vault, ctx->mount_path, name);
	json_decref(rec);
	return rc;
}

/* Secret-id metadata: a map of strings, or a JSON text of one (hvac
 * sends json.dumps(metadata)). */
static int metadata_of(json_t **out, const json_t *body)
{
	json_t *m = json_object_get(body, "metadata");
	int rc = CST_OK;
	*out = NULL;
	if (m == NULL || json_is_null(m) || (json_is_string(m) && json_string_length(m) == 0)) {
		*out = json_object();
		return CST_OK;
	}
	if (json_is_string(m)) {
		if (json_string_length(m) > 4096)
			return cst_fail(CST_EINVAL, "metadata longer than 4096 bytes");
		rc = cst_json_parse_object(out, json_string_value(m), json_string_length(m), "metadata");
	} else if (json_is_object(m)) {
		*out = json_deep_copy(m);
	} else {
		rc = cst_fail(CST_EINVAL, "metadata must be a map of strings");
	}
	const char *k;
	json_t *v;
	json_object_foreach(*out, k, v) {
		if (rc == CST_OK && (!json_is_string(v) || strlen(k) > 128 || json_string_length(v) > 512))
			rc = cst_fail(CST_EINVAL, "metadata must be a map of strings (keys up to 128, "
			                          "values up to 512 bytes)");
	}
	if (rc == CST_OK && json_object_size(*out) > 64)
		rc = cst_fail(CST_EINVAL, "metadata: at most 64 keys");
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* Makes a secret_id (given, or a new UUID) for a role and stores it. */
static int secret_create(cst_engine_ctx *ctx, const char *role, const char *given,
                         const cst_request *req, cst_response *resp)
{
	json_t *rec = NULL, *meta = NULL, *cidrs = NULL, *tcidrs = NULL;
	char secret[SECRET_MAX + 1], accessor[37];
	int rc = existing_role(&rec, ctx, role);
	if (rc == CST_OK && given && (*given == '\0' || strlen(given) > SECRET_MAX))
		rc = cst_fail(CST_EINVAL, "secret_id must be 1 to %d bytes", SECRET_MAX);
	if (rc == CST_OK && given)
		snprintf(secret, sizeof(secret), "%s", given);
	else if (rc == CST_OK)
		rc = auth_uuid(secret);
	if (rc == CST_OK)
		rc = auth_uuid(accessor);
	if (rc == CST_OK)
		rc = metadata_of(&meta, req->data);
	if (rc == CST_OK)
		rc = auth_list_field(&cidrs, req->data, "cidr_list");
	if (rc == CST_OK && cidrs)
		rc = cst_cidr_check_list(cidrs);
	if (rc == CST_OK)
		rc = auth_list_field(&tcidrs, req->data, "token_bound_cidrs");
	if (rc == CST_OK && tcidrs)
		rc = cst_cidr_check_list(tcidrs);
	/* ttl and num_uses may only tighten the role's limits. */
	int64_t ttl = json_integer_value(json_object_get(rec, "secret_id_ttl"));
	int64_t uses = json_integer_value(json_object_get(rec, "secret_id_num_uses"));
	int64_t want;
	int given_f = 0;
	if (rc == CST_OK && (rc = auth_seconds_field(&want, &given_f, req->data, "ttl")) == CST_OK &&
	    given_f && want) {
		if (ttl && want > ttl)
			rc = cst_fail(CST_EINVAL, "ttl cannot be longer than the role's secret_id_ttl");
		ttl = want;
	}
	if (rc == CST_OK && (rc = auth_uint_field(&want, &given_f, req->data, "num_uses")) == CST_OK &&
	    given_f && want) {
		if (uses && want > uses)
			rc = cst_fail(CST_EINVAL, "num_uses cannot be more than the role's secret_id_num_uses");
		uses = want;
	}
	int64_t now = now_s(), exp = ttl ? now + ttl : 0;
	hash_t h;
	char k1[KEYLEN], k2[KEYLEN], k3[KEYLEN], ref[HASH_LEN + 16];
	json_t *entry = NULL;
	if (rc == CST_OK)
		rc = keyed(h, ctx->vault, "secret-id", secret);
	if (rc == CST_OK) {
		entry = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:O}", "accessor",
		                  accessor, "creation_time", (json_int_t)now, "expiration_time",
		                  (json_int_t)exp, "last_updated_time", (json_int_t)now, "num_uses",
		                  (json_int_t)uses, "secret_id_num_uses", (json_int_t)uses,
		                  "secret_id_ttl", (json_int_t)ttl, "cidr_list",
		                  cidrs ? json_incref(cidrs) : json_array(), "token_bound_cidrs",
		                  tcidrs ? json_incref(tcidrs) : json_array(), "metadata", meta);
		if (entry == NULL)
			rc = cst_fail(CST_ENOMEM, "out of memory");
	}
	char *text = rc == CST_OK ? json_dumps(entry, JSON_COMPACT) : NULL;
	cst_barrier_op ops[3];
	size_t n = 0;
	if (rc == CST_OK && text == NULL)
		rc = cst_fail(CST_ENOMEM, "out of memory");
	if (rc == CST_OK && (rc = auth_key(k1, ctx, "secret-id/%s/%s", role, h)) == CST_OK &&
	    (rc = auth_key(k2, ctx, "accessor/%s/%s", role, accessor)) == CST_OK) {
		snprintf(ref, sizeof(ref), "{\"hash\":\"%s\"}", h);
		ops[n++] = (cst_barrier_op){CST_STORAGE_PUT, k1, text, strlen(text), CST_REV_ABSENT};
		ops[n++] = (cst_barrier_op){CST_STORAGE_PUT, k2, ref, strlen(ref), CST_REV_ABSENT};
	}
	if (rc == CST_OK && exp &&
	    (rc = auth_key(k3, ctx, "expire/%012lld/%s/%s", (long long)exp, role, h)) == CST_OK)
		ops[n++] = (cst_barrier_op){CST_STORAGE_PUT, k3, "{}", 2, CST_REV_ANY};
	if (rc == CST_OK)
		rc = cst_barrier_batch(ctx->barrier, ops, n);
	if (rc == CST_ECONFLICT)
		rc = cst_fail(CST_EINVAL, "that secret_id already exists for this role");
	if (rc == CST_OK)
		resp->data = json_pack("{s:s, s:s, s:I, s:I}", "secret_id", secret, "secret_id_accessor",
		                       accessor, "secret_id_ttl", (json_int_t)ttl, "secret_id_num_uses",
		                       (json_int_t)uses);
	cst_free_wiped(text);
	cst_wipe(secret, sizeof(secret));
	json_decref(entry);
	json_decref(meta);
	json_decref(cidrs);
	json_decref(tcidrs);
	json_decref(rec);
	return rc;
}

static json_t *time_text(int64_t s)
{
	char t[48];
	if (s == 0)
		return json_string("0001-01-01T00:00:00Z"); /* Go's zero time, as Vault shows it */
	cst_time_format(t, sizeof(t), s * 1000000000LL);
	return json_string(t);
}

static json_t *secret_data(const json_t *e)
{
	return json_pack("{s:O, s:o, s:o, s:o, s:O, s:O, s:I, s:I, s:O}", "secret_id_accessor",
	                 json_object_get(e, "accessor"), "creation_time",
	                 time_text(json_integer_value(json_object_get(e, "creation_time"))),
	                 "expiration_time",
	                 time_text(json_integer_value(json_object_get(e, "expiration_time"))),
	                 "last_updated_time",
	                 time_text(json_integer_value(json_object_get(e, "last_updated_time"))),
	                 "metadata", json_object_get(e, "metadata"), "cidr_list",
	                 json_object_get(e, "cidr_list"), "secret_id_num_uses",
	                 (json_int_t)json_integer_value(json_object_get(e, "num_uses")),
	                 "secret_id_ttl", (json_int_t)json_integer_value(json_object_get(e, "secret_id_ttl")),
	                 "token_bound_cidrs", json_object_get(e, "token_bound_cidrs"));
}

/* The hash of the secret_id (or, by_accessor, of the accessor's) a request
 * names, for a role. CST_ENOTFOUND when there is none. */
static int named_secret(hash_t out, cst_engine_ctx *ctx, const char *role, const cst_request *req,
                        int by_accessor)
{
	const char *field = by_accessor ? "secret_id_accessor" : "secret_id";
	const char *v = json_string_value(json_object_get(req->data, field));
	if (v == NULL || *v == '\0')
		return cst_fail(CST_EINVAL, "missing %s", field);
	if (!by_accessor)
		return keyed(out, ctx->vault, "secret-id", v);
	char key[KEYLEN];
	json_t *ref = NULL;
	int rc = strlen(v) > 64 || strchr(v, '/') ? cst_fail(CST_EINVAL, "invalid secret id accessor")
	                                          : auth_key(key, ctx, "accessor/%s/%s", role, v);
	if (rc == CST_OK)
		rc = auth_load(&ref, NULL, ctx, key);
	const char *h = json_string_value(json_object_get(ref, "hash"));
	if (rc == CST_OK && (h == NULL || strlen(h) != HASH_LEN))
		rc = cst_fail(CST_EINTEGRITY, "secret id accessor record is damaged");
	if (rc == CST_OK)
		memcpy(out, h, HASH_LEN + 1);
	json_decref(ref);
	return rc;
}

/* lookup and destroy, by secret_id or by accessor. */
static int secret_op(cst_engine_ctx *ctx, const char *role, const cst_request *req,
                     cst_response *resp, int by_accessor, int destroy)
{
	json_t *rec = NULL, *entry = NULL;
	hash_t h;
	char key[KEYLEN];
	int rc = existing_role(&rec, ctx, role);
	json_decref(rec);
	if (rc == CST_OK)
		rc = named_secret(h, ctx, role, req, by_accessor);
	if (rc == CST_OK && (rc = auth_key(key, ctx, "secret-id/%s/%s", role, h)) == CST_OK)
		rc = auth_load(&entry, NULL, ctx, key);
	if (rc == CST_ENOTFOUND) {
		/* Vault: an unknown secret_id is no content; an unknown accessor
		 * is an error. */
		rc = by_accessor ? cst_fail(CST_EINVAL, "invalid secret id accessor") : CST_OK;
	} else if (rc == CST_OK && destroy) {
		rc = delete_secret(ctx, role, h, entry, CST_REV_ANY);
	} else if (rc == CST_OK) {
		int64_t exp = json_integer_value(json_object_get(entry, "expiration_time"));
		if (exp && exp <= now_s()) {
			rc = delete_secret(ctx, role, h, entry, CST_REV_ANY);
			if (rc == CST_OK)
				rc = cst_fail(CST_EINVAL, "invalid secret id");
		} else {
			resp->data = secret_data(entry);
		}
	}
	json_decref(entry);
	return rc;
}

static int secret_list(cst_engine_ctx *ctx, const char *role, cst_response *resp)
{
	json_t *rec = NULL;
	char prefix[KEYLEN];
	int rc = existing_role(&rec, ctx, role);
	json_decref(rec);
	if (rc == CST_OK)
		rc = auth_key(prefix, ctx, "accessor/%s/", role);
	return rc < 0 ? rc : auth_list_keys(&resp->data, ctx, prefix);
}

static int role_id_op(cst_engine_ctx *ctx, const char *role, const cst_request *req,
                      cst_response *resp)
{
	json_t *rec = NULL;
	int rc = existing_role(&rec, ctx, role);
	if (rc == CST_OK && req->op == CST_OP_READ)
		resp->data = json_pack("{s:O}", "role_id", json_object_get(rec, "role_id"));
	json_decref(rec);
	if (rc == CST_OK && req->op != CST_OP_READ) {
		const char *id = json_string_value(json_object_get(req->data, "role_id"));
		if (id == NULL || *id == '\0')
			return cst_fail(CST_EINVAL, "missing role_id");
		json_t *body = json_pack("{s:s}", "role_id", id);
		cst_request r2 = *req;
		r2.data = body;
		rc = role_write(ctx, role, &r2, resp);
		json_decref(body);
	}
	return rc;
}

static int role_route(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	char name[CST_LIMIT_AUTH_NAME + 1];
	const char *sub;
	int rc = role_of(name, sizeof(name), ctx->rest, &sub);
	if (rc < 0)
		return rc;
	int wr = req->op == CST_OP_CREATE || req->op == CST_OP_UPDATE;
	if (*sub == '\0') {
		if (wr)
			return role_write(ctx, name, req, resp);
		if (req->op == CST_OP_READ)
			return role_read(ctx, name, resp);
		if (req->op == CST_OP_DELETE)
			return role_delete(ctx, name);
	} else if (!strcmp(sub, "role-id") && (wr || req->op == CST_OP_READ)) {
		return role_id_op(ctx, name, req, resp);
	} else if (!strcmp(sub, "secret-id") && wr) {
		return secret_create(ctx, name, NULL, req, resp);
	} else if (!strcmp(sub, "secret-id/") && req->op == CST_OP_LIST) {
		return secret_list(ctx, name, resp);
	} else if (!strcmp(sub, "custom-secret-id") && wr) {
		const char *s = json_string_value(json_object_get(req->data, "secret_id"));
		return s ? secret_create(ctx, name, s, req, resp) : cst_fail(CST_EINVAL, "missing secret_id");
	} else if (!strcmp(sub, "secret-id/lookup") && wr) {
		return secret_op(ctx, name, req, resp, 0, 0);
	} else if (!strcmp(sub, "secret-id/destroy") && (wr || req->op == CST_OP_DELETE)) {
		return secret_op(ctx, name, req, resp, 0, 1);
	} else if (!strcmp(sub, "secret-id-accessor/lookup") && wr) {
		return secret_op(ctx, name, req, resp, 1, 0);
	} else if (!strcmp(sub, "secret-id-accessor/destroy") && (wr || req->op == CST_OP_DELETE)) {
		return secret_op(ctx, name, req, resp, 1, 1);
	} else if (strcmp(sub, "role-id") && strcmp(sub, "secret-id") && strcmp(sub, "secret-id/") &&
	           strncmp(sub, "secret-id", 9) && strcmp(sub, "custom-secret-id")) {
		return cst_fail(CST_ENOTFOUND, "no handler for route \"%.64s\". route entry not found.",
		                ctx->rest);
	}
	return cst_fail(CST_EUNSUPPORTED, "unsupported operation");
}

static int role_list(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)req;
	char prefix[KEYLEN];
	int rc = auth_key(prefix, ctx, "role/");
	return rc < 0 ? rc : auth_list_keys(&resp->data, ctx, prefix);
}

/* 1 when addr may log in under a CIDR list (an empty list allows all). */
static int cidr_ok(const json_t *cidrs, const char *addr)
{
	return json_array_size(cidrs) == 0 || cst_cidr_list_contains(cidrs, addr ? addr : "");
}

/* Checks a presented secret_id and uses it up by one. */
static int use_secret(cst_engine_ctx *ctx, const char *role, const json_t *rec,
                      const char *secret, const char *addr, json_t **out_entry)
{
	hash_t h;
	char key[KEYLEN];
	int rc = keyed(h, ctx->vault, "secret-id", secret);
	if (rc == CST_OK)
		rc = auth_key(key, ctx, "secret-id/%s/%s", role, h);
	for (int tries = 0; rc == CST_OK && tries < CST_LIMIT_CAS_RETRIES; tries++) {
		json_t *e = NULL;
		uint64_t rev = 0;
		rc = auth_load(&e, &rev, ctx, key);
		if (rc == CST_ENOTFOUND)
			return cst_fail(CST_EINVAL, "invalid role or secret ID");
		int64_t exp = json_integer_value(json_object_get(e, "expiration_time"));
		int64_t uses = json_integer_value(json_object_get(e, "num_uses"));
		if (rc == CST_OK && exp && exp <= now_s()) {
			rc = delete_secret(ctx, role, h, e, CST_REV_ANY);
			json_decref(e);
			return rc < 0 ? rc : cst_fail(CST_EINVAL, "secret_id has expired");
		}
		if (rc == CST_OK && (!cidr_ok(json_object_get(e, "cidr_list"), addr) ||
		                     !cidr_ok(json_object_get(rec, "secret_id_bound_cidrs"), addr))) {
			json_decref(e);
			return cst_fail(CST_EINVAL, "source address unauthorized through CIDR restrictions "
			                            "on the secret ID");
		}
		if (rc == CST_OK && uses == 1) {
			rc = delete_secret(ctx, role, h, e, (int64_t)rev); /* its last use */
		} else if (rc == CST_OK && uses > 1) {
			json_object_set_new(e, "num_uses", json_integer(uses - 1));
			json_object_set_new(e, "last_updated_time", json_integer(now_s()));
			rc = auth_save(ctx, key, e, rev);
		}
		if (rc == CST_ECONFLICT) { /* a concurrent login used it: look again */
			json_decref(e);
			rc = CST_OK;
			continue;
		}
		if (rc == CST_OK)
			*out_entry = e;
		else
			json_decref(e);
		return rc;
	}
	return rc == CST_OK ? cst_fail(CST_ECONFLICT, "secret_id is in use: try again") : rc;
}

static int login(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	const char *role_id = json_string_value(json_object_get(req->data, "role_id"));
	const char *secret = json_string_value(json_object_get(req->data, "secret_id"));
	const char *addr = req->client_addr;
	static const cst_lockout_cfg no_lockout = {0, 0, 0, 1};
	cst_login_guard *g = ctx->vault->login_guard;
	int64_t now = now_s();
	json_t *ref = NULL, *rec = NULL, *entry = NULL;
	char idx[KEYLEN], name[CST_LIMIT_AUTH_NAME + 1] = "";
	hash_t h;
	if (role_id == NULL || *role_id == '\0')
		return cst_fail(CST_EINVAL, "missing role_id");
	int rc = cst_login_guard_check(g, NULL, addr, &no_lockout, now);
	if (rc < 0)
		return rc;
	if ((rc = keyed(h, ctx->vault, "role-id", role_id)) == CST_OK &&
	    (rc = auth_key(idx, ctx, "role-id/%s", h)) == CST_OK)
		rc = auth_load(&ref, NULL, ctx, idx);
	const char *n = json_string_value(json_object_get(ref, "name"));
	if (rc == CST_OK && n)
		snprintf(name, sizeof(name), "%s", n);
	if (rc == CST_OK)
		rc = load_role(&rec, NULL, ctx, name);
	json_decref(ref);
	/* The index can be stale (a role_id changed, or the role deleted and
	 * made again while a login read it): the role's own role_id decides. */
	const char *stored = json_string_value(json_object_get(rec, "role_id"));
	size_t given_len = strlen(role_id);
	if (rc == CST_OK && (stored == NULL || strlen(stored) != given_len ||
	                     !cst_ct_equal(stored, role_id, given_len)))
		rc = CST_ENOTFOUND;
	if (rc == CST_ENOTFOUND)
		rc = cst_fail(CST_EINVAL, "invalid role or secret ID");
	int bind = json_is_true(json_object_get(rec, "bind_secret_id"));
	if (rc == CST_OK && bind && (secret == NULL || *secret == '\0'))
		rc = cst_fail(CST_EINVAL, "missing secret_id");
	if (rc == CST_OK && !bind && !cidr_ok(json_object_get(rec, "secret_id_bound_cidrs"), addr))
		rc = cst_fail(CST_EINVAL, "source address unauthorized through CIDR restrictions on "
		                          "the role");
	if (rc == CST_OK && bind)
		rc = use_secret(ctx, name, rec, secret, addr, &entry);
	if (rc == CST_EINVAL)
		cst_login_guard_failed(g, NULL, addr, &no_lockout, now);
	/* The token's CIDRs: the secret_id's, else the role's; the login must
	 * come from inside them too. */
	json_t *tcidrs = json_object_get(entry, "token_bound_cidrs");
	if (json_array_size(tcidrs) == 0)
		tcidrs = json_object_get(rec, "token_bound_cidrs");
	if (rc == CST_OK && !cidr_ok(tcidrs, addr))
		rc = cst_fail(CST_EINVAL, "source address unauthorized through CIDR restrictions on "
		                          "the role's tokens");
	if (rc == CST_OK) {
		json_t *meta = json_object();
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(entry, "metadata"), k, v)
			json_object_set(meta, k, v);
		json_object_set_new(meta, "role_name", json_string(name));
		auth_login l = {rec, name, json_string_value(json_object_get(rec, "id")), meta, "approle",
		                NULL, tcidrs};
		rc = auth_issue_token(ctx, req, &l, resp);
		json_decref(meta);
	}
	json_decref(entry);
	json_decref(rec);
	return rc;
}

/* Removes the secret_ids whose time is up, walking the expiry index in
 * time order. */
static int sweep(cst_engine_ctx *ctx, int64_t now, uint64_t *out_count)
{
	char prefix[KEYLEN], limit[KEYLEN];
	int rc = auth_key(prefix, ctx, "expire/");
	*out_count = 0;
	if (rc == CST_OK)
		rc = auth_key(limit, ctx, "expire/%012lld/", (long long)now + 1);
	while (rc == CST_OK) {
		cst_storage_keys page = {0};
		size_t done = 0;
		if ((rc = cst_storage_list(ctx->barrier->st, prefix, NULL, 256, &page)) < 0)
			break;
		for (size_t i = 0; rc == CST_OK && i < page.count; i++) {
			if (strcmp(page.keys[i], limit) >= 0)
				break;
			/* expire/<time>/<role>/<hash> */
			char role[CST_LIMIT_AUTH_NAME + 1], key[KEYLEN];
			const char *r = page.keys[i] + strlen(prefix) + 13, *slash = strchr(r, '/');
			json_t *e = NULL;
			if (slash && (size_t)(slash - r) < sizeof(role)) {
				snprintf(role, sizeof(role), "%.*s", (int)(slash - r), r);
				if ((rc = auth_key(key, ctx, "secret-id/%s/%s", role, slash + 1)) == CST_OK &&
				    (rc = auth_load(&e, NULL, ctx, key)) == CST_OK)
					rc = delete_secret(ctx, role, slash + 1, e, CST_REV_ANY);
				if (rc == CST_ENOTFOUND)
					rc = CST_OK;
				json_decref(e);
			}
			cst_barrier_op op = {CST_STORAGE_DELETE, page.keys[i], NULL, 0, CST_REV_ANY};
			if (rc == CST_OK)
				rc = cst_barrier_batch(ctx->barrier, &op, 1);
			if (rc == CST_OK) {
				(*out_count)++;
				done++;
			}
		}
		size_t got = page.count;
		cst_storage_keys_release(&page);
		if (done < got || got == 0)
			break;
	}
	return rc;
}

static int tidy(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)req;
	uint64_t n = 0;
	int rc = sweep(ctx, now_s(), &n);
	if (rc == CST_OK)
		resp->warnings = json_pack("[s]", "Tidy operation successfully started. Any information "
		                                  "from the operation will be printed to Vault's server logs.");
	return rc;
}

static const cst_route approle_routes[] = {
	{"login", 1, CST_WR, login, NULL, 0, 1, 0},
	{"tidy/secret-id", 1, CST_WR, tidy, NULL, 0, 0, 0},
	{"role/", 1, CST_LS, role_list, NULL, 0, 0, 0},
	{"role/", 0, CST_RD | CST_WR | CST_DEL | CST_LS, role_route, role_exists, 0, 0, 0},
};

const cst_engine cst_engine_approle = {1, "approle", approle_routes,
                                       sizeof(approle_routes) / sizeof(approle_routes[0]), sweep};

struct role_walk {
	size_t prefix_len;
	int (*fn)(const char *name, const char *role_id, void *payload);
	void *payload;
};

static int each_role(const char *key, const json_t *rec, void *payload)
{
	struct role_walk *w = payload;
	const char *role_id = json_string_value(json_object_get(rec, "role_id"));
	return role_id ? w->fn(key + w->prefix_len, role_id, w->payload) : CST_OK;
}

int cst_approle_each_role(cst_vault *v, const char *storage_prefix,
                          int (*fn)(const char *name, const char *role_id, void *payload),
                          void *payload)
{
	char prefix[KEYLEN];
	int n = snprintf(prefix, sizeof(prefix), "%srole/", storage_prefix);
	if (n <= 0 || (size_t)n >= sizeof(prefix))
		return cst_fail(CST_EINVAL, "storage prefix too long");
	struct role_walk w = {(size_t)n, fn, payload};
	return cst_barrier_each_json(&v->barrier, prefix, each_role, &w);
}
