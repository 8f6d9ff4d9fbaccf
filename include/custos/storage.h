/*
 * custos/storage.h - the storage backend interface, for implementers only
 * (as git2/sys/). Storage is an ordered map from string keys to opaque
 * bytes; it only ever sees ciphertext. Each entry carries a revision number
 * that changes on every write, so writers can batch with compare-on-revision.
 *
 * A backend fills a cst_storage_backend and embeds struct cst_storage as the
 * first member of its handle. src/storage/storage.c is the only caller of
 * the function pointers.
 */
#ifndef CUSTOS_STORAGE_H
#define CUSTOS_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#define CST_STORAGE_ABI 2

/* open flags */
#define CST_STORAGE_CREATE 0x1u   /* create a new store; CST_ECONFLICT if one exists */
#define CST_STORAGE_READONLY 0x2u /* refuse writes */
#define CST_STORAGE_BULK 0x4u     /* no fsync per batch (bulk loads only) */
#define CST_STORAGE_EXCLUSIVE 0x8u /* hold the file lock for the whole session */

typedef enum cst_storage_op_kind {
	CST_STORAGE_PUT = 1,
	CST_STORAGE_DELETE = 2,
	CST_STORAGE_CHECK = 3 /* write nothing, only compare the revision */
} cst_storage_op_kind;

/* expect_rev: CST_REV_ANY skips the check; CST_REV_ABSENT requires that the
 * key does not exist; any other value must equal the entry's revision. */
#define CST_REV_ANY (-1)
#define CST_REV_ABSENT 0

typedef struct cst_storage_op {
	cst_storage_op_kind kind;
	const char *key;
	const unsigned char *value; /* PUT only; borrowed */
	size_t len;
	int64_t expect_rev;
} cst_storage_op;

/* Keys returned by list; free with cst_storage_keys_release(). */
typedef struct cst_storage_keys {
	char **keys;
	size_t count;
	size_t cap; /* allocated slots */
} cst_storage_keys;

typedef struct cst_storage cst_storage;

typedef struct cst_storage_backend {
	int abi; /* CST_STORAGE_ABI */
	const char *name;
	/* Opens (or with CST_STORAGE_CREATE creates) the store at path. */
	int (*open)(cst_storage **out, const char *path, unsigned flags);
	void (*close)(cst_storage *st);
	/* Reads one entry: *out_value is malloc'd (free with free()), revision
	 * to *out_rev. CST_ENOTFOUND when absent. */
	int (*get)(cst_storage *st, const char *key, unsigned char **out_value, size_t *out_len,
	           uint64_t *out_rev);
	/* Keys starting with prefix, in byte order, strictly after `after`
	 * (NULL: from the start), at most limit of them. */
	int (*list)(cst_storage *st, const char *prefix, const char *after, size_t limit,
	            cst_storage_keys *out);
	/* Applies every op or none. CST_ECONFLICT when a revision check fails.
	 * Returns only once the batch is durable (unless opened BULK). Every
	 * put of the batch gets one new revision, told in *out_rev (out_rev may
	 * be NULL); a revision is never given twice. */
	int (*batch)(cst_storage *st, const cst_storage_op *ops, size_t n, uint64_t *out_rev);
	/* Number of keys starting with prefix. */
	int (*count)(cst_storage *st, const char *prefix, uint64_t *out);
} cst_storage_backend;

struct cst_storage {
	const cst_storage_backend *backend;
};

void cst_storage_keys_release(cst_storage_keys *keys);

#endif
