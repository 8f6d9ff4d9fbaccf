/* strmap.h - a string-keyed table of fixed-size items, for the report's
 * tallies (principals, teams, failed-login targets): open addressing on
 * cst_hash_str, items zeroed when made, keys copied, insertion order kept
 * for a stable walk. Bounded: past `max` keys, new keys are refused (the
 * caller counts them under an "other" row) so a hostile log cannot grow
 * it without end. */
#ifndef CST_REPORT_STRMAP_H
#define CST_REPORT_STRMAP_H

#include <stddef.h>
#include <stdint.h>

/* Longer keys are refused as a full table refuses new ones: a forged log
 * must not make each of the bounded number of keys huge. */
#define CST_STRMAP_KEY_MAX 511

typedef struct cst_strmap {
	size_t item_size, max;
	size_t count;       /* keys held */
	size_t cap;         /* slots, a power of two */
	size_t *slots;      /* owned: index + 1 into keys/items, 0 = empty */
	char **keys;        /* owned, in insertion order */
	unsigned char *items; /* owned, count * item_size */
	size_t items_cap;   /* keys/items allocated */
} cst_strmap;

void cst_strmap_init(cst_strmap *m, size_t item_size, size_t max);
void cst_strmap_release(cst_strmap *m);
/* The item of key, made (zeroed) when absent and create is set; NULL when
 * absent, when the table is full, the key longer than CST_STRMAP_KEY_MAX,
 * or out of memory. *created says
 * whether it was made now (may be NULL). */
void *cst_strmap_get(cst_strmap *m, const char *key, int create, int *created);
/* The indexes of the items, most first by count(item), then by key: an
 * owned array of m->count (free it), NULL when out of memory. */
size_t *cst_strmap_ranked(const cst_strmap *m, uint64_t (*count)(const void *item));
/* The i-th key and item in insertion order (i < count). */
const char *cst_strmap_key(const cst_strmap *m, size_t i);
void *cst_strmap_item(const cst_strmap *m, size_t i);

#endif
