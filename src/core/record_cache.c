/* record_cache.c - a direct-mapped table of decoded records (see
 * record_cache.h): a key always lands in the same slot, a newer record or
 * another key there replaces the old one. Locks are striped over slots. */
#include "core/record_cache.h"
#include "util/hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 8192
#define STRIPES 64

typedef struct slot {
	char *key;
	uint64_t rev;
	json_t *record;
} slot;

struct cst_record_cache {
	pthread_mutex_t locks[STRIPES];
	slot slots[SLOTS];
};

cst_record_cache *cst_record_cache_new(void)
{
	cst_record_cache *c = calloc(1, sizeof(*c));
	if (c != NULL)
		for (size_t i = 0; i < STRIPES; i++)
			pthread_mutex_init(&c->locks[i], NULL);
	return c;
}

void cst_record_cache_free(cst_record_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < SLOTS; i++) {
		free(c->slots[i].key);
		json_decref(c->slots[i].record);
	}
	for (size_t i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&c->locks[i]);
	free(c);
}

static size_t slot_of(const char *key)
{
	return (size_t)(cst_hash_str(key) % SLOTS);
}

json_t *cst_record_cache_get(cst_record_cache *c, const char *key, uint64_t rev)
{
	if (c == NULL)
		return NULL;
	size_t i = slot_of(key);
	json_t *r = NULL;
	pthread_mutex_lock(&c->locks[i % STRIPES]);
	slot *s = &c->slots[i];
	if (s->key && s->rev == rev && strcmp(s->key, key) == 0)
		r = json_incref(s->record);
	pthread_mutex_unlock(&c->locks[i % STRIPES]);
	return r;
}

void cst_record_cache_put(cst_record_cache *c, const char *key, uint64_t rev, json_t *record,
                          size_t stored_len)
{
	if (c == NULL || record == NULL || stored_len > CST_RECORD_CACHE_MAX)
		return;
	char *copy = strdup(key);
	if (copy == NULL)
		return;
	size_t i = slot_of(key);
	pthread_mutex_lock(&c->locks[i % STRIPES]);
	slot *s = &c->slots[i];
	char *old_key = s->key;
	json_t *old = s->record;
	s->key = copy;
	s->rev = rev;
	s->record = json_incref(record);
	pthread_mutex_unlock(&c->locks[i % STRIPES]);
	free(old_key);
	json_decref(old);
}
