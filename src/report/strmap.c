/* strmap.c - see strmap.h. Growth copies into new blocks (no realloc, one
 * rule for every buffer; nothing here is secret). */
#include "report/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

void cst_strmap_init(cst_strmap *m, size_t item_size, size_t max)
{
	memset(m, 0, sizeof(*m));
	m->item_size = item_size;
	m->max = max;
}

void cst_strmap_release(cst_strmap *m)
{
	for (size_t i = 0; i < m->count; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->items);
	free(m->slots);
	cst_strmap_init(m, m->item_size, m->max);
}

const char *cst_strmap_key(const cst_strmap *m, size_t i)
{
	return m->keys[i];
}

void *cst_strmap_item(const cst_strmap *m, size_t i)
{
	return m->items + i * m->item_size;
}

static size_t *find_slot(size_t *slots, size_t cap, char *const *keys, const char *key)
{
	size_t i = (size_t)cst_hash_str(key) & (cap - 1);
	while (slots[i] != 0 && strcmp(keys[slots[i] - 1], key) != 0)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* Doubles the slot table (kept at most half full) and, when full, the
 * key and item arrays. */
static int grow(cst_strmap *m)
{
	if (m->count + 1 > m->items_cap) {
		size_t ncap = m->items_cap ? m->items_cap * 2 : 16;
		char **nk = calloc(ncap, sizeof(*nk));
		unsigned char *ni = calloc(ncap, m->item_size);
		if (nk == NULL || ni == NULL) {
			free(nk);
			free(ni);
			return -1;
		}
		if (m->count) {
			memcpy(nk, m->keys, m->count * sizeof(*nk));
			memcpy(ni, m->items, m->count * m->item_size);
		}
		free(m->keys);
		free(m->items);
		m->keys = nk;
		m->items = ni;
		m->items_cap = ncap;
	}
	if ((m->count + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 32;
		size_t *ns = calloc(ncap, sizeof(*ns));
		if (ns == NULL)
			return -1;
		for (size_t i = 0; i < m->count; i++)
			*find_slot(ns, ncap, m->keys, m->keys[i]) = i + 1;
		free(m->slots);
		m->slots = ns;
		m->cap = ncap;
	}
	return 0;
}

typedef struct ranked {
	uint64_t count;
	const char *key;
	size_t index;
} ranked;

static int ranked_cmp(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->key, y->key);
}

size_t *cst_strmap_ranked(const cst_strmap *m, uint64_t (*count)(const void *item))
{
	size_t n = m->count;
	ranked *r = calloc(n ? n : 1, sizeof(*r));
	size_t *out = calloc(n ? n : 1, sizeof(*out));
	if (r && out) {
		for (size_t i = 0; i < n; i++)
			r[i] = (ranked){count(cst_strmap_item(m, i)), m->keys[i], i};
		qsort(r, n, sizeof(*r), ranked_cmp);
		for (size_t i = 0; i < n; i++)
			out[i] = r[i].index;
	} else {
		free(out);
		out = NULL;
	}
	free(r);
	return out;
}

void *cst_strmap_get(cst_strmap *m, const char *key, int create, int *created)
{
	if (created)
		*created = 0;
	if (m->cap) {
		size_t *slot = find_slot(m->slots, m->cap, m->keys, key);
		if (*slot)
			return m->items + (*slot - 1) * m->item_size;
	}
	if (!create || m->count >= m->max || strlen(key) > CST_STRMAP_KEY_MAX || grow(m) < 0)
		return NULL;
	char *copy = strdup(key);
	if (copy == NULL)
		return NULL;
	m->keys[m->count] = copy;
	*find_slot(m->slots, m->cap, m->keys, key) = m->count + 1;
	void *item = m->items + m->count * m->item_size;
	memset(item, 0, m->item_size);
	m->count++;
	if (created)
		*created = 1;
	return item;
}
