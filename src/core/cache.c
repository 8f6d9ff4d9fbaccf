/* cache.c - chained hash table of JSON values with expiry. When full, a
 * put caches nothing until cst_cache_sweep drops the expired entries:
 * bounded, never a long stall, and a miss only costs a storage read. */
#include "core/cache.h"

#include <stdlib.h>
#include <string.h>

#include "util/timefmt.h"
#include "util/hash.h"

struct cst_cache_entry {
	cst_cache_entry *next;
	char *key;
	json_t *value;
	int64_t expires;
};

/* Slots are allocated on the first put and doubled as entries come, so a
 * CLI process that never caches pays nothing (it used to clear 128k empty
 * slots on every close). */
void cst_cache_init(cst_cache *c, size_t max_entries, int64_t ttl_ns)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->max = max_entries;
	c->ttl_ns = ttl_ns;
}

/* Doubles the table (or makes the first one); on failure keeps the old. */
static void grow_locked(cst_cache *c)
{
	size_t n = c->nslots ? c->nslots * 2 : 256;
	cst_cache_entry **slots = calloc(n, sizeof(*slots));
	if (slots == NULL)
		return;
	for (size_t i = 0; i < c->nslots; i++) {
		cst_cache_entry *e = c->slots[i];
		while (e) {
			cst_cache_entry *next = e->next;
			size_t k = cst_hash_str(e->key) & (n - 1);
			e->next = slots[k];
			slots[k] = e;
			e = next;
		}
	}
	free(c->slots);
	c->slots = slots;
	c->nslots = n;
}

static void entry_free(cst_cache_entry *e)
{
	free(e->key);
	json_decref(e->value);
	free(e);
}

/* Takes the entries of slots [from, to) out of the table (all, or the
 * expired ones) and hands them back as a list, so the caller frees them
 * after unlocking: freeing 20,000 tokens' JSON took 80 ms, and every
 * request waited on the lock. */
static cst_cache_entry *unlink_locked(cst_cache *c, int only_expired, int64_t now, size_t from,
                                      size_t to)
{
	cst_cache_entry *out = NULL;
	for (size_t i = from; i < to && i < c->nslots; i++) {
		cst_cache_entry **p = &c->slots[i];
		while (*p) {
			cst_cache_entry *e = *p;
			if (!only_expired || e->expires <= now) {
				*p = e->next;
				e->next = out;
				out = e;
				c->count--;
			} else {
				p = &e->next;
			}
		}
	}
	return out;
}

static void free_list(cst_cache_entry *e)
{
	while (e) {
		cst_cache_entry *next = e->next;
		entry_free(e);
		e = next;
	}
}

void cst_cache_release(cst_cache *c)
{
	if (c->slots != NULL) {
		free_list(unlink_locked(c, 0, 0, 0, c->nslots));
		free(c->slots);
		c->slots = NULL;
	}
	pthread_mutex_destroy(&c->lock);
}

static size_t stripe_of(const char *key)
{
	return cst_hash_str(key) % CST_CACHE_STRIPES;
}

void cst_cache_clear(cst_cache *c)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < CST_CACHE_STRIPES; i++)
		c->drops[i]++;
	cst_cache_entry *gone = c->slots != NULL ? unlink_locked(c, 0, 0, 0, c->nslots) : NULL;
	pthread_mutex_unlock(&c->lock);
	free_list(gone);
}

/* A slice of slots at a time, the lock let go between slices, so requests
 * wait at most for one slice (the table may grow meanwhile: an entry it
 * moves past the walk waits for the next sweep). */
#define SWEEP_SLICE 1024

void cst_cache_sweep(cst_cache *c)
{
	int64_t now = cst_now_ns();
	for (size_t from = 0;; from += SWEEP_SLICE) {
		pthread_mutex_lock(&c->lock);
		size_t n = c->slots != NULL ? c->nslots : 0;
		cst_cache_entry *gone = from < n ? unlink_locked(c, 1, now, from, from + SWEEP_SLICE) : NULL;
		pthread_mutex_unlock(&c->lock);
		free_list(gone);
		if (from + SWEEP_SLICE >= n)
			return;
	}
}

static cst_cache_entry **find(cst_cache *c, const char *key)
{
	cst_cache_entry **p = &c->slots[cst_hash_str(key) & (c->nslots - 1)];
	while (*p && strcmp((*p)->key, key) != 0)
		p = &(*p)->next;
	return p;
}

json_t *cst_cache_get(cst_cache *c, const char *key, uint64_t *ticket)
{
	json_t *v = NULL;
	int64_t now = cst_now_ns();
	pthread_mutex_lock(&c->lock);
	*ticket = c->drops[stripe_of(key)];
	cst_cache_entry *e = c->slots ? *find(c, key) : NULL;
	if (e && e->expires > now)
		v = json_incref(e->value);
	pthread_mutex_unlock(&c->lock);
	return v;
}

void cst_cache_drop(cst_cache *c, const char *key)
{
	pthread_mutex_lock(&c->lock);
	c->drops[stripe_of(key)]++;
	cst_cache_entry **p = c->slots ? find(c, key) : NULL;
	if (p && *p) {
		cst_cache_entry *e = *p;
		*p = e->next;
		c->count--;
		pthread_mutex_unlock(&c->lock);
		entry_free(e);
		return;
	}
	pthread_mutex_unlock(&c->lock);
}

void cst_cache_put(cst_cache *c, const char *key, json_t *value, uint64_t ticket)
{
	if (value == NULL || c->max == 0)
		return;
	int64_t now = cst_now_ns();
	pthread_mutex_lock(&c->lock);
	if (c->drops[stripe_of(key)] != ticket) { /* dropped since the caller read storage */
		pthread_mutex_unlock(&c->lock);
		return;
	}
	if (c->slots == NULL || (c->count >= c->nslots && c->nslots < c->max))
		grow_locked(c);
	if (c->slots == NULL) {
		pthread_mutex_unlock(&c->lock);
		return;
	}
	cst_cache_entry **p = find(c, key);
	if (*p) {
		json_decref((*p)->value);
		(*p)->value = json_incref(value);
		(*p)->expires = now + c->ttl_ns;
	} else {
		if (c->count >= c->max) {
			/* Full: this one goes uncached. Emptying the table here (as
			 * before) held the lock over 20,000 frees, a 60 ms stall of
			 * every request under random token traffic; the server's
			 * sweep (cst_cache_sweep) makes room every few seconds. */
			pthread_mutex_unlock(&c->lock);
			return;
		}
		cst_cache_entry *e = calloc(1, sizeof(*e));
		if (e && (e->key = strdup(key)) != NULL) {
			e->value = json_incref(value);
			e->expires = now + c->ttl_ns;
			*p = e;
			c->count++;
		} else {
			free(e);
		}
	}
	pthread_mutex_unlock(&c->lock);
}
