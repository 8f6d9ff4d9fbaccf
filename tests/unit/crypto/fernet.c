/* fernet.c - known-answer tests of src/crypto/fernet.c against tokens made
 * with pyca/cryptography (tests/fixtures/fernet): generation with fixed IVs
 * and times, verification with TTLs, and every invalid case pyca refuses;
 * plus round trips, key decoding and single-byte tampering. */
#include "testutil.h"
#include "vectors.h"

#include "crypto/fernet.h"
#include "custos.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/timefmt.h"

#define GEN "fernet/generate_illustrative.json"
#define VERIFY "fernet/verify_illustrative.json"
#define INVALID "fernet/invalid_illustrative.json"

static void case_key(unsigned char key[CST_FERNET_KEY_LEN], const json_t *c)
{
	const char *s = json_str(c, "secret");
	if (cst_fernet_key_decode(key, s, strlen(s)) != CST_OK)
		fail_msg("fixture key does not decode: %s", cst_errmsg());
}

static int64_t case_now(const json_t *c)
{
	int64_t ns = 0;
	if (cst_time_parse(&ns, json_str(c, "now")) != CST_OK)
		fail_msg("fixture time does not parse");
	return ns / 1000000000;
}

static void test_generate(void **state)
{
	(void)state;
	json_t *root = fixture_json(GEN);
	size_t i;
	json_t *c;
	assert_true(json_array_size(root) >= 6);
	json_array_foreach(root, i, c) {
		unsigned char key[CST_FERNET_KEY_LEN], iv[CST_FERNET_IV_LEN];
		json_t *ivs = json_arr(c, "iv");
		assert_int_equal(json_array_size(ivs), CST_FERNET_IV_LEN);
		for (size_t k = 0; k < CST_FERNET_IV_LEN; k++)
			iv[k] = (unsigned char)json_integer_value(json_array_get(ivs, k));
		case_key(key, c);
		const char *src = json_str(c, "src");
		cst_buf tok = CST_BUF_INIT, pt = CST_BUF_INIT;
		expect_rc(cst_fernet_encrypt(&tok, key, src, strlen(src), case_now(c), iv), CST_OK,
		          "encrypt", GEN, (long long)i);
		if (strcmp(tok.ptr, json_str(c, "token")) != 0)
			fail_msg("%s case %zu: token %s, want %s", GEN, i, tok.ptr, json_str(c, "token"));
		/* And it opens again, with no TTL (pyca: no time check at all). */
		expect_rc(cst_fernet_decrypt(&pt, key, tok.ptr, tok.len, -1, 0), CST_OK, "decrypt", GEN,
		          (long long)i);
		assert_int_equal(pt.len, strlen(src));
		assert_memory_equal(pt.ptr ? pt.ptr : "", src, pt.len);
		cst_buf_release(&tok);
		cst_buf_release(&pt);
	}
	json_decref(root);
}

static void test_verify(void **state)
{
	(void)state;
	json_t *root = fixture_json(VERIFY);
	size_t i;
	json_t *c;
	json_array_foreach(root, i, c) {
		unsigned char key[CST_FERNET_KEY_LEN];
		case_key(key, c);
		const char *tok = json_str(c, "token"), *src = json_str(c, "src");
		cst_buf pt = CST_BUF_INIT;
		expect_rc(cst_fernet_decrypt(&pt, key, tok, strlen(tok), json_int(c, "ttl_sec"),
		                             case_now(c)),
		          CST_OK, "decrypt", VERIFY, (long long)i);
		assert_int_equal(pt.len, strlen(src));
		assert_memory_equal(pt.ptr ? pt.ptr : "", src, pt.len);
		cst_buf_release(&pt);
	}
	json_decref(root);
}

static void test_invalid(void **state)
{
	(void)state;
	json_t *root = fixture_json(INVALID);
	size_t i;
	json_t *c;
	assert_true(json_array_size(root) >= 13);
	json_array_foreach(root, i, c) {
		unsigned char key[CST_FERNET_KEY_LEN];
		case_key(key, c);
		const char *tok = json_str(c, "token");
		cst_buf pt = CST_BUF_INIT;
		int rc = cst_fernet_decrypt(&pt, key, tok, strlen(tok), json_int(c, "ttl_sec"),
		                            case_now(c));
		if (rc != CST_EINTEGRITY)
			fail_msg("%s case %zu (%s): accepted or wrong code %d", INVALID, i,
			         json_str(c, "desc"), rc);
		assert_int_equal(pt.len, 0);
		cst_buf_release(&pt);
	}
	json_decref(root);
}

/* pyca's window: age <= ttl passes, ttl + 1 fails; 60 s ahead passes, 61 fails. */
static void test_ttl_edges(void **state)
{
	(void)state;
	unsigned char key[CST_FERNET_KEY_LEN] = {1, 2, 3};
	cst_buf tok = CST_BUF_INIT, pt = CST_BUF_INIT;
	const int64_t t = 1700000000;
	assert_int_equal(cst_fernet_encrypt(&tok, key, "x", 1, t, NULL), CST_OK);
	assert_int_equal(cst_fernet_decrypt(&pt, key, tok.ptr, tok.len, 100, t + 100), CST_OK);
	assert_int_equal(cst_fernet_decrypt(&pt, key, tok.ptr, tok.len, 100, t + 101), CST_EINTEGRITY);
	assert_int_equal(cst_fernet_decrypt(&pt, key, tok.ptr, tok.len, 100, t - 60), CST_OK);
	assert_int_equal(cst_fernet_decrypt(&pt, key, tok.ptr, tok.len, 100, t - 61), CST_EINTEGRITY);
	/* Without a TTL neither age nor skew matters, as in pyca. */
	assert_int_equal(cst_fernet_decrypt(&pt, key, tok.ptr, tok.len, -1, t + 999999), CST_OK);
	assert_int_equal(cst_fernet_decrypt(&pt, key, tok.ptr, tok.len, -1, t - 999999), CST_OK);
	cst_buf_release(&tok);
	cst_buf_release(&pt);
}

/* Every single-byte change of a token's bytes is refused. */
static void test_tamper_every_byte(void **state)
{
	(void)state;
	unsigned char key[CST_FERNET_KEY_LEN] = {9}, other[CST_FERNET_KEY_LEN] = {8};
	cst_buf tok = CST_BUF_INIT, pt = CST_BUF_INIT;
	assert_int_equal(cst_fernet_encrypt(&tok, key, "attack at dawn", 14, 1600000000, NULL), CST_OK);
	assert_int_equal(cst_fernet_decrypt(&pt, other, tok.ptr, tok.len, -1, 0), CST_EINTEGRITY);
	/* Work on the raw bytes: flip one bit of each, re-encode. */
	unsigned char raw[256];
	size_t n = 0;
	char enc[400];
	assert_int_equal(cst_b64_decode(raw, &n, tok.ptr, tok.len, CST_B64_URL), CST_OK);
	for (size_t i = 0; i < n; i++) {
		raw[i] ^= 0x01;
		size_t el = cst_b64_encode(enc, raw, n, CST_B64_URL);
		if (cst_fernet_decrypt(&pt, key, enc, el, -1, 0) != CST_EINTEGRITY)
			fail_msg("a flipped bit at byte %zu was accepted", i);
		assert_int_equal(pt.len, 0);
		raw[i] ^= 0x01;
	}
	/* Truncated by one byte and by a whole block. */
	size_t el = cst_b64_encode(enc, raw, n - 1, CST_B64_URL);
	assert_int_equal(cst_fernet_decrypt(&pt, key, enc, el, -1, 0), CST_EINTEGRITY);
	el = cst_b64_encode(enc, raw, n - 16, CST_B64_URL);
	assert_int_equal(cst_fernet_decrypt(&pt, key, enc, el, -1, 0), CST_EINTEGRITY);
	cst_buf_release(&tok);
	cst_buf_release(&pt);
}

static void test_roundtrip_sizes(void **state)
{
	(void)state;
	unsigned char key[CST_FERNET_KEY_LEN] = {0x42};
	char msg[100];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (char)('a' + i % 26);
	for (size_t n = 0; n <= sizeof(msg); n++) {
		cst_buf tok = CST_BUF_INIT, pt = CST_BUF_INIT;
		assert_int_equal(cst_fernet_encrypt(&tok, key, msg, n, 1, NULL), CST_OK);
		assert_int_equal(cst_fernet_decrypt(&pt, key, tok.ptr, tok.len, -1, 0), CST_OK);
		assert_int_equal(pt.len, n);
		if (n)
			assert_memory_equal(pt.ptr, msg, n);
		cst_buf_release(&tok);
		cst_buf_release(&pt);
	}
}

static void test_key_decode(void **state)
{
	(void)state;
	unsigned char key[CST_FERNET_KEY_LEN];
	const char *good = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
	assert_int_equal(cst_fernet_key_decode(key, good, strlen(good)), CST_OK);
	assert_int_equal(key[31], 31);
	assert_int_equal(cst_fernet_key_decode(key, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n", 44),
	                 CST_OK); /* no padding, trailing newline */
	static const char *const bad[] = {
		"", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", /* 31 bytes */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==", /* 34 bytes */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+=",     /* standard alphabet */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cst_fernet_key_decode(key, bad[i], strlen(bad[i])), CST_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate),       cmocka_unit_test(test_verify),
		cmocka_unit_test(test_invalid),        cmocka_unit_test(test_ttl_edges),
		cmocka_unit_test(test_tamper_every_byte), cmocka_unit_test(test_roundtrip_sizes),
		cmocka_unit_test(test_key_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
