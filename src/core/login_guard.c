/* login_guard.c - the user-lockout and address-throttle tables: two small
 * chained hash tables under one mutex. Each entry holds a count, the time
 * of the first and last failure, and the time a lock ends. */
#include "core/login_guard.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"

#define SLOTS 4096

typedef struct entry {
	struct entry *next;
	int64_t first, last; /* first and last failure of the current count */
	int64_t locked_until;
	int count;
	char key[]; /* "<accessor>/<user>" or an address */
} entry;

typedef struct table {
	entry **slots; /* SLOTS of them, made at the first failure: a CLI
	                * process, which never counts one, pays nothing */
	size_t count;
} table;

struct cst_login_guard {
	pthread_mutex_t lock;
	table users, addrs;
};

int cst_login_guard_new(cst_login_guard **out)
{
	cst_login_guard *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	pthread_mutex_init(&g->lock, NULL);
	*out = g;
	return CST_OK;
}

static void table_clear(table *t, int (*keep)(const entry *, int64_t), int64_t now)
{
	for (size_t i = 0; t->slots != NULL && i < SLOTS; i++) {
		entry **pp = &t->slots[i];
		while (*pp) {
			entry *e = *pp;
			if (keep && keep(e, now)) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			free(e);
			t->count--;
		}
	}
}

void cst_login_guard_free(cst_login_guard *g)
{
	if (g == NULL)
		return;
	table_clear(&g->users, NULL, 0);
	table_clear(&g->addrs, NULL, 0);
	free(g->users.slots);
	free(g->addrs.slots);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

static size_t slot_of(const char *key)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % SLOTS;
}

static entry *find(table *t, const char *key)
{
	if (t->slots == NULL)
		return NULL;
	for (entry *e = t->slots[slot_of(key)]; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* What to keep when a table is full: first pass keeps entries that still
 * matter, second pass only locked (or throttled) ones. */
static int still_matters(const entry *e, int64_t now)
{
	return e->locked_until > now || now - e->last < CST_LIMIT_LOGIN_KEEP;
}

static int locked(const entry *e, int64_t now)
{
	return e->locked_until > now;
}

/* The entry for key, made when missing (NULL when there is no room or
 * memory: the failure then goes uncounted, never refused). */
static entry *get(table *t, const char *key, int64_t now)
{
	entry *e = find(t, key);
	if (e != NULL)
		return e;
	if (t->count >= CST_LIMIT_LOGIN_TRACKED)
		table_clear(t, still_matters, now);
	if (t->count >= CST_LIMIT_LOGIN_TRACKED)
		table_clear(t, locked, now);
	if (t->count >= CST_LIMIT_LOGIN_TRACKED)
		return NULL;
	if (t->slots == NULL && (t->slots = calloc(SLOTS, sizeof(*t->slots))) == NULL)
		return NULL;
	size_t n = strlen(key);
	if (n > 512 || (e = calloc(1, sizeof(*e) + n + 1)) == NULL)
		return NULL;
	memcpy(e->key, key, n + 1);
	size_t s = slot_of(key);
	e->next = t->slots[s];
	t->slots[s] = e;
	t->count++;
	return e;
}

static void drop(table *t, const char *key)
{
	if (t->slots == NULL)
		return;
	entry **pp = &t->slots[slot_of(key)];
	for (; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->key, key) == 0) {
			entry *e = *pp;
			*pp = e->next;
			free(e);
			t->count--;
			return;
		}
	}
}

int cst_login_guard_check(cst_login_guard *g, const char *user, const char *addr,
                          const cst_lockout_cfg *cfg, int64_t now)
{
	int rc = CST_OK;
	pthread_mutex_lock(&g->lock);
	entry *a = addr ? find(&g->addrs, addr) : NULL;
	entry *u = user && !cfg->disabled ? find(&g->users, user) : NULL;
	if (a && a->locked_until > now)
		rc = cst_fail(CST_ELIMIT, "too many failed logins from this address: try again in %lld s",
		              (long long)(a->locked_until - now));
	else if (u && u->locked_until > now)
		rc = cst_fail(CST_EPERM, "permission denied: user is locked out after too many failed logins");
	pthread_mutex_unlock(&g->lock);
	return rc;
}

void cst_login_guard_failed(cst_login_guard *g, const char *user, const char *addr,
                            const cst_lockout_cfg *cfg, int64_t now)
{
	pthread_mutex_lock(&g->lock);
	entry *a = addr ? get(&g->addrs, addr, now) : NULL;
	if (a) {
		if (now - a->first >= CST_LIMIT_LOGIN_ADDR_WINDOW) { /* a new window */
			a->first = now;
			a->count = 0;
		}
		a->last = now;
		if (++a->count > CST_LIMIT_LOGIN_ADDR_FAILURES)
			a->locked_until = a->first + CST_LIMIT_LOGIN_ADDR_WINDOW;
	}
	entry *u = user && !cfg->disabled ? get(&g->users, user, now) : NULL;
	if (u && u->locked_until <= now) {
		/* A quiet spell longer than the reset time, or a lock that has
		 * run out, starts the count again. */
		if (u->locked_until || now - u->last >= cfg->reset_s) {
			u->count = 0;
			u->locked_until = 0;
		}
		if (u->count == 0)
			u->first = now;
		u->last = now;
		if (++u->count >= cfg->threshold)
			u->locked_until = now + cfg->duration_s;
	}
	pthread_mutex_unlock(&g->lock);
}

void cst_login_guard_succeeded(cst_login_guard *g, const char *user)
{
	if (user == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	drop(&g->users, user);
	pthread_mutex_unlock(&g->lock);
}
