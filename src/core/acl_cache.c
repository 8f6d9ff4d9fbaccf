/* acl_cache.c - compiled ACLs kept by policy set. Building an ACL loads
 * and merges every policy of a token; the server did that on every
 * request. Here a direct-mapped table of recent sets hands out shared
 * references instead. A generation counter, moved by every policy change
 * in this process, keeps an ACL built from old policies out of the table
 * (it is still used by the request that built it, as before). */
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/policy.h"
#include "core/vault.h"
#include "util/timefmt.h"
#include "util/hash.h"

#define SLOTS 256
#define TTL_NS 1000000000LL
#define KEY_MAX 4096 /* longer policy lists are built every time */

typedef struct slot {
	char *key; /* the set's key (set_key); NULL when empty */
	cst_acl *acl;
	uint64_t gen;
	int64_t expires;
} slot;

struct cst_acl_cache {
	pthread_mutex_t lock;
	atomic_uint_fast64_t gen;
	slot slots[SLOTS];
};

cst_acl_cache *cst_acl_cache_new(void)
{
	cst_acl_cache *c = calloc(1, sizeof(*c));
	if (c != NULL)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

static void slot_clear(slot *s)
{
	free(s->key);
	cst_acl_free(s->acl);
	memset(s, 0, sizeof(*s));
}

void cst_acl_cache_free(cst_acl_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < SLOTS; i++)
		slot_clear(&c->slots[i]);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void cst_acl_cache_changed(cst_acl_cache *c)
{
	if (c == NULL)
		return;
	atomic_fetch_add(&c->gen, 1);
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < SLOTS; i++)
		slot_clear(&c->slots[i]);
	pthread_mutex_unlock(&c->lock);
}

/* The set's key: each name with its length before it ("7:default"), so
 * no name can pose as several whatever it holds. 0 if it does not fit (or
 * a name is not a string): that set is built every time. */
static size_t set_key(char *out, const json_t *names)
{
	size_t n = 0, i;
	json_t *name;
	json_array_foreach(names, i, name) {
		const char *s = json_string_value(name);
		size_t len = s ? strlen(s) : 0;
		if (s == NULL || n + len + 24 > KEY_MAX)
			return 0;
		n += (size_t)snprintf(out + n, KEY_MAX - n, "%zu:", len);
		memcpy(out + n, s, len);
		n += len;
	}
	out[n] = '\0';
	return n;
}

int cst_acl_get(cst_acl **out, cst_vault *v, const json_t *policy_names)
{
	cst_acl_cache *c = v->acl_cache;
	char key[KEY_MAX];
	if (c == NULL || set_key(key, policy_names) == 0)
		return cst_acl_build(out, v, policy_names);
	slot *s = &c->slots[cst_hash_str(key) % SLOTS];
	int64_t now = cst_now_ns();
	pthread_mutex_lock(&c->lock);
	uint64_t gen = atomic_load(&c->gen);
	if (s->key && s->gen == gen && s->expires > now && strcmp(s->key, key) == 0) {
		cst_acl *acl = s->acl;
		cst_acl_ref(acl);
		pthread_mutex_unlock(&c->lock);
		*out = acl;
		return CST_OK;
	}
	pthread_mutex_unlock(&c->lock);
	int rc = cst_acl_build(out, v, policy_names);
	if (rc < 0)
		return rc;
	char *copy = strdup(key);
	if (copy == NULL)
		return CST_OK; /* uncached, still correct */
	pthread_mutex_lock(&c->lock);
	if (atomic_load(&c->gen) == gen) { /* no policy changed while we built */
		slot_clear(s);
		s->key = copy;
		s->acl = *out;
		cst_acl_ref(*out);
		s->gen = gen;
		s->expires = now + TTL_NS;
		copy = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	free(copy);
	return CST_OK;
}
