/* mask.c - tests of src/util/mask.c: leftmost-longest replacement, values
 * split across feeds at every position, what is held back (and only
 * that), short values ignored, many values sharing a prefix, binary data,
 * and a stream fed byte by byte against one fed whole. */
#include "testutil.h"

#include "custos.h"
#include "util/mask.h"

/* Masks text fed in pieces of `step` bytes (0: whole); returns a static copy. */
static const char *masked(cst_masker *m, const char *text, size_t len, size_t step)
{
	static char out[8192];
	size_t o = 0;
	const char *p;
	size_t n;
	for (size_t i = 0; i < len;) {
		size_t k = step && step < len - i ? step : len - i;
		assert_int_equal(cst_masker_feed(m, text + i, k, &p, &n), CST_OK);
		assert_true(o + n < sizeof(out));
		memcpy(out + o, p, n);
		o += n;
		i += k;
	}
	assert_int_equal(cst_masker_finish(m, &p, &n), CST_OK);
	memcpy(out + o, p, n);
	out[o + n] = '\0';
	return out;
}

static cst_masker *new_masker(const char *const *v, size_t n)
{
	size_t lens[16];
	for (size_t i = 0; i < n; i++)
		lens[i] = strlen(v[i]);
	cst_masker *m = NULL;
	assert_int_equal(cst_masker_new(&m, v, lens, n), CST_OK);
	return m;
}

static void test_replaces(void **state)
{
	(void)state;
	static const char *const v[] = {"sk-abc123", "abcd", "abcdefgh", "xy"};
	cst_masker *m = new_masker(v, 4);
	assert_int_equal(cst_masker_count(m), 3); /* "xy" is too short */
	static const struct {
		const char *in, *out;
	} c[] = {
		{"key=sk-abc123!", "key=*****!"},
		{"sk-abc12 sk-abc1234", "sk-abc12 *****4"},
		{"abcdefgh abcdefg abcd", "***** *****efg *****"},
		{"xy xyxy", "xy xyxy"},
		{"sk-abc123sk-abc123", "**********"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		for (size_t step = 0; step <= 5; step++)
			assert_string_equal(masked(m, c[i].in, strlen(c[i].in), step), c[i].out);
	cst_masker_free(m);
}

/* A value split at every position between two feeds, and what waits. */
static void test_split_and_held(void **state)
{
	(void)state;
	static const char *const v[] = {"hunter2-secret"};
	cst_masker *m = new_masker(v, 1);
	const char *text = "pw: hunter2-secret.";
	for (size_t cut = 1; cut < strlen(text); cut++) {
		const char *p;
		size_t n;
		assert_int_equal(cst_masker_feed(m, text, cut, &p, &n), CST_OK);
		/* Only a possible start of the value is held back. */
		size_t held = cst_masker_held(m);
		if (cut <= 4)
			assert_int_equal(held, 0);
		else if (cut < 18)
			assert_int_equal(held, cut - 4);
		char first[64];
		memcpy(first, p, n);
		first[n] = '\0';
		assert_int_equal(cst_masker_feed(m, text + cut, strlen(text) - cut, &p, &n), CST_OK);
		char all[128];
		snprintf(all, sizeof(all), "%s%.*s", first, (int)n, p);
		assert_int_equal(cst_masker_finish(m, &p, &n), CST_OK);
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%.*s", (int)n, p);
		assert_string_equal(all, "pw: *****.");
	}
	/* A prefix that never completes is released at the end, unchanged. */
	assert_string_equal(masked(m, "hunter2-sec", 11, 3), "hunter2-sec");
	/* The last bytes are held only when a value could start there. */
	const char *p;
	size_t n;
	assert_int_equal(cst_masker_feed(m, "done\n", 5, &p, &n), CST_OK);
	assert_int_equal(n, 5);
	assert_int_equal(cst_masker_feed(m, "and hu", 6, &p, &n), CST_OK);
	assert_int_equal(cst_masker_held(m), 2);
	assert_int_equal(cst_masker_finish(m, &p, &n), CST_OK);
	assert_int_equal(n, 2);
	cst_masker_free(m);
}

/* Many values with one long shared prefix (1,000 OpenAI keys look so). */
static void test_shared_prefix(void **state)
{
	(void)state;
	enum { N = 1000 };
	static char vals[N][40];
	const char *v[N];
	size_t lens[N];
	for (int i = 0; i < N; i++) {
		snprintf(vals[i], sizeof(vals[i]), "sk-proj-%04d-abcdefghijklmnop", i * 7);
		v[i] = vals[i];
		lens[i] = strlen(vals[i]);
	}
	cst_masker *m = NULL;
	assert_int_equal(cst_masker_new(&m, v, lens, N), CST_OK);
	char text[256];
	snprintf(text, sizeof(text), "a %s b %s c sk-proj-0001-abcdefghijklmnop d sk-proj-", vals[3], vals[999]);
	assert_string_equal(masked(m, text, strlen(text), 7),
	                    "a ***** b ***** c sk-proj-0001-abcdefghijklmnop d sk-proj-");
	cst_masker_free(m);
	/* Many values with one prefix, some too short for the second index. */
	static const char *const w[] = {"abcdAAAAAA", "abcdBBBBBB", "abcdCCCCCC", "abcdDDDDDD",
	                                "abcdEEEEEE", "abcdFFFFFF", "abcdGGGGGG", "abcdHHHHHH",
	                                "abcdIIIIII", "abcdA",      "abcdAAA"};
	size_t wl[11];
	for (int i = 0; i < 11; i++)
		wl[i] = strlen(w[i]);
	assert_int_equal(cst_masker_new(&m, w, wl, 11), CST_OK);
	const char *t2 = "abcdAAAAAA abcdAAAA abcdAB abcdI abcdIIIIIIX abcd";
	for (size_t step = 0; step < 4; step++)
		assert_string_equal(masked(m, t2, strlen(t2), step), "***** *****A *****B abcdI *****X abcd");
	cst_masker_free(m);
}

static void test_binary_and_empty(void **state)
{
	(void)state;
	const char bin[] = {'\0', '\x01', '\xff', '\0'};
	const char *v[] = {bin};
	size_t l[] = {4};
	cst_masker *m = NULL;
	assert_int_equal(cst_masker_new(&m, v, l, 1), CST_OK);
	const char text[] = {'a', '\0', '\x01', '\xff', '\0', 'b'};
	const char *p;
	size_t n;
	assert_int_equal(cst_masker_feed(m, text, 6, &p, &n), CST_OK);
	assert_int_equal(n, 7);
	assert_memory_equal(p, "a*****b", 7);
	cst_masker_free(m);
	/* No values: everything passes at once. */
	assert_int_equal(cst_masker_new(&m, NULL, NULL, 0), CST_OK);
	assert_int_equal(cst_masker_feed(m, "abc", 3, &p, &n), CST_OK);
	assert_int_equal(n, 3);
	assert_int_equal(cst_masker_held(m), 0);
	cst_masker_free(m);
	cst_masker_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replaces),
		cmocka_unit_test(test_split_and_held),
		cmocka_unit_test(test_shared_prefix),
		cmocka_unit_test(test_binary_and_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
