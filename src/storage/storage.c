/* storage.c - backend registry and the single place that calls the vtable;
 * it also enforces the key-size limit for every backend. */
#include "storage/storage.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"

static const cst_storage_backend *const backends[] = {
	&cst_storage_sqlite,
	&cst_storage_memory,
};

const cst_storage_backend *cst_storage_find(const char *name)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

int cst_storage_open(cst_storage **out, const char *backend, const char *path, unsigned flags)
{
	const cst_storage_backend *b = cst_storage_find(backend ? backend : "sqlite");
	if (b == NULL)
		return cst_fail(CST_EINVAL, "unknown storage backend '%.32s'", backend);
	if (b->abi != CST_STORAGE_ABI)
		return cst_fail(CST_ERROR, "storage backend '%s' has another ABI", b->name);
	*out = NULL;
	return b->open(out, path, flags);
}

void cst_storage_close(cst_storage *st)
{
	if (st != NULL)
		st->backend->close(st);
}

static int check_key(const char *key)
{
	size_t n = strlen(key);
	if (n == 0 || n > CST_LIMIT_STORAGE_KEY)
		return cst_fail(CST_EINVAL, "storage key of %zu bytes", n);
	return CST_OK;
}

int cst_storage_get(cst_storage *st, const char *key, unsigned char **out_value, size_t *out_len,
                    uint64_t *out_rev)
{
	int rc = check_key(key);
	uint64_t rev = 0;
	*out_value = NULL;
	*out_len = 0;
	if (rc == CST_OK)
		rc = st->backend->get(st, key, out_value, out_len, &rev);
	if (out_rev != NULL)
		*out_rev = rev;
	return rc;
}

int cst_storage_list(cst_storage *st, const char *prefix, const char *after, size_t limit,
                     cst_storage_keys *out)
{
	out->keys = NULL;
	out->count = out->cap = 0;
	return st->backend->list(st, prefix, after, limit ? limit : CST_LIMIT_LIST_PAGE, out);
}

int cst_storage_each_key(cst_storage *st, const char *prefix,
                         int (*fn)(const char *key, void *payload), void *payload)
{
	char after[CST_LIMIT_STORAGE_KEY + 1] = ""; /* no stored key is longer */
	for (;;) {
		cst_storage_keys page;
		int rc = cst_storage_list(st, prefix, after[0] ? after : NULL, CST_LIMIT_LIST_PAGE, &page);
		for (size_t i = 0; rc >= 0 && i < page.count; i++)
			rc = fn(page.keys[i], payload);
		size_t got = page.count;
		if (got && rc >= 0) {
			size_t n = strlen(page.keys[got - 1]);
			if (n < sizeof(after))
				memcpy(after, page.keys[got - 1], n + 1);
			else
				rc = cst_fail(CST_EINTEGRITY, "a stored key is longer than the limit");
		}
		cst_storage_keys_release(&page);
		if (rc < 0)
			return rc;
		if (got < CST_LIMIT_LIST_PAGE)
			return CST_OK;
	}
}

int cst_storage_batch(cst_storage *st, const cst_storage_op *ops, size_t n)
{
	return cst_storage_batch_rev(st, ops, n, NULL);
}

int cst_storage_batch_rev(cst_storage *st, const cst_storage_op *ops, size_t n, uint64_t *out_rev)
{
	uint64_t rev = 0;
	if (out_rev != NULL)
		*out_rev = 0;
	for (size_t i = 0; i < n; i++) {
		int rc = check_key(ops[i].key);
		if (rc < 0)
			return rc;
		if (ops[i].kind == CST_STORAGE_PUT && ops[i].len > CST_LIMIT_STORED)
			return cst_fail(CST_ENOMEM, "stored value of %zu bytes is over the limit",
			                ops[i].len);
	}
	int rc = n ? st->backend->batch(st, ops, n, &rev) : CST_OK;
	if (rc == CST_OK && out_rev != NULL)
		*out_rev = rev;
	return rc;
}

int cst_storage_count(cst_storage *st, const char *prefix, uint64_t *out)
{
	*out = 0;
	return st->backend->count(st, prefix, out);
}

int cst_storage_put(cst_storage *st, const char *key, const void *value, size_t len)
{
	cst_storage_op op = {CST_STORAGE_PUT, key, value, len, CST_REV_ANY};
	return cst_storage_batch(st, &op, 1);
}

int cst_storage_delete(cst_storage *st, const char *key)
{
	cst_storage_op op = {CST_STORAGE_DELETE, key, NULL, 0, CST_REV_ANY};
	return cst_storage_batch(st, &op, 1);
}

int cst_storage_keys_add(cst_storage_keys *keys, const char *key, size_t len)
{
	if (keys->count == keys->cap) {
		size_t cap = keys->cap ? keys->cap * 2 : 16;
		char **k = realloc(keys->keys, cap * sizeof(*k));
		if (k == NULL)
			return cst_fail(CST_ENOMEM, "out of memory");
		keys->keys = k;
		keys->cap = cap;
	}
	char *copy = malloc(len + 1);
	if (copy == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	memcpy(copy, key, len);
	copy[len] = '\0';
	keys->keys[keys->count++] = copy;
	return CST_OK;
}

void cst_storage_keys_release(cst_storage_keys *keys)
{
	for (size_t i = 0; i < keys->count; i++)
		free(keys->keys[i]);
	free(keys->keys);
	keys->keys = NULL;
	keys->count = keys->cap = 0;
}
