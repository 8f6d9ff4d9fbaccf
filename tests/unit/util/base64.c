/* base64.c - tests of src/util/base64.c: the RFC 4648 section 10 vectors in
 * both alphabets, round trips of every byte value, and what the strict
 * decoder must refuse (foreign characters, bad padding or length, nonzero
 * unused bits). */
#include "testutil.h"

#include "custos.h"
#include "util/base64.h"

/* RFC 4648 section 10: BASE64("foobar") and its prefixes. */
static const struct {
	const char *in, *out;
} rfc4648[] = {
	{"", ""},
	{"f", "Zg=="},
	{"fo", "Zm8="},
	{"foo", "Zm9v"},
	{"foob", "Zm9vYg=="},
	{"fooba", "Zm9vYmE="},
	{"foobar", "Zm9vYmFy"},
};
#define N_RFC (sizeof(rfc4648) / sizeof(rfc4648[0]))

/* Decodes a NUL-free string; returns the status, output in out/out_len. */
static int decode(unsigned char *out, size_t *out_len, const char *in, int alphabet)
{
	*out_len = (size_t)-1;
	return cst_b64_decode(out, out_len, in, strlen(in), alphabet);
}

static void test_rfc4648_encode(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_RFC; i++) {
		char out[16];
		size_t n = strlen(rfc4648[i].in);
		assert_int_equal(cst_b64_encoded_size(n), strlen(rfc4648[i].out) + 1);
		for (int alpha = CST_B64_STD; alpha <= CST_B64_URL; alpha++) {
			memset(out, 'X', sizeof(out));
			assert_int_equal(cst_b64_encode(out, rfc4648[i].in, n, alpha),
			                 strlen(rfc4648[i].out));
			assert_string_equal(out, rfc4648[i].out);
		}
	}
}

/* Padding is optional but must be right when present. */
static void test_rfc4648_decode(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_RFC; i++) {
		char unpadded[16];
		unsigned char out[16];
		size_t n;
		snprintf(unpadded, sizeof(unpadded), "%s", rfc4648[i].out);
		unpadded[strcspn(unpadded, "=")] = '\0';
		for (int alpha = CST_B64_STD; alpha <= CST_B64_URL; alpha++) {
			assert_int_equal(decode(out, &n, rfc4648[i].out, alpha), CST_OK);
			assert_int_equal(n, strlen(rfc4648[i].in));
			assert_memory_equal(out, rfc4648[i].in, n);
			assert_int_equal(decode(out, &n, unpadded, alpha), CST_OK);
			assert_int_equal(n, strlen(rfc4648[i].in));
			assert_memory_equal(out, rfc4648[i].in, n);
		}
	}
}

/* Bytes fb ef ff fe use the two characters where the alphabets differ
 * (RFC 4648 sections 4 and 5: values 62 and 63 are "+/" or "-_"). */
static void test_alphabets(void **state)
{
	(void)state;
	static const unsigned char raw[] = {0xfb, 0xef, 0xff, 0xfe};
	char out[16];
	unsigned char dec[16];
	size_t n;
	cst_b64_encode(out, raw, sizeof(raw), CST_B64_STD);
	assert_string_equal(out, "++///g==");
	cst_b64_encode(out, raw, sizeof(raw), CST_B64_URL);
	assert_string_equal(out, "--___g==");
	assert_int_equal(decode(dec, &n, "++///g==", CST_B64_STD), CST_OK);
	assert_int_equal(n, sizeof(raw));
	assert_memory_equal(dec, raw, n);
	assert_int_equal(decode(dec, &n, "--___g", CST_B64_URL), CST_OK);
	assert_int_equal(n, sizeof(raw));
	assert_memory_equal(dec, raw, n);
	/* Each alphabet refuses the other's two characters. */
	assert_int_equal(decode(dec, &n, "++//_g==", CST_B64_STD), CST_EINVAL);
	assert_int_equal(decode(dec, &n, "--__", CST_B64_STD), CST_EINVAL);
	assert_int_equal(decode(dec, &n, "++AA", CST_B64_URL), CST_EINVAL);
	assert_int_equal(decode(dec, &n, "AA//", CST_B64_URL), CST_EINVAL);
}

/* All 256 byte values (i*151+7 walks them), each length 0..300, both
 * alphabets; buffers sized as base64.h asks. */
static void test_round_trip(void **state)
{
	(void)state;
	enum { MAX = 300, ENC = (MAX + 2) / 3 * 4 };
	unsigned char raw[MAX], dec[(ENC / 4 + 1) * 3];
	char enc[ENC + 1];
	for (size_t i = 0; i < MAX; i++)
		raw[i] = (unsigned char)(i * 151 + 7);
	for (size_t len = 0; len <= MAX; len++) {
		for (int alpha = CST_B64_STD; alpha <= CST_B64_URL; alpha++) {
			size_t e = cst_b64_encode(enc, raw, len, alpha), n;
			assert_int_equal(e + 1, cst_b64_encoded_size(len));
			assert_int_equal(e % 4, 0);
			assert_int_equal(cst_b64_decode(dec, &n, enc, e, alpha), CST_OK);
			assert_int_equal(n, len);
			assert_memory_equal(dec, raw, len);
		}
	}
}

/* What the strict decoder must refuse, in both alphabets. */
static void test_strict_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		/* characters outside the alphabet, whitespace included */
		"Zm9v!", "Zm9v YmFy", "Zm9v\nYmFy", "Zm9vYmFy\n", " Zm9v", "Zm9v\r\n", "Zm.v",
		"Zm9v\x80", "\xc3\xa9\x41\x41" /* "éAA" in UTF-8 */,
		/* padding: wrong amount, in the middle, without data, too much */
		"Zg=", "Zg===", "Zm8==", "Zm9v=", "Zm9v==", "Z===", "====", "=", "==", "=Zm9",
		"Zg==Zm8=", "Zm=8", "Zm9vYg=", "Zm9vYg===",
		/* a length no byte count produces */
		"Z", "Zm9vY", "Zm9vYmFyZ",
		/* nonzero unused bits: "Zg" is canonical, "Zh".."Zv" are not */
		"Zh==", "Zh", "Zv==", "Zm9=", "Zm9", "Zm+=", "Zm9vYh==",
	};
	unsigned char out[32];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (int alpha = CST_B64_STD; alpha <= CST_B64_URL; alpha++) {
			size_t n;
			if (decode(out, &n, bad[i], alpha) != CST_EINVAL)
				fail_msg("decoded \"%s\" (alphabet %d), want CST_EINVAL", bad[i], alpha);
		}
	}
	/* An embedded NUL is not the end of the input. */
	size_t n;
	assert_int_equal(cst_b64_decode(out, &n, "Zm9v\0AAA", 8, CST_B64_STD), CST_EINVAL);
	assert_int_equal(cst_b64_decode(out, &n, "Zm9v\0AAA", 4, CST_B64_STD), CST_OK);
	assert_int_equal(n, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_encode),
		cmocka_unit_test(test_rfc4648_decode),
		cmocka_unit_test(test_alphabets),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_strict_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
