/* cache.c - tests of src/core/cache.c: hits and misses, replacement, the
 * TTL, a full table caching nothing new until the sweep drops expired
 * entries, drop and clear, values a reader still holds outliving their
 * entry (the sweep frees outside the lock, by reference count), and a fill
 * refused when its key was dropped after the reader took its ticket. */
#include "testutil.h"

#include "core/cache.h"

static json_t *rec(int n)
{
	return json_pack("{s:i, s:s}", "n", n, "policy", "benchread");
}

/* The ticket a miss gives (what a loader holds before reading storage). */
static uint64_t ticket_of(cst_cache *c, const char *key)
{
	uint64_t t;
	json_decref(cst_cache_get(c, key, &t));
	return t;
}

static void put_new(cst_cache *c, const char *key, int n)
{
	json_t *v = rec(n);
	cst_cache_put(c, key, v, ticket_of(c, key));
	json_decref(v);
}

static int value_of(cst_cache *c, const char *key)
{
	uint64_t t;
	json_t *v = cst_cache_get(c, key, &t);
	int n = v ? (int)json_integer_value(json_object_get(v, "n")) : -1;
	json_decref(v);
	return n;
}

static void test_get_put_drop_clear(void **state)
{
	(void)state;
	cst_cache c;
	cst_cache_init(&c, 1000, 3600LL * 1000000000LL);
	assert_int_equal(value_of(&c, "a"), -1); /* empty: no table yet */
	for (int i = 0; i < 600; i++) {          /* past the first table's 256 slots */
		char k[16];
		snprintf(k, sizeof(k), "k%d", i);
		put_new(&c, k, i);
	}
	assert_int_equal(c.count, 600);
	assert_int_equal(value_of(&c, "k0"), 0);
	assert_int_equal(value_of(&c, "k599"), 599);
	put_new(&c, "k7", 70); /* replaced, not added */
	assert_int_equal(value_of(&c, "k7"), 70);
	assert_int_equal(c.count, 600);
	cst_cache_drop(&c, "k7");
	assert_int_equal(value_of(&c, "k7"), -1);
	assert_int_equal(c.count, 599);
	cst_cache_drop(&c, "none"); /* harmless */
	uint64_t t;
	json_t *held = cst_cache_get(&c, "k1", &t);
	cst_cache_clear(&c);
	assert_int_equal(c.count, 0);
	assert_int_equal(value_of(&c, "k1"), -1);
	/* a reader's reference outlives the entry */
	assert_int_equal(json_integer_value(json_object_get(held, "n")), 1);
	json_decref(held);
	cst_cache_release(&c);
}

static void test_full_and_sweep(void **state)
{
	(void)state;
	cst_cache c;
	cst_cache_init(&c, 4, 0); /* every entry expired as soon as it is made */
	put_new(&c, "a", 1);
	assert_int_equal(value_of(&c, "a"), -1); /* expired: a miss, still held */
	for (int i = 0; i < 10; i++) {
		char k[16];
		snprintf(k, sizeof(k), "x%d", i);
		put_new(&c, k, i);
	}
	assert_int_equal(c.count, 4); /* full: the rest went uncached */
	json_t *held = json_object();
	cst_cache_put(&c, "late", held, ticket_of(&c, "late")); /* full: no reference taken */
	assert_int_equal(held->refcount, 1);
	json_decref(held);
	cst_cache_sweep(&c);
	assert_int_equal(c.count, 0);
	cst_cache_release(&c);

	/* a sweep walks a table of many slices (1,024 slots each) */
	cst_cache_init(&c, 5000, 0);
	for (int i = 0; i < 5000; i++) {
		char k[16];
		snprintf(k, sizeof(k), "t%d", i);
		put_new(&c, k, i);
	}
	assert_int_equal(c.count, 5000);
	assert_true(c.nslots > 4 * 1024);
	cst_cache_sweep(&c);
	assert_int_equal(c.count, 0);
	cst_cache_release(&c);

	/* entries within their TTL survive a sweep */
	cst_cache_init(&c, 4, 3600LL * 1000000000LL);
	put_new(&c, "keep", 5);
	cst_cache_sweep(&c);
	assert_int_equal(c.count, 1);
	assert_int_equal(value_of(&c, "keep"), 5);
	cst_cache_release(&c);

	/* max 0: caches nothing */
	cst_cache_init(&c, 0, 3600LL * 1000000000LL);
	put_new(&c, "a", 1);
	assert_int_equal(value_of(&c, "a"), -1);
	cst_cache_release(&c);
}

/* The race a ticket closes: a reader misses and reads the stored record;
 * a writer changes storage and drops the key; the reader's put of what it
 * read must not land. */
static void test_fill_after_drop_refused(void **state)
{
	(void)state;
	cst_cache c;
	cst_cache_init(&c, 100, 3600LL * 1000000000LL);
	json_t *old = rec(1);
	uint64_t ticket = ticket_of(&c, "tok");
	cst_cache_drop(&c, "tok"); /* a revoke, between the reader's read and put */
	cst_cache_put(&c, "tok", old, ticket);
	assert_int_equal(value_of(&c, "tok"), -1);
	assert_int_equal(old->refcount, 1);

	ticket = ticket_of(&c, "tok"); /* a read after the change: cached */
	cst_cache_put(&c, "tok", old, ticket);
	assert_int_equal(value_of(&c, "tok"), 1);

	ticket = ticket_of(&c, "other");
	cst_cache_clear(&c); /* a seal moves every stripe */
	cst_cache_put(&c, "other", old, ticket);
	assert_int_equal(value_of(&c, "other"), -1);
	json_decref(old);
	cst_cache_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_put_drop_clear),
		cmocka_unit_test(test_full_and_sweep),
		cmocka_unit_test(test_fill_after_drop_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
