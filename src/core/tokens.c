/* tokens.c - the token store: creation with Vault's rules, lookup by keyed
 * hash, use counts, renewal, tree revocation and the expiry sweep. */
#include "core/tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "core/policy.h"
#include "core/vault.h"
#include "crypto/kdf.h"
#include "crypto/rand.h"
#include "storage/storage.h"
#include "util/base64.h"
#include "util/cidr.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timefmt.h"

#define SALT_PATH "core/token-salt"
#define ID_PREFIX "sys/token/id/"
#define ACCESSOR_PREFIX "sys/token/accessor/"
#define PARENT_PREFIX "sys/token/parent/"
#define EXPIRE_PREFIX "sys/token/expire/"
#define KEY_MAX 256

/* TTLs come from the server config (default_lease_ttl, max_lease_ttl);
 * Vault's defaults, 32 days each, otherwise. */
#define DEFAULT_TTL (v->default_ttl)
#define MAX_TTL (v->max_ttl)

void cst_caller_release(cst_caller *c)
{
	json_decref(c->entry);
	c->entry = NULL;
}

static int64_t now_s(void)
{
	return cst_now_ns() / 1000000000;
}

/* Loads the HMAC key for token ids, making it on first use. Two processes
 * racing to make it: the loser's write fails its revision check and it
 * reads the winner's. */
static int load_salt(cst_vault *v)
{
	if (v->token_mac != NULL) /* the hot path: no lock */
		return CST_OK;
	int rc = CST_OK;
	pthread_mutex_lock(&v->salt_lock);
	for (int tries = 0; v->token_mac == NULL && tries < 2; tries++) {
		cst_buf raw = CST_BUF_INIT;
		rc = cst_barrier_get(&v->barrier, SALT_PATH, &raw, NULL);
		if (rc == CST_OK && raw.len == 32) {
			cst_mac_key *k = NULL;
			if ((rc = cst_mac_key_new(&k, raw.ptr, raw.len)) == CST_OK)
				v->token_mac = k;
		} else if (rc == CST_OK) {
			rc = cst_fail(CST_EINTEGRITY, "token salt is damaged");
		} else if (rc == CST_ENOTFOUND) {
			unsigned char salt[32];
			if ((rc = cst_rand_bytes(salt, sizeof(salt))) == CST_OK) {
				cst_barrier_op op = {CST_STORAGE_PUT, SALT_PATH, salt, sizeof(salt),
				                     CST_REV_ABSENT};
				rc = cst_barrier_batch(&v->barrier, &op, 1);
			}
			cst_wipe(salt, sizeof(salt));
			if (rc == CST_ECONFLICT)
				rc = CST_OK; /* someone else made it: read theirs */
		}
		cst_buf_release(&raw);
		if (rc < 0)
			break;
	}
	pthread_mutex_unlock(&v->salt_lock);
	return rc;
}

int cst_token_hash(cst_vault *v, const char *token, char *out)
{
	unsigned char mac[CST_SHA256_LEN];
	int rc = load_salt(v);
	if (rc == CST_OK)
		rc = cst_mac_key_sha256(mac, v->token_mac, token, strlen(token));
	if (rc == CST_OK)
		cst_hex_encode(out, mac, sizeof(mac));
	return rc;
}

static int random_string(char *out, size_t chars)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[96];
	if (chars > 64)
		return cst_fail(CST_EINVAL, "random string too long");
	/* 62 does not divide 256: bytes of 248 and up are rejected (1 in 32),
	 * so draw a margin at once instead of one call per rejected byte. */
	size_t have = 0, used = 0;
	int rc = CST_OK;
	for (size_t i = 0; rc == CST_OK && i < chars;) {
		if (used == have) {
			if ((rc = cst_rand_bytes(r, sizeof(r))) < 0)
				break;
			have = sizeof(r);
			used = 0;
		}
		unsigned char b = r[used++];
		if (b < 248)
			out[i++] = alphabet[b % 62];
	}
	out[chars] = '\0';
	cst_wipe(r, sizeof(r));
	return rc;
}

/* The entry, shared with the cache when `shared` (the caller must not
 * change it), else a private copy the caller may change. */
static int load_entry(json_t **out, cst_vault *v, const char *hash, int shared)
{
	char key[KEY_MAX];
	uint64_t ticket;
	json_t *cached = cst_cache_get(&v->token_cache, hash, &ticket);
	if (cached != NULL) {
		if (shared) {
			*out = cached;
			return CST_OK;
		}
		*out = json_deep_copy(cached);
		json_decref(cached);
		return *out ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	}
	snprintf(key, sizeof(key), ID_PREFIX "%s", hash);
	int rc = cst_barrier_get_json(&v->barrier, key, out, NULL);
	if (rc == CST_OK) {
		json_t *copy = shared ? json_incref(*out) : json_deep_copy(*out);
		cst_cache_put(&v->token_cache, hash, copy, ticket);
		json_decref(copy);
	}
	return rc;
}

int cst_token_load(json_t **out, cst_vault *v, const char *hash)
{
	return load_entry(out, v, hash, 0);
}

int cst_token_by_accessor(char *out_hash, cst_vault *v, const char *accessor)
{
	char key[KEY_MAX];
	json_t *ref = NULL;
	if (strlen(accessor) == 0 || strlen(accessor) > 64 || strchr(accessor, '/'))
		return cst_fail(CST_EINVAL, "invalid accessor");
	snprintf(key, sizeof(key), ACCESSOR_PREFIX "%s", accessor);
	int rc = cst_barrier_get_json(&v->barrier, key, &ref, NULL);
	const char *id = json_string_value(json_object_get(ref, "id"));
	if (rc == CST_OK && (id == NULL || strlen(id) != CST_TOKEN_HASH_LEN))
		rc = cst_fail(CST_EINTEGRITY, "accessor record is damaged");
	if (rc == CST_OK)
		memcpy(out_hash, id, CST_TOKEN_HASH_LEN + 1);
	json_decref(ref);
	return rc;
}

static int has_policy(const json_t *entry, const char *name)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(entry, "policies"), i, p)
		if (strcmp(json_string_value(p), name) == 0)
			return 1;
	return 0;
}

static void expire_key(char *out, size_t n, int64_t expire, const char *hash)
{
	snprintf(out, n, EXPIRE_PREFIX "%012lld/%s", (long long)expire, hash);
}

/* The stored entry and its revision, not the cache's copy: for a change
 * that must not lose a race (a use, a renewal, an orphaning). */
static int load_fresh(json_t **out, uint64_t *rev, cst_vault *v, const char *hash)
{
	char key[KEY_MAX];
	snprintf(key, sizeof(key), ID_PREFIX "%s", hash);
	return cst_barrier_get_json(&v->barrier, key, out, rev);
}

/* Writes an entry and its index rows in one batch. expect_rev: CST_REV_ABSENT
 * for a new token (with its accessor and parent rows), else the revision it
 * was read at: a change that lost a race to a revoke or another change is
 * CST_ECONFLICT, never a revoked token written back. old_expire is the
 * expiry index row to drop (0: none). */
static int save_entry(cst_vault *v, const char *hash, json_t *entry, int64_t expect_rev,
                      int64_t old_expire)
{
	int is_new = expect_rev == CST_REV_ABSENT;
	char id_key[KEY_MAX], acc_key[KEY_MAX], parent_key[KEY_MAX], exp_key[KEY_MAX],
		old_exp_key[KEY_MAX];
	char *text = cst_json_dump(entry);
	char acc_ref[128];
	const char *accessor = json_string_value(json_object_get(entry, "accessor"));
	const char *parent = json_string_value(json_object_get(entry, "parent"));
	int64_t expire = json_integer_value(json_object_get(entry, "expire_time"));
	cst_barrier_op ops[5];
	size_t n = 0;
	if (text == NULL || accessor == NULL)
		return free(text), cst_fail(CST_ENOMEM, "out of memory");
	snprintf(id_key, sizeof(id_key), ID_PREFIX "%s", hash);
	ops[n++] = (cst_barrier_op){CST_STORAGE_PUT, id_key, text, strlen(text), expect_rev};
	if (is_new) {
		snprintf(acc_key, sizeof(acc_key), ACCESSOR_PREFIX "%s", accessor);
		snprintf(acc_ref, sizeof(acc_ref), "{\"id\":\"%s\"}", hash);
		ops[n++] = (cst_barrier_op){CST_STORAGE_PUT, acc_key, acc_ref, strlen(acc_ref),
		                            CST_REV_ABSENT};
		if (parent && *parent) {
			snprintf(parent_key, sizeof(parent_key), PARENT_PREFIX "%s/%s", parent, hash);
			ops[n++] = (cst_barrier_op){CST_STORAGE_PUT, parent_key, "{}", 2, CST_REV_ANY};
		}
	}
	if (old_expire && old_expire != expire) {
		expire_key(old_exp_key, sizeof(old_exp_key), old_expire, hash);
		ops[n++] = (cst_barrier_op){CST_STORAGE_DELETE, old_exp_key, NULL, 0, CST_REV_ANY};
	}
	if (expire && (is_new || old_expire != expire)) {
		expire_key(exp_key, sizeof(exp_key), expire, hash);
		ops[n++] = (cst_barrier_op){CST_STORAGE_PUT, exp_key, "{}", 2, CST_REV_ANY};
	}
	cst_cache_drop(&v->token_cache, hash);
	int rc = cst_barrier_batch(&v->barrier, ops, n);
	/* Again after: a reader that read the old entry before the batch
	 * must not put it back (see cst_cache_get). */
	cst_cache_drop(&v->token_cache, hash);
	free(text);
	return rc;
}

/* Vault's auth object for a token. */
static json_t *auth_object(const char *token, const json_t *e)
{
	json_t *policies = json_object_get(e, "policies");
	json_t *meta = json_object_get(e, "meta");
	int64_t expire = json_integer_value(json_object_get(e, "expire_time"));
	int64_t ttl = expire ? expire - now_s() : 0;
	const char *entity = json_string_value(json_object_get(json_object_get(e, "identity"), "entity_id"));
	return json_pack("{s:s, s:s, s:O, s:O, s:O, s:I, s:b, s:s, s:s, s:b, s:n, s:I}",
	                 "client_token", token, "accessor",
	                 json_string_value(json_object_get(e, "accessor")), "policies", policies,
	                 "token_policies", policies, "metadata", meta ? meta : json_null(),
	                 "lease_duration", (json_int_t)(ttl > 0 ? ttl : 0), "renewable",
	                 json_is_true(json_object_get(e, "renewable")), "entity_id",
	                 entity ? entity : "", "token_type", "service", "orphan", json_is_true(json_object_get(e, "orphan")),
	                 "mfa_requirement", "num_uses",
	                 (json_int_t)json_integer_value(json_object_get(e, "num_uses")));
}

json_t *cst_token_lookup_data(const json_t *e, const char *id)
{
	int64_t created = json_integer_value(json_object_get(e, "creation_time"));
	int64_t expire = json_integer_value(json_object_get(e, "expire_time"));
	int64_t ttl = expire ? expire - now_s() : 0;
	char expire_text[48];
	cst_time_format(expire_text, sizeof(expire_text), expire * 1000000000LL);
	json_t *meta = json_object_get(e, "meta");
	json_t *identity = json_object_get(e, "identity");
	const char *entity = json_string_value(json_object_get(identity, "entity_id"));
	json_t *d = json_pack(
		"{s:s, s:s, s:O, s:s, s:O, s:s, s:I, s:b, s:I, s:I, s:o, s:I, s:I, s:s, s:s, s:b, s:I}",
		"id", id ? id : "", "accessor", json_string_value(json_object_get(e, "accessor")),
		"policies", json_object_get(e, "policies"), "path",
		json_string_value(json_object_get(e, "path")), "meta", meta ? meta : json_null(),
		"display_name", json_string_value(json_object_get(e, "display_name")), "num_uses",
		(json_int_t)json_integer_value(json_object_get(e, "num_uses")), "orphan",
		json_is_true(json_object_get(e, "orphan")), "creation_time", (json_int_t)created,
		"creation_ttl", (json_int_t)json_integer_value(json_object_get(e, "creation_ttl")),
		"expire_time", expire ? json_string(expire_text) : json_null(), "ttl",
		(json_int_t)(ttl > 0 ? ttl : 0), "explicit_max_ttl",
		(json_int_t)json_integer_value(json_object_get(e, "explicit_max_ttl")), "entity_id",
		entity ? entity : "", "type", "service", "renewable", json_is_true(json_object_get(e, "renewable")),
		"issue_time", (json_int_t)created);
	int64_t period = json_integer_value(json_object_get(e, "period"));
	if (d && period)
		json_object_set_new(d, "period", json_integer(period));
	json_t *cidrs = json_object_get(e, "bound_cidrs");
	if (d && json_array_size(cidrs))
		json_object_set(d, "bound_cidrs", cidrs);
	int64_t renewed = json_integer_value(json_object_get(e, "last_renewal_time"));
	if (d && renewed)
		json_object_set_new(d, "last_renewal_time", json_integer(renewed));
	/* custos extension: the teams a login token was issued for. */
	if (d && json_is_array(json_object_get(identity, "teams")))
		json_object_set(d, "teams", json_object_get(identity, "teams"));
	return d;
}

/* Reads a duration parameter (int seconds or "1h"). Missing: *out = 0. */
static int duration_param(int64_t *out, const json_t *body, const char *name)
{
	json_t *v = json_object_get(body, name);
	*out = 0;
	if (v == NULL || json_is_null(v))
		return CST_OK;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = json_integer_value(v);
		return CST_OK;
	}
	if (json_is_string(v) && (json_string_length(v) == 0 ||
	                          cst_duration_parse(out, json_string_value(v)) == CST_OK))
		return *out >= 0 ? CST_OK : cst_fail(CST_EINVAL, "%s cannot be negative", name);
	return cst_fail(CST_EINVAL, "%s must be a duration such as 1h or 3600", name);
}

static int bool_param(int *out, const json_t *body, const char *name, int dflt)
{
	json_t *v = json_object_get(body, name);
	if (v == NULL || json_is_null(v))
		*out = dflt;
	else if (json_is_boolean(v))
		*out = json_is_true(v);
	else if (json_is_string(v) && (!strcmp(json_string_value(v), "true") ||
	                               !strcmp(json_string_value(v), "false")))
		*out = !strcmp(json_string_value(v), "true");
	else
		return cst_fail(CST_EINVAL, "%s must be true or false", name);
	return CST_OK;
}

/* Policies of a new token: the request's or the parent's, sorted, with
 * "default" unless asked not to; a subset of the parent's unless
 * privileged. */
#define POLICY_NAME_MAX 128

/* One asked-for policy name, trimmed and lower-cased as Vault does, and
 * held to the names a policy can have: one with a newline or a comma could
 * otherwise pose as several (the ACL cache keys sets by their names).
 * out holds POLICY_NAME_MAX + 1 bytes. */
static int clean_policy_name(char *out, const char *raw)
{
	while (*raw == ' ' || *raw == '\t')
		raw++;
	size_t len = strlen(raw);
	while (len && (raw[len - 1] == ' ' || raw[len - 1] == '\t'))
		len--;
	if (len > POLICY_NAME_MAX)
		return cst_fail(CST_EINVAL, "policy names are at most %d characters", POLICY_NAME_MAX);
	char name[POLICY_NAME_MAX + 1];
	memcpy(name, raw, len);
	name[len] = '\0';
	int lowered;
	return cst_policy_name(out, POLICY_NAME_MAX + 1, name, &lowered);
}

static int child_policies(json_t **out, const cst_token_params *p, int no_default)
{
	const json_t *asked = json_object_get(p->body, "policies");
	const json_t *parent_pol = p->parent ? json_object_get(p->parent->entry, "policies") : NULL;
	json_t *list = json_array();
	size_t i;
	json_t *v;
	if (asked != NULL && !json_is_null(asked) && !json_is_array(asked) && !json_is_string(asked))
		return json_decref(list), cst_fail(CST_EINVAL, "policies must be a list of names");
	if (json_is_string(asked)) { /* "a,b" as Vault's CLI sends */
		char *copy = strdup(json_string_value(asked));
		if (copy == NULL)
			return json_decref(list), cst_fail(CST_ENOMEM, "out of memory");
		for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
			json_array_append_new(list, json_string(t));
		free(copy);
	} else if (json_array_size(asked)) {
		json_array_foreach(asked, i, v) {
			if (!json_is_string(v))
				return json_decref(list), cst_fail(CST_EINVAL, "policies must be names");
			json_array_append(list, v);
		}
	} else if (parent_pol) {
		json_array_foreach(parent_pol, i, v)
			if (strcmp(json_string_value(v), "default") != 0 || !no_default)
				json_array_append(list, v);
	}
	if (!no_default)
		json_array_append_new(list, json_string("default"));
	/* sort, dedupe, lower-case */
	size_t n = json_array_size(list);
	char **names = calloc(n ? n : 1, sizeof(*names));
	int rc = names ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	for (i = 0; names && i < n; i++) {
		names[i] = calloc(1, POLICY_NAME_MAX + 1);
		if (names[i] == NULL)
			rc = cst_fail(CST_ENOMEM, "out of memory");
		else if (rc == CST_OK)
			rc = clean_policy_name(names[i], json_string_value(json_array_get(list, i)));
	}
	for (i = 1; rc == CST_OK && i < n; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	json_decref(list);
	*out = json_array();
	int parent_root = p->parent && p->parent->root;
	for (i = 0; rc == CST_OK && i < n; i++) {
		if (i && strcmp(names[i], names[i - 1]) == 0)
			continue;
		if (strcmp(names[i], "root") == 0 && !parent_root && p->parent)
			rc = cst_fail(CST_EPERM, "root tokens may not be created without parent token being root");
		else if (!p->privileged && p->parent && strcmp(names[i], "default") != 0 &&
		         !has_policy(p->parent->entry, names[i]))
			rc = cst_fail(CST_EINVAL, "child policies must be subset of parent");
		json_array_append_new(*out, json_string(names[i]));
	}
	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

static int string_map(const json_t *m, const char *what)
{
	const char *k;
	json_t *v;
	if (m == NULL || json_is_null(m))
		return CST_OK;
	if (!json_is_object(m))
		return cst_fail(CST_EINVAL, "%s must be a map of strings", what);
	json_object_foreach((json_t *)m, k, v)
		if (!json_is_string(v))
			return cst_fail(CST_EINVAL, "%s must be a map of strings", what);
	return CST_OK;
}

/* Builds an entry from the create parameters; the caller stores it. */
static int build_entry(json_t **out, json_t **warnings, cst_vault *v, const cst_token_params *p,
                       int64_t now)
{
	const json_t *b = p->body;
	int64_t ttl, max_ttl, period, num_uses = 0;
	int renewable, no_default, no_parent;
	json_t *policies = NULL;
	int rc;
	(void)warnings;
	if ((rc = duration_param(&ttl, b, "ttl")) < 0 ||
	    (rc = duration_param(&max_ttl, b, "explicit_max_ttl")) < 0 ||
	    (rc = duration_param(&period, b, "period")) < 0 ||
	    (rc = bool_param(&renewable, b, "renewable", 1)) < 0 ||
	    (rc = bool_param(&no_default, b, "no_default_policy", 0)) < 0 ||
	    (rc = bool_param(&no_parent, b, "no_parent", 0)) < 0 ||
	    (rc = string_map(json_object_get(b, "meta"), "meta")) < 0)
		return rc;
	if (ttl == 0 && json_is_string(json_object_get(b, "lease")) &&
	    (rc = cst_duration_parse(&ttl, json_string_value(json_object_get(b, "lease")))) < 0)
		return rc;
	json_t *nu = json_object_get(b, "num_uses");
	if (nu && !json_is_null(nu)) {
		if (!json_is_integer(nu) || json_integer_value(nu) < 0)
			return cst_fail(CST_EINVAL, "num_uses must be a positive number or 0");
		num_uses = json_integer_value(nu);
	}
	const char *type = json_string_value(json_object_get(b, "type"));
	if (type && *type && strcmp(type, "service") != 0 && strcmp(type, "default") != 0)
		return cst_fail(CST_EINVAL, "token type '%.16s' is not supported (only service)", type);
	if (no_parent && !p->privileged && !p->orphan)
		return cst_fail(CST_EINVAL, "root or sudo privileges required to create orphan token");
	if (period && !p->privileged)
		return cst_fail(CST_EINVAL, "root or sudo privileges required to create periodic token");
	if (p->parent && json_integer_value(json_object_get(p->parent->entry, "num_uses")) > 0)
		return cst_fail(CST_EINVAL, "a use-limited token cannot create child tokens");
	if ((rc = child_policies(&policies, p, no_default)) < 0)
		return rc;
	int root_only = json_array_size(policies) == 1 &&
	                strcmp(json_string_value(json_array_get(policies, 0)), "root") == 0;
	if (period)
		ttl = period;
	if (ttl == 0 && !(root_only && p->parent && p->parent->root && !json_object_get(b, "ttl")))
		ttl = DEFAULT_TTL;
	if (root_only && ttl == 0)
		renewable = 0;
	if (ttl > MAX_TTL && !period)
		ttl = MAX_TTL;
	if (max_ttl && ttl > max_ttl)
		ttl = max_ttl;
	const char *dn = json_string_value(json_object_get(b, "display_name"));
	char display[160];
	if (p->display_name)
		snprintf(display, sizeof(display), "%.150s", p->display_name);
	else
		snprintf(display, sizeof(display), "%s%.128s", dn && *dn ? "token-" : "token",
		         dn && *dn ? dn : "");
	json_t *cidrs = json_object_get(b, "bound_cidrs");
	if (cidrs == NULL && p->parent)
		cidrs = json_object_get(p->parent->entry, "bound_cidrs");
	if (cidrs && !json_is_null(cidrs) && (rc = cst_cidr_check_list(cidrs)) < 0) {
		json_decref(policies);
		return rc;
	}
	int orphan = p->orphan || no_parent || p->parent == NULL;
	json_t *meta = json_object_get(b, "meta");
	*out = json_pack("{s:s, s:o, s:s, s:s, s:O, s:s, s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:b, s:I}",
	                 "accessor", "", "policies", policies, "parent",
	                 orphan ? "" : p->parent->hash, "path", p->path ? p->path : "auth/token/create",
	                 "meta", meta && !json_is_null(meta) ? meta : json_null(), "display_name", display,
	                 "num_uses", (json_int_t)num_uses, "orphan", orphan, "creation_time",
	                 (json_int_t)now, "creation_ttl", (json_int_t)ttl, "expire_time",
	                 (json_int_t)(ttl ? now + ttl : 0), "explicit_max_ttl", (json_int_t)max_ttl,
	                 "period", (json_int_t)period, "renewable", renewable && ttl > 0,
	                 "last_renewal_time", (json_int_t)0);
	if (*out && cidrs && json_array_size(cidrs))
		json_object_set(*out, "bound_cidrs", cidrs);
	/* A child inherits its parent's identity (Vault: its entity_id). */
	const json_t *identity = p->identity ? p->identity
	                         : p->parent ? json_object_get(p->parent->entry, "identity") : NULL;
	if (*out && identity)
		json_object_set_new(*out, "identity", json_deep_copy(identity));
	return *out ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
}

/* Stores a new entry under a fresh (or given) token id; *out_token is the
 * client token, wiped-free by the caller. */
static int store_new(char **out_token, cst_vault *v, json_t *entry, const char *given_id)
{
	char token[96], accessor[32], hash[CST_TOKEN_HASH_LEN + 1];
	int rc = CST_OK;
	if (given_id) {
		snprintf(token, sizeof(token), "%s", given_id);
	} else {
		memcpy(token, CST_TOKEN_PREFIX, sizeof(CST_TOKEN_PREFIX) - 1);
		rc = random_string(token + sizeof(CST_TOKEN_PREFIX) - 1, 40);
	}
	if (rc == CST_OK)
		rc = random_string(accessor, 24);
	if (rc == CST_OK)
		rc = cst_token_hash(v, token, hash);
	if (rc == CST_OK) {
		json_object_set_new(entry, "accessor", json_string(accessor));
		rc = save_entry(v, hash, entry, CST_REV_ABSENT, 0);
		if (rc == CST_ECONFLICT)
			rc = cst_fail(CST_EINVAL, "a token with that id already exists");
	}
	if (rc == CST_OK && (*out_token = cst_strndup(token, strlen(token))) == NULL)
		rc = cst_fail(CST_ENOMEM, "out of memory");
	cst_wipe(token, sizeof(token));
	return rc;
}

int cst_token_create(json_t **out_auth, json_t **warnings, cst_vault *v, const cst_token_params *p)
{
	json_t *entry = NULL;
	char *token = NULL;
	*out_auth = NULL;
	const char *id = json_string_value(json_object_get(p->body, "id"));
	if (id && *id) {
		if (!p->privileged)
			return cst_fail(CST_EINVAL, "root or sudo privileges required to specify token id");
		if (strchr(id, '.') || strlen(id) > 64)
			return cst_fail(CST_EINVAL, "token IDs can not contain a period and are at most 64 bytes");
	} else {
		id = NULL;
	}
	int rc = build_entry(&entry, warnings, v, p, now_s());
	if (rc == CST_OK)
		rc = store_new(&token, v, entry, id);
	if (rc == CST_OK)
		*out_auth = auth_object(token, entry);
	cst_free_wiped(token);
	json_decref(entry);
	return rc;
}

int cst_token_create_root(json_t **out_auth, cst_vault *v, const char *id)
{
	char hash[CST_TOKEN_HASH_LEN + 1];
	json_t *existing = NULL;
	int rc = CST_OK;
	if (id != NULL && (rc = cst_token_hash(v, id, hash)) == CST_OK &&
	    cst_token_load(&existing, v, hash) == CST_OK) {
		/* Same id as last run (dev mode with a kept vault): keep it. */
		*out_auth = auth_object(id, existing);
		json_decref(existing);
		return CST_OK;
	}
	if (rc < 0)
		return rc;
	json_t *body = json_pack("{s:[s], s:b}", "policies", "root", "no_default_policy", 1);
	cst_token_params p = {body, NULL, 1, 1, "auth/token/root", NULL, NULL};
	json_t *entry = NULL;
	char *token = NULL;
	rc = build_entry(&entry, NULL, v, &p, now_s());
	if (rc == CST_OK) {
		/* Root tokens never expire. */
		json_object_set_new(entry, "creation_ttl", json_integer(0));
		json_object_set_new(entry, "expire_time", json_integer(0));
		json_object_set_new(entry, "renewable", json_false());
		rc = store_new(&token, v, entry, id);
	}
	if (rc == CST_OK)
		*out_auth = auth_object(token, entry);
	cst_free_wiped(token);
	json_decref(entry);
	json_decref(body);
	return rc;
}

int cst_token_authenticate(cst_caller *out, cst_vault *v, const char *token, const char *client_addr,
                           int no_wait)
{
	memset(out, 0, sizeof(*out));
	if (token == NULL || *token == '\0' || strlen(token) > 256)
		return cst_fail(CST_EPERM, "permission denied");
	int rc = cst_token_hash(v, token, out->hash);
	if (rc == CST_OK)
		rc = load_entry(&out->entry, v, out->hash, 1);
	if (rc == CST_ENOTFOUND)
		return cst_fail(CST_EPERM, "permission denied: invalid token");
	if (rc < 0)
		return rc;
	int64_t expire = json_integer_value(json_object_get(out->entry, "expire_time"));
	if (expire && expire <= now_s()) {
		/* Expired: revoke now rather than wait for the sweep (unless this
		 * thread must not wait); a failure here leaves it to the sweep,
		 * the answer is the same. */
		if (!no_wait && cst_token_revoke(v, out->hash, 0) < 0)
			cst_error_clear();
		cst_caller_release(out);
		return cst_fail(CST_EPERM, "permission denied: invalid token");
	}
	json_t *cidrs = json_object_get(out->entry, "bound_cidrs");
	if (json_array_size(cidrs) && expire != 0 &&
	    (client_addr == NULL || !cst_cidr_list_contains(cidrs, client_addr))) {
		cst_caller_release(out);
		return cst_fail(CST_EPERM, "permission denied");
	}
	out->root = has_policy(out->entry, "root");
	int64_t uses = json_integer_value(json_object_get(out->entry, "num_uses"));
	if (uses < 0) { /* its last use was taken: being revoked */
		cst_caller_release(out);
		return cst_fail(CST_EPERM, "permission denied: invalid token");
	}
	if (uses > 0 && no_wait) { /* counting the use writes and waits for its commit */
		cst_caller_release(out);
		return cst_fail(CST_EWOULDBLOCK, "a use-limited token: run where waiting is fine");
	}
	return CST_OK;
}

/* A change to a stored entry that must not lose a race (a use, a renewal,
 * an orphaning): change() edits a fresh copy (or refuses with its error),
 * which is saved under the revision it was read at; a conflict (another
 * change, a revoke) reads again. CST_ENOTFOUND when the token is gone. */
typedef int (*entry_change)(json_t *entry, void *arg);

static int change_entry(cst_vault *v, const char *hash, entry_change change, void *arg)
{
	for (int tries = 0; tries < CST_LIMIT_CAS_RETRIES; tries++) {
		json_t *e = NULL;
		uint64_t rev = 0;
		int rc = load_fresh(&e, &rev, v, hash);
		if (rc < 0)
			return rc;
		int64_t old_expire = json_integer_value(json_object_get(e, "expire_time"));
		if ((rc = change(e, arg)) == CST_OK)
			rc = save_entry(v, hash, e, (int64_t)rev, old_expire);
		json_decref(e);
		if (rc != CST_ECONFLICT)
			return rc;
		cst_error_clear();
	}
	return cst_fail(CST_ECONFLICT, "the token is being changed by other requests: try again");
}

/* Takes one use; the last marks the entry spent (-1), so one request wins it. */
static int take_use(json_t *e, void *last)
{
	int64_t uses = json_integer_value(json_object_get(e, "num_uses"));
	if (uses < 0)
		return cst_fail(CST_EPERM, "permission denied: invalid token");
	*(int *)last = uses == 1;
	json_object_set_new(e, "num_uses", json_integer(uses == 1 ? -1 : uses - 1));
	return CST_OK;
}

int cst_token_use(cst_vault *v, const cst_caller *c)
{
	if (c == NULL || json_integer_value(json_object_get(c->entry, "num_uses")) <= 0)
		return CST_OK;
	int last = 0;
	int rc = change_entry(v, c->hash, take_use, &last);
	if (rc == CST_ENOTFOUND)
		return cst_fail(CST_EPERM, "permission denied: invalid token");
	if (rc == CST_OK && last && cst_token_revoke(v, c->hash, 0) < 0)
		cst_error_clear(); /* spent either way; the sweep finishes it */
	return rc;
}

struct renewal {
	cst_vault *v;
	int64_t increment;
	json_t *auth; /* of the last copy changed */
};

static int renew_entry(json_t *e, void *arg)
{
	struct renewal *r = arg;
	cst_vault *v = r->v; /* for MAX_TTL */
	int64_t now = now_s(), old_expire = json_integer_value(json_object_get(e, "expire_time"));
	int64_t created = json_integer_value(json_object_get(e, "creation_time"));
	int64_t period = json_integer_value(json_object_get(e, "period"));
	int64_t max_ttl = json_integer_value(json_object_get(e, "explicit_max_ttl"));
	if (old_expire == 0)
		return cst_fail(CST_EINVAL, "invalid lease ID");
	if (!json_is_true(json_object_get(e, "renewable")))
		return cst_fail(CST_EINVAL, "lease is not renewable");
	int64_t ttl = period ? period
	                     : (r->increment ? r->increment
	                                     : json_integer_value(json_object_get(e, "creation_ttl")));
	if (ttl > MAX_TTL) /* no overflow below: nothing lives longer anyway */
		ttl = MAX_TTL;
	int64_t expire = now + ttl;
	/* Non-periodic tokens live at most the system max TTL from creation;
	 * explicit_max_ttl caps every token. */
	if (!period && expire > created + MAX_TTL)
		expire = created + MAX_TTL;
	if (max_ttl && expire > created + max_ttl)
		expire = created + max_ttl;
	json_object_set_new(e, "expire_time", json_integer(expire));
	json_object_set_new(e, "last_renewal_time", json_integer(now));
	json_decref(r->auth);
	r->auth = auth_object("", e);
	return CST_OK;
}

int cst_token_renew(json_t **out_auth, cst_vault *v, const char *hash, int64_t increment)
{
	struct renewal r = {v, increment, NULL};
	int rc = change_entry(v, hash, renew_entry, &r);
	if (rc == CST_ENOTFOUND)
		rc = cst_fail(CST_EPERM, "bad token");
	if (rc == CST_OK)
		*out_auth = r.auth;
	else
		json_decref(r.auth);
	return rc;
}

static int orphan_entry(json_t *e, void *arg)
{
	(void)arg;
	json_object_set_new(e, "parent", json_string(""));
	json_object_set_new(e, "orphan", json_true());
	return CST_OK;
}

/* Deletes one token's rows; children are the caller's business. */
static int delete_one(cst_vault *v, const char *hash, const json_t *e)
{
	char id_key[KEY_MAX], acc_key[KEY_MAX], parent_key[KEY_MAX], exp_key[KEY_MAX];
	cst_barrier_op ops[4];
	size_t n = 0;
	const char *parent = json_string_value(json_object_get(e, "parent"));
	int64_t expire = json_integer_value(json_object_get(e, "expire_time"));
	snprintf(id_key, sizeof(id_key), ID_PREFIX "%s", hash);
	snprintf(acc_key, sizeof(acc_key), ACCESSOR_PREFIX "%s",
	         json_string_value(json_object_get(e, "accessor")));
	ops[n++] = (cst_barrier_op){CST_STORAGE_DELETE, id_key, NULL, 0, CST_REV_ANY};
	ops[n++] = (cst_barrier_op){CST_STORAGE_DELETE, acc_key, NULL, 0, CST_REV_ANY};
	if (parent && *parent) {
		snprintf(parent_key, sizeof(parent_key), PARENT_PREFIX "%s/%s", parent, hash);
		ops[n++] = (cst_barrier_op){CST_STORAGE_DELETE, parent_key, NULL, 0, CST_REV_ANY};
	}
	if (expire) {
		expire_key(exp_key, sizeof(exp_key), expire, hash);
		ops[n++] = (cst_barrier_op){CST_STORAGE_DELETE, exp_key, NULL, 0, CST_REV_ANY};
	}
	cst_cache_drop(&v->token_cache, hash);
	int rc = cst_barrier_batch(&v->barrier, ops, n);
	cst_cache_drop(&v->token_cache, hash); /* a reader may have refilled it meanwhile */
	return rc;
}

/* The hashes of a token's children (from the parent index). */
static int children(cst_storage_keys *out, cst_vault *v, const char *hash)
{
	char prefix[KEY_MAX];
	snprintf(prefix, sizeof(prefix), PARENT_PREFIX "%s/", hash);
	return cst_storage_list(v->st, prefix, NULL, 256, out);
}

int cst_token_revoke(cst_vault *v, const char *hash, int orphan_children)
{
	json_t *e = NULL;
	int rc = cst_token_load(&e, v, hash);
	if (rc == CST_ENOTFOUND) {
		cst_error_clear();
		return CST_OK; /* already gone: revoke is idempotent */
	}
	if (rc < 0)
		return rc;
	/* Children first (depth first), so a crash midway leaves the parent
	 * alive and a retry finishes the job, never an unreachable subtree. */
	cst_storage_keys kids = {0};
	do {
		if ((rc = children(&kids, v, hash)) < 0)
			break;
		for (size_t i = 0; rc == CST_OK && i < kids.count; i++) {
			const char *child = strrchr(kids.keys[i], '/') + 1;
			if (orphan_children) {
				rc = change_entry(v, child, orphan_entry, NULL);
				if (rc == CST_ENOTFOUND) {
					cst_error_clear();
					rc = CST_OK; /* revoked meanwhile: nothing to orphan */
				}
				cst_barrier_op op = {CST_STORAGE_DELETE, kids.keys[i], NULL, 0, CST_REV_ANY};
				if (rc == CST_OK)
					rc = cst_barrier_batch(&v->barrier, &op, 1);
			} else {
				rc = cst_token_revoke(v, child, 0);
				/* A dangling parent link (child gone) is cleaned here. */
				cst_barrier_op op = {CST_STORAGE_DELETE, kids.keys[i], NULL, 0, CST_REV_ANY};
				if (rc == CST_OK)
					rc = cst_barrier_batch(&v->barrier, &op, 1);
			}
		}
		size_t got = kids.count;
		cst_storage_keys_release(&kids);
		if (got == 0)
			break;
	} while (rc == CST_OK);
	if (rc == CST_OK)
		rc = delete_one(v, hash, e);
	json_decref(e);
	return rc;
}

int cst_token_sweep(cst_vault *v, int64_t now, uint64_t *out_count)
{
	cst_storage_keys page = {0};
	char limit_key[KEY_MAX];
	int rc = CST_OK;
	*out_count = 0;
	snprintf(limit_key, sizeof(limit_key), EXPIRE_PREFIX "%012lld/", (long long)now + 1);
	for (;;) {
		if ((rc = cst_storage_list(v->st, EXPIRE_PREFIX, NULL, 256, &page)) < 0)
			break;
		size_t done = 0;
		for (size_t i = 0; rc == CST_OK && i < page.count; i++) {
			if (strcmp(page.keys[i], limit_key) >= 0)
				break; /* the index is in time order: the rest are alive */
			const char *hash = strrchr(page.keys[i], '/') + 1;
			rc = cst_token_revoke(v, hash, 0);
			/* An index row without its token (crash) goes too. */
			cst_barrier_op op = {CST_STORAGE_DELETE, page.keys[i], NULL, 0, CST_REV_ANY};
			if (rc == CST_OK)
				rc = cst_barrier_batch(&v->barrier, &op, 1);
			if (rc == CST_OK) {
				(*out_count)++;
				done++;
			}
		}
		size_t got = page.count;
		cst_storage_keys_release(&page);
		if (rc < 0 || done < got || got == 0)
			break;
	}
	return rc;
}

struct token_walk {
	int (*fn)(const char *hash, const json_t *entry, void *payload);
	void *payload;
};

static int each_entry(const char *key, const json_t *entry, void *payload)
{
	struct token_walk *w = payload;
	return w->fn(key + strlen(ID_PREFIX), entry, w->payload);
}

int cst_token_each(cst_vault *v, int (*fn)(const char *hash, const json_t *entry, void *payload),
                   void *payload)
{
	/* Past the token cache: a walk must not push out the tokens in use. */
	struct token_walk w = {fn, payload};
	return cst_barrier_each_json(&v->barrier, ID_PREFIX, each_entry, &w);
}

struct revoke_match {
	cst_vault *v;
	int (*match)(const json_t *entry, void *payload);
	void *payload;
	uint64_t *count;
};

static int revoke_if(const char *hash, const json_t *entry, void *payload)
{
	struct revoke_match *m = payload;
	if (!m->match(entry, m->payload))
		return CST_OK;
	int rc = cst_token_revoke(m->v, hash, 0);
	if (rc == CST_OK)
		(*m->count)++;
	return rc;
}

int cst_token_revoke_where(cst_vault *v, int (*match)(const json_t *entry, void *payload),
                           void *payload, uint64_t *out_count)
{
	struct revoke_match m = {v, match, payload, out_count};
	*out_count = 0;
	return cst_token_each(v, revoke_if, &m);
}

int cst_token_count(cst_vault *v, uint64_t *out)
{
	return cst_storage_count(v->st, ID_PREFIX, out);
}
