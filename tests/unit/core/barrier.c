/* barrier.c - tests of src/core/barrier.c on the memory and sqlite backends:
 * create and unseal (right key, wrong key, damaged canary or keyring),
 * round trips through the barrier, that storage only ever holds ciphertext,
 * the must-fail cases of the sealed envelope (every single-byte flip of a
 * stored value, a blob moved to another key, truncation), rotation and
 * rewrap by term, term usage, revision checks, and the nonce budget: the
 * keyring's per-term seal counts must always cover every seal made plus
 * every seal reserved, also with two barriers (two processes) on one store,
 * which must also read each other's values across a rotation. */
#include "testutil.h"

#include <dirent.h>
#include <unistd.h>

#include "core/barrier.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/sealed.h"
#include "crypto/keyring.h"
#include "crypto/rand.h"
#include "custos.h"
#include "storage/storage.h"

typedef struct fixture {
	const char *backend;
	char dir[64];   /* sqlite only: mkdtemp directory */
	char path[128]; /* sqlite only: dir + "/vault.db" */
	cst_storage *st;
	unsigned char master[CST_KEY_LEN];
	cst_barrier b;
	int sealed; /* 1 while b holds nothing to release */
} fixture;

static fixture fx_memory = {.backend = "memory"};
static fixture fx_sqlite = {.backend = "sqlite"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int is_sqlite(const fixture *f)
{
	return strcmp(f->backend, "sqlite") == 0;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *e;
	char p[sizeof(e->d_name) + 80];
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	}
	closedir(d);
	rmdir(dir);
}

/* A second handle on the fixture's store: for sqlite a new connection (as
 * another process would have), for memory the same store. */
static cst_storage *second_handle(fixture *f)
{
	if (!is_sqlite(f))
		return f->st;
	cst_storage *st = NULL;
	assert_int_equal(cst_storage_open(&st, "sqlite", f->path, CST_STORAGE_BULK), CST_OK);
	return st;
}

static void close_second(fixture *f, cst_storage *st)
{
	if (st != f->st)
		cst_storage_close(st);
}

/* A fresh store with a barrier created on it under a random master key.
 * sqlite runs with BULK (no fsync): durability is not what is tested. */
static int setup(void **state)
{
	fixture *f = *state;
	f->st = NULL;
	f->sealed = 1;
	if (is_sqlite(f)) {
		snprintf(f->dir, sizeof(f->dir), "/tmp/custos-barrier-XXXXXX");
		if (mkdtemp(f->dir) == NULL)
			return -1;
		snprintf(f->path, sizeof(f->path), "%s/vault.db", f->dir);
	}
	if (cst_rand_bytes(f->master, sizeof(f->master)) != CST_OK ||
	    cst_storage_open(&f->st, f->backend, f->path, CST_STORAGE_CREATE | CST_STORAGE_BULK) !=
	            CST_OK ||
	    cst_barrier_create(&f->b, f->st, f->master, NULL, 0, NULL, 0) != CST_OK)
		return -1;
	f->sealed = 0;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	if (!f->sealed)
		cst_barrier_release(&f->b);
	f->sealed = 1;
	cst_storage_close(f->st);
	f->st = NULL;
	if (is_sqlite(f))
		remove_dir(f->dir);
	return 0;
}

/* ---- helpers */

static void bput(cst_barrier *b, const char *key, const void *plain, size_t len)
{
	cst_barrier_op op = {CST_STORAGE_PUT, key, plain, len, CST_REV_ANY};
	assert_int_equal(cst_barrier_batch(b, &op, 1), CST_OK);
}

static void bput_str(cst_barrier *b, const char *key, const char *plain)
{
	bput(b, key, plain, strlen(plain));
}

static void assert_plain(cst_barrier *b, const char *key, const void *want, size_t want_len)
{
	cst_buf out = CST_BUF_INIT;
	uint64_t rev = 0;
	int rc = cst_barrier_get(b, key, &out, &rev);
	if (rc != CST_OK)
		fail_msg("get %s: %d (%s)", key, rc, cst_errmsg());
	assert_int_equal(out.len, want_len);
	if (want_len)
		assert_memory_equal(out.ptr, want, want_len);
	assert_true(rev != 0);
	cst_buf_release(&out);
}

static void assert_plain_str(cst_barrier *b, const char *key, const char *want)
{
	assert_plain(b, key, want, strlen(want));
}

static int bget_rc(cst_barrier *b, const char *key)
{
	cst_buf out = CST_BUF_INIT;
	int rc = cst_barrier_get(b, key, &out, NULL);
	cst_buf_release(&out);
	return rc;
}

/* The raw stored blob (malloc'd) and its revision. */
static unsigned char *raw_get(cst_storage *st, const char *key, size_t *len, uint64_t *rev)
{
	unsigned char *v = NULL;
	assert_int_equal(cst_storage_get(st, key, &v, len, rev), CST_OK);
	return v;
}

static void raw_put(cst_storage *st, const char *key, const void *v, size_t len)
{
	assert_int_equal(cst_storage_put(st, key, v, len), CST_OK);
}

/* The term a stored value is sealed under, read from its envelope. */
static uint32_t term_of(cst_storage *st, const char *key)
{
	size_t len;
	unsigned char *blob = raw_get(st, key, &len, NULL);
	cst_sealed_view v;
	assert_int_equal(cst_sealed_parse(&v, blob, len), CST_OK);
	uint32_t t = v.term;
	free(blob);
	return t;
}

/* The keyring as stored now, opened with the master key (term 0). */
static cst_keyring *stored_keyring(cst_storage *st, const unsigned char *master)
{
	size_t len;
	unsigned char *blob = raw_get(st, CST_PATH_KEYRING, &len, NULL);
	cst_sealed_view v;
	cst_buf plain = CST_BUF_INIT;
	cst_keyring *kr = NULL;
	assert_int_equal(cst_sealed_parse(&v, blob, len), CST_OK);
	assert_int_equal(v.term, 0);
	assert_int_equal(cst_sealed_open(&plain, master, &v, CST_PATH_KEYRING), CST_OK);
	assert_int_equal(cst_keyring_parse(&kr, (unsigned char *)plain.ptr, plain.len), CST_OK);
	cst_buf_release(&plain);
	free(blob);
	return kr;
}

static uint64_t stored_seals(cst_storage *st, const unsigned char *master, uint32_t term)
{
	cst_keyring *kr = stored_keyring(st, master);
	cst_term *t = cst_keyring_find(kr, term);
	assert_non_null(t);
	uint64_t n = t->seals;
	cst_keyring_free(kr);
	return n;
}

/* ---- create and unseal */

static void test_create_unseal(void **state)
{
	fixture *f = *state;
	assert_non_null(f->b.kr);
	assert_int_equal(f->b.kr->count, 1);
	bput_str(&f->b, "k", "v");
	cst_barrier_release(&f->b);
	f->sealed = 1;

	assert_int_equal(cst_barrier_unseal(&f->b, f->st, f->master), CST_OK);
	f->sealed = 0;
	assert_plain_str(&f->b, "k", "v");
	assert_int_equal(bget_rc(&f->b, "missing"), CST_ENOTFOUND);

	/* A second create on the same store is refused and changes nothing. */
	cst_barrier other;
	unsigned char k2[CST_KEY_LEN];
	assert_int_equal(cst_rand_bytes(k2, sizeof(k2)), CST_OK);
	assert_int_equal(cst_barrier_create(&other, f->st, k2, NULL, 0, NULL, 0), CST_ECONFLICT);
	assert_int_equal(cst_barrier_unseal(&other, f->st, f->master), CST_OK);
	assert_plain_str(&other, "k", "v");
	cst_barrier_release(&other);

	/* Unsealing an empty store fails: there is no canary. */
	cst_storage *empty = NULL;
	assert_int_equal(cst_storage_open(&empty, "memory", NULL, CST_STORAGE_CREATE), CST_OK);
	assert_int_equal(cst_barrier_unseal(&other, empty, f->master), CST_EINTEGRITY);
	cst_storage_close(empty);
}

static void test_create_extra_ops(void **state)
{
	fixture *f = *state;
	cst_storage *st = NULL;
	cst_barrier b;
	assert_int_equal(cst_storage_open(&st, "memory", NULL, CST_STORAGE_CREATE), CST_OK);
	cst_storage_op extra = {CST_STORAGE_PUT, CST_PATH_SEAL, (const unsigned char *)"{}", 2,
	                        CST_REV_ABSENT};
	assert_int_equal(cst_barrier_create(&b, st, f->master, &extra, 1, NULL, 0), CST_OK);
	size_t len;
	unsigned char *v = raw_get(st, CST_PATH_SEAL, &len, NULL);
	assert_int_equal(len, 2);
	assert_memory_equal(v, "{}", 2);
	free(v);
	cst_barrier_release(&b);
	cst_storage_close(st);
}

static void test_wrong_key(void **state)
{
	fixture *f = *state;
	bput_str(&f->b, "k", "v");
	cst_barrier_release(&f->b);
	f->sealed = 1;

	unsigned char wrong[CST_KEY_LEN];
	cst_barrier b;
	for (size_t i = 0; i < 3; i++) {
		memcpy(wrong, f->master, sizeof(wrong));
		if (i == 0)
			assert_int_equal(cst_rand_bytes(wrong, sizeof(wrong)), CST_OK);
		else /* one bit off, first and last byte */
			wrong[i == 1 ? 0 : CST_KEY_LEN - 1] ^= 0x01;
		cst_error_clear();
		assert_int_equal(cst_barrier_unseal(&b, f->st, wrong), CST_EINTEGRITY);
		assert_non_null(strstr(cst_errmsg(), "wrong master key"));
	}
	/* The right key still works afterwards. */
	assert_int_equal(cst_barrier_unseal(&f->b, f->st, f->master), CST_OK);
	f->sealed = 0;
	assert_plain_str(&f->b, "k", "v");
}

/* Flips one byte of the blob at key, then expects unseal to fail. */
static void assert_unseal_fails_after_flip(fixture *f, const char *key)
{
	size_t len;
	uint64_t rev;
	unsigned char *blob = raw_get(f->st, key, &len, &rev);
	unsigned char *orig = malloc(len);
	assert_non_null(orig);
	memcpy(orig, blob, len);
	cst_barrier b;
	for (size_t i = 0; i < len; i++) {
		blob[i] ^= 0x20;
		raw_put(f->st, key, blob, len);
		assert_int_equal(cst_barrier_unseal(&b, f->st, f->master), CST_EINTEGRITY);
		blob[i] ^= 0x20;
	}
	raw_put(f->st, key, orig, len);
	assert_int_equal(cst_barrier_unseal(&b, f->st, f->master), CST_OK);
	cst_barrier_release(&b);
	free(orig);
	free(blob);
}

static void test_damaged_keyring_and_canary(void **state)
{
	fixture *f = *state;
	bput_str(&f->b, "k", "v");
	cst_barrier_release(&f->b);
	f->sealed = 1;

	assert_unseal_fails_after_flip(f, CST_PATH_KEYRING);
	assert_unseal_fails_after_flip(f, CST_PATH_CANARY);

	/* The keyring's blob where the canary was, and vice versa: the path
	 * is in the AAD, so both fail. */
	size_t klen, clen;
	unsigned char *ring = raw_get(f->st, CST_PATH_KEYRING, &klen, NULL);
	unsigned char *canary = raw_get(f->st, CST_PATH_CANARY, &clen, NULL);
	cst_barrier b;
	raw_put(f->st, CST_PATH_KEYRING, canary, clen);
	assert_int_equal(cst_barrier_unseal(&b, f->st, f->master), CST_EINTEGRITY);
	raw_put(f->st, CST_PATH_CANARY, ring, klen);
	assert_int_equal(cst_barrier_unseal(&b, f->st, f->master), CST_EINTEGRITY);
	raw_put(f->st, CST_PATH_CANARY, canary, clen);
	/* A truncated keyring, then none at all. */
	raw_put(f->st, CST_PATH_KEYRING, ring, klen - 1);
	assert_int_equal(cst_barrier_unseal(&b, f->st, f->master), CST_EINTEGRITY);
	assert_int_equal(cst_storage_delete(f->st, CST_PATH_KEYRING), CST_OK);
	assert_int_equal(cst_barrier_unseal(&b, f->st, f->master), CST_EINTEGRITY);

	raw_put(f->st, CST_PATH_KEYRING, ring, klen);
	assert_int_equal(cst_barrier_unseal(&f->b, f->st, f->master), CST_OK);
	f->sealed = 0;
	assert_plain_str(&f->b, "k", "v");
	free(ring);
	free(canary);
}

/* ---- values through the barrier */

static void test_roundtrip(void **state)
{
	fixture *f = *state;
	static const unsigned char bin[] = {0, 0, 1, 0xff, 0, 0x80, 0};
	cst_barrier_op ops[] = {
		{CST_STORAGE_PUT, "a/text", "hello", 5, CST_REV_ANY},
		{CST_STORAGE_PUT, "a/empty", "", 0, CST_REV_ANY},
		{CST_STORAGE_PUT, "a/bin", bin, sizeof(bin), CST_REV_ABSENT},
		{CST_STORAGE_PUT, "a/gone", "x", 1, CST_REV_ANY},
	};
	assert_int_equal(cst_barrier_batch(&f->b, ops, N(ops)), CST_OK);
	assert_plain(&f->b, "a/text", "hello", 5);
	assert_plain(&f->b, "a/empty", "", 0);
	assert_plain(&f->b, "a/bin", bin, sizeof(bin));

	/* Stored sizes are the plaintext's plus the envelope's overhead. */
	size_t len;
	unsigned char *blob = raw_get(f->st, "a/bin", &len, NULL);
	assert_int_equal(len, sizeof(bin) + CST_SEALED_OVERHEAD);
	free(blob);

	/* Overwrite and delete in one batch; the revision seen through the
	 * barrier is the storage revision. */
	cst_barrier_op ops2[] = {
		{CST_STORAGE_PUT, "a/text", "bye", 3, CST_REV_ANY},
		{CST_STORAGE_DELETE, "a/gone", NULL, 0, CST_REV_ANY},
	};
	assert_int_equal(cst_barrier_batch(&f->b, ops2, N(ops2)), CST_OK);
	assert_plain(&f->b, "a/text", "bye", 3);
	assert_int_equal(bget_rc(&f->b, "a/gone"), CST_ENOTFOUND);
	cst_buf out = CST_BUF_INIT;
	uint64_t brev = 0, srev = 0;
	assert_int_equal(cst_barrier_get(&f->b, "a/text", &out, &brev), CST_OK);
	cst_buf_release(&out);
	free(raw_get(f->st, "a/text", &len, &srev));
	assert_int_equal(brev, srev);

	/* A fresh unseal reads the same. */
	cst_barrier b2;
	assert_int_equal(cst_barrier_unseal(&b2, f->st, f->master), CST_OK);
	assert_plain(&b2, "a/bin", bin, sizeof(bin));
	assert_plain(&b2, "a/text", "bye", 3);
	cst_barrier_release(&b2);
}

static int contains(const unsigned char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

static void test_only_ciphertext_stored(void **state)
{
	fixture *f = *state;
	static const char secret[] = "sk-live-correct-horse-battery-staple-0123456789";
	bput_str(&f->b, "p/one", secret);
	bput_str(&f->b, "p/two", secret);

	/* No stored value holds the plaintext, or even a 12-byte piece of it. */
	cst_storage_keys keys;
	assert_int_equal(cst_storage_list(f->st, "", NULL, 0, &keys), CST_OK);
	assert_true(keys.count >= 4);
	for (size_t i = 0; i < keys.count; i++) {
		size_t len;
		unsigned char *blob = raw_get(f->st, keys.keys[i], &len, NULL);
		for (size_t off = 0; off + 12 <= sizeof(secret) - 1; off += 6) {
			char piece[13];
			memcpy(piece, secret + off, 12);
			piece[12] = '\0';
			assert_false(contains(blob, len, piece));
		}
		free(blob);
	}
	cst_storage_keys_release(&keys);

	/* The same plaintext seals differently each time (fresh nonces). */
	size_t l1, l2;
	unsigned char *b1 = raw_get(f->st, "p/one", &l1, NULL);
	bput_str(&f->b, "p/one", secret);
	unsigned char *b2 = raw_get(f->st, "p/one", &l2, NULL);
	assert_int_equal(l1, l2);
	assert_memory_not_equal(b1, b2, l1);
	assert_memory_not_equal(b1 + CST_SEALED_HEADER_LEN, b2 + CST_SEALED_HEADER_LEN, 12);
	free(b1);
	free(b2);
}

/* Every single-byte change of a stored value, at every position and with
 * two different masks, must fail authentication. */
static void test_every_byte_flip(void **state)
{
	fixture *f = *state;
	bput_str(&f->b, "flip/me", "tiny value");
	size_t len;
	uint64_t rev;
	unsigned char *blob = raw_get(f->st, "flip/me", &len, &rev);
	assert_int_equal(len, 10 + CST_SEALED_OVERHEAD);
	static const unsigned char masks[] = {0x01, 0x80, 0xff};
	for (size_t i = 0; i < len; i++) {
		for (size_t m = 0; m < N(masks); m++) {
			blob[i] ^= masks[m];
			raw_put(f->st, "flip/me", blob, len);
			int rc = bget_rc(&f->b, "flip/me");
			if (rc != CST_EINTEGRITY)
				fail_msg("byte %zu ^ 0x%02x: got %d, want CST_EINTEGRITY", i, masks[m], rc);
			blob[i] ^= masks[m];
		}
	}
	raw_put(f->st, "flip/me", blob, len);
	assert_plain_str(&f->b, "flip/me", "tiny value");
	free(blob);
}

static void test_moved_blob(void **state)
{
	fixture *f = *state;
	bput_str(&f->b, "team/a", "value of a");
	bput_str(&f->b, "team/b", "value of b");
	size_t la, lb;
	unsigned char *a = raw_get(f->st, "team/a", &la, NULL);
	unsigned char *bb = raw_get(f->st, "team/b", &lb, NULL);

	/* Copied to a new key, to a key one byte longer, and swapped. */
	raw_put(f->st, "team/c", a, la);
	assert_int_equal(bget_rc(&f->b, "team/c"), CST_EINTEGRITY);
	raw_put(f->st, "team/aa", a, la);
	assert_int_equal(bget_rc(&f->b, "team/aa"), CST_EINTEGRITY);
	raw_put(f->st, "team/a", bb, lb);
	raw_put(f->st, "team/b", a, la);
	assert_int_equal(bget_rc(&f->b, "team/a"), CST_EINTEGRITY);
	assert_int_equal(bget_rc(&f->b, "team/b"), CST_EINTEGRITY);
	/* A data value moved over the master-key-sealed canary. */
	raw_put(f->st, CST_PATH_CANARY, a, la);
	cst_barrier b2;
	assert_int_equal(cst_barrier_unseal(&b2, f->st, f->master), CST_EINTEGRITY);

	/* Back in place they open again. */
	raw_put(f->st, "team/a", a, la);
	raw_put(f->st, "team/b", bb, lb);
	assert_plain_str(&f->b, "team/a", "value of a");
	assert_plain_str(&f->b, "team/b", "value of b");
	free(a);
	free(bb);
}

static void test_truncated_blob(void **state)
{
	fixture *f = *state;
	bput_str(&f->b, "t", "some value here");
	size_t len;
	unsigned char *blob = raw_get(f->st, "t", &len, NULL);
	const size_t cuts[] = {0, 1, CST_SEALED_HEADER_LEN, CST_SEALED_OVERHEAD - 1,
	                       CST_SEALED_OVERHEAD, len - 16, len - 1};
	for (size_t i = 0; i < N(cuts); i++) {
		raw_put(f->st, "t", blob, cuts[i]);
		assert_int_equal(bget_rc(&f->b, "t"), CST_EINTEGRITY);
	}
	/* Nor may anything be appended. */
	unsigned char *longer = malloc(len + 1);
	assert_non_null(longer);
	memcpy(longer, blob, len);
	longer[len] = 0;
	raw_put(f->st, "t", longer, len + 1);
	assert_int_equal(bget_rc(&f->b, "t"), CST_EINTEGRITY);
	/* A term that is not in the keyring. */
	memcpy(longer, blob, len);
	longer[1] = 0x7f;
	raw_put(f->st, "t", longer, len);
	assert_int_equal(bget_rc(&f->b, "t"), CST_EINTEGRITY);
	free(longer);
	free(blob);
}

/* ---- terms: rotate, rewrap, usage */

static void test_rotate(void **state)
{
	fixture *f = *state;
	assert_int_equal(f->b.kr->active, 1);
	bput_str(&f->b, "old", "written under term 1");
	assert_int_equal(term_of(f->st, "old"), 1);

	assert_int_equal(cst_barrier_rotate(&f->b), CST_OK);
	assert_int_equal(f->b.kr->count, 2);
	assert_int_equal(f->b.kr->active, 2);
	bput_str(&f->b, "new", "written under term 2");
	assert_int_equal(term_of(f->st, "new"), 2);
	/* An overwrite of an old value moves it to the new term. */
	bput_str(&f->b, "old2", "x");
	assert_int_equal(term_of(f->st, "old2"), 2);
	assert_plain_str(&f->b, "old", "written under term 1");
	assert_plain_str(&f->b, "new", "written under term 2");

	/* The rotation is stored: a fresh unseal sees both terms. */
	cst_barrier b2;
	assert_int_equal(cst_barrier_unseal(&b2, f->st, f->master), CST_OK);
	assert_int_equal(b2.kr->count, 2);
	assert_int_equal(b2.kr->active, 2);
	assert_plain_str(&b2, "old", "written under term 1");
	assert_plain_str(&b2, "new", "written under term 2");
	bput_str(&b2, "fresh", "y");
	assert_int_equal(term_of(f->st, "fresh"), 2);
	cst_barrier_release(&b2);

	/* Term keys differ. */
	assert_memory_not_equal(f->b.kr->terms[0].key, f->b.kr->terms[1].key, CST_KEY_LEN);
}

typedef struct progress_log {
	uint64_t calls, last_done, last_total;
	int monotonic;
} progress_log;

static void on_progress(uint64_t done, uint64_t total, void *payload)
{
	progress_log *p = payload;
	if (done < p->last_done || done > total)
		p->monotonic = 0;
	p->calls++;
	p->last_done = done;
	p->last_total = total;
}

static void test_rewrap_and_usage(void **state)
{
	fixture *f = *state;
	char key[32], val[32];
	/* 5 values under term 1, 3 under term 2, 2 under term 3. */
	for (int i = 0; i < 10; i++) {
		if (i == 5 || i == 8)
			assert_int_equal(cst_barrier_rotate(&f->b), CST_OK);
		snprintf(key, sizeof(key), "v/%02d", i);
		snprintf(val, sizeof(val), "value %d", i);
		bput_str(&f->b, key, val);
		assert_int_equal(term_of(f->st, key), i < 5 ? 1 : i < 8 ? 2 : 3);
	}
	assert_int_equal(f->b.kr->count, 3);
	uint64_t counts[3];
	assert_int_equal(cst_barrier_term_usage(&f->b, counts), CST_OK);
	assert_int_equal(counts[0], 5);
	assert_int_equal(counts[1], 3);
	assert_int_equal(counts[2], 2);

	progress_log log = {0, 0, 0, 1};
	uint64_t n = 999;
	assert_int_equal(cst_barrier_rewrap(&f->b, &n, on_progress, &log), CST_OK);
	assert_int_equal(n, 8);
	assert_int_equal(log.calls, 10);
	assert_int_equal(log.last_done, 10);
	assert_true(log.monotonic);
	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "v/%02d", i);
		snprintf(val, sizeof(val), "value %d", i);
		assert_int_equal(term_of(f->st, key), 3);
		assert_plain_str(&f->b, key, val);
	}
	assert_int_equal(cst_barrier_term_usage(&f->b, counts), CST_OK);
	assert_int_equal(counts[0], 0);
	assert_int_equal(counts[1], 0);
	assert_int_equal(counts[2], 10);

	/* Nothing left to do the second time; NULL progress is fine. */
	assert_int_equal(cst_barrier_rewrap(&f->b, &n, NULL, NULL), CST_OK);
	assert_int_equal(n, 0);
}

/* More values than one list page, so rewrap must follow the cursor. */
static void test_rewrap_many(void **state)
{
	fixture *f = *state;
	enum { COUNT = 2100, PER_BATCH = 100 };
	char keys[PER_BATCH][16];
	cst_barrier_op ops[PER_BATCH];
	for (int i = 0; i < COUNT; i += PER_BATCH) {
		for (int j = 0; j < PER_BATCH; j++) {
			snprintf(keys[j], sizeof(keys[j]), "m/%05d", i + j);
			ops[j] = (cst_barrier_op){CST_STORAGE_PUT, keys[j], keys[j], strlen(keys[j]),
			                          CST_REV_ANY};
		}
		assert_int_equal(cst_barrier_batch(&f->b, ops, PER_BATCH), CST_OK);
	}
	assert_int_equal(cst_barrier_rotate(&f->b), CST_OK);
	uint64_t n = 0, counts[2];
	assert_int_equal(cst_barrier_rewrap(&f->b, &n, NULL, NULL), CST_OK);
	assert_int_equal(n, COUNT);
	assert_int_equal(cst_barrier_term_usage(&f->b, counts), CST_OK);
	assert_int_equal(counts[0], 0);
	assert_int_equal(counts[1], COUNT);
	assert_plain_str(&f->b, "m/02099", "m/02099");
}

/* ---- revisions */

static void test_revisions(void **state)
{
	fixture *f = *state;
	bput_str(&f->b, "r", "one");
	cst_buf out = CST_BUF_INIT;
	uint64_t rev = 0;
	assert_int_equal(cst_barrier_get(&f->b, "r", &out, &rev), CST_OK);
	cst_buf_release(&out);
	bput_str(&f->b, "r", "two"); /* someone else writes */

	cst_barrier_op ops[] = {
		{CST_STORAGE_PUT, "side", "s", 1, CST_REV_ANY},
		{CST_STORAGE_PUT, "r", "three", 5, (int64_t)rev},
	};
	assert_int_equal(cst_barrier_batch(&f->b, ops, N(ops)), CST_ECONFLICT);
	assert_plain_str(&f->b, "r", "two");
	assert_int_equal(bget_rc(&f->b, "side"), CST_ENOTFOUND);

	assert_int_equal(cst_barrier_get(&f->b, "r", &out, &rev), CST_OK);
	cst_buf_release(&out);
	ops[1].expect_rev = (int64_t)rev;
	assert_int_equal(cst_barrier_batch(&f->b, ops, N(ops)), CST_OK);
	assert_plain_str(&f->b, "r", "three");
	assert_plain_str(&f->b, "side", "s");

	/* Absent-only create, and a stale delete. */
	cst_barrier_op create = {CST_STORAGE_PUT, "r", "four", 4, CST_REV_ABSENT};
	assert_int_equal(cst_barrier_batch(&f->b, &create, 1), CST_ECONFLICT);
	cst_barrier_op del = {CST_STORAGE_DELETE, "r", NULL, 0, (int64_t)rev};
	assert_int_equal(cst_barrier_batch(&f->b, &del, 1), CST_ECONFLICT);
	assert_plain_str(&f->b, "r", "three");
	/* A conflict makes no new reservation; the seals it made still count
	 * against the budget (they were computed, even if never stored). */
	uint64_t budget = f->b.budget;
	assert_int_equal(cst_barrier_batch(&f->b, &create, 1), CST_ECONFLICT);
	assert_int_equal(f->b.budget, budget - 1);
}

/* ---- nonce budget */

/* For every term: stored seals >= seals visible in storage under that term
 * (each key written once, so one per key) + what each barrier still holds
 * reserved under it. */
static void assert_budget_covers(fixture *f, cst_barrier *const *bs, size_t nb)
{
	cst_keyring *kr = stored_keyring(f->st, f->master);
	uint64_t used[16] = {0};
	cst_storage_keys keys;
	assert_int_equal(cst_storage_list(f->st, "w/", NULL, 0, &keys), CST_OK);
	for (size_t i = 0; i < keys.count; i++) {
		uint32_t t = term_of(f->st, keys.keys[i]);
		assert_true(t < N(used));
		used[t]++;
	}
	size_t total = keys.count;
	cst_storage_keys_release(&keys);
	assert_true(total < CST_LIMIT_LIST_PAGE); /* one page saw them all */
	for (size_t i = 0; i < nb; i++)
		if (bs[i]->budget)
			used[bs[i]->budget_term] += bs[i]->budget;
	for (uint32_t t = 1; t < N(used); t++) {
		if (used[t] == 0)
			continue;
		cst_term *ct = cst_keyring_find(kr, t);
		if (ct == NULL)
			fail_msg("term %u is in use but missing from the stored keyring", t);
		if (ct->seals < used[t])
			fail_msg("term %u: keyring counts %llu seals, %llu made or reserved", t,
			         (unsigned long long)ct->seals, (unsigned long long)used[t]);
	}
	cst_keyring_free(kr);
}

/* One barrier, past its first reservation block, single puts and a batch
 * larger than any block. */
static void test_reservation(void **state)
{
	fixture *f = *state;
	char key[32];
	uint64_t seals = 0, last = 0;
	for (int i = 0; i < 4200; i++) {
		snprintf(key, sizeof(key), "n/%05d", i);
		bput(&f->b, key, "x", 1);
		seals++;
		uint64_t now = stored_seals(f->st, f->master, 1);
		assert_true(now >= last);
		last = now;
		if (now < seals + f->b.budget)
			fail_msg("after %llu seals: keyring says %llu, budget %llu",
			         (unsigned long long)seals, (unsigned long long)now,
			         (unsigned long long)f->b.budget);
	}
	assert_true(last >= 4200);

	enum { BIG = 20000 };
	cst_barrier_op *ops = calloc(BIG, sizeof(*ops));
	char(*keys)[16] = calloc(BIG, sizeof(*keys));
	assert_non_null(ops);
	assert_non_null(keys);
	for (int i = 0; i < BIG; i++) {
		snprintf(keys[i], sizeof(keys[i]), "big/%05d", i);
		ops[i] = (cst_barrier_op){CST_STORAGE_PUT, keys[i], "y", 1, CST_REV_ANY};
	}
	assert_int_equal(cst_barrier_batch(&f->b, ops, BIG), CST_OK);
	seals += BIG;
	assert_true(stored_seals(f->st, f->master, 1) >= seals + f->b.budget);
	free(ops);
	free(keys);
}

/* Two barriers on one store, as two processes would be (for sqlite each
 * has its own connection), writing in turns: neither may overwrite the
 * other's reservation, nor, across a rotation, lose a term. Each must read
 * everything the other wrote, and so must a third that unseals afterwards. */
static void test_two_barriers(void **state)
{
	fixture *f = *state;
	cst_storage *st2 = second_handle(f);
	cst_barrier b2;
	assert_int_equal(cst_barrier_unseal(&b2, st2, f->master), CST_OK);
	cst_barrier *both[] = {&f->b, &b2};
	char key[32], val[32];
	int written = 0;
	uint64_t last = 0;

	for (int round = 0; round < 3; round++) {
		if (round == 1) /* the first rotates before the second writes */
			assert_int_equal(cst_barrier_rotate(&f->b), CST_OK);
		if (round == 2) /* and now the second rotates */
			assert_int_equal(cst_barrier_rotate(&b2), CST_OK);
		for (int i = 0; i < 6; i++, written++) {
			cst_barrier *w = both[i % 2];
			snprintf(key, sizeof(key), "w/%03d", written);
			snprintf(val, sizeof(val), "from %d, #%d", i % 2, written);
			bput_str(w, key, val);
			assert_budget_covers(f, both, 2);
			uint64_t now = stored_seals(f->st, f->master, 1);
			assert_true(now >= last); /* term 1's count never goes back */
			last = now;
			/* Both read everything so far. */
			for (int j = 0; j <= written; j++) {
				snprintf(key, sizeof(key), "w/%03d", j);
				snprintf(val, sizeof(val), "from %d, #%d", (j % 6) % 2, j);
				assert_plain_str(&f->b, key, val);
				assert_plain_str(&b2, key, val);
			}
		}
	}

	cst_barrier b3;
	assert_int_equal(cst_barrier_unseal(&b3, f->st, f->master), CST_OK);
	assert_int_equal(b3.kr->count, 3);
	for (int j = 0; j < written; j++) {
		snprintf(key, sizeof(key), "w/%03d", j);
		snprintf(val, sizeof(val), "from %d, #%d", (j % 6) % 2, j);
		assert_plain_str(&b3, key, val);
	}
	cst_barrier_release(&b3);
	cst_barrier_release(&b2);
	close_second(f, st2);
}

/* ---- runner */

#define T(fn, fx) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, fx)
#define ALL(fx)                                                                                \
	T(test_create_unseal, fx), T(test_create_extra_ops, fx), T(test_wrong_key, fx),           \
	        T(test_damaged_keyring_and_canary, fx), T(test_roundtrip, fx),                    \
	        T(test_only_ciphertext_stored, fx), T(test_every_byte_flip, fx),                  \
	        T(test_moved_blob, fx), T(test_truncated_blob, fx), T(test_rotate, fx),           \
	        T(test_rewrap_and_usage, fx), T(test_rewrap_many, fx), T(test_revisions, fx),     \
	        T(test_reservation, fx), T(test_two_barriers, fx)

int main(void)
{
	const struct CMUnitTest memory_tests[] = {ALL(&fx_memory)};
	const struct CMUnitTest sqlite_tests[] = {ALL(&fx_sqlite)};
	int failed = cmocka_run_group_tests_name("barrier: memory", memory_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("barrier: sqlite", sqlite_tests, NULL, NULL);
	return failed;
}
