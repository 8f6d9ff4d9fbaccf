/* cache.h - a small in-process cache of JSON records (tokens, policies)
 * with a time-to-live, so hot requests skip storage and decryption.
 * Writers in this process drop entries as they change them; the TTL bounds
 * how long a change made by another process (a local CLI on the same
 * vault file) can go unseen. Entries hold decrypted records: the cache is
 * cleared when the vault is sealed. */
#ifndef CST_CACHE_H
#define CST_CACHE_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

typedef struct cst_cache_entry cst_cache_entry;

typedef struct cst_cache {
	pthread_mutex_t lock;
	cst_cache_entry **slots; /* open hashing, chained */
	size_t nslots, count, max;
	int64_t ttl_ns;
} cst_cache;

void cst_cache_init(cst_cache *c, size_t max_entries, int64_t ttl_ns);
void cst_cache_release(cst_cache *c);

/* A new reference to the cached value, or NULL (absent or expired). */
json_t *cst_cache_get(cst_cache *c, const char *key);
/* Stores a reference to value (replacing any old one). */
void cst_cache_put(cst_cache *c, const char *key, json_t *value);
void cst_cache_drop(cst_cache *c, const char *key);
void cst_cache_clear(cst_cache *c);
/* Drops the expired entries (the server's sweeper calls it), so memory
 * follows the working set of the last TTL, not of the last full table. */
void cst_cache_sweep(cst_cache *c);

#endif
