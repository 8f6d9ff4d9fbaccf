/* readcache.c - sharded LRU cache of stored entries; the coherence rules
 * are in readcache.h. Each shard has its own lock, so readers of different
 * keys rarely meet; a shard's generation counter moves on every write_begin
 * and write_end to it, which is what makes a miss's ticket go stale. */
#include "storage/readcache.h"
#include "util/hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS 64
#define NO_FILL UINT64_MAX /* ticket of a miss taken while the shard was being written */

typedef struct entry {
	struct entry *chain;            /* next in the hash bucket */
	struct entry *newer, *older;    /* LRU list */
	uint64_t hash;
	unsigned char *value;           /* NULL when absent */
	size_t len;
	uint64_t rev;
	int absent;
	unsigned writing; /* writes of this key under way: not served meanwhile */
	char key[];
} entry;

typedef struct shard {
	pthread_mutex_t lock;
	entry **buckets;
	size_t nbuckets, count, bytes;
	entry *newest, *oldest;
	unsigned writers; /* write_begin calls not yet ended */
	uint64_t gen;
} shard;

struct cst_readcache {
	size_t max_entries, max_bytes, max_value; /* per shard, except max_value */
	shard shards[SHARDS];
};

static shard *shard_of(cst_readcache *c, uint64_t h)
{
	return &c->shards[(h >> 58) % SHARDS]; /* top bits: the buckets use the low ones */
}

cst_readcache *cst_readcache_new(size_t max_entries, size_t max_bytes)
{
	cst_readcache *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->max_entries = max_entries / SHARDS ? max_entries / SHARDS : 1;
	c->max_bytes = max_bytes / SHARDS ? max_bytes / SHARDS : 1;
	/* One value may take at most an eighth of its shard: a few large
	 * entries must not flush everything else. */
	c->max_value = c->max_bytes / 8;
	for (size_t i = 0; i < SHARDS; i++)
		pthread_mutex_init(&c->shards[i].lock, NULL);
	return c;
}

static size_t entry_cost(const entry *e)
{
	return sizeof(*e) + strlen(e->key) + 1 + e->len;
}

static void lru_unlink(shard *s, entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		s->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		s->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void lru_push(shard *s, entry *e)
{
	e->older = s->newest;
	e->newer = NULL;
	if (s->newest)
		s->newest->newer = e;
	s->newest = e;
	if (s->oldest == NULL)
		s->oldest = e;
}

static entry **find(shard *s, const char *key, uint64_t h)
{
	entry **p = &s->buckets[h & (s->nbuckets - 1)];
	while (*p && ((*p)->hash != h || strcmp((*p)->key, key) != 0))
		p = &(*p)->chain;
	return p;
}

static void remove_entry(shard *s, entry **slot)
{
	entry *e = *slot;
	*slot = e->chain;
	lru_unlink(s, e);
	s->count--;
	s->bytes -= entry_cost(e);
	free(e->value);
	free(e);
}

/* Doubles the bucket array (or makes the first); keeps the old on failure. */
static void grow(shard *s)
{
	size_t n = s->nbuckets ? s->nbuckets * 2 : 64;
	entry **b = calloc(n, sizeof(*b));
	if (b == NULL)
		return;
	for (size_t i = 0; i < s->nbuckets; i++) {
		for (entry *e = s->buckets[i], *next; e; e = next) {
			next = e->chain;
			e->chain = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = n;
}

void cst_readcache_free(cst_readcache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < SHARDS; i++) {
		shard *s = &c->shards[i];
		while (s->oldest)
			remove_entry(s, find(s, s->oldest->key, s->oldest->hash));
		free(s->buckets);
		pthread_mutex_destroy(&s->lock);
	}
	free(c);
}

int cst_readcache_get(cst_readcache *c, const char *key, unsigned char **out_value,
                      size_t *out_len, uint64_t *out_rev, int *out_absent, uint64_t *out_ticket)
{
	uint64_t h = cst_hash_str(key);
	shard *s = shard_of(c, h);
	int hit = 0;
	pthread_mutex_lock(&s->lock);
	entry *e = s->nbuckets ? *find(s, key, h) : NULL;
	if (e != NULL && e->writing == 0) {
		*out_absent = e->absent;
		*out_rev = e->rev;
		*out_len = e->len;
		*out_value = NULL;
		hit = 1;
		if (!e->absent) {
			*out_value = malloc(e->len ? e->len : 1);
			if (*out_value == NULL)
				hit = 0;
			else if (e->len)
				memcpy(*out_value, e->value, e->len);
		}
		if (hit) {
			lru_unlink(s, e);
			lru_push(s, e);
		}
	}
	*out_ticket = s->writers ? NO_FILL : s->gen;
	pthread_mutex_unlock(&s->lock);
	return hit;
}

/* A new entry (NULL when too large or out of memory). */
static entry *new_entry(cst_readcache *c, const char *key, uint64_t h, const unsigned char *value,
                        size_t len, uint64_t rev, int absent)
{
	if (absent)
		len = 0;
	if (len > c->max_value)
		return NULL;
	size_t klen = strlen(key);
	entry *e = malloc(sizeof(*e) + klen + 1);
	unsigned char *copy = absent ? NULL : malloc(len ? len : 1);
	if (e == NULL || (!absent && copy == NULL)) {
		free(e);
		free(copy);
		return NULL;
	}
	if (copy != NULL && len)
		memcpy(copy, value, len);
	*e = (entry){.hash = h, .value = copy, .len = len, .rev = rev, .absent = absent};
	memcpy(e->key, key, klen + 1);
	return e;
}

/* Puts e in its shard (locked), replacing the key's old entry and
 * evicting the least recently used past the bounds. */
static void insert_locked(cst_readcache *c, shard *s, entry *e)
{
	if (s->count >= s->nbuckets)
		grow(s);
	if (s->nbuckets == 0) {
		free(e->value);
		free(e);
		return;
	}
	entry **slot = find(s, e->key, e->hash);
	if (*slot)
		remove_entry(s, slot);
	while (s->oldest && (s->count >= c->max_entries || s->bytes + entry_cost(e) > c->max_bytes))
		remove_entry(s, find(s, s->oldest->key, s->oldest->hash));
	slot = find(s, e->key, e->hash);
	e->chain = *slot;
	*slot = e;
	lru_push(s, e);
	s->count++;
	s->bytes += entry_cost(e);
}

void cst_readcache_fill(cst_readcache *c, const char *key, const unsigned char *value,
                        size_t len, uint64_t rev, int absent, uint64_t ticket)
{
	if (ticket == NO_FILL)
		return;
	uint64_t h = cst_hash_str(key);
	shard *s = shard_of(c, h);
	entry *e = new_entry(c, key, h, value, len, rev, absent);
	if (e == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->writers != 0 || s->gen != ticket) { /* a write came between: stale */
		pthread_mutex_unlock(&s->lock);
		free(e->value);
		free(e);
		return;
	}
	insert_locked(c, s, e);
	pthread_mutex_unlock(&s->lock);
}

/* A key being written keeps its entry as a placeholder, emptied and not
 * served: write_end_stored then refills it with what was committed. Keys
 * that had no entry get none, so a write caches only what readers use
 * (not, say, a token's index entries). */
void cst_readcache_write_begin(cst_readcache *c, const char *key)
{
	uint64_t h = cst_hash_str(key);
	shard *s = shard_of(c, h);
	pthread_mutex_lock(&s->lock);
	s->writers++;
	s->gen++;
	entry *e = s->nbuckets ? *find(s, key, h) : NULL;
	if (e != NULL) {
		s->bytes -= e->len;
		free(e->value);
		e->value = NULL;
		e->len = 0;
		e->writing++;
	}
	pthread_mutex_unlock(&s->lock);
}

/* Ends one write of key; a committed one stores value (absent: deleted)
 * into the key's placeholder, a failed one drops the placeholder. */
static void write_end(cst_readcache *c, const char *key, int committed, const unsigned char *value,
                      size_t len, uint64_t rev, int absent)
{
	uint64_t h = cst_hash_str(key);
	shard *s = shard_of(c, h);
	unsigned char *copy = NULL;
	if (committed && !absent && len <= c->max_value && (copy = malloc(len ? len : 1)) != NULL &&
	    len)
		memcpy(copy, value, len);
	pthread_mutex_lock(&s->lock);
	s->writers--;
	s->gen++; /* misses taken before this commit must not fill */
	entry **slot = s->nbuckets ? find(s, key, h) : NULL;
	entry *e = slot ? *slot : NULL;
	if (e != NULL && e->writing > 0) {
		e->writing--;
		if (committed && (absent || copy != NULL)) {
			free(e->value);
			s->bytes -= e->len;
			e->value = copy;
			e->len = absent ? 0 : len;
			e->absent = absent;
			e->rev = rev;
			s->bytes += e->len;
			copy = NULL;
			/* The new value may be larger: keep the bound. */
			while (s->oldest && s->oldest != e && s->bytes > c->max_bytes)
				remove_entry(s, find(s, s->oldest->key, s->oldest->hash));
		} else if (e->writing == 0) {
			remove_entry(s, slot);
		}
	}
	pthread_mutex_unlock(&s->lock);
	free(copy);
}

void cst_readcache_write_end(cst_readcache *c, const char *key)
{
	write_end(c, key, 0, NULL, 0, 0, 0);
}

void cst_readcache_write_end_stored(cst_readcache *c, const char *key, const unsigned char *value,
                                    size_t len, uint64_t rev, int absent)
{
	write_end(c, key, 1, value, len, rev, absent);
}

void cst_readcache_usage(cst_readcache *c, size_t *out_entries, size_t *out_bytes)
{
	*out_entries = *out_bytes = 0;
	for (size_t i = 0; i < SHARDS; i++) {
		pthread_mutex_lock(&c->shards[i].lock);
		*out_entries += c->shards[i].count;
		*out_bytes += c->shards[i].bytes;
		pthread_mutex_unlock(&c->shards[i].lock);
	}
}
