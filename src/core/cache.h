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

#define CST_CACHE_STRIPES 256

typedef struct cst_cache {
	pthread_mutex_t lock;
	cst_cache_entry **slots; /* open hashing, chained */
	size_t nslots, count, max;
	int64_t ttl_ns;
	/* Moved by every drop of a key in the stripe (and by a clear): see
	 * cst_cache_get. */
	uint64_t drops[CST_CACHE_STRIPES];
} cst_cache;

void cst_cache_init(cst_cache *c, size_t max_entries, int64_t ttl_ns);
void cst_cache_release(cst_cache *c);

/* A new reference to the cached value, or NULL (absent or expired).
 * *ticket is what a fill after a miss hands to cst_cache_put: the put is
 * refused if the key was dropped since. A writer changes storage, then
 * drops the key; a reader that missed and read the old record before the
 * change would otherwise put it back after the drop, and a revoked token
 * or an old policy would be served until the TTL. (Drops are counted per
 * stripe of keys: an unrelated drop in the same stripe costs a refill.) */
json_t *cst_cache_get(cst_cache *c, const char *key, uint64_t *ticket);
/* Stores a reference to value (replacing any old one), unless key's
 * stripe saw a drop or a clear since the get that gave ticket. */
void cst_cache_put(cst_cache *c, const char *key, json_t *value, uint64_t ticket);
void cst_cache_drop(cst_cache *c, const char *key);
void cst_cache_clear(cst_cache *c);
/* Drops the expired entries (the server's sweeper calls it), so memory
 * follows the working set of the last TTL, not of the last full table. */
void cst_cache_sweep(cst_cache *c);

#endif
