/* memory.c - the in-memory storage backend, for tests: a sorted array of
 * entries behind a mutex. Nothing survives close. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "storage/storage.h"
#include "util/mem.h"

typedef struct entry {
	char *key;
	unsigned char *value;
	size_t len;
	uint64_t rev;
} entry;

typedef struct memory_store {
	cst_storage base; /* must be first */
	pthread_mutex_t lock;
	entry *entries;   /* sorted by key */
	size_t count, cap;
	uint64_t next_rev;
} memory_store;

/* Index of key, or of where it would go; *found says which. */
static size_t find(const memory_store *m, const char *key, int *found)
{
	size_t lo = 0, hi = m->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->entries[mid].key, key);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

static int mem_open(cst_storage **out, const char *path, unsigned flags)
{
	(void)path;
	(void)flags;
	memory_store *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	m->base.backend = &cst_storage_memory;
	pthread_mutex_init(&m->lock, NULL);
	m->next_rev = 1;
	*out = &m->base;
	return CST_OK;
}

static void drop(entry *e)
{
	free(e->key);
	cst_wipe(e->value, e->len);
	free(e->value);
}

static void mem_close(cst_storage *st)
{
	memory_store *m = (memory_store *)st;
	for (size_t i = 0; i < m->count; i++)
		drop(&m->entries[i]);
	free(m->entries);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static int mem_get(cst_storage *st, const char *key, unsigned char **out_value, size_t *out_len,
                   uint64_t *out_rev)
{
	memory_store *m = (memory_store *)st;
	int found, rc = CST_OK;
	pthread_mutex_lock(&m->lock);
	size_t i = find(m, key, &found);
	if (!found) {
		rc = cst_fail(CST_ENOTFOUND, "no entry");
	} else {
		entry *e = &m->entries[i];
		*out_value = malloc(e->len ? e->len : 1);
		if (*out_value == NULL) {
			rc = cst_fail(CST_ENOMEM, "out of memory");
		} else {
			memcpy(*out_value, e->value, e->len);
			*out_len = e->len;
			*out_rev = e->rev;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

static int mem_list(cst_storage *st, const char *prefix, const char *after, size_t limit,
                    cst_storage_keys *out)
{
	memory_store *m = (memory_store *)st;
	size_t plen = strlen(prefix);
	int found, rc = CST_OK;
	pthread_mutex_lock(&m->lock);
	size_t i = find(m, after && strcmp(after, prefix) > 0 ? after : prefix, &found);
	if (found && after && strcmp(m->entries[i].key, after) == 0)
		i++;
	for (; i < m->count && out->count < limit && rc == CST_OK; i++) {
		const char *k = m->entries[i].key;
		if (strncmp(k, prefix, plen) != 0)
			break;
		rc = cst_storage_keys_add(out, k, strlen(k));
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

static int apply(memory_store *m, const cst_storage_op *op, uint64_t rev)
{
	int found;
	size_t i = find(m, op->key, &found);
	if (op->kind == CST_STORAGE_DELETE) {
		if (found) {
			drop(&m->entries[i]);
			memmove(&m->entries[i], &m->entries[i + 1], (m->count - i - 1) * sizeof(entry));
			m->count--;
		}
		return CST_OK;
	}
	unsigned char *v = malloc(op->len ? op->len : 1);
	if (v == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	memcpy(v, op->value, op->len);
	if (found) {
		cst_wipe(m->entries[i].value, m->entries[i].len);
		free(m->entries[i].value);
	} else {
		if (m->count == m->cap) {
			size_t cap = m->cap ? m->cap * 2 : 64;
			entry *e = realloc(m->entries, cap * sizeof(*e));
			if (e == NULL) {
				free(v);
				return cst_fail(CST_ENOMEM, "out of memory");
			}
			m->entries = e;
			m->cap = cap;
		}
		char *k = strdup(op->key);
		if (k == NULL) {
			free(v);
			return cst_fail(CST_ENOMEM, "out of memory");
		}
		memmove(&m->entries[i + 1], &m->entries[i], (m->count - i) * sizeof(entry));
		m->count++;
		m->entries[i].key = k;
	}
	m->entries[i].value = v;
	m->entries[i].len = op->len;
	m->entries[i].rev = rev;
	return CST_OK;
}

static int mem_batch(cst_storage *st, const cst_storage_op *ops, size_t n, uint64_t *out_rev)
{
	memory_store *m = (memory_store *)st;
	int rc = CST_OK;
	pthread_mutex_lock(&m->lock);
	/* Check every revision first so the batch is all or nothing; apply
	 * can then fail only on allocation. */
	for (size_t j = 0; j < n && rc == CST_OK; j++) {
		if (ops[j].expect_rev == CST_REV_ANY)
			continue;
		int found;
		size_t i = find(m, ops[j].key, &found);
		int64_t rev = found ? (int64_t)m->entries[i].rev : CST_REV_ABSENT;
		if (rev != ops[j].expect_rev)
			rc = cst_fail(CST_ECONFLICT, "entry changed concurrently");
	}
	uint64_t rev = m->next_rev++;
	for (size_t j = 0; j < n && rc == CST_OK; j++)
		if (ops[j].kind != CST_STORAGE_CHECK)
			rc = apply(m, &ops[j], rev);
	if (rc == CST_OK && out_rev != NULL)
		*out_rev = rev;
	pthread_mutex_unlock(&m->lock);
	return rc;
}

static int mem_count(cst_storage *st, const char *prefix, uint64_t *out)
{
	memory_store *m = (memory_store *)st;
	size_t plen = strlen(prefix);
	int found;
	pthread_mutex_lock(&m->lock);
	size_t i = find(m, prefix, &found);
	uint64_t n = 0;
	for (; i < m->count && strncmp(m->entries[i].key, prefix, plen) == 0; i++)
		n++;
	pthread_mutex_unlock(&m->lock);
	*out = n;
	return CST_OK;
}

const cst_storage_backend cst_storage_memory = {
	CST_STORAGE_ABI, "memory", mem_open, mem_close, mem_get, mem_list, mem_batch, mem_count,
};
