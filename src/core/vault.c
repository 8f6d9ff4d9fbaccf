/* vault.c - creating, opening and closing a vault, and the entry point of
 * the logical request path. */
#include "core/vault.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/keysource.h"
#include "storage/storage.h"
#include "util/file.h"
#include "util/mem.h"

static unsigned storage_flags(unsigned open_flags)
{
	return ((open_flags & CST_OPEN_READONLY) ? CST_STORAGE_READONLY : 0) |
	       ((open_flags & CST_OPEN_BULK) ? CST_STORAGE_BULK : 0);
}

static int new_handle(cst_vault **out, const cst_open_opts *opts)
{
	cst_vault *v = calloc(1, sizeof(*v));
	if (v == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	int rc = cst_vault_path(v->path, sizeof(v->path), opts);
	snprintf(v->backend, sizeof(v->backend), "%s",
	         opts && opts->backend ? opts->backend : "sqlite");
	v->flags = opts ? opts->flags : 0;
	if (rc < 0) {
		free(v);
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

int cst_vault_open(cst_vault **out, const cst_open_opts *opts)
{
	cst_vault *v = NULL;
	json_t *seal = NULL;
	cst_keysource ks;
	int unsealed = 0;
	memset(&ks, 0, sizeof(ks));
	*out = NULL;
	int rc = new_handle(&v, opts);
	if (rc < 0)
		return rc;
	if ((rc = cst_storage_open(&v->st, v->backend, v->path, storage_flags(v->flags))) < 0 ||
	    (rc = read_seal(v->st, &seal)) < 0 || (rc = cst_keysource_load(&ks, opts, seal)) < 0)
		goto done;
	if ((rc = cst_barrier_unseal(&v->barrier, v->st, ks.key)) < 0)
		goto done;
	unsealed = 1;
	snprintf(v->key_source, sizeof(v->key_source), "%s", ks.desc);
	rc = cst_router_load(&v->router, &v->barrier);
done:
	cst_keysource_release(&ks);
	json_decref(seal);
	if (rc < 0) {
		if (unsealed)
			cst_barrier_release(&v->barrier);
		cst_storage_close(v->st);
		free(v);
	} else {
		*out = v;
	}
	return rc;
}

int cst_vault_init(cst_vault **out, const cst_open_opts *opts, unsigned flags)
{
	cst_vault *v = NULL;
	json_t *seal = NULL, *mounts = NULL;
	char *seal_text = NULL, *mounts_text = NULL, key_file[4096] = "";
	cst_keysource ks;
	int created_key = 0, created_vault = 0, unsealed = 0;
	memset(&ks, 0, sizeof(ks));
	*out = NULL;
	int rc = new_handle(&v, opts);
	if (rc < 0)
		return rc;
	if (strcmp(v->backend, "memory") != 0 && cst_file_exists(v->path)) {
		rc = cst_fail(CST_ECONFLICT, "a vault already exists at %s", v->path);
		goto done;
	}
	if (strcmp(v->backend, "memory") != 0 && (rc = cst_file_mkparents(v->path)) < 0)
		goto done;
	if ((rc = cst_keysource_create(&ks, &seal, &created_key, opts, flags)) < 0)
		goto done;
	if (created_key && (rc = cst_key_file_path(key_file, sizeof(key_file), opts)) < 0)
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
	cst_storage_op op = {CST_STORAGE_PUT, CST_PATH_SEAL, (unsigned char *)seal_text,
	                     strlen(seal_text), CST_REV_ABSENT};
	if ((rc = cst_barrier_create(&v->barrier, v->st, ks.key, &op, 1)) < 0)
		goto done;
	unsealed = 1;
	snprintf(v->key_source, sizeof(v->key_source), "%s", ks.desc);
	mounts = cst_router_default_mounts();
	mounts_text = mounts ? json_dumps(mounts, JSON_COMPACT) : NULL;
	if (mounts_text == NULL) {
		rc = cst_fail(CST_ENOMEM, "out of memory");
		goto done;
	}
	cst_barrier_op mop = {CST_STORAGE_PUT, CST_PATH_MOUNTS, mounts_text, strlen(mounts_text),
	                      CST_REV_ABSENT};
	if ((rc = cst_barrier_batch(&v->barrier, &mop, 1)) < 0)
		goto done;
	rc = cst_router_load(&v->router, &v->barrier);
done:
	cst_keysource_release(&ks);
	json_decref(seal);
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
		if (created_vault && strcmp(v->backend, "memory") != 0) {
			unlink(v->path);
		}
		if (created_key)
			unlink(key_file);
		free(v);
		cst_fail(rc, "%s", msg);
	} else {
		*out = v;
	}
	return rc;
}

void cst_vault_close(cst_vault *v)
{
	if (v == NULL)
		return;
	cst_router_release(&v->router);
	cst_barrier_release(&v->barrier);
	cst_storage_close(v->st);
	free(v);
}

json_t *cst_vault_describe(cst_vault *v)
{
	return json_pack("{s:s, s:s, s:s}", "path", v->path, "backend", v->backend, "key_source",
	                 v->key_source);
}

int cst_vault_request(cst_vault *v, const cst_request *req, cst_response *out)
{
	return cst_router_dispatch(&v->router, v, &v->barrier, req, out);
}
