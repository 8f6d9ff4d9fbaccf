/* storage.h - the backend registry and the only callers of the storage
 * vtable. Everything above storage goes through these functions. */
#ifndef CST_STORAGE_INTERNAL_H
#define CST_STORAGE_INTERNAL_H

#include "custos/storage.h"

extern const cst_storage_backend cst_storage_memory;
extern const cst_storage_backend cst_storage_sqlite;

/* Finds a backend by name ("sqlite", "memory"); NULL if unknown. */
const cst_storage_backend *cst_storage_find(const char *name);

int cst_storage_open(cst_storage **out, const char *backend, const char *path, unsigned flags)
	__attribute__((warn_unused_result));
void cst_storage_close(cst_storage *st);
int cst_storage_get(cst_storage *st, const char *key, unsigned char **out_value, size_t *out_len,
                    uint64_t *out_rev) __attribute__((warn_unused_result));
int cst_storage_list(cst_storage *st, const char *prefix, const char *after, size_t limit,
                     cst_storage_keys *out) __attribute__((warn_unused_result));
/* Calls fn(key, payload) for every key under prefix, in key order, a page
 * of keys at a time (fn may read and write storage meanwhile). A negative
 * return of fn stops the walk with that code; else CST_OK. */
int cst_storage_each_key(cst_storage *st, const char *prefix,
                         int (*fn)(const char *key, void *payload), void *payload)
	__attribute__((warn_unused_result));
int cst_storage_batch(cst_storage *st, const cst_storage_op *ops, size_t n)
	__attribute__((warn_unused_result));
/* The same, telling the revision the batch's puts got. */
int cst_storage_batch_rev(cst_storage *st, const cst_storage_op *ops, size_t n, uint64_t *out_rev)
	__attribute__((warn_unused_result));
int cst_storage_count(cst_storage *st, const char *prefix, uint64_t *out)
	__attribute__((warn_unused_result));
/* One-op conveniences over batch. */
int cst_storage_put(cst_storage *st, const char *key, const void *value, size_t len)
	__attribute__((warn_unused_result));
int cst_storage_delete(cst_storage *st, const char *key) __attribute__((warn_unused_result));

/* Appends a key copy to a key list (used by backends). */
int cst_storage_keys_add(cst_storage_keys *keys, const char *key, size_t len)
	__attribute__((warn_unused_result));

#endif
