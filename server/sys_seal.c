/* sys_seal.c - the sys routes that answer with bare JSON and work while
 * the vault is sealed or not yet initialised: health, seal-status, init,
 * unseal, seal and leader (vault-api.md section 4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/shamir.h"
#include "core/error.h"
#include "server.h"
#include "util/base64.h"
#include "util/mem.h"

#define VERSION "1.15.0+custos." CST_VERSION_STRING

static char *dump(json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;
	json_decref(v);
	return s;
}

static char *errors(const char *msg)
{
	return dump(json_pack("{s:[s]}", "errors", msg));
}

static int sealed(server_state *st)
{
	return st->vault == NULL || cst_vault_sealed(st->vault);
}

static json_t *seal_status(server_state *st)
{
	const json_t *rec = st->vault ? cst_vault_seal_record(st->vault) : NULL;
	const char *source = json_string_value(json_object_get(rec, "source"));
	int shamir = source != NULL && strcmp(source, "shamir") == 0;
	pthread_mutex_lock(&st->unseal_lock);
	json_t *s = json_pack(
		"{s:s, s:b, s:b, s:I, s:I, s:I, s:s, s:s, s:s, s:b, s:b, s:s}", "type", "shamir",
		"initialized", st->vault != NULL, "sealed", sealed(st), "t",
		(json_int_t)(shamir ? json_integer_value(json_object_get(rec, "t")) : 1), "n",
		(json_int_t)(shamir ? json_integer_value(json_object_get(rec, "n")) : 1), "progress",
		(json_int_t)st->unseal_count, "nonce", st->unseal_nonce, "version", VERSION,
		"build_date", "2026-11-22T00:00:00Z", "migration", 0, "recovery_seal", 0,
		"storage_type", st->cfg.vault_path[0] ? "sqlite" : "inmem");
	pthread_mutex_unlock(&st->unseal_lock);
	if (s && !sealed(st)) {
		json_object_set_new(s, "cluster_name", json_string("custos-cluster"));
		json_object_set_new(s, "cluster_id", json_string("00000000-0000-4000-8000-000000000000"));
	}
	return s;
}

static int query_code(json_t *query, const char *name, int dflt, int *bad)
{
	const char *v = json_string_value(json_object_get(query, name));
	if (v == NULL || *v == '\0')
		return dflt;
	char *end = NULL;
	long n = strtol(v, &end, 10);
	if (*end != '\0' || n < 100 || n > 599) {
		*bad = 1;
		return dflt;
	}
	return (int)n;
}

static int health(server_state *st, json_t *query, int *status, char **out)
{
	int bad = 0;
	int uninit = query_code(query, "uninitcode", 501, &bad);
	int sealedc = query_code(query, "sealedcode", 503, &bad);
	int active = query_code(query, "activecode", 200, &bad);
	if (bad) {
		*status = 400;
		*out = errors("health status codes must be integers");
		return 1;
	}
	*status = st->vault == NULL ? uninit : sealed(st) ? sealedc : active;
	json_t *h = json_pack("{s:b, s:b, s:b, s:b, s:s, s:s, s:I, s:s}", "initialized",
	                      st->vault != NULL, "sealed", sealed(st), "standby", 0,
	                      "performance_standby", 0, "replication_performance_mode", "disabled",
	                      "replication_dr_mode", "disabled", "server_time_utc",
	                      (json_int_t)time(NULL), "version", VERSION);
	if (h && !sealed(st)) {
		json_object_set_new(h, "cluster_name", json_string("custos-cluster"));
		json_object_set_new(h, "cluster_id", json_string("00000000-0000-4000-8000-000000000000"));
	}
	*out = dump(h);
	return 1;
}

static void reset_progress(server_state *st)
{
	for (size_t i = 0; i < st->unseal_count; i++)
		cst_free_wiped(st->unseal_parts[i]);
	st->unseal_count = 0;
	st->unseal_len = 0;
	st->unseal_nonce[0] = '\0';
}

/* A share as hex or base64 (Vault accepts both). */
static int decode_share(unsigned char *out, size_t *len, const char *text)
{
	size_t n = strlen(text);
	if (n == 0 || n > 200)
		return 0;
	int hex = n % 2 == 0;
	for (size_t i = 0; hex && i < n; i++)
		hex = (text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f') ||
		      (text[i] >= 'A' && text[i] <= 'F');
	if (hex) {
		for (size_t i = 0; i < n / 2; i++) {
			unsigned v;
			sscanf(text + 2 * i, "%2x", &v);
			out[i] = (unsigned char)v;
		}
		*len = n / 2;
		return 1;
	}
	return cst_b64_decode(out, len, text, n, CST_B64_STD) == CST_OK;
}

static int unseal(server_state *st, json_t *body, int *status, char **out)
{
	const char *key = json_string_value(json_object_get(body, "key"));
	int reset = json_is_true(json_object_get(body, "reset"));
	*status = 400;
	if (st->vault == NULL)
		return *out = errors("Vault is not initialized"), 1;
	if (reset) {
		if (!sealed(st))
			return *out = errors("vault is unsealed"), 1;
		pthread_mutex_lock(&st->unseal_lock);
		reset_progress(st);
		pthread_mutex_unlock(&st->unseal_lock);
		*status = 200;
		return *out = dump(seal_status(st)), 1;
	}
	if (key == NULL)
		return *out = errors("'key' must be specified in request body as JSON, or 'reset' set "
		                     "to true"), 1;
	unsigned char share[160];
	size_t len = 0;
	if (!decode_share(share, &len, key) || len < 2)
		return *out = errors("'key' must be a valid hex or base64 string"), 1;
	if (!sealed(st)) {
		*status = 200;
		return *out = dump(seal_status(st)), 1;
	}
	const json_t *rec = cst_vault_seal_record(st->vault);
	size_t threshold = (size_t)json_integer_value(json_object_get(rec, "t"));
	int rc = CST_OK;
	pthread_mutex_lock(&st->unseal_lock);
	if (st->unseal_count && len != st->unseal_len)
		rc = cst_fail(CST_EINVAL, "unseal key has the wrong length");
	for (size_t i = 0; rc == CST_OK && i < st->unseal_count; i++)
		if (st->unseal_parts[i][len - 1] == share[len - 1])
			rc = cst_fail(CST_EINVAL, "this unseal key was already given");
	if (rc == CST_OK) {
		st->unseal_parts[st->unseal_count] = malloc(len);
		memcpy(st->unseal_parts[st->unseal_count++], share, len);
		st->unseal_len = len;
		if (st->unseal_nonce[0] == '\0')
			snprintf(st->unseal_nonce, sizeof(st->unseal_nonce), "%08lx-unseal",
			         (unsigned long)time(NULL));
	}
	if (rc == CST_OK && st->unseal_count >= threshold) {
		unsigned char master[64];
		if (threshold == 1 && st->unseal_len == 32) /* a single share is the key */
			memcpy(master, st->unseal_parts[0], 32);
		else
			rc = cst_shamir_combine(master, (const unsigned char *const *)st->unseal_parts,
			                        st->unseal_count, st->unseal_len);
		if (rc == CST_OK) {
			char desc[64];
			snprintf(desc, sizeof(desc), "shamir (%zu unseal keys)", threshold);
			rc = cst_vault_unseal(st->vault, master, desc);
		}
		cst_wipe(master, sizeof(master));
		reset_progress(st);
		if (rc == CST_EINTEGRITY)
			rc = cst_fail(CST_EINVAL, "unseal failed: the keys given do not rebuild the master key");
	}
	pthread_mutex_unlock(&st->unseal_lock);
	cst_wipe(share, sizeof(share));
	if (rc < 0)
		return *out = errors(cst_errmsg()), 1;
	*status = 200;
	return *out = dump(seal_status(st)), 1;
}

static int init_locked(server_state *st, json_t *body, int *status, char **out);

/* One sys/init at a time: two at once must not both make a vault. */
static int init(server_state *st, json_t *body, int *status, char **out)
{
	static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&init_lock);
	int handled = init_locked(st, body, status, out);
	pthread_mutex_unlock(&init_lock);
	return handled;
}

static int init_locked(server_state *st, json_t *body, int *status, char **out)
{
	*status = 400;
	if (st->vault != NULL)
		return *out = errors("Vault is already initialized"), 1;
	json_int_t n = json_integer_value(json_object_get(body, "secret_shares"));
	json_int_t t = json_integer_value(json_object_get(body, "secret_threshold"));
	if (n < 1 || n > 255 || t < 1 || t > n)
		return *out = errors("secret_shares and secret_threshold must satisfy 1 <= threshold "
		                     "<= shares <= 255"), 1;
	cst_open_opts o = {0};
	o.vault_path = st->cfg.vault_path;
	o.backend = st->cfg.vault_path[0] ? "sqlite" : "memory";
	o.flags = CST_OPEN_EXCLUSIVE;
	unsigned char **shares = NULL;
	size_t share_len = 0;
	cst_vault *v = NULL;
	int rc = cst_vault_init_shamir(&v, &o, (unsigned)n, (unsigned)t, &shares, &share_len);
	json_t *auth = NULL;
	if (rc == CST_OK)
		rc = cst_vault_root_token(&auth, v, NULL);
	if (rc < 0) {
		cst_vault_close(v);
		return *out = errors(cst_errmsg()), 1;
	}
	json_t *keys = json_array(), *keys64 = json_array();
	for (json_int_t i = 0; i < n; i++) {
		char hex[2 * 64 + 1], b64[128];
		for (size_t k = 0; k < share_len; k++)
			snprintf(hex + 2 * k, 3, "%02x", shares[i][k]);
		cst_b64_encode(b64, shares[i], share_len, CST_B64_STD);
		json_array_append_new(keys, json_string(hex));
		json_array_append_new(keys64, json_string(b64));
		cst_wipe(hex, sizeof(hex));
		cst_wipe(b64, sizeof(b64));
	}
	cst_shamir_shares_free(shares, (size_t)n);
	free(shares);
	*out = dump(json_pack("{s:o, s:o, s:O}", "keys", keys, "keys_base64", keys64, "root_token",
	                      json_object_get(auth, "client_token")));
	json_decref(auth);
	/* As Vault: a freshly initialised server is sealed until unsealed. */
	cst_vault_set_ttls(v, st->cfg.default_lease_ttl, st->cfg.max_lease_ttl);
	cst_vault_seal(v);
	st->vault = v;
	*status = 200;
	return 1;
}

static int seal(server_state *st, const char *token, const char *client, int *status, char **out)
{
	if (st->vault == NULL || sealed(st)) {
		*status = 204;
		return 1;
	}
	int rc = cst_vault_authorize(st->vault, token, client, "sys/seal", CST_OP_UPDATE, 1);
	if (rc < 0) {
		json_t *e = server_error_body(rc, status);
		*out = dump(e);
		return 1;
	}
	pthread_mutex_lock(&st->unseal_lock);
	reset_progress(st);
	pthread_mutex_unlock(&st->unseal_lock);
	cst_vault_seal(st->vault);
	*status = 204;
	return 1;
}

int server_sys_special(server_state *st, const char *method, const char *path, json_t *body,
                       json_t *query, const char *token, const char *client, int *status,
                       char **out)
{
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	int put = !strcmp(method, "PUT") || !strcmp(method, "POST");
	*out = NULL;
	if (!strcmp(path, "sys/health")) {
		if (get)
			return health(st, query, status, out);
		return *status = 405, *out = dump(json_pack("{s:[]}", "errors")), 1;
	}
	if (!strcmp(path, "sys/seal-status") && get)
		return *status = 200, *out = dump(seal_status(st)), 1;
	if (!strcmp(path, "sys/init")) {
		if (get)
			return *status = 200,
			       *out = dump(json_pack("{s:b}", "initialized", st->vault != NULL)), 1;
		if (put)
			return init(st, body, status, out);
	}
	if (!strcmp(path, "sys/unseal") && put)
		return unseal(st, body, status, out);
	if (!strcmp(path, "sys/seal") && put)
		return seal(st, token, client, status, out);
	if (!strcmp(path, "sys/leader") && get)
		return *status = 200,
		       *out = dump(json_pack("{s:b, s:b, s:s, s:s, s:s, s:b, s:i}", "ha_enabled", 0,
		                             "is_self", 0, "active_time", "0001-01-01T00:00:00Z",
		                             "leader_address", "", "leader_cluster_address", "",
		                             "performance_standby", 0,
		                             "performance_standby_last_remote_wal", 0)),
		       1;
	if (st->vault == NULL) /* not initialised: everything else is sealed */
		return *status = 503, *out = errors("Vault is sealed"), 1;
	return 0;
}
