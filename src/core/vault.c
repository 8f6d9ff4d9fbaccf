/* vault.c - creating, opening and closing a vault, and the entry point of
 * the logical request path. */
#include "core/vault.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/keysource.h"
#include "core/policy.h"
#include "core/tokens.h"
#include "util/timefmt.h"
#include "crypto/kdf.h"
#include "crypto/rand.h"
#include "crypto/shamir.h"
#include "storage/storage.h"
#include "util/file.h"
#include "util/mem.h"

static unsigned storage_flags(unsigned open_flags)
{
	return ((open_flags & CST_OPEN_READONLY) ? CST_STORAGE_READONLY : 0) |
	       ((open_flags & CST_OPEN_BULK) ? CST_STORAGE_BULK : 0) |
	       ((open_flags & CST_OPEN_EXCLUSIVE) ? CST_STORAGE_EXCLUSIVE : 0);
}

static pthread_once_t json_once = PTHREAD_ONCE_INIT;

static int new_handle(cst_vault **out, const cst_open_opts *opts)
{
	/* Secret values pass through jansson: make every jansson free wipe. */
	pthread_once(&json_once, cst_mem_init_json);
	cst_vault *v = calloc(1, sizeof(*v));
	if (v == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	int rc = cst_vault_path(v->path, sizeof(v->path), opts);
	snprintf(v->backend, sizeof(v->backend), "%s",
	         opts && opts->backend ? opts->backend : "sqlite");
	v->flags = opts ? opts->flags : 0;
	pthread_mutex_init(&v->salt_lock, NULL);
	pthread_rwlock_init(&v->state, NULL);
	v->default_ttl = v->max_ttl = 768 * 3600; /* Vault's defaults: 32 days */
	/* One second bounds how long another process's token or policy change
	 * can go unseen here; this process's own changes drop entries at once. */
	/* 20,000 decoded entries (about 1.7 KiB each) at most: tokens used
	 * within the last second, swept every few seconds by the server. */
	cst_cache_init(&v->token_cache, 20000, 1000000000LL);
	cst_cache_init(&v->policy_cache, 1024, 1000000000LL);
	v->acl_cache = cst_acl_cache_new(); /* NULL: ACLs are built per request */
	if (rc < 0) {
		cst_vault_close(v);
		return rc;
	}
	*out = v;
	return CST_OK;
}

static int read_seal(cst_storage *st, json_t **out)
{
	unsigned char *raw = NULL;
	size_t len = 0;
	int rc = cst_storage_get(st, CST_PATH_SEAL, &raw, &len, NULL);
	if (rc == CST_ENOTFOUND)
		rc = cst_fail(CST_EINTEGRITY, "vault is damaged or empty: no seal record");
	if (rc == CST_OK) {
		*out = json_loadb((const char *)raw, len, 0, NULL);
		if (!json_is_object(*out))
			rc = cst_fail(CST_EINTEGRITY, "vault seal record is damaged");
	}
	free(raw);
	return rc;
}

int cst_vault_attach(cst_vault **out, const cst_open_opts *opts)
{
	cst_vault *v = NULL;
	*out = NULL;
	int rc = new_handle(&v, opts);
	if (rc < 0)
		return rc;
	if ((rc = cst_storage_open(&v->st, v->backend, v->path, storage_flags(v->flags))) < 0 ||
	    (rc = read_seal(v->st, &v->seal_record)) < 0) {
		cst_vault_close(v);
		return rc;
	}
	*out = v;
	return CST_OK;
}

int cst_vault_unseal(cst_vault *v, const unsigned char *key, const char *key_desc)
{
	pthread_rwlock_wrlock(&v->state);
	int rc = CST_OK;
	if (!v->unsealed) {
		if ((rc = cst_barrier_unseal(&v->barrier, v->st, key)) == CST_OK) {
			if ((rc = cst_router_load(&v->router, &v->barrier)) == CST_OK) {
				v->unsealed = 1;
				snprintf(v->key_source, sizeof(v->key_source), "%s", key_desc);
			} else {
				cst_barrier_release(&v->barrier);
			}
		}
	}
	pthread_rwlock_unlock(&v->state);
	return rc;
}

void cst_vault_seal(cst_vault *v)
{
	pthread_rwlock_wrlock(&v->state);
	if (v->unsealed) {
		cst_router_release(&v->router);
		cst_barrier_release(&v->barrier);
		cst_mac_key_free(v->token_mac);
		v->token_mac = NULL;
		cst_cache_clear(&v->token_cache);
		cst_cache_clear(&v->policy_cache);
		cst_acl_cache_changed(v->acl_cache);
		v->unsealed = 0;
	}
	pthread_rwlock_unlock(&v->state);
}

int cst_vault_sealed(cst_vault *v)
{
	pthread_rwlock_rdlock(&v->state);
	int sealed = !v->unsealed;
	pthread_rwlock_unlock(&v->state);
	return sealed;
}

const json_t *cst_vault_seal_record(cst_vault *v)
{
	return v->seal_record;
}

int cst_vault_open(cst_vault **out, const cst_open_opts *opts)
{
	cst_vault *v = NULL;
	cst_keysource ks;
	memset(&ks, 0, sizeof(ks));
	int rc = cst_vault_attach(&v, opts);
	if (rc == CST_OK && (rc = cst_keysource_load(&ks, opts, v->seal_record)) == CST_OK)
		rc = cst_vault_unseal(v, ks.key, ks.desc);
	cst_keysource_release(&ks);
	if (rc < 0) {
		cst_vault_close(v);
		v = NULL;
	}
	*out = v;
	return rc;
}

/* Creates the vault file and its first records under a master key already
 * chosen (ks) with its seal record. On failure removes the vault file it
 * made; the caller undoes its own key file. */
static int init_with_key(cst_vault **out, const cst_open_opts *opts, const cst_keysource *ks,
                         json_t *seal)
{
	cst_vault *v = NULL;
	json_t *mounts = NULL;
	char *seal_text = NULL, *mounts_text = NULL;
	int created_vault = 0, unsealed = 0;
	*out = NULL;
	int rc = new_handle(&v, opts);
	if (rc < 0)
		return rc;
	int on_disk = strcmp(v->backend, "memory") != 0;
	if (on_disk && cst_file_exists(v->path)) {
		rc = cst_fail(CST_ECONFLICT, "a vault already exists at %s", v->path);
		goto done;
	}
	if (on_disk && (rc = cst_file_mkparents(v->path)) < 0)
		goto done;
	if ((rc = cst_storage_open(&v->st, v->backend, v->path,
	                           CST_STORAGE_CREATE | storage_flags(v->flags))) < 0)
		goto done;
	created_vault = 1;
	seal_text = json_dumps(seal, JSON_COMPACT);
	if (seal_text == NULL) {
		rc = cst_fail(CST_ENOMEM, "out of memory");
		goto done;
	}
	mounts = cst_router_default_mounts();
	mounts_text = mounts ? json_dumps(mounts, JSON_COMPACT) : NULL;
	if (mounts_text == NULL) {
		rc = cst_fail(CST_ENOMEM, "out of memory");
		goto done;
	}
	cst_storage_op op = {CST_STORAGE_PUT, CST_PATH_SEAL, (unsigned char *)seal_text,
	                     strlen(seal_text), CST_REV_ABSENT};
	cst_barrier_op mop = {CST_STORAGE_PUT, CST_PATH_MOUNTS, mounts_text, strlen(mounts_text),
	                      CST_REV_ABSENT};
	if ((rc = cst_barrier_create(&v->barrier, v->st, ks->key, &op, 1, &mop, 1)) < 0)
		goto done;
	unsealed = 1;
	snprintf(v->key_source, sizeof(v->key_source), "%s", ks->desc);
	rc = cst_router_load(&v->router, &v->barrier);
done:
	json_decref(mounts);
	free(seal_text);
	free(mounts_text);
	if (rc < 0) {
		/* Leave nothing half-made behind, but never a file we did not make. */
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", cst_errmsg());
		if (unsealed)
			cst_barrier_release(&v->barrier);
		cst_storage_close(v->st);
		v->st = NULL;
		if (created_vault && on_disk)
			unlink(v->path);
		cst_vault_close(v);
		cst_fail(rc, "%s", msg);
	} else {
		v->unsealed = 1;
		v->seal_record = json_incref(seal);
		*out = v;
	}
	return rc;
}

int cst_vault_init(cst_vault **out, const cst_open_opts *opts, unsigned flags)
{
	json_t *seal = NULL;
	char key_file[4096] = "";
	cst_keysource ks;
	int created_key = 0;
	int rc = cst_keysource_create(&ks, &seal, &created_key, opts, flags);
	if (rc == CST_OK && created_key)
		rc = cst_key_file_path(key_file, sizeof(key_file), opts);
	if (rc == CST_OK)
		rc = init_with_key(out, opts, &ks, seal);
	if (rc < 0 && created_key && key_file[0])
		unlink(key_file);
	cst_keysource_release(&ks);
	json_decref(seal);
	return rc;
}

int cst_vault_init_shamir(cst_vault **out, const cst_open_opts *opts, unsigned shares,
                          unsigned threshold, unsigned char ***out_shares, size_t *out_share_len)
{
	cst_keysource ks;
	memset(&ks, 0, sizeof(ks));
	*out_shares = NULL;
	*out_share_len = 0;
	if (shares == 0 || threshold == 0 || threshold > shares || shares > 255)
		return cst_fail(CST_EINVAL, "need 1 <= threshold <= shares <= 255");
	if (threshold == 1 && shares != 1)
		return cst_fail(CST_EINVAL, "threshold must be at least 2 when there are several shares");
	unsigned char **parts = calloc(shares, sizeof(*parts));
	int rc = parts ? cst_rand_bytes(ks.key, CST_KEY_LEN) : cst_fail(CST_ENOMEM, "out of memory");
	size_t share_len = CST_KEY_LEN + 1;
	if (rc == CST_OK && shares == 1) {
		/* As Vault: one share is the master key itself. */
		share_len = CST_KEY_LEN;
		parts[0] = malloc(CST_KEY_LEN);
		if (parts[0] == NULL)
			rc = cst_fail(CST_ENOMEM, "out of memory");
		else
			memcpy(parts[0], ks.key, CST_KEY_LEN);
	} else if (rc == CST_OK) {
		rc = cst_shamir_split(parts, ks.key, CST_KEY_LEN, shares, threshold);
	}
	json_t *seal = rc == CST_OK ? json_pack("{s:i, s:s, s:i, s:i}", "version", 1, "source",
	                                        "shamir", "n", (int)shares, "t", (int)threshold)
	                            : NULL;
	snprintf(ks.desc, sizeof(ks.desc), "shamir (%u of %u unseal keys)", threshold, shares);
	if (rc == CST_OK)
		rc = init_with_key(out, opts, &ks, seal);
	if (rc < 0 && parts) {
		cst_shamir_shares_free(parts, shares);
		free(parts);
		parts = NULL;
	}
	*out_shares = parts;
	*out_share_len = rc == CST_OK ? share_len : 0;
	json_decref(seal);
	cst_keysource_release(&ks);
	return rc;
}

void cst_vault_close(cst_vault *v)
{
	if (v == NULL)
		return;
	cst_vault_seal(v);
	cst_storage_close(v->st);
	json_decref(v->seal_record);
	cst_cache_release(&v->token_cache);
	cst_cache_release(&v->policy_cache);
	cst_acl_cache_free(v->acl_cache);
	pthread_mutex_destroy(&v->salt_lock);
	pthread_rwlock_destroy(&v->state);
	free(v);
}

json_t *cst_vault_describe(cst_vault *v)
{
	return json_pack("{s:s, s:s, s:s}", "path", v->path, "backend", v->backend, "key_source",
	                 v->key_source);
}

int cst_vault_request(cst_vault *v, const cst_request *req, cst_response *out)
{
	/* Requests share the state lock; seal and unseal take it alone, so a
	 * request never sees keys vanish under it. */
	pthread_rwlock_rdlock(&v->state);
	int rc = v->unsealed ? cst_router_dispatch(&v->router, v, &v->barrier, req, out)
	                     : (memset(out, 0, sizeof(*out)), cst_fail(CST_ESEALED, "Vault is sealed"));
	pthread_rwlock_unlock(&v->state);
	return rc;
}

int cst_vault_may_block(cst_vault *v, cst_op op, const char *path)
{
	pthread_rwlock_rdlock(&v->state);
	int blocks = v->unsealed && cst_router_may_block(&v->router, op, path);
	pthread_rwlock_unlock(&v->state);
	return blocks;
}

int cst_vault_root_token(json_t **out_auth, cst_vault *v, const char *id)
{
	pthread_rwlock_rdlock(&v->state);
	int rc = v->unsealed ? cst_token_create_root(out_auth, v, id)
	                     : cst_fail(CST_ESEALED, "Vault is sealed");
	pthread_rwlock_unlock(&v->state);
	return rc;
}

int cst_vault_authorize(cst_vault *v, const char *token, const char *client_addr,
                        const char *path, cst_op op, int need_sudo)
{
	pthread_rwlock_rdlock(&v->state);
	int rc = v->unsealed ? cst_router_authorize(v, token, client_addr, path, op, need_sudo)
	                     : cst_fail(CST_ESEALED, "Vault is sealed");
	pthread_rwlock_unlock(&v->state);
	return rc;
}

int cst_vault_sweep(cst_vault *v, uint64_t *out_revoked)
{
	*out_revoked = 0;
	pthread_rwlock_rdlock(&v->state);
	int rc = v->unsealed ? cst_token_sweep(v, cst_now_ns() / 1000000000, out_revoked) : CST_OK;
	cst_cache_sweep(&v->token_cache);
	cst_cache_sweep(&v->policy_cache);
	pthread_rwlock_unlock(&v->state);
	return rc;
}

void cst_vault_set_ttls(cst_vault *v, int64_t default_ttl, int64_t max_ttl)
{
	if (max_ttl > 0)
		v->max_ttl = max_ttl;
	if (default_ttl > 0)
		v->default_ttl = default_ttl;
	if (v->default_ttl > v->max_ttl)
		v->default_ttl = v->max_ttl;
}
