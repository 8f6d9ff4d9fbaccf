/* token.c - the auth/token/ backend: Vault's token endpoints (create,
 * lookup, renew, revoke and their -self/-accessor/-orphan forms, tidy,
 * accessors) over the token store in src/core/tokens.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/router.h"
#include "core/tokens.h"
#include "core/vault.h"
#include "storage/storage.h"
#include "util/timefmt.h"

static int create_common(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp,
                         int orphan)
{
	json_t *empty = json_object();
	cst_token_params p = {req->data ? req->data : empty, ctx->caller, ctx->privileged, orphan,
	                      req->path, NULL, NULL};
	int rc = cst_token_create(&resp->auth, &resp->warnings, ctx->vault, &p);
	json_decref(empty);
	return rc;
}

static int create(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	return create_common(ctx, req, resp, 0);
}

static int create_orphan(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	return create_common(ctx, req, resp, 1);
}

/* The token a request names in its body ("token"), hashed. */
static int named_token(char *hash, cst_engine_ctx *ctx, const cst_request *req)
{
	const char *token = json_string_value(json_object_get(req->data, "token"));
	if (token == NULL || *token == '\0')
		return cst_fail(CST_EINVAL, "missing token ID");
	if (strlen(token) > 256)
		return cst_fail(CST_EPERM, "bad token");
	return cst_token_hash(ctx->vault, token, hash);
}

static int self_hash(char *hash, cst_engine_ctx *ctx)
{
	if (ctx->caller == NULL)
		return cst_fail(CST_EINVAL, "no token: -self paths need a token (local mode has none)");
	memcpy(hash, ctx->caller->hash, CST_TOKEN_HASH_LEN + 1);
	return CST_OK;
}

static int accessor_hash(char *hash, cst_engine_ctx *ctx, const cst_request *req)
{
	const char *acc = json_string_value(json_object_get(req->data, "accessor"));
	if (acc == NULL || *acc == '\0')
		return cst_fail(CST_EINVAL, "missing accessor");
	int rc = cst_token_by_accessor(hash, ctx->vault, acc);
	if (rc == CST_ENOTFOUND)
		rc = cst_fail(CST_EINVAL, "invalid accessor");
	return rc;
}

static int lookup_by_hash(cst_engine_ctx *ctx, const char *hash, const char *id,
                          cst_response *resp)
{
	json_t *e = NULL;
	int rc = cst_token_load(&e, ctx->vault, hash);
	if (rc == CST_ENOTFOUND)
		return cst_fail(CST_EPERM, "bad token");
	if (rc == CST_OK) {
		int64_t expire = json_integer_value(json_object_get(e, "expire_time"));
		if (expire && expire <= cst_now_ns() / 1000000000)
			rc = cst_fail(CST_EPERM, "bad token");
		else
			resp->data = cst_token_lookup_data(e, id);
	}
	json_decref(e);
	return rc;
}

static int lookup(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	char hash[CST_TOKEN_HASH_LEN + 1];
	int rc = named_token(hash, ctx, req);
	return rc < 0 ? rc : lookup_by_hash(ctx, hash, json_string_value(json_object_get(req->data, "token")), resp);
}

static int lookup_self(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	char hash[CST_TOKEN_HASH_LEN + 1];
	int rc = self_hash(hash, ctx);
	return rc < 0 ? rc : lookup_by_hash(ctx, hash, req->token, resp);
}

static int lookup_accessor(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	char hash[CST_TOKEN_HASH_LEN + 1];
	int rc = accessor_hash(hash, ctx, req);
	return rc < 0 ? rc : lookup_by_hash(ctx, hash, "", resp);
}

static int increment(int64_t *out, const cst_request *req)
{
	json_t *v = json_object_get(req->data, "increment");
	*out = 0;
	if (v == NULL || json_is_null(v))
		return CST_OK;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = json_integer_value(v);
		return CST_OK;
	}
	if (json_is_string(v) && cst_duration_parse(out, json_string_value(v)) == CST_OK)
		return CST_OK;
	return cst_fail(CST_EINVAL, "increment must be a duration such as 1h or 3600");
}

static int renew_hash(cst_engine_ctx *ctx, const cst_request *req, const char *hash,
                      cst_response *resp)
{
	int64_t inc;
	int rc = increment(&inc, req);
	return rc < 0 ? rc : cst_token_renew(&resp->auth, ctx->vault, hash, inc);
}

static int renew(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	char hash[CST_TOKEN_HASH_LEN + 1];
	int rc = named_token(hash, ctx, req);
	if (rc == CST_OK)
		rc = renew_hash(ctx, req, hash, resp);
	if (rc == CST_OK) /* the client token is the one asked about */
		json_object_set(resp->auth, "client_token", json_object_get(req->data, "token"));
	return rc;
}

static int renew_self(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	char hash[CST_TOKEN_HASH_LEN + 1];
	int rc = self_hash(hash, ctx);
	if (rc == CST_OK)
		rc = renew_hash(ctx, req, hash, resp);
	if (rc == CST_OK && req->token)
		json_object_set_new(resp->auth, "client_token", json_string(req->token));
	return rc;
}

static int revoke(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)resp;
	char hash[CST_TOKEN_HASH_LEN + 1];
	int rc = named_token(hash, ctx, req);
	return rc < 0 ? rc : cst_token_revoke(ctx->vault, hash, 0);
}

static int revoke_self(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)req;
	(void)resp;
	char hash[CST_TOKEN_HASH_LEN + 1];
	int rc = self_hash(hash, ctx);
	return rc < 0 ? rc : cst_token_revoke(ctx->vault, hash, 0);
}

static int revoke_accessor(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)resp;
	char hash[CST_TOKEN_HASH_LEN + 1];
	int rc = accessor_hash(hash, ctx, req);
	return rc < 0 ? rc : cst_token_revoke(ctx->vault, hash, 0);
}

static int revoke_orphan(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)resp;
	char hash[CST_TOKEN_HASH_LEN + 1];
	if (!ctx->privileged)
		return cst_fail(CST_EINVAL, "root or sudo privileges required to revoke and orphan");
	int rc = named_token(hash, ctx, req);
	return rc < 0 ? rc : cst_token_revoke(ctx->vault, hash, 1);
}

static int tidy(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)req;
	uint64_t n = 0;
	int rc = cst_token_sweep(ctx->vault, cst_now_ns() / 1000000000, &n);
	if (rc == CST_OK)
		resp->warnings = json_pack("[s]", "Tidy operation successfully started. Any information "
		                                  "from the operation will be printed to Vault's server logs.");
	return rc;
}

#define ACCESSOR_PREFIX "sys/token/accessor/"

static int add_accessor(const char *key, void *payload)
{
	json_array_append_new(payload, json_string(key + strlen(ACCESSOR_PREFIX)));
	return CST_OK;
}

static int accessors(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)req;
	json_t *keys = json_array();
	int rc = cst_storage_each_key(ctx->vault->st, ACCESSOR_PREFIX, add_accessor, keys);
	if (rc == CST_OK && json_array_size(keys) == 0)
		rc = cst_fail(CST_ENOTFOUND, "no tokens");
	if (rc == CST_OK)
		resp->data = json_pack("{s:o}", "keys", keys);
	else
		json_decref(keys);
	return rc;
}

static const cst_route token_routes[] = {
	{"create-orphan", 1, CST_WR, create_orphan, NULL, 0, 0, 0},
	{"create", 1, CST_WR, create, NULL, 0, 0, 0},
	{"lookup-self", 1, CST_RD, lookup_self, NULL, 0, 0, 0},
	{"lookup-accessor", 1, CST_WR, lookup_accessor, NULL, 0, 0, 0},
	{"lookup", 1, CST_RD | CST_WR, lookup, NULL, 0, 0, 0},
	{"renew-self", 1, CST_WR, renew_self, NULL, 0, 0, 0},
	{"renew", 1, CST_WR, renew, NULL, 0, 0, 0},
	{"revoke-self", 1, CST_WR, revoke_self, NULL, 0, 0, 0},
	{"revoke-accessor", 1, CST_WR, revoke_accessor, NULL, 0, 0, 0},
	{"revoke-orphan", 1, CST_WR, revoke_orphan, NULL, 1, 0, 0},
	{"revoke", 1, CST_WR, revoke, NULL, 0, 0, 0},
	{"tidy", 1, CST_WR, tidy, NULL, 0, 0, 0},
	{"accessors/", 1, CST_OPS(CST_OP_LIST), accessors, NULL, 1, 0, 0},
	{"accessors", 1, CST_OPS(CST_OP_LIST), accessors, NULL, 1, 0, 0},
};

const cst_engine cst_engine_token = {1, "token", token_routes,
                                     sizeof(token_routes) / sizeof(token_routes[0]), NULL};
