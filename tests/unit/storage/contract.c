/* contract.c - the storage contract (include/custos/storage.h), run against
 * every backend: missing keys, byte-exact round trips, revisions, listing in
 * byte order with cursor and limit, all-or-nothing batches with revision
 * checks, counting, and the key-size limit of the cst_storage_* wrappers.
 * The sqlite backend then has its own file cases: create over an existing
 * file, open of a missing one, file mode, persistence, and files that are
 * not a vault, were truncated or had pages zeroed, which must fail cleanly
 * with CST_EINTEGRITY. Each test gets a fresh store; sqlite ones live in a
 * mkdtemp directory under /tmp that teardown removes. */
#include "testutil.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/limits.h"
#include "custos.h"
#include "storage/storage.h"

typedef struct fixture {
	const char *backend;
	char dir[64];   /* sqlite only: the mkdtemp directory */
	char path[128]; /* sqlite only: dir + "/vault.db" */
	cst_storage *st;
	unsigned flags; /* open flags besides CREATE */
} fixture;

static fixture fx_memory = {"memory", "", "", NULL, 0};
static fixture fx_sqlite = {"sqlite", "", "", NULL, 0};
/* As a server opens it: exclusive, reads through a connection pool and
 * the read cache, a checkpointer thread. */
static fixture fx_server = {"sqlite", "", "", NULL, CST_STORAGE_EXCLUSIVE};

static int is_sqlite(const fixture *f)
{
	return strcmp(f->backend, "sqlite") == 0;
}

/* Removes every file in dir, then dir itself. */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *e;
	char p[sizeof(e->d_name) + 80];
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/* A fresh, empty store per test. */
static int setup(void **state)
{
	fixture *f = *state;
	f->st = NULL;
	if (is_sqlite(f)) {
		snprintf(f->dir, sizeof(f->dir), "/tmp/custos-contract-XXXXXX");
		if (mkdtemp(f->dir) == NULL)
			return -1;
		snprintf(f->path, sizeof(f->path), "%s/vault.db", f->dir);
	}
	return cst_storage_open(&f->st, f->backend, f->path, CST_STORAGE_CREATE | f->flags) == CST_OK
	               ? 0
	               : -1;
}

static int teardown(void **state)
{
	fixture *f = *state;
	cst_storage_close(f->st);
	f->st = NULL;
	if (is_sqlite(f))
		remove_dir(f->dir);
	return 0;
}

/* ---- helpers: each asserts, so a failure names the calling line's test */

static void put(cst_storage *st, const char *key, const void *value, size_t len)
{
	assert_int_equal(cst_storage_put(st, key, value, len), CST_OK);
}

static void puts_str(cst_storage *st, const char *key)
{
	put(st, key, key, strlen(key));
}

static uint64_t rev_of(cst_storage *st, const char *key)
{
	unsigned char *v = NULL;
	size_t n = 0;
	uint64_t rev = 0;
	assert_int_equal(cst_storage_get(st, key, &v, &n, &rev), CST_OK);
	free(v);
	return rev;
}

static void assert_value(cst_storage *st, const char *key, const void *want, size_t want_len)
{
	unsigned char *v = NULL;
	size_t n = 12345;
	uint64_t rev = 0;
	assert_int_equal(cst_storage_get(st, key, &v, &n, &rev), CST_OK);
	assert_non_null(v);
	assert_int_equal(n, want_len);
	if (want_len)
		assert_memory_equal(v, want, want_len);
	assert_true(rev != 0);
	free(v);
}

static void assert_missing(cst_storage *st, const char *key)
{
	unsigned char *v = (unsigned char *)"sentinel";
	size_t n = 7;
	assert_int_equal(cst_storage_get(st, key, &v, &n, NULL), CST_ENOTFOUND);
	assert_null(v);
	assert_int_equal(n, 0);
}

static void assert_list(cst_storage *st, const char *prefix, const char *after, size_t limit,
                        const char *const *want, size_t n_want)
{
	cst_storage_keys keys;
	assert_int_equal(cst_storage_list(st, prefix, after, limit, &keys), CST_OK);
	if (keys.count != n_want) {
		for (size_t i = 0; i < keys.count; i++)
			print_error("  got[%zu] = \"%s\"\n", i, keys.keys[i]);
		fail_msg("list(\"%s\", after \"%s\", limit %zu): %zu keys, want %zu", prefix,
		         after ? after : "(null)", limit, keys.count, n_want);
	}
	for (size_t i = 0; i < n_want; i++)
		assert_string_equal(keys.keys[i], want[i]);
	cst_storage_keys_release(&keys);
}

static uint64_t count_of(cst_storage *st, const char *prefix)
{
	uint64_t n = 99999;
	assert_int_equal(cst_storage_count(st, prefix, &n), CST_OK);
	return n;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- every backend */

static void test_get_missing(void **state)
{
	fixture *f = *state;
	assert_missing(f->st, "nope");
	puts_str(f->st, "nope/child");
	assert_missing(f->st, "nope"); /* a key is not its own prefix's parent */
	assert_missing(f->st, "nope/chil");
}

static void test_roundtrip(void **state)
{
	fixture *f = *state;
	static const unsigned char bin[] = {0x00, 0x01, 0xff, 0x00, 0x00, 'a', 0x80, 0x00};
	put(f->st, "empty", "", 0);
	put(f->st, "bin", bin, sizeof(bin));
	put(f->st, "text", "hello", 5);
	assert_value(f->st, "empty", "", 0);
	assert_value(f->st, "bin", bin, sizeof(bin));
	assert_value(f->st, "text", "hello", 5);

	/* Every byte value, and a value spanning many sqlite pages. */
	size_t big_len = 300 * 1000;
	unsigned char *big = malloc(big_len);
	assert_non_null(big);
	for (size_t i = 0; i < big_len; i++)
		big[i] = (unsigned char)(i * 7 + i / 256);
	put(f->st, "big", big, big_len);
	assert_value(f->st, "big", big, big_len);
	free(big);
}

static void test_overwrite_changes_rev(void **state)
{
	fixture *f = *state;
	put(f->st, "k", "one", 3);
	uint64_t r1 = rev_of(f->st, "k");
	put(f->st, "k", "two!", 4);
	uint64_t r2 = rev_of(f->st, "k");
	assert_true(r1 != r2);
	assert_value(f->st, "k", "two!", 4);
	/* Same bytes again still count as a write. */
	put(f->st, "k", "two!", 4);
	uint64_t r3 = rev_of(f->st, "k");
	assert_true(r3 != r2 && r3 != r1);
	/* A write to another key leaves this one's revision alone. */
	put(f->st, "other", "x", 1);
	assert_int_equal(rev_of(f->st, "k"), r3);
}

static void test_delete(void **state)
{
	fixture *f = *state;
	put(f->st, "k", "v", 1);
	put(f->st, "k2", "v", 1);
	assert_int_equal(cst_storage_delete(f->st, "k"), CST_OK);
	assert_missing(f->st, "k");
	assert_value(f->st, "k2", "v", 1);
	/* Deleting what is not there is not an error. */
	assert_int_equal(cst_storage_delete(f->st, "k"), CST_OK);
	assert_int_equal(cst_storage_delete(f->st, "never"), CST_OK);
	static const char *const left[] = {"k2"};
	assert_list(f->st, "", NULL, 0, left, N(left));
	/* And the key can come back. */
	put(f->st, "k", "again", 5);
	assert_value(f->st, "k", "again", 5);
}

/* A key deleted and written again must not get back a revision it had:
 * a writer holding the old revision would otherwise pass its check. */
static void test_recreated_key_new_rev(void **state)
{
	fixture *f = *state;
	put(f->st, "k", "one", 3);
	uint64_t r1 = rev_of(f->st, "k");
	assert_int_equal(cst_storage_delete(f->st, "k"), CST_OK);
	put(f->st, "k", "two", 3);
	assert_true(rev_of(f->st, "k") != r1);
	cst_storage_op op = {CST_STORAGE_PUT, "k", (const unsigned char *)"3", 1, (int64_t)r1};
	assert_int_equal(cst_storage_batch(f->st, &op, 1), CST_ECONFLICT);
	assert_value(f->st, "k", "two", 3);
}

/* A batch tells the revision its puts got, the one get reports; checks
 * and deletes alone take none that matters, but never fail to say. */
static void test_batch_rev(void **state)
{
	fixture *f = *state;
	cst_storage_op ops[] = {
		{CST_STORAGE_PUT, "a", (const unsigned char *)"1", 1, CST_REV_ANY},
		{CST_STORAGE_PUT, "b", (const unsigned char *)"2", 1, CST_REV_ABSENT},
	};
	uint64_t rev = 0;
	assert_int_equal(cst_storage_batch_rev(f->st, ops, N(ops), &rev), CST_OK);
	assert_true(rev != 0);
	assert_int_equal(rev_of(f->st, "a"), rev);
	assert_int_equal(rev_of(f->st, "b"), rev);
	uint64_t again = 0;
	assert_int_equal(cst_storage_batch_rev(f->st, ops, 1, &again), CST_OK);
	assert_true(again > rev);
	assert_int_equal(rev_of(f->st, "a"), again);
	/* A refused batch reports no revision. */
	uint64_t none = 77;
	assert_int_equal(cst_storage_batch_rev(f->st, &ops[1], 1, &none), CST_ECONFLICT);
	assert_int_equal(none, 0);
}

/* Keys sharing prefixes; byte order puts '#' (0x23) before '/' (0x2f)
 * before letters, and bytes >= 0x80 last. */
static const char *const shared_sorted[] = {
	"a", "a#1", "a/b", "a/b/c", "a/c", "ab", "b", "b\x7f", "\xc3\xa9",
};

static void fill_shared(cst_storage *st)
{
	/* Inserted out of order so sorting is the backend's doing. */
	static const int order[] = {6, 3, 0, 8, 5, 1, 7, 4, 2};
	for (size_t i = 0; i < N(order); i++)
		puts_str(st, shared_sorted[order[i]]);
}

static void test_list_prefix(void **state)
{
	fixture *f = *state;
	fill_shared(f->st);
	assert_list(f->st, "", NULL, 0, shared_sorted, N(shared_sorted));

	static const char *const a[] = {"a", "a#1", "a/b", "a/b/c", "a/c", "ab"};
	assert_list(f->st, "a", NULL, 0, a, N(a));
	static const char *const a_slash[] = {"a/b", "a/b/c", "a/c"};
	assert_list(f->st, "a/", NULL, 0, a_slash, N(a_slash));
	static const char *const a_hash[] = {"a#1"};
	assert_list(f->st, "a#", NULL, 0, a_hash, N(a_hash));
	static const char *const a_b[] = {"a/b", "a/b/c"};
	assert_list(f->st, "a/b", NULL, 0, a_b, N(a_b));
	static const char *const b[] = {"b", "b\x7f"};
	assert_list(f->st, "b", NULL, 0, b, N(b));
	static const char *const high[] = {"\xc3\xa9"};
	assert_list(f->st, "\xc3", NULL, 0, high, N(high));

	/* Prefixes that match nothing: between, before and after all keys. */
	assert_list(f->st, "a/d", NULL, 0, NULL, 0);
	assert_list(f->st, "aa", NULL, 0, NULL, 0);
	assert_list(f->st, "0", NULL, 0, NULL, 0);
	assert_list(f->st, "zz", NULL, 0, NULL, 0);
	assert_list(f->st, "a/b/c/", NULL, 0, NULL, 0);
}

static void test_list_after_and_limit(void **state)
{
	fixture *f = *state;
	fill_shared(f->st);
	static const char *const a[] = {"a", "a#1", "a/b", "a/b/c", "a/c", "ab"};

	/* `after` is exclusive, whether or not it is itself a key. */
	assert_list(f->st, "a", "a#1", 0, a + 2, 4);
	assert_list(f->st, "a", "a", 0, a + 1, 5);
	assert_list(f->st, "a", "a/bb", 0, a + 4, 2);
	assert_list(f->st, "a", "ab", 0, NULL, 0);
	/* after before the prefix range: the whole range; past it: nothing. */
	assert_list(f->st, "a", "0", 0, a, N(a));
	assert_list(f->st, "a", "b", 0, NULL, 0);
	assert_list(f->st, "a/", "a", 0, a + 2, 3);
	assert_list(f->st, "", "b", 0, shared_sorted + 7, 2);

	/* limit, and paging with limit + after reproduces the full list. */
	assert_list(f->st, "a", NULL, 2, a, 2);
	assert_list(f->st, "a", "a#1", 1, a + 2, 1);
	assert_list(f->st, "a", NULL, 1000, a, N(a));
	for (size_t page = 1; page <= 4; page++) {
		char *after = NULL;
		size_t seen = 0;
		for (;;) {
			cst_storage_keys keys;
			assert_int_equal(cst_storage_list(f->st, "", after, page, &keys), CST_OK);
			assert_true(keys.count <= page);
			for (size_t i = 0; i < keys.count; i++) {
				assert_true(seen < N(shared_sorted));
				assert_string_equal(keys.keys[i], shared_sorted[seen++]);
			}
			free(after);
			after = keys.count ? strdup(keys.keys[keys.count - 1]) : NULL;
			size_t got = keys.count;
			cst_storage_keys_release(&keys);
			if (got < page)
				break;
		}
		free(after);
		assert_int_equal(seen, N(shared_sorted));
	}
}

/* The third op's revision check fails: nothing of ops 1-2 may land, not
 * new keys, overwrites nor deletes. */
struct walk {
	cst_storage *st;
	size_t seen, stop_at;
	char last[32];
	int sorted;
};

static int walk_key(const char *key, void *payload)
{
	struct walk *w = payload;
	if (w->seen && strcmp(w->last, key) >= 0)
		w->sorted = 0;
	snprintf(w->last, sizeof(w->last), "%s", key);
	if (++w->seen == w->stop_at)
		return CST_ECONFLICT;
	/* The walk lets the callback write: a key outside the prefix. */
	return cst_storage_put(w->st, "other/x", "v", 1);
}

/* cst_storage_each_key: every key once, in order, across pages. */
static void test_each_key(void **state)
{
	fixture *f = *state;
	size_t n = 2 * CST_LIMIT_LIST_PAGE + 3;
	cst_storage_op *ops = calloc(n, sizeof(*ops));
	char(*keys)[32] = calloc(n, sizeof(*keys));
	assert_non_null(ops);
	assert_non_null(keys);
	for (size_t i = 0; i < n; i++) {
		snprintf(keys[i], sizeof(keys[i]), "walk/%06zu", i);
		ops[i] = (cst_storage_op){CST_STORAGE_PUT, keys[i], (const unsigned char *)"v", 1, CST_REV_ANY};
	}
	assert_int_equal(cst_storage_batch(f->st, ops, n), CST_OK);
	struct walk w = {f->st, 0, 0, "", 1};
	assert_int_equal(cst_storage_each_key(f->st, "walk/", walk_key, &w), CST_OK);
	assert_int_equal(w.seen, n);
	assert_true(w.sorted);
	assert_string_equal(w.last, keys[n - 1]);
	/* A failing callback stops the walk with its code. */
	w = (struct walk){f->st, 0, CST_LIMIT_LIST_PAGE + 1, "", 1};
	assert_int_equal(cst_storage_each_key(f->st, "walk/", walk_key, &w), CST_ECONFLICT);
	assert_int_equal(w.seen, CST_LIMIT_LIST_PAGE + 1);
	/* Nothing under the prefix: no call. */
	w = (struct walk){f->st, 0, 1, "", 1};
	assert_int_equal(cst_storage_each_key(f->st, "none/", walk_key, &w), CST_OK);
	assert_int_equal(w.seen, 0);
	free(keys);
	free(ops);
}

static void test_batch_atomic(void **state)
{
	fixture *f = *state;
	put(f->st, "old", "before", 6);
	put(f->st, "gone", "stays", 5);
	put(f->st, "guard", "g", 1);
	uint64_t r_old = rev_of(f->st, "old"), r_guard = rev_of(f->st, "guard");

	cst_storage_op ops[] = {
		{CST_STORAGE_PUT, "new", (const unsigned char *)"n", 1, CST_REV_ANY},
		{CST_STORAGE_PUT, "old", (const unsigned char *)"after", 5, (int64_t)r_old},
		{CST_STORAGE_PUT, "guard", (const unsigned char *)"G", 1, (int64_t)r_guard + 1000},
		{CST_STORAGE_DELETE, "gone", NULL, 0, CST_REV_ANY},
	};
	assert_int_equal(cst_storage_batch(f->st, ops, N(ops)), CST_ECONFLICT);
	assert_missing(f->st, "new");
	assert_value(f->st, "old", "before", 6);
	assert_int_equal(rev_of(f->st, "old"), r_old);
	assert_value(f->st, "guard", "g", 1);
	assert_value(f->st, "gone", "stays", 5);
	assert_int_equal(count_of(f->st, ""), 3);

	/* The delete first this time, then the failing check. */
	cst_storage_op ops2[] = {
		{CST_STORAGE_DELETE, "gone", NULL, 0, CST_REV_ANY},
		{CST_STORAGE_PUT, "new", (const unsigned char *)"n", 1, CST_REV_ANY},
		{CST_STORAGE_PUT, "guard", (const unsigned char *)"G", 1, CST_REV_ABSENT},
	};
	assert_int_equal(cst_storage_batch(f->st, ops2, N(ops2)), CST_ECONFLICT);
	assert_value(f->st, "gone", "stays", 5);
	assert_missing(f->st, "new");

	/* With the right revision the same batch applies whole. */
	ops[2].expect_rev = (int64_t)r_guard;
	assert_int_equal(cst_storage_batch(f->st, ops, N(ops)), CST_OK);
	assert_value(f->st, "new", "n", 1);
	assert_value(f->st, "old", "after", 5);
	assert_value(f->st, "guard", "G", 1);
	assert_missing(f->st, "gone");
	assert_true(rev_of(f->st, "old") != r_old);
}

static void test_expect_rev(void **state)
{
	fixture *f = *state;
	cst_storage_op op = {CST_STORAGE_PUT, "k", (const unsigned char *)"1", 1, CST_REV_ABSENT};
	assert_int_equal(cst_storage_batch(f->st, &op, 1), CST_OK); /* missing: ok */
	assert_value(f->st, "k", "1", 1);
	op.value = (const unsigned char *)"2";
	assert_int_equal(cst_storage_batch(f->st, &op, 1), CST_ECONFLICT); /* exists now */
	assert_value(f->st, "k", "1", 1);

	uint64_t r = rev_of(f->st, "k");
	op.expect_rev = (int64_t)r;
	assert_int_equal(cst_storage_batch(f->st, &op, 1), CST_OK); /* current rev */
	assert_value(f->st, "k", "2", 1);
	op.value = (const unsigned char *)"3";
	assert_int_equal(cst_storage_batch(f->st, &op, 1), CST_ECONFLICT); /* stale rev */
	assert_value(f->st, "k", "2", 1);

	/* Delete with a revision check, stale then current. */
	cst_storage_op del = {CST_STORAGE_DELETE, "k", NULL, 0, (int64_t)r};
	assert_int_equal(cst_storage_batch(f->st, &del, 1), CST_ECONFLICT);
	assert_value(f->st, "k", "2", 1);
	del.expect_rev = (int64_t)rev_of(f->st, "k");
	assert_int_equal(cst_storage_batch(f->st, &del, 1), CST_OK);
	assert_missing(f->st, "k");
	/* A revision on a missing key is a conflict, not a create. */
	op.expect_rev = (int64_t)r;
	assert_int_equal(cst_storage_batch(f->st, &op, 1), CST_ECONFLICT);
	assert_missing(f->st, "k");
}

static void test_check_op(void **state)
{
	fixture *f = *state;
	put(f->st, "lock", "L", 1);
	uint64_t r = rev_of(f->st, "lock");

	cst_storage_op ops[] = {
		{CST_STORAGE_CHECK, "lock", NULL, 0, (int64_t)r},
		{CST_STORAGE_PUT, "data", (const unsigned char *)"d", 1, CST_REV_ANY},
	};
	assert_int_equal(cst_storage_batch(f->st, ops, 2), CST_OK);
	assert_value(f->st, "data", "d", 1);
	/* CHECK writes nothing: value and revision are untouched. */
	assert_value(f->st, "lock", "L", 1);
	assert_int_equal(rev_of(f->st, "lock"), r);

	put(f->st, "lock", "L2", 2); /* someone else moves the lock */
	ops[1].value = (const unsigned char *)"e";
	assert_int_equal(cst_storage_batch(f->st, ops, 2), CST_ECONFLICT);
	assert_value(f->st, "data", "d", 1);

	/* CHECK of absence: ok on a missing key, which it does not create. */
	cst_storage_op absent[] = {
		{CST_STORAGE_CHECK, "nobody", NULL, 0, CST_REV_ABSENT},
		{CST_STORAGE_PUT, "data", (const unsigned char *)"f", 1, CST_REV_ANY},
	};
	assert_int_equal(cst_storage_batch(f->st, absent, 2), CST_OK);
	assert_missing(f->st, "nobody");
	assert_value(f->st, "data", "f", 1);
	absent[0].key = "lock";
	absent[1].value = (const unsigned char *)"g";
	assert_int_equal(cst_storage_batch(f->st, absent, 2), CST_ECONFLICT);
	assert_value(f->st, "data", "f", 1);
	assert_int_equal(count_of(f->st, ""), 2);
}

static void test_count(void **state)
{
	fixture *f = *state;
	assert_int_equal(count_of(f->st, ""), 0);
	assert_int_equal(count_of(f->st, "a"), 0);
	fill_shared(f->st);
	assert_int_equal(count_of(f->st, ""), N(shared_sorted));
	assert_int_equal(count_of(f->st, "a"), 6);
	assert_int_equal(count_of(f->st, "a/"), 3);
	assert_int_equal(count_of(f->st, "a/b"), 2);
	assert_int_equal(count_of(f->st, "a#"), 1);
	assert_int_equal(count_of(f->st, "ab"), 1);
	assert_int_equal(count_of(f->st, "b"), 2);
	assert_int_equal(count_of(f->st, "b\x7f"), 1);
	assert_int_equal(count_of(f->st, "\xc3"), 1);
	assert_int_equal(count_of(f->st, "zz"), 0);
	assert_int_equal(count_of(f->st, "a/b/c/"), 0);

	/* A prefix whose last byte is 0xff has no "last byte + 1". */
	puts_str(f->st, "c\xff");
	puts_str(f->st, "c\xff\x01");
	puts_str(f->st, "d");
	assert_int_equal(count_of(f->st, "c\xff"), 2);
	assert_int_equal(count_of(f->st, "c"), 2);
	assert_int_equal(count_of(f->st, ""), N(shared_sorted) + 3);

	assert_int_equal(cst_storage_delete(f->st, "a/b"), CST_OK);
	assert_int_equal(count_of(f->st, "a/"), 2);
}

static void test_key_limits(void **state)
{
	fixture *f = *state;
	char *key = malloc(CST_LIMIT_STORAGE_KEY + 2);
	assert_non_null(key);
	memset(key, 'k', CST_LIMIT_STORAGE_KEY + 1);
	key[CST_LIMIT_STORAGE_KEY] = '\0'; /* exactly the limit: fine */
	put(f->st, key, "v", 1);
	assert_value(f->st, key, "v", 1);

	key[CST_LIMIT_STORAGE_KEY] = 'k';
	key[CST_LIMIT_STORAGE_KEY + 1] = '\0'; /* one over */
	unsigned char *v = NULL;
	size_t n = 0;
	assert_int_equal(cst_storage_put(f->st, key, "v", 1), CST_EINVAL);
	assert_int_equal(cst_storage_get(f->st, key, &v, &n, NULL), CST_EINVAL);
	assert_null(v);
	assert_int_equal(cst_storage_delete(f->st, key), CST_EINVAL);
	/* One bad key refuses the whole batch. */
	cst_storage_op ops[] = {
		{CST_STORAGE_PUT, "fine", (const unsigned char *)"x", 1, CST_REV_ANY},
		{CST_STORAGE_CHECK, key, NULL, 0, CST_REV_ABSENT},
	};
	assert_int_equal(cst_storage_batch(f->st, ops, 2), CST_EINVAL);
	assert_missing(f->st, "fine");
	/* The empty key is refused too. */
	assert_int_equal(cst_storage_put(f->st, "", "v", 1), CST_EINVAL);
	assert_int_equal(cst_storage_get(f->st, "", &v, &n, NULL), CST_EINVAL);
	assert_int_equal(count_of(f->st, ""), 1);
	free(key);

	/* Values over CST_LIMIT_STORED are refused before reaching the backend. */
	unsigned char *big = calloc(1, CST_LIMIT_STORED + 1);
	assert_non_null(big);
	assert_int_equal(cst_storage_put(f->st, "big", big, CST_LIMIT_STORED + 1), CST_ENOMEM);
	assert_missing(f->st, "big");
	free(big);
}

/* ---- sqlite files */

static int fd_write_all(const char *path, const void *data, size_t len, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | flags, 0600);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, data, len);
	close(fd);
	return w == (ssize_t)len ? 0 : -1;
}

static void test_sqlite_create_existing(void **state)
{
	fixture *f = *state;
	put(f->st, "k", "v", 1);
	cst_storage *again = NULL;
	assert_int_equal(cst_storage_open(&again, "sqlite", f->path, CST_STORAGE_CREATE),
	                 CST_ECONFLICT);
	assert_null(again);
	/* The refused create left the existing store alone. */
	assert_value(f->st, "k", "v", 1);
	cst_storage_close(f->st);
	f->st = NULL;
	assert_int_equal(cst_storage_open(&f->st, "sqlite", f->path, 0), CST_OK);
	assert_value(f->st, "k", "v", 1);
}

static void test_sqlite_open_missing(void **state)
{
	fixture *f = *state;
	char p[160];
	snprintf(p, sizeof(p), "%s/absent.db", f->dir);
	cst_storage *st = NULL;
	assert_int_equal(cst_storage_open(&st, "sqlite", p, 0), CST_ENOTFOUND);
	assert_null(st);
	assert_int_equal(access(p, F_OK), -1); /* and did not create it */
	snprintf(p, sizeof(p), "%s/no/such/dir.db", f->dir);
	assert_int_equal(cst_storage_open(&st, "sqlite", p, 0), CST_ENOTFOUND);
}

static void test_sqlite_mode(void **state)
{
	fixture *f = *state;
	char p[160];
	snprintf(p, sizeof(p), "%s/loose.db", f->dir);
	/* Even with a permissive umask the file is private. */
	mode_t old = umask(0);
	cst_storage *st = NULL;
	int rc = cst_storage_open(&st, "sqlite", p, CST_STORAGE_CREATE);
	umask(old);
	assert_int_equal(rc, CST_OK);
	assert_int_equal(cst_storage_put(st, "k", "v", 1), CST_OK);
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	/* SQLite's side files copy the main file's mode. */
	static const char *const side[] = {"-wal", "-shm", "-lock"};
	for (size_t i = 0; i < N(side); i++) {
		char q[180];
		snprintf(q, sizeof(q), "%s%s", p, side[i]);
		if (stat(q, &sb) == 0)
			assert_int_equal(sb.st_mode & 07777, 0600);
	}
	cst_storage_close(st);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
}

static void test_sqlite_persists(void **state)
{
	fixture *f = *state;
	static const unsigned char bin[] = {0, 1, 2, 0, 0xff};
	put(f->st, "a", bin, sizeof(bin));
	put(f->st, "b/c", "", 0);
	put(f->st, "gone", "x", 1);
	assert_int_equal(cst_storage_delete(f->st, "gone"), CST_OK);
	uint64_t ra = rev_of(f->st, "a");
	cst_storage_close(f->st);
	f->st = NULL;

	assert_int_equal(cst_storage_open(&f->st, "sqlite", f->path, 0), CST_OK);
	assert_value(f->st, "a", bin, sizeof(bin));
	assert_value(f->st, "b/c", "", 0);
	assert_missing(f->st, "gone");
	assert_int_equal(rev_of(f->st, "a"), ra);
	static const char *const all[] = {"a", "b/c"};
	assert_list(f->st, "", NULL, 0, all, N(all));
	/* Revisions keep moving after a reopen. */
	put(f->st, "a", "new", 3);
	assert_true(rev_of(f->st, "a") != ra);

	/* A read-only handle reads but refuses writes. */
	cst_storage *ro = NULL;
	assert_int_equal(cst_storage_open(&ro, "sqlite", f->path, CST_STORAGE_READONLY), CST_OK);
	assert_value(ro, "a", "new", 3);
	int rc = cst_storage_put(ro, "x", "y", 1);
	assert_true(rc < 0);
	cst_storage_close(ro);
	assert_missing(f->st, "x");
}

/* Opens path and expects CST_EINTEGRITY, from open or at the latest from
 * the first read. */
static void assert_damaged(const char *path)
{
	cst_storage *st = NULL;
	int rc = cst_storage_open(&st, "sqlite", path, 0);
	if (rc == CST_OK) {
		unsigned char *v = NULL;
		size_t n;
		rc = cst_storage_get(st, "k", &v, &n, NULL);
		free(v);
		cst_storage_close(st);
	} else {
		assert_null(st);
	}
	assert_int_equal(rc, CST_EINTEGRITY);
}

static void test_sqlite_not_a_database(void **state)
{
	fixture *f = *state;
	char p[160];
	unsigned char junk[8192];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 131 + 17 + (i >> 5));

	snprintf(p, sizeof(p), "%s/junk.db", f->dir);
	assert_int_equal(fd_write_all(p, junk, sizeof(junk), O_EXCL), 0);
	assert_damaged(p);

	/* Text that is not a database either. */
	snprintf(p, sizeof(p), "%s/text.db", f->dir);
	assert_int_equal(fd_write_all(p, "not a vault\n", 12, O_EXCL), 0);
	assert_damaged(p);

	/* An empty file, and a real SQLite database without our table. */
	snprintf(p, sizeof(p), "%s/empty.db", f->dir);
	assert_int_equal(fd_write_all(p, "", 0, O_EXCL), 0);
	assert_damaged(p);
	snprintf(p, sizeof(p), "%s/other.db", f->dir);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_damaged(p);
}

/* Writes 300 rows of 256 bytes and closes the store, so the WAL is
 * checkpointed into the main file; returns that file's size. */
static off_t fill_and_close(fixture *f)
{
	char key[32], val[256];
	for (int i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "secret/%04d", i);
		memset(val, 'a' + i % 26, sizeof(val));
		put(f->st, key, val, sizeof(val));
	}
	cst_storage_close(f->st);
	f->st = NULL;
	char wal[160];
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_int_equal(access(wal, F_OK), -1); /* checkpointed and gone */
	struct stat sb;
	assert_int_equal(stat(f->path, &sb), 0);
	assert_true(sb.st_size > 300 * 256);
	return sb.st_size;
}

/* Opens a damaged copy of fill_and_close's store. Whatever open and reads
 * run into must be reported as CST_EINTEGRITY, rows that survive must read
 * back intact, and nothing may crash (ASan runs this too). Returns 1 when
 * open itself refused the file, else 0 after checking every row. */
static int check_damaged_rows(const char *path)
{
	cst_storage *st = NULL;
	int rc = cst_storage_open(&st, "sqlite", path, 0);
	if (rc != CST_OK) {
		assert_int_equal(rc, CST_EINTEGRITY);
		assert_null(st);
		return 1;
	}
	char key[32], val[256];
	int damaged = 0;
	for (int i = 0; i < 300; i++) {
		unsigned char *v = NULL;
		size_t n = 0;
		snprintf(key, sizeof(key), "secret/%04d", i);
		rc = cst_storage_get(st, key, &v, &n, NULL);
		if (rc == CST_EINTEGRITY) {
			damaged++;
		} else {
			assert_int_equal(rc, CST_OK);
			memset(val, 'a' + i % 26, sizeof(val));
			assert_int_equal(n, sizeof(val));
			assert_memory_equal(v, val, n);
		}
		free(v);
	}
	assert_true(damaged > 0);
	/* Scans over the damage fail the same way. */
	cst_storage_keys keys;
	uint64_t n = 0;
	assert_int_equal(cst_storage_list(st, "", NULL, 1000, &keys), CST_EINTEGRITY);
	cst_storage_keys_release(&keys);
	assert_int_equal(cst_storage_count(st, "", &n), CST_EINTEGRITY);
	cst_storage_close(st);
	return 0;
}

/* Cut to half its size: SQLite notices the file is shorter than its header
 * says, so open already refuses it, but reads would be held to the same. */
static void test_sqlite_truncated(void **state)
{
	fixture *f = *state;
	off_t size = fill_and_close(f);
	assert_int_equal(truncate(f->path, size / 2), 0);
	(void)check_damaged_rows(f->path);
}

/* Pages in the middle zeroed in place: open succeeds (page 1 is intact),
 * so this exercises the read paths on damage. */
static void test_sqlite_zeroed_pages(void **state)
{
	fixture *f = *state;
	off_t size = fill_and_close(f);
	static const unsigned char zeros[3 * 4096];
	int fd = open(f->path, O_WRONLY);
	assert_true(fd >= 0);
	off_t at = (size / 2) & ~(off_t)4095;
	assert_int_equal(pwrite(fd, zeros, sizeof(zeros), at), (ssize_t)sizeof(zeros));
	close(fd);
	assert_int_equal(check_damaged_rows(f->path), 0);
}

/* ---- sqlite in server mode */

/* A server holds the file alone: no other opener, shared or exclusive,
 * until it closes; then a CLI opens it again. */
static void test_server_holds_file(void **state)
{
	fixture *f = *state;
	put(f->st, "k", "v", 1);
	cst_storage *other = NULL;
	assert_int_equal(cst_storage_open(&other, "sqlite", f->path, 0), CST_ESEALED);
	assert_null(other);
	assert_int_equal(cst_storage_open(&other, "sqlite", f->path, CST_STORAGE_EXCLUSIVE),
	                 CST_ESEALED);
	cst_storage_close(f->st);
	f->st = NULL;
	assert_int_equal(cst_storage_open(&other, "sqlite", f->path, 0), CST_OK);
	assert_value(other, "k", "v", 1);
	/* And while a CLI has it open, a server cannot take it. */
	assert_int_equal(cst_storage_open(&f->st, "sqlite", f->path, CST_STORAGE_EXCLUSIVE),
	                 CST_ESEALED);
	cst_storage_close(other);
	assert_int_equal(cst_storage_open(&f->st, "sqlite", f->path, CST_STORAGE_EXCLUSIVE), CST_OK);
	assert_value(f->st, "k", "v", 1);
	/* A symlink to the vault names the same lock. */
	char link_path[200];
	snprintf(link_path, sizeof(link_path), "%s/link.db", f->dir);
	assert_int_equal(symlink(f->path, link_path), 0);
	assert_int_equal(cst_storage_open(&other, "sqlite", link_path, 0), CST_ESEALED);
	cst_storage_close(f->st);
	f->st = NULL;
	/* Through the link, writes are durable and acknowledged (the WAL is
	 * found under the real name). */
	assert_int_equal(cst_storage_open(&other, "sqlite", link_path, 0), CST_OK);
	put(other, "via-link", "x", 1);
	cst_storage_close(other);
	assert_int_equal(cst_storage_open(&other, "sqlite", f->path, 0), CST_OK);
	assert_value(other, "via-link", "x", 1);
	cst_storage_close(other);
}

/* Readers in other threads never see a value older than the last
 * acknowledged write, whatever the read cache and the pool do: the
 * writer publishes each sequence number once its batch returned, and a
 * reader that saw n published must read at least n. */
#define RW_WRITES 1500
#define RW_READERS 4
typedef struct rw_shared {
	cst_storage *st;
	atomic_ulong acked;
	atomic_int stop;
	atomic_int stale; /* reads that went backwards */
	atomic_ulong reads;
} rw_shared;

static unsigned long value_number(const unsigned char *v, size_t n)
{
	char buf[32];
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return strtoul(buf, NULL, 10);
}

static void *rw_reader(void *arg)
{
	rw_shared *sh = arg;
	while (!atomic_load(&sh->stop)) {
		unsigned long floor = atomic_load(&sh->acked);
		unsigned char *v = NULL;
		size_t n = 0;
		uint64_t rev = 0;
		if (cst_storage_get(sh->st, "counter", &v, &n, &rev) == CST_OK &&
		    value_number(v, n) < floor)
			atomic_fetch_add(&sh->stale, 1);
		free(v);
		atomic_fetch_add(&sh->reads, 1);
	}
	return NULL;
}

static void test_server_reads_follow_writes(void **state)
{
	fixture *f = *state;
	rw_shared sh = {.st = f->st};
	put(f->st, "counter", "0", 1);
	pthread_t readers[RW_READERS];
	for (int i = 0; i < RW_READERS; i++)
		assert_int_equal(pthread_create(&readers[i], NULL, rw_reader, &sh), 0);
	for (unsigned long i = 1; i <= RW_WRITES; i++) {
		char text[32];
		int n = snprintf(text, sizeof(text), "%lu", i);
		put(f->st, "counter", text, (size_t)n);
		atomic_store(&sh.acked, i);
	}
	atomic_store(&sh.stop, 1);
	for (int i = 0; i < RW_READERS; i++)
		pthread_join(readers[i], NULL);
	assert_int_equal(atomic_load(&sh.stale), 0);
	assert_true(atomic_load(&sh.reads) > 0);
	assert_value(f->st, "counter", "1500", 4);
}

/* The cache remembers that a key is absent, and forgets it once written. */
static void test_server_absent_then_created(void **state)
{
	fixture *f = *state;
	assert_missing(f->st, "later");
	assert_missing(f->st, "later");
	put(f->st, "later", "here", 4);
	assert_value(f->st, "later", "here", 4);
	assert_int_equal(cst_storage_delete(f->st, "later"), CST_OK);
	assert_missing(f->st, "later");
}

/* ---- runner */

#define T(fn, fx) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, fx)
#define CONTRACT(fx)                                                                           \
	T(test_get_missing, fx), T(test_roundtrip, fx), T(test_overwrite_changes_rev, fx),        \
	        T(test_delete, fx), T(test_list_prefix, fx), T(test_list_after_and_limit, fx),    \
	        T(test_batch_atomic, fx), T(test_expect_rev, fx), T(test_check_op, fx),           \
	        T(test_count, fx), T(test_key_limits, fx), T(test_recreated_key_new_rev, fx),   \
	        T(test_batch_rev, fx), T(test_each_key, fx)

int main(void)
{
	const struct CMUnitTest memory_tests[] = {CONTRACT(&fx_memory)};
	const struct CMUnitTest sqlite_tests[] = {
		CONTRACT(&fx_sqlite),
		T(test_sqlite_create_existing, &fx_sqlite),
		T(test_sqlite_open_missing, &fx_sqlite),
		T(test_sqlite_mode, &fx_sqlite),
		T(test_sqlite_persists, &fx_sqlite),
		T(test_sqlite_not_a_database, &fx_sqlite),
		T(test_sqlite_truncated, &fx_sqlite),
		T(test_sqlite_zeroed_pages, &fx_sqlite),
	};
	const struct CMUnitTest server_tests[] = {
		CONTRACT(&fx_server),
		T(test_server_holds_file, &fx_server),
		T(test_server_reads_follow_writes, &fx_server),
		T(test_server_absent_then_created, &fx_server),
	};
	int failed = cmocka_run_group_tests_name("storage contract: memory", memory_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("storage contract: sqlite", sqlite_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("storage contract: sqlite, server mode", server_tests,
	                                      NULL, NULL);
	return failed;
}
