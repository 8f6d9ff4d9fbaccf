/* readcache.h - an in-process cache of stored entries (ciphertext, as the
 * backend returns it) for a store that this process alone writes: the
 * server, which holds the vault file exclusively. Like Vault's physical
 * cache, it saves a backend read (and the backend's lock) on hot entries:
 * tokens, policies, mounts, metadata, secrets. It also remembers absent
 * keys. Bounded by entry count and bytes, least recently used out first.
 *
 * Coherence with writers: a writer calls write_begin(key) before its
 * batch touches the backend and write_end(key) once the batch committed or
 * failed. A reader that misses takes a ticket before reading the backend
 * and fills with it afterwards; the fill is dropped if any write to that
 * key's shard began or ended in between, so a value read before a commit
 * can never be cached after it. Entries of keys being written are removed
 * at write_begin (kept as placeholders that are not served), so no reader
 * sees an older value from the cache once a newer one is visible in the
 * backend. */
#ifndef CST_READCACHE_H
#define CST_READCACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct cst_readcache cst_readcache;

/* NULL when out of memory (the store then runs uncached). */
cst_readcache *cst_readcache_new(size_t max_entries, size_t max_bytes);
void cst_readcache_free(cst_readcache *c);

/* 1 on a hit: *out_absent says the key is known not to exist, else
 * *out_value (malloc'd copy; free with free()), *out_len and *out_rev are
 * set. 0 on a miss (or out of memory): *out_ticket is what fill needs. */
int cst_readcache_get(cst_readcache *c, const char *key, unsigned char **out_value,
                      size_t *out_len, uint64_t *out_rev, int *out_absent, uint64_t *out_ticket);

/* Caches what a read after a miss found (absent: the key does not exist;
 * value is then ignored). Dropped if the ticket is stale. */
void cst_readcache_fill(cst_readcache *c, const char *key, const unsigned char *value,
                        size_t len, uint64_t rev, int absent, uint64_t ticket);

void cst_readcache_write_begin(cst_readcache *c, const char *key);
void cst_readcache_write_end(cst_readcache *c, const char *key);
/* Ends a write that committed: a key that had an entry gets what the
 * write stored (absent for a delete), so the next read of a key just
 * written (a client reading back, the next write's existence check) needs
 * no read of the backend; a key that had none stays uncached. Call in
 * commit order, while readers of the backend would see exactly this. */
void cst_readcache_write_end_stored(cst_readcache *c, const char *key, const unsigned char *value,
                                    size_t len, uint64_t rev, int absent);

/* Entries and bytes held, for status and tests. */
void cst_readcache_usage(cst_readcache *c, size_t *out_entries, size_t *out_bytes);

#endif
