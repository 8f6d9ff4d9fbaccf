/* auth.c - the parts userpass and approle share: Vault's field decoding
 * (lists as arrays or "a,b", durations as seconds or "1h"), token settings
 * of users and roles, records under the mount's storage prefix, and the
 * token a login gets: the record's policies, its teams' policies, the
 * caller's extra policy and "default", with the identity ACL templates use. */
#include "engines/auth.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "core/mount_edit.h"
#include "core/policy.h"
#include "core/tokens.h"
#include "core/vault.h"
#include "crypto/rand.h"
#include "engines/teams.h"
#include "storage/storage.h"
#include "util/cidr.h"
#include "util/mem.h"
#include "util/timefmt.h"

int auth_list_field(json_t **out, const json_t *body, const char *name)
{
	json_t *v = json_object_get(body, name);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return CST_OK;
	json_t *list = json_array();
	int rc = list ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		while (rc == CST_OK && *s) {
			size_t n = strcspn(s, ",");
			const char *a = s, *b = s + n;
			while (a < b && *a == ' ')
				a++;
			while (b > a && b[-1] == ' ')
				b--;
			if (b > a)
				json_array_append_new(list, json_stringn(a, (size_t)(b - a)));
			s += n + (s[n] == ',');
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *item;
		json_array_foreach(v, i, item) {
			if (!json_is_string(item)) {
				rc = cst_fail(CST_EINVAL, "%s must be a list of strings", name);
				break;
			}
			if (json_string_length(item))
				json_array_append(list, item);
		}
	} else {
		rc = cst_fail(CST_EINVAL, "%s must be a list of strings or a comma-separated string", name);
	}
	if (rc == CST_OK && json_array_size(list) > CST_LIMIT_AUTH_LIST)
		rc = cst_fail(CST_EINVAL, "%s: at most %d entries", name, CST_LIMIT_AUTH_LIST);
	if (rc < 0)
		json_decref(list);
	else
		*out = list;
	return rc;
}

int auth_seconds_field(int64_t *out, int *given, const json_t *body, const char *name)
{
	json_t *v = json_object_get(body, name);
	*given = v != NULL && !json_is_null(v);
	*out = 0;
	if (!*given)
		return CST_OK;
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		*out = json_integer_value(v);
	else if (!json_is_string(v) || (json_string_length(v) &&
	                                 cst_duration_parse(out, json_string_value(v)) < 0))
		return cst_fail(CST_EINVAL, "%s must be a duration such as 1h or 3600", name);
	if (*out < 0 || *out > CST_LIMIT_MAX_DURATION)
		return cst_fail(CST_EINVAL, "%s is out of range", name);
	return CST_OK;
}

int auth_uint_field(int64_t *out, int *given, const json_t *body, const char *name)
{
	json_t *v = json_object_get(body, name);
	*given = v != NULL && !json_is_null(v);
	*out = 0;
	if (!*given)
		return CST_OK;
	char *end = NULL;
	if (json_is_integer(v))
		*out = json_integer_value(v);
	else if (json_is_string(v) && json_string_length(v) && json_string_length(v) < 12)
		*out = strtoll(json_string_value(v), &end, 10);
	if ((!json_is_integer(v) && (end == NULL || *end != '\0')) || *out < 0 || *out > 1000000000)
		return cst_fail(CST_EINVAL, "%s must be a number from 0", name);
	return CST_OK;
}

int auth_bool_field(int *out, int *given, const json_t *body, const char *name)
{
	json_t *v = json_object_get(body, name);
	*given = v != NULL && !json_is_null(v);
	*out = 0;
	if (!*given)
		return CST_OK;
	if (json_is_boolean(v))
		*out = json_is_true(v);
	else if (json_is_string(v) && !strcmp(json_string_value(v), "true"))
		*out = 1;
	else if (!json_is_string(v) || strcmp(json_string_value(v), "false") != 0)
		return cst_fail(CST_EINVAL, "%s must be true or false", name);
	return CST_OK;
}

int auth_name(char *out, size_t n, const char *in, const char *what)
{
	size_t len = in ? strlen(in) : 0;
	if (len == 0 || len > CST_LIMIT_AUTH_NAME || len >= n)
		return cst_fail(CST_EINVAL, "%s name must be 1 to %d characters", what, CST_LIMIT_AUTH_NAME);
	if (in[0] == '.')
		return cst_fail(CST_EINVAL, "%s name may not start with '.'", what);
	for (size_t i = 0; i <= len; i++) {
		char c = in[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		           c == '-' || c == '@'))
			return cst_fail(CST_EINVAL, "%s name may hold letters, digits and '._@-' only", what);
		out[i] = c;
	}
	return CST_OK;
}

int auth_name_of(char *out, size_t n, const char *rest, const char **out_sub, const char *what)
{
	char name[CST_LIMIT_AUTH_NAME + 2];
	size_t len = strcspn(rest, "/");
	if (len >= sizeof(name))
		return cst_fail(CST_EINVAL, "%s name must be 1 to %d characters", what, CST_LIMIT_AUTH_NAME);
	memcpy(name, rest, len);
	name[len] = '\0';
	*out_sub = rest[len] == '/' ? rest + len + 1 : "";
	return auth_name(out, n, name, what);
}

int auth_check_policies(json_t *list, cst_vault *v, json_t **warnings)
{
	size_t i;
	json_t *p;
	json_array_foreach(list, i, p) {
		char name[160];
		int changed = 0;
		int rc = cst_policy_name(name, sizeof(name), json_string_value(p), &changed);
		if (rc < 0)
			return rc;
		if (strcmp(name, "root") == 0)
			return cst_fail(CST_EINVAL, "the root policy cannot be granted through an auth method "
			                            "or a team");
		json_array_set_new(list, i, json_string(name));
		json_t *rec = NULL;
		rc = cst_policy_get(&rec, v, name);
		json_decref(rec);
		if (rc == CST_ENOTFOUND && warnings) {
			cst_error_clear();
			if (*warnings == NULL)
				*warnings = json_array();
			char msg[200];
			snprintf(msg, sizeof(msg), "Policy \"%s\" does not exist", name);
			json_array_append_new(*warnings, json_string(msg));
		} else if (rc == CST_ENOTFOUND) {
			return cst_fail(CST_EINVAL, "policy \"%s\" does not exist", name);
		} else if (rc < 0) {
			return rc;
		}
	}
	return CST_OK;
}

static int check_teams(json_t *list, cst_vault *v)
{
	size_t i;
	json_t *t;
	json_array_foreach(list, i, t) {
		char name[CST_LIMIT_AUTH_NAME + 1];
		int rc = cst_team_name(name, sizeof(name), json_string_value(t));
		if (rc == CST_OK)
			rc = cst_team_exists(v, name);
		if (rc < 0)
			return rc;
		json_array_set_new(list, i, json_string(name));
	}
	return CST_OK;
}

int auth_token_settings(json_t *rec, const json_t *body, cst_vault *v, json_t **warnings)
{
	static const char *const durations[][2] = {
		{"token_ttl", NULL}, {"token_max_ttl", NULL}, {"token_explicit_max_ttl", NULL},
		{"token_period", "period"}};
	json_t *list = NULL;
	int rc, given;
	/* Lists: the newer name wins over the older alias. */
	static const char *const lists[][2] = {{"token_policies", "policies"},
	                                       {"token_bound_cidrs", "bound_cidrs"},
	                                       {"teams", NULL}};
	for (size_t i = 0; i < 3; i++) {
		if ((rc = auth_list_field(&list, body, lists[i][0])) < 0)
			return rc;
		if (list == NULL && lists[i][1] && (rc = auth_list_field(&list, body, lists[i][1])) < 0)
			return rc;
		if (list == NULL)
			continue;
		if (i == 0)
			rc = auth_check_policies(list, v, warnings);
		else if (i == 1)
			rc = cst_cidr_check_list(list);
		else
			rc = check_teams(list, v);
		if (rc == CST_OK)
			json_object_set(rec, lists[i][0], list);
		json_decref(list);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < 4; i++) {
		int64_t s;
		if ((rc = auth_seconds_field(&s, &given, body, durations[i][0])) < 0)
			return rc;
		if (!given && durations[i][1] &&
		    (rc = auth_seconds_field(&s, &given, body, durations[i][1])) < 0)
			return rc;
		if (given)
			json_object_set_new(rec, durations[i][0], json_integer(s));
	}
	int64_t uses;
	if ((rc = auth_uint_field(&uses, &given, body, "token_num_uses")) < 0)
		return rc;
	if (given)
		json_object_set_new(rec, "token_num_uses", json_integer(uses));
	int no_default;
	if ((rc = auth_bool_field(&no_default, &given, body, "token_no_default_policy")) < 0)
		return rc;
	if (given)
		json_object_set_new(rec, "token_no_default_policy", json_boolean(no_default));
	const char *type = json_string_value(json_object_get(body, "token_type"));
	if (type && *type && strcmp(type, "default") && strcmp(type, "service") &&
	    strcmp(type, "default-service"))
		return cst_fail(CST_EINVAL, "token_type \"%.32s\" is not supported (service tokens only)", type);
	int64_t ttl = json_integer_value(json_object_get(rec, "token_ttl"));
	int64_t max = json_integer_value(json_object_get(rec, "token_max_ttl"));
	if (ttl && max && ttl > max)
		return cst_fail(CST_EINVAL, "token_ttl cannot be greater than token_max_ttl");
	return CST_OK;
}

/* An array field of rec, or a new empty array. */
static json_t *array_or_empty(const json_t *rec, const char *name)
{
	json_t *a = json_object_get(rec, name);
	return json_is_array(a) ? json_incref(a) : json_array();
}

void auth_token_settings_out(json_t *data, const json_t *rec)
{
	static const char *const ints[] = {"token_ttl", "token_max_ttl", "token_explicit_max_ttl",
	                                   "token_period", "token_num_uses"};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		json_object_set_new(data, ints[i],
		                    json_integer(json_integer_value(json_object_get(rec, ints[i]))));
	json_t *policies = array_or_empty(rec, "token_policies");
	json_object_set(data, "policies", policies);
	json_object_set_new(data, "token_policies", policies);
	json_object_set_new(data, "token_bound_cidrs", array_or_empty(rec, "token_bound_cidrs"));
	json_object_set_new(data, "teams", array_or_empty(rec, "teams"));
	json_object_set_new(data, "token_no_default_policy",
	                    json_boolean(json_is_true(json_object_get(rec, "token_no_default_policy"))));
	json_object_set_new(data, "token_type", json_string("default"));
}

int auth_key(char *out, const cst_engine_ctx *ctx, const char *fmt, ...)
{
	char rest[CST_LIMIT_STORAGE_KEY + 1];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	int m = n >= 0 && (size_t)n < sizeof(rest)
	            ? snprintf(out, CST_LIMIT_STORAGE_KEY + 1, "%s%s", ctx->storage_prefix, rest)
	            : -1;
	return m > 0 && m <= CST_LIMIT_STORAGE_KEY ? CST_OK : cst_fail(CST_EINVAL, "name too long");
}

int auth_load(json_t **out, uint64_t *out_rev, cst_engine_ctx *ctx, const char *key)
{
	*out = NULL;
	int rc = cst_barrier_get_json(ctx->barrier, key, out, out_rev);
	if (rc == CST_ENOTFOUND)
		cst_error_clear();
	return rc;
}

int auth_save(cst_engine_ctx *ctx, const char *key, const json_t *rec, uint64_t rev)
{
	char *text = json_dumps(rec, JSON_COMPACT);
	if (text == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	cst_barrier_op op = {CST_STORAGE_PUT, key, text, strlen(text),
	                     rev ? (int64_t)rev : CST_REV_ABSENT};
	int rc = cst_barrier_batch(ctx->barrier, &op, 1);
	cst_free_wiped(text);
	return rc;
}

struct key_list {
	json_t *keys;
	size_t prefix_len;
};

static int list_one_level(const char *key, void *payload)
{
	struct key_list *l = payload;
	if (strchr(key + l->prefix_len, '/') == NULL)
		json_array_append_new(l->keys, json_string(key + l->prefix_len));
	return CST_OK;
}

int auth_list_keys(json_t **out, cst_engine_ctx *ctx, const char *prefix)
{
	struct key_list l = {json_array(), strlen(prefix)};
	*out = NULL;
	int rc = cst_storage_each_key(ctx->barrier->st, prefix, list_one_level, &l);
	if (rc == CST_OK && json_array_size(l.keys) == 0)
		rc = cst_fail(CST_ENOTFOUND, "nothing to list");
	if (rc == CST_OK)
		*out = json_pack("{s:o}", "keys", l.keys);
	else
		json_decref(l.keys);
	return rc;
}

/* The type of the mount a request came through ("userpass"). */
static void mount_type(char *out, size_t n, const cst_engine_ctx *ctx)
{
	cst_mount_table *t = cst_router_get(&ctx->vault->router);
	snprintf(out, n, "auth");
	for (size_t i = 0; t && i < t->count; i++)
		if (strcmp(t->mounts[i].path, ctx->mount_path) == 0)
			snprintf(out, n, "%s", t->mounts[i].type);
	cst_router_put(&ctx->vault->router, t);
}

void auth_accessor(char *out, size_t n, const cst_engine_ctx *ctx)
{
	char type[64];
	mount_type(type, sizeof(type), ctx);
	cst_mount_accessor(out, n, type, ctx->storage_prefix);
}

int auth_lockout_cfg(cst_lockout_cfg *out, cst_engine_ctx *ctx)
{
	static const cst_lockout_cfg defaults = CST_LOCKOUT_DEFAULTS;
	json_t *table = NULL;
	*out = defaults;
	int rc = cst_mount_list(&table, ctx->vault);
	json_t *cfg = json_object_get(
		json_object_get(json_object_get(table, ctx->mount_path), "config"), "user_lockout_config");
	if (rc == CST_OK && json_is_object(cfg)) {
		json_int_t th = json_integer_value(json_object_get(cfg, "lockout_threshold"));
		json_int_t du = json_integer_value(json_object_get(cfg, "lockout_duration"));
		json_int_t re = json_integer_value(json_object_get(cfg, "lockout_counter_reset"));
		if (th > 0)
			out->threshold = (int)th;
		if (du > 0)
			out->duration_s = du;
		if (re > 0)
			out->reset_s = re;
		out->disabled = json_is_true(json_object_get(cfg, "disable_lockout"));
	}
	json_decref(table);
	return rc;
}

int auth_uuid(char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];
	int rc = cst_rand_bytes(r, sizeof(r));
	if (rc < 0)
		return rc;
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	char *o = out;
	for (size_t i = 0; i < sizeof(r); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[r[i] >> 4];
		*o++ = hex[r[i] & 0x0f];
	}
	*o = '\0';
	cst_wipe(r, sizeof(r));
	return CST_OK;
}

/* The smaller of two limits where 0 means none. */
static int64_t min_set(int64_t a, int64_t b)
{
	return a == 0 ? b : b == 0 ? a : (a < b ? a : b);
}

int auth_issue_token(cst_engine_ctx *ctx, const cst_request *req, const auth_login *l,
                     cst_response *resp)
{
	const json_t *rec = l->rec;
	json_t *policies = json_array();
	json_t *teams = array_or_empty(rec, "teams");
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(rec, "token_policies"), i, p)
		if (strcmp(json_string_value(p), "root") != 0) /* refused on write; never granted */
			json_array_append(policies, p);
	int rc = cst_team_policies(ctx->vault, teams, policies);
	if (rc == CST_OK && l->extra_policy)
		json_array_append_new(policies, json_string(l->extra_policy));
	char accessor[96], mtype[64];
	auth_accessor(accessor, sizeof(accessor), ctx);
	mount_type(mtype, sizeof(mtype), ctx);
	json_t *cidrs = (json_t *)(l->bound_cidrs ? l->bound_cidrs
	                                           : json_object_get(rec, "token_bound_cidrs"));
	json_t *body = json_pack(
		"{s:O, s:I, s:I, s:I, s:I, s:b, s:O}", "policies", policies, "ttl",
		(json_int_t)json_integer_value(json_object_get(rec, "token_ttl")), "explicit_max_ttl",
		(json_int_t)min_set(json_integer_value(json_object_get(rec, "token_max_ttl")),
		                    json_integer_value(json_object_get(rec, "token_explicit_max_ttl"))),
		"period", (json_int_t)json_integer_value(json_object_get(rec, "token_period")),
		"num_uses", (json_int_t)json_integer_value(json_object_get(rec, "token_num_uses")),
		"no_default_policy", json_is_true(json_object_get(rec, "token_no_default_policy")),
		"meta", l->meta);
	if (body && json_array_size(cidrs))
		json_object_set(body, "bound_cidrs", cidrs);
	json_t *identity = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O}", "entity_name", l->entity_name,
	                             "entity_id", l->entity_id, "mount_path", ctx->mount_path,
	                             "mount_accessor", accessor, "mount_type", mtype, "teams", teams);
	if (rc == CST_OK && (body == NULL || identity == NULL))
		rc = cst_fail(CST_ENOMEM, "out of memory");
	cst_token_params tp = {body, NULL, 1, 1, req->path, l->display_name, identity};
	if (rc == CST_OK)
		rc = cst_token_create(&resp->auth, &resp->warnings, ctx->vault, &tp);
	json_decref(identity);
	json_decref(body);
	json_decref(teams);
	json_decref(policies);
	return rc;
}

struct entity_match {
	const char *mount_path;
	const char *name;
};

static int entity_matches(const json_t *entry, void *payload)
{
	const struct entity_match *m = payload;
	const json_t *id = json_object_get(entry, "identity");
	const char *mp = json_string_value(json_object_get(id, "mount_path"));
	const char *en = json_string_value(json_object_get(id, "entity_name"));
	if (mp == NULL || strcmp(mp, m->mount_path) != 0)
		return 0;
	return m->name == NULL || (en && strcmp(en, m->name) == 0);
}

int auth_revoke_entity(cst_vault *v, const char *mount_path, const char *name)
{
	struct entity_match m = {mount_path, name};
	uint64_t n = 0;
	return cst_token_revoke_where(v, entity_matches, &m, &n);
}
