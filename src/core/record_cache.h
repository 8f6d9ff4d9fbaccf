/* record_cache.h - decoded JSON records by (storage key, revision). A
 * revision is never reused for a key (the store-wide counter), so an entry
 * whose revision matches what storage returned is exactly the record
 * stored there: no invalidation is needed, only a size bound. Holds opened
 * plaintext, so only records that are not secrets go in (KV metadata,
 * engine config, the mount table), and it is dropped when the vault is
 * sealed. Entries are shared and read-only. */
#ifndef CST_RECORD_CACHE_H
#define CST_RECORD_CACHE_H

#include <jansson.h>
#include <stdint.h>

typedef struct cst_record_cache cst_record_cache;

cst_record_cache *cst_record_cache_new(void); /* NULL: out of memory, run uncached */
void cst_record_cache_free(cst_record_cache *c);

/* A new reference to the record at (key, rev), or NULL. */
json_t *cst_record_cache_get(cst_record_cache *c, const char *key, uint64_t rev);
/* Keeps a reference to record as the one at (key, rev). stored_len is
 * the record's stored size: records over CST_RECORD_CACHE_MAX bytes are
 * not kept, so 8,192 slots hold at most ~8,192 x 16 KiB of JSON text's
 * worth of decoded objects (a secret's metadata is ~1 KiB). */
#define CST_RECORD_CACHE_MAX (16 * 1024)
void cst_record_cache_put(cst_record_cache *c, const char *key, uint64_t rev, json_t *record,
                          size_t stored_len);

#endif
