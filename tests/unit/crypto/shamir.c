/* shamir.c - tests of src/crypto/shamir.c: Vault's field, split and combine
 * cases (shamir_test.go, restated as data), combine checks of shares made
 * by an independent Vault-format implementation, the field operations
 * against a plain reference over all 65,536 pairs, and split/combine
 * properties: every threshold-sized subset recovers the secret, one share
 * fewer does not, x-coordinates are distinct, nonzero and random. */
#include "testutil.h"
#include "vectors.h"

#include "crypto/rand.h"
#include "crypto/shamir.h"
#include "custos.h"

#define VAULT_CASES "shamir/vault_shamir_unit_cases.json"
#define GENERATED "shamir/shamir_gf256_vault_format_generated.json"

/* What the fixtures hold; a parser that reads nothing fails on these. */
#define N_FIELD_CASES 8
#define N_SPLIT_INVALID 5
#define N_COMBINE_INVALID 4
#define N_GENERATED_SECRETS 6
#define N_GENERATED_COMBINES 20

/* Fails unless rc is CST_EINVAL with a detail message. */
static void expect_einval(int rc, const char *what, const char *file, long long id)
{
	expect_rc(rc, CST_EINVAL, what, file, id);
	if (cst_errmsg()[0] == '\0')
		fail_msg("%s case %lld: %s refused without a message", file, id, what);
}

/* ---- the field --------------------------------------------------------- */

/* Schoolbook reference, written independently of shamir.c: carry-less
 * product, then reduction by 0x11b from the top bit down. */
static unsigned ref_mul(unsigned a, unsigned b)
{
	unsigned p = 0;
	for (int i = 0; i < 8; i++)
		if (b & (1u << i))
			p ^= a << i;
	for (int i = 14; i >= 8; i--)
		if (p & (1u << i))
			p ^= 0x11bu << (i - 8);
	return p;
}

static void test_field_vault_cases(void **state)
{
	(void)state;
	json_t *root = fixture_json(VAULT_CASES), *c;
	size_t i;
	int n = 0, adds = 0, mults = 0, divs = 0;
	json_array_foreach(json_arr(root, "field_cases"), i, c) {
		const char *op = json_str(c, "op");
		long long a = json_int(c, "a"), b = json_int(c, "b"), want = json_int(c, "expected");
		assert_in_range(a, 0, 255);
		assert_in_range(b, 0, 255);
		uint8_t got;
		if (strcmp(op, "add") == 0) {
			got = cst_shamir_gf_add((uint8_t)a, (uint8_t)b);
			adds++;
		} else if (strcmp(op, "mult") == 0) {
			got = cst_shamir_gf_mul((uint8_t)a, (uint8_t)b);
			mults++;
		} else if (strcmp(op, "div") == 0) {
			got = cst_shamir_gf_div((uint8_t)a, (uint8_t)b);
			divs++;
		} else {
			fail_msg("%s field case %zu: unknown op \"%s\"", VAULT_CASES, i, op);
		}
		if (got != want)
			fail_msg("%s field case %zu: %s(%lld, %lld) = %u, want %lld", VAULT_CASES, i, op,
			         a, b, got, want);
		n++;
	}
	json_decref(root);
	print_message("field: %d vault cases (%d add, %d mult, %d div)\n", n, adds, mults, divs);
	assert_int_equal(n, N_FIELD_CASES);
	assert_true(adds > 0 && mults > 0 && divs > 0);
}

static void test_field_exhaustive(void **state)
{
	(void)state;
	for (unsigned a = 0; a < 256; a++) {
		for (unsigned b = 0; b < 256; b++) {
			uint8_t p = cst_shamir_gf_mul((uint8_t)a, (uint8_t)b);
			if (p != ref_mul(a, b))
				fail_msg("mul(%u, %u) = %u, want %u", a, b, p, ref_mul(a, b));
			assert_int_equal(cst_shamir_gf_add((uint8_t)a, (uint8_t)b), a ^ b);
			if (b != 0 && cst_shamir_gf_div(p, (uint8_t)b) != a)
				fail_msg("div(mul(%u, %u), %u) != %u", a, b, b, a);
		}
		/* The inverse: b * (1 / b) == 1 for every nonzero b. */
		if (a != 0)
			assert_int_equal(cst_shamir_gf_mul((uint8_t)a, cst_shamir_gf_div(1, (uint8_t)a)),
			                 1);
		/* Division by zero is defined as 0 (never reached by combine). */
		assert_int_equal(cst_shamir_gf_div((uint8_t)a, 0), 0);
	}
	/* The AES field's textbook examples: {57}.{83} = {c1}, {53}^-1 = {ca}. */
	assert_int_equal(cst_shamir_gf_mul(0x57, 0x83), 0xc1);
	assert_int_equal(cst_shamir_gf_div(1, 0x53), 0xca);
}

/* ---- refusals ---------------------------------------------------------- */

/* Runs one split that must fail and checks nothing is left allocated. */
static void split_refused(const unsigned char *secret, size_t len, unsigned parts,
                          unsigned threshold, const char *file, long long id)
{
	static unsigned char *shares[1024];
	for (size_t k = 0; k < 1024; k++)
		shares[k] = NULL;
	expect_einval(cst_shamir_split(shares, secret, len, parts, threshold), "split", file, id);
	for (size_t k = 0; k < 1024; k++)
		if (shares[k] != NULL)
			fail_msg("%s case %lld: a refused split left share %zu", file, id, k);
}

static void test_split_invalid(void **state)
{
	(void)state;
	json_t *root = fixture_json(VAULT_CASES), *c;
	size_t i;
	int n = 0;
	json_array_foreach(json_arr(root, "split_invalid"), i, c) {
		json_t *s = json_member(c, "secret_utf8");
		long long parts = json_int(c, "parts"), threshold = json_int(c, "threshold");
		assert_string_equal(json_str(c, "expect"), "error");
		assert_in_range(parts, 0, 1024);
		assert_in_range(threshold, 0, 1024);
		/* null is Go's nil: the empty secret. */
		const char *text = json_is_null(s) ? "" : json_string_value(s);
		assert_non_null(text);
		split_refused((const unsigned char *)text, strlen(text), (unsigned)parts,
		              (unsigned)threshold, VAULT_CASES, (long long)i);
		n++;
	}
	json_decref(root);
	print_message("split: %d vault refusals\n", n);
	assert_int_equal(n, N_SPLIT_INVALID);

	/* The edges around Vault's bounds. */
	const unsigned char k[4] = "test";
	split_refused(k, 4, 256, 256, "own", 1);   /* parts > 255 (and threshold) */
	split_refused(k, 4, 255, 256, "own", 2);   /* parts < threshold */
	split_refused(k, 4, 2, 1, "own", 3);       /* threshold < 2 */
	split_refused(k, 4, 0, 0, "own", 4);       /* both zero */
	split_refused(k, 0, 255, 255, "own", 5);   /* empty secret at the upper bound */
	split_refused(NULL, 4, 3, 2, "own", 6);    /* no secret */
	expect_einval(cst_shamir_split(NULL, k, 4, 3, 2), "split", "own", 7);
}

static void test_combine_invalid(void **state)
{
	(void)state;
	json_t *root = fixture_json(VAULT_CASES), *c;
	size_t i;
	int n = 0;
	json_array_foreach(json_arr(root, "combine_invalid"), i, c) {
		json_t *list = json_arr(c, "shares_utf8"), *s;
		size_t j, count = json_array_size(list);
		const unsigned char *shares[8] = {(const unsigned char *)""};
		size_t lens[8] = {0};
		int same_len = 1;
		assert_true(count < 8);
		assert_string_equal(json_str(c, "expect"), "error");
		json_array_foreach(list, j, s) {
			assert_true(json_is_string(s));
			shares[j] = (const unsigned char *)json_string_value(s);
			lens[j] = json_string_length(s);
			same_len &= lens[j] == lens[0];
		}
		unsigned char out[16];
		memset(out, 0xa5, sizeof(out));
		expect_einval(cst_shamir_combine_lens(out, shares, lens, count), "combine_lens",
		              VAULT_CASES, (long long)i);
		/* The fixed-length form cannot express a length mismatch. */
		if (same_len)
			expect_einval(cst_shamir_combine(out, shares, count, lens[0]), "combine",
			              VAULT_CASES, (long long)i);
		for (size_t k = 0; k < sizeof(out); k++)
			if (out[k] != 0xa5)
				fail_msg("%s case %zu: a refused combine wrote the output", VAULT_CASES, i);
		n++;
	}
	json_decref(root);
	print_message("combine: %d vault refusals\n", n);
	assert_int_equal(n, N_COMBINE_INVALID);

	unsigned char out[8];
	const unsigned char a[] = {1, 2, 3, 1}, b[] = {4, 5, 6, 2}, d[] = {7, 8, 9, 1};
	const unsigned char *one[] = {a}, *dup3[] = {a, b, d}, *with_null[] = {a, NULL};
	size_t lens3[] = {4, 4, 4}, lens_last[] = {4, 4, 3};
	expect_einval(cst_shamir_combine(out, one, 1, 4), "combine", "own", 1);
	expect_einval(cst_shamir_combine(out, dup3, 3, 4), "combine", "own", 2);
	expect_einval(cst_shamir_combine_lens(out, dup3, lens3, 3), "combine_lens", "own", 3);
	expect_einval(cst_shamir_combine_lens(out, dup3, lens_last, 3), "combine_lens", "own", 4);
	expect_einval(cst_shamir_combine(out, with_null, 2, 4), "combine", "own", 5);
	expect_einval(cst_shamir_combine(NULL, dup3, 2, 4), "combine", "own", 6);
	expect_einval(cst_shamir_combine_lens(out, dup3, NULL, 2), "combine_lens", "own", 7);
	expect_einval(cst_shamir_combine(out, NULL, 0, 0), "combine", "own", 8);
	/* Vault accepts these two (distinct x); so must custos. */
	expect_rc(cst_shamir_combine(out, dup3, 2, 4), CST_OK, "combine", "own", 9);
	expect_rc(cst_shamir_combine_lens(out, dup3, lens3, 2), CST_OK, "combine_lens", "own", 10);
}

/* ---- known shares ------------------------------------------------------ */

/* x-coordinates (last bytes) distinct and nonzero. */
static void expect_x_ok(unsigned char *const *shares, size_t n, size_t len, const char *what)
{
	unsigned char seen[256] = {0};
	for (size_t i = 0; i < n; i++) {
		unsigned x = shares[i][len - 1];
		if (x == 0)
			fail_msg("%s: share %zu has x-coordinate 0", what, i);
		if (seen[x]++)
			fail_msg("%s: x-coordinate %u given twice", what, x);
	}
}

static void test_combine_generated(void **state)
{
	(void)state;
	json_t *root = fixture_json(GENERATED), *c;
	size_t i;
	int secrets = 0, combines = 0;
	json_array_foreach(json_arr(root, "cases"), i, c) {
		struct bytes secret = json_hex(c, "secret_hex");
		json_t *list = json_arr(c, "shares_hex"), *s, *cc;
		size_t j, count = json_array_size(list);
		long long threshold = json_int(c, "threshold");
		struct bytes shares[16];
		assert_int_equal(count, json_int(c, "shares_total"));
		assert_in_range(count, 2, 16);
		assert_in_range(threshold, 2, (long long)count);
		json_array_foreach(list, j, s) {
			assert_true(json_is_string(s));
			shares[j] = hex_decode(json_string_value(s));
			assert_int_equal(shares[j].n, secret.n + 1);
		}
		unsigned char *raw[16];
		for (j = 0; j < count; j++)
			raw[j] = shares[j].p;
		expect_x_ok(raw, count, secret.n + 1, GENERATED);
		json_array_foreach(json_arr(c, "combine_cases"), j, cc) {
			json_t *idx = json_arr(cc, "share_indexes"), *v;
			struct bytes want = json_hex(cc, "expected_secret_hex");
			const unsigned char *pick[16];
			size_t lens[16], k, m = json_array_size(idx);
			assert_in_range(m, (size_t)threshold, count);
			json_array_foreach(idx, k, v) {
				long long at = json_integer_value(v);
				assert_true(json_is_integer(v));
				assert_in_range(at, 0, (long long)count - 1);
				pick[k] = shares[at].p;
				lens[k] = shares[at].n;
			}
			assert_int_equal(want.n, secret.n);
			unsigned char *out = malloc(want.n);
			assert_non_null(out);
			expect_rc(cst_shamir_combine(out, pick, m, secret.n + 1), CST_OK, "combine",
			          GENERATED, (long long)i);
			expect_bytes(out, &want, "secret", GENERATED, (long long)i);
			memset(out, 0, want.n);
			expect_rc(cst_shamir_combine_lens(out, pick, lens, m), CST_OK, "combine_lens",
			          GENERATED, (long long)i);
			expect_bytes(out, &want, "secret", GENERATED, (long long)i);
			free(out);
			bytes_free(&want);
			combines++;
		}
		for (j = 0; j < count; j++)
			bytes_free(&shares[j]);
		bytes_free(&secret);
		secrets++;
	}
	assert_int_equal(secrets, json_int(root, "case_count"));
	assert_int_equal(combines, json_int(root, "combine_cases_total"));
	json_decref(root);
	print_message("combine: %d generated secrets, %d combine checks\n", secrets, combines);
	assert_int_equal(secrets, N_GENERATED_SECRETS);
	assert_int_equal(combines, N_GENERATED_COMBINES);
}

/* ---- split / combine properties ---------------------------------------- */

/* Next k-subset of 0..n-1 in lexicographic order; 0 after the last. */
static int next_subset(size_t *idx, size_t k, size_t n)
{
	size_t i = k;
	while (i > 0 && idx[i - 1] == n - k + i - 1)
		i--;
	if (i == 0)
		return 0;
	idx[i - 1]++;
	for (size_t j = i; j < k; j++)
		idx[j] = idx[j - 1] + 1;
	return 1;
}

/* Combines every k-subset of the shares; returns how many subsets gave
 * the secret back, and counts all of them in *subsets. */
static long combine_subsets(unsigned char *const *shares, size_t parts, size_t k,
                            const unsigned char *secret, size_t len, long *subsets)
{
	size_t idx[CST_SHAMIR_MAX_PARTS];
	const unsigned char *pick[CST_SHAMIR_MAX_PARTS];
	unsigned char out[64];
	long equal = 0;
	assert_true(len <= sizeof(out) && k <= parts);
	for (size_t i = 0; i < k; i++)
		idx[i] = i;
	*subsets = 0;
	do {
		for (size_t i = 0; i < k; i++)
			pick[i] = shares[idx[i]];
		assert_int_equal(cst_shamir_combine(out, pick, k, len + 1), CST_OK);
		equal += memcmp(out, secret, len) == 0;
		(*subsets)++;
	} while (next_subset(idx, k, parts));
	return equal;
}

static long binomial(long n, long k)
{
	long r = 1;
	for (long i = 1; i <= k; i++)
		r = r * (n - k + i) / i;
	return r;
}

static void test_split_vault_shape(void **state)
{
	(void)state;
	json_t *root = fixture_json(VAULT_CASES);
	json_t *c = json_member(root, "split_valid_shape");
	const char *text = json_str(c, "secret_utf8");
	long long parts = json_int(c, "parts"), threshold = json_int(c, "threshold");
	size_t len = strlen(text);
	unsigned char *shares[CST_SHAMIR_MAX_PARTS];
	long subsets;
	assert_in_range(parts, 2, 8);
	assert_int_equal(cst_shamir_split(shares, (const unsigned char *)text, len, (unsigned)parts,
	                                  (unsigned)threshold),
	                 CST_OK);
	expect_x_ok(shares, (size_t)parts, len + 1, "vault shape");
	for (size_t t = (size_t)threshold; t <= (size_t)parts; t++) {
		long ok = combine_subsets(shares, (size_t)parts, t, (const unsigned char *)text, len,
		                          &subsets);
		assert_int_equal(subsets, binomial(parts, (long)t));
		assert_int_equal(ok, subsets);
	}
	cst_shamir_shares_free(shares, (size_t)parts);
	for (long long i = 0; i < parts; i++)
		assert_null(shares[i]);
	json_decref(root);
}

static void test_split_subsets(void **state)
{
	(void)state;
	static const unsigned pairs[][2] = {{2, 2}, {3, 2}, {3, 3}, {5, 3}, {6, 4},
	                                    {7, 5}, {8, 8}, {10, 3}, {9, 6}};
	unsigned char secret[32], *shares[CST_SHAMIR_MAX_PARTS];
	long total = 0, below = 0;
	for (size_t p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
		unsigned parts = pairs[p][0], t = pairs[p][1];
		long subsets, ok;
		assert_int_equal(cst_rand_bytes(secret, sizeof(secret)), CST_OK);
		assert_int_equal(cst_shamir_split(shares, secret, sizeof(secret), parts, t), CST_OK);
		expect_x_ok(shares, parts, sizeof(secret) + 1, "split");
		/* Every threshold-sized subset, and every larger one, recovers it. */
		for (unsigned k = t; k <= parts; k++) {
			ok = combine_subsets(shares, parts, k, secret, sizeof(secret), &subsets);
			assert_int_equal(subsets, binomial(parts, k));
			if (ok != subsets)
				fail_msg("(%u, %u): %ld of %ld %u-subsets recovered the secret", parts, t, ok,
				         subsets, k);
			total += subsets;
		}
		/* One share fewer gives a value unrelated to the secret; equal to it
		 * by chance with probability 2^-256 per subset. */
		if (t >= 3) {
			ok = combine_subsets(shares, parts, t - 1, secret, sizeof(secret), &subsets);
			assert_int_equal(subsets, binomial(parts, t - 1));
			if (ok != 0)
				fail_msg("(%u, %u): %ld subsets of %u shares recovered the secret", parts, t,
				         ok, t - 1);
			below += subsets;
		}
		cst_shamir_shares_free(shares, parts);
	}
	print_message("split: %ld subsets at or above threshold, %ld below\n", total, below);
	assert_true(total > 500 && below > 100);
}

/* 255 shares use every x-coordinate; all of them, or any threshold of
 * them, combine. Threshold 255 is the largest polynomial Vault makes. */
static void test_split_max(void **state)
{
	(void)state;
	unsigned char secret[32], out[32], *shares[CST_SHAMIR_MAX_PARTS];
	const unsigned char *pick[CST_SHAMIR_MAX_PARTS];
	static const unsigned thresholds[] = {2, 128, 255};
	assert_int_equal(cst_rand_bytes(secret, sizeof(secret)), CST_OK);
	for (size_t c = 0; c < 3; c++) {
		unsigned t = thresholds[c];
		assert_int_equal(cst_shamir_split(shares, secret, sizeof(secret), 255, t), CST_OK);
		expect_x_ok(shares, 255, sizeof(secret) + 1, "255 shares");
		/* The last t shares, then all of them. */
		for (unsigned i = 0; i < t; i++)
			pick[i] = shares[255 - t + i];
		assert_int_equal(cst_shamir_combine(out, pick, t, sizeof(secret) + 1), CST_OK);
		assert_memory_equal(out, secret, sizeof(secret));
		assert_int_equal(cst_shamir_combine(out, (const unsigned char *const *)shares, 255,
		                                    sizeof(secret) + 1),
		                 CST_OK);
		assert_memory_equal(out, secret, sizeof(secret));
		if (t > 2) {
			assert_int_equal(cst_shamir_combine(out, pick, t - 1, sizeof(secret) + 1), CST_OK);
			assert_memory_not_equal(out, secret, sizeof(secret));
		}
		cst_shamir_shares_free(shares, 255);
	}
}

/* Every byte value survives, including 0x00 and 0xff, in a long secret. */
static void test_split_all_bytes(void **state)
{
	(void)state;
	unsigned char secret[256 * 4], out[sizeof(secret)], *shares[3];
	for (size_t i = 0; i < sizeof(secret); i++)
		secret[i] = (unsigned char)(i * 7);
	assert_int_equal(cst_shamir_split(shares, secret, sizeof(secret), 3, 2), CST_OK);
	const unsigned char *pick[] = {shares[2], shares[0]};
	assert_int_equal(cst_shamir_combine(out, pick, 2, sizeof(secret) + 1), CST_OK);
	assert_memory_equal(out, secret, sizeof(secret));
	cst_shamir_shares_free(shares, 3);
	/* A one-byte secret: shares of two bytes, the smallest combine takes. */
	assert_int_equal(cst_shamir_split(shares, secret + 1, 1, 2, 2), CST_OK);
	assert_int_equal(cst_shamir_combine(out, (const unsigned char *const *)shares, 2, 2), CST_OK);
	assert_int_equal(out[0], secret[1]);
	cst_shamir_shares_free(shares, 2);
}

/* x-coordinates are drawn at random (as Vault's are), not 1..n; the y
 * bytes come from fresh polynomials each time. */
static void test_split_random(void **state)
{
	(void)state;
	unsigned char secret[32] = {0}, *a[5], *b[5];
	int first_is_one = 0, same_xs = 0;
	for (int r = 0; r < 40; r++) {
		assert_int_equal(cst_shamir_split(a, secret, sizeof(secret), 5, 3), CST_OK);
		assert_int_equal(cst_shamir_split(b, secret, sizeof(secret), 5, 3), CST_OK);
		expect_x_ok(a, 5, sizeof(secret) + 1, "random");
		first_is_one += a[0][sizeof(secret)] == 1;
		int same = 1;
		for (int i = 0; i < 5; i++)
			same &= a[i][sizeof(secret)] == b[i][sizeof(secret)];
		same_xs += same;
		/* Same secret, same x or not: the y bytes differ (2^-256). */
		assert_memory_not_equal(a[0], b[0], sizeof(secret));
		cst_shamir_shares_free(a, 5);
		cst_shamir_shares_free(b, 5);
	}
	/* Each would happen by chance with probability below 2^-100. */
	assert_true(first_is_one < 40);
	assert_true(same_xs < 40);
}

static void test_shares_free(void **state)
{
	(void)state;
	unsigned char *shares[3] = {malloc(4), NULL, malloc(1)};
	assert_non_null(shares[0]);
	assert_non_null(shares[2]);
	cst_shamir_shares_free(shares, 3);
	assert_null(shares[0]);
	assert_null(shares[1]);
	assert_null(shares[2]);
	cst_shamir_shares_free(NULL, 3);
	cst_shamir_shares_free(shares, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_vault_cases),
		cmocka_unit_test(test_field_exhaustive),
		cmocka_unit_test(test_split_invalid),
		cmocka_unit_test(test_combine_invalid),
		cmocka_unit_test(test_combine_generated),
		cmocka_unit_test(test_split_vault_shape),
		cmocka_unit_test(test_split_subsets),
		cmocka_unit_test(test_split_max),
		cmocka_unit_test(test_split_all_bytes),
		cmocka_unit_test(test_split_random),
		cmocka_unit_test(test_shares_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
