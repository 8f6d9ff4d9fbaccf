/* readcache.c - the server's read cache (src/storage/readcache.c): hits
 * return copies, absent keys are remembered, a fill whose ticket went
 * stale (a write began or ended since the miss) is dropped, writes remove
 * the key's entry and a committed one leaves what it stored, and the
 * entry and byte bounds hold. */
#include "testutil.h"

#include "storage/readcache.h"

static int lookup(cst_readcache *c, const char *key, char *out, size_t n, int *absent,
                  uint64_t *ticket)
{
	unsigned char *v = NULL;
	size_t len = 0;
	uint64_t rev = 0;
	int hit = cst_readcache_get(c, key, &v, &len, &rev, absent, ticket);
	if (hit && !*absent) {
		assert_true(len < n);
		memcpy(out, v, len);
		out[len] = '\0';
	}
	free(v);
	return hit;
}

static void fill(cst_readcache *c, const char *key, const char *value, uint64_t ticket)
{
	cst_readcache_fill(c, key, (const unsigned char *)value, strlen(value), 7, 0, ticket);
}

static void test_fill_then_hit(void **state)
{
	(void)state;
	cst_readcache *c = cst_readcache_new(1000, 1 << 20);
	char buf[64];
	int absent = 0;
	uint64_t t = 0;
	assert_false(lookup(c, "k", buf, sizeof(buf), &absent, &t));
	fill(c, "k", "value", t);
	assert_true(lookup(c, "k", buf, sizeof(buf), &absent, &t));
	assert_false(absent);
	assert_string_equal(buf, "value");
	cst_readcache_free(c);
}

static void test_absent_remembered(void **state)
{
	(void)state;
	cst_readcache *c = cst_readcache_new(1000, 1 << 20);
	char buf[64];
	int absent = 0;
	uint64_t t = 0;
	assert_false(lookup(c, "gone", buf, sizeof(buf), &absent, &t));
	cst_readcache_fill(c, "gone", NULL, 0, 0, 1, t);
	assert_true(lookup(c, "gone", buf, sizeof(buf), &absent, &t));
	assert_true(absent);
	cst_readcache_free(c);
}

/* A miss, then a write to that key, then the fill of what was read
 * before the write: dropped, so the old value is never served. */
static void test_stale_fill_dropped(void **state)
{
	(void)state;
	cst_readcache *c = cst_readcache_new(1000, 1 << 20);
	char buf[64];
	int absent = 0;
	uint64_t t = 0;
	assert_false(lookup(c, "k", buf, sizeof(buf), &absent, &t));
	cst_readcache_write_begin(c, "k");
	cst_readcache_write_end(c, "k");
	fill(c, "k", "old", t);
	assert_false(lookup(c, "k", buf, sizeof(buf), &absent, &t));
	/* A miss taken while a write is under way cannot fill either. */
	cst_readcache_write_begin(c, "k");
	uint64_t during = 0;
	assert_false(lookup(c, "k", buf, sizeof(buf), &absent, &during));
	fill(c, "k", "maybe-old", during);
	cst_readcache_write_end(c, "k");
	assert_false(lookup(c, "k", buf, sizeof(buf), &absent, &t));
	cst_readcache_free(c);
}

static void test_write_removes_entry(void **state)
{
	(void)state;
	cst_readcache *c = cst_readcache_new(1000, 1 << 20);
	char buf[64];
	int absent = 0;
	uint64_t t = 0;
	assert_false(lookup(c, "k", buf, sizeof(buf), &absent, &t));
	fill(c, "k", "v1", t);
	cst_readcache_write_begin(c, "k");
	assert_false(lookup(c, "k", buf, sizeof(buf), &absent, &t)); /* gone at once */
	cst_readcache_write_end(c, "k");
	assert_false(lookup(c, "k", buf, sizeof(buf), &absent, &t));
	fill(c, "k", "v2", t);
	assert_true(lookup(c, "k", buf, sizeof(buf), &absent, &t));
	assert_string_equal(buf, "v2");
	cst_readcache_free(c);
}

/* A committed write of a cached key leaves what it stored in the cache
 * (not served while the write is under way); a miss taken before it
 * still cannot fill over it; a key nobody read stays uncached. */
static void test_write_through(void **state)
{
	(void)state;
	cst_readcache *c = cst_readcache_new(1000, 1 << 20);
	char buf[64];
	int absent = 0;
	uint64_t before = 0, t = 0;
	assert_false(lookup(c, "k", buf, sizeof(buf), &absent, &t));
	fill(c, "k", "old", t);
	assert_false(lookup(c, "other", buf, sizeof(buf), &absent, &before));
	cst_readcache_write_begin(c, "k");
	assert_false(lookup(c, "k", buf, sizeof(buf), &absent, &t)); /* placeholder */
	cst_readcache_write_end_stored(c, "k", (const unsigned char *)"new", 3, 9, 0);
	assert_true(lookup(c, "k", buf, sizeof(buf), &absent, &t));
	assert_string_equal(buf, "new");
	/* A delete leaves the key known absent. */
	cst_readcache_write_begin(c, "k");
	cst_readcache_write_end_stored(c, "k", NULL, 0, 10, 1);
	assert_true(lookup(c, "k", buf, sizeof(buf), &absent, &t));
	assert_true(absent);
	/* A failed write drops the entry. */
	cst_readcache_write_begin(c, "k");
	cst_readcache_write_end(c, "k");
	assert_false(lookup(c, "k", buf, sizeof(buf), &absent, &t));
	/* Never read: a write does not cache it. */
	cst_readcache_write_begin(c, "fresh");
	cst_readcache_write_end_stored(c, "fresh", (const unsigned char *)"x", 1, 11, 0);
	assert_false(lookup(c, "fresh", buf, sizeof(buf), &absent, &t));
	cst_readcache_free(c);
}

static void test_bounds(void **state)
{
	(void)state;
	/* 64 shards: 6,400 entries and 640 KiB at most. */
	cst_readcache *c = cst_readcache_new(6400, 640 * 1024);
	char key[32], value[200];
	memset(value, 'x', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	for (int i = 0; i < 50000; i++) {
		int absent;
		uint64_t t;
		unsigned char *v = NULL;
		size_t len;
		uint64_t rev;
		snprintf(key, sizeof(key), "key-%d", i);
		if (!cst_readcache_get(c, key, &v, &len, &rev, &absent, &t))
			fill(c, key, value, t);
		free(v);
	}
	size_t entries = 0, bytes = 0;
	cst_readcache_usage(c, &entries, &bytes);
	assert_true(entries > 0 && entries <= 6400);
	assert_true(bytes <= 640 * 1024);
	/* A write that refills an entry with a larger value keeps the bound:
	 * older entries of that shard make room. */
	snprintf(key, sizeof(key), "key-%d", 49999);
	cst_readcache_write_begin(c, key);
	char grown[1200];
	memset(grown, 'z', sizeof(grown));
	cst_readcache_write_end_stored(c, key, (const unsigned char *)grown, sizeof(grown), 99, 0);
	cst_readcache_usage(c, &entries, &bytes);
	assert_true(bytes <= 640 * 1024);
	/* A value over an eighth of a shard's bytes is not cached at all. */
	char *big = malloc(4000);
	memset(big, 'y', 3999);
	big[3999] = '\0';
	int absent;
	uint64_t t;
	unsigned char *v = NULL;
	size_t len;
	uint64_t rev;
	assert_false(cst_readcache_get(c, "big", &v, &len, &rev, &absent, &t));
	fill(c, "big", big, t);
	assert_false(cst_readcache_get(c, "big", &v, &len, &rev, &absent, &t));
	free(big);
	cst_readcache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_then_hit),      cmocka_unit_test(test_absent_remembered),
		cmocka_unit_test(test_stale_fill_dropped), cmocka_unit_test(test_write_removes_entry),
		cmocka_unit_test(test_write_through),      cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests_name("read cache", tests, NULL, NULL);
}
