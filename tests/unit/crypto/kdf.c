/* kdf.c - known-answer tests of src/crypto/kdf.c: SHA-256 (FIPS 180-2),
 * HMAC-SHA256 (RFC 4231, Wycheproof), HKDF-SHA256 (RFC 5869, Wycheproof),
 * PBKDF2-HMAC-SHA256 (RFC 7914, Wycheproof, generated) and scrypt
 * (RFC 7914, generated), plus the parameters each must refuse. */
#include "testutil.h"
#include "vectors.h"

#include "crypto/kdf.h"
#include "custos.h"

#define HMAC_RFC "kdf-mac/hmac_sha256_rfc4231.json"
#define HMAC_WP "kdf-mac/wycheproof_hmac_sha256_test.json"
#define HKDF_RFC "kdf-mac/hkdf_sha256_rfc5869.json"
#define HKDF_WP "kdf-mac/wycheproof_hkdf_sha256_test.json"
#define PBKDF2_RFC "kdf-mac/pbkdf2_hmac_sha256_rfc7914.json"
#define PBKDF2_WP "kdf-mac/wycheproof_pbkdf2_hmacsha256_test.json"
#define PBKDF2_GEN "kdf-mac/pbkdf2_hmac_sha256_generated.json"
#define SCRYPT_RFC "kdf-mac/scrypt_rfc7914.json"
#define SCRYPT_GEN "kdf-mac/scrypt_generated.json"

/* scrypt cases whose 128*N*r bytes reach this are skipped (and counted):
 * with its block buffers, RFC 7914's N=2^20, r=8 case needs just over it. */
#define SCRYPT_MEM_LIMIT (1ull << 30)

/* Password or salt: "<key>_hex" when the fixture has it, else "<key>" as text. */
static struct bytes text_or_hex(const json_t *c, const char *key)
{
	char hex_key[64];
	snprintf(hex_key, sizeof(hex_key), "%s_hex", key);
	if (json_object_get(c, hex_key) != NULL)
		return json_hex(c, hex_key);
	return text_bytes(json_str(c, key));
}

/* ---- SHA-256 ----------------------------------------------------------- */

/* FIPS 180-2 Appendix B examples, typed in from the standard. */
static void test_sha256(void **state)
{
	(void)state;
	static const struct {
		const char *msg, *digest;
	} v[] = {
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unsigned char out[CST_SHA256_LEN];
		struct bytes want = hex_decode(v[i].digest);
		cst_sha256(out, v[i].msg, strlen(v[i].msg));
		expect_bytes(out, &want, "digest", "FIPS 180-2", (long long)i);
		bytes_free(&want);
	}
}

/* ---- HMAC-SHA256 ------------------------------------------------------- */

/* The pre-keyed MAC (cst_mac_key) must give what the one-shot gives, for
 * every key length the vectors have (over 64 bytes: the key is hashed). */
static void expect_keyed_mac(const struct bytes *key, const struct bytes *msg,
                             const unsigned char *want, const char *file, long long id)
{
	cst_mac_key *k = NULL;
	unsigned char out[CST_SHA256_LEN];
	expect_rc(cst_mac_key_new(&k, key->p, key->n), CST_OK, "hmac key", file, id);
	expect_rc(cst_mac_key_sha256(out, k, msg->p, msg->n), CST_OK, "keyed hmac", file, id);
	if (memcmp(out, want, CST_SHA256_LEN) != 0)
		fail_msg("%s case %lld: keyed hmac differs from the one-shot", file, id);
	cst_mac_key_free(k);
}

static void test_hmac_rfc4231(void **state)
{
	(void)state;
	json_t *root = fixture_json(HMAC_RFC), *c;
	size_t i;
	int n = 0;
	json_array_foreach(json_arr(root, "cases"), i, c) {
		long long id = json_int(c, "test_case");
		struct bytes key = json_hex(c, "key_hex"), msg = json_hex(c, "data_hex");
		struct bytes want = json_hex(c, "hmac_sha256_hex");
		json_t *trunc = json_member(c, "truncate_to_bytes");
		if (!json_is_null(trunc))
			want.n = (size_t)json_integer_value(trunc);
		assert_in_range(want.n, 1, CST_SHA256_LEN);
		unsigned char out[CST_SHA256_LEN];
		expect_rc(cst_mac_sha256(out, key.p, key.n, msg.p, msg.n), CST_OK, "hmac", HMAC_RFC, id);
		expect_bytes(out, &want, "hmac", HMAC_RFC, id);
		expect_keyed_mac(&key, &msg, out, HMAC_RFC, id);
		bytes_free(&key), bytes_free(&msg), bytes_free(&want);
		n++;
	}
	print_message("hmac rfc4231: %d cases\n", n);
	assert_int_equal(n, 4);
	json_decref(root);
}

/* Valid cases must match on the first tagSize/8 bytes (truncated MACs);
 * invalid ones (modified tags) must not. */
static void test_hmac_wycheproof(void **state)
{
	(void)state;
	json_t *root = fixture_json(HMAC_WP), *g, *t;
	size_t gi, ti;
	int valid = 0, invalid = 0;
	json_array_foreach(json_arr(root, "testGroups"), gi, g) {
		size_t tag_len = (size_t)json_int(g, "tagSize") / 8;
		assert_in_range(tag_len, 1, CST_SHA256_LEN);
		json_array_foreach(json_arr(g, "tests"), ti, t) {
			long long id = json_int(t, "tcId");
			struct bytes key = json_hex(t, "key"), msg = json_hex(t, "msg");
			struct bytes tag = json_hex(t, "tag");
			const char *result = json_str(t, "result");
			unsigned char out[CST_SHA256_LEN];
			assert_int_equal(key.n * 8, json_int(g, "keySize"));
			expect_rc(cst_mac_sha256(out, key.p, key.n, msg.p, msg.n), CST_OK, "hmac",
			          HMAC_WP, id);
			expect_keyed_mac(&key, &msg, out, HMAC_WP, id);
			int match = tag.n == tag_len && memcmp(out, tag.p, tag_len) == 0;
			if (strcmp(result, "valid") == 0) {
				valid++;
				if (!match)
					fail_msg("%s case %lld: valid tag does not match", HMAC_WP, id);
			} else if (strcmp(result, "invalid") == 0) {
				invalid++;
				if (match)
					fail_msg("%s case %lld: invalid tag matches", HMAC_WP, id);
			} else {
				fail_msg("%s case %lld: unexpected result \"%s\"", HMAC_WP, id, result);
			}
			bytes_free(&key), bytes_free(&msg), bytes_free(&tag);
		}
	}
	print_message("hmac wycheproof: %d valid, %d invalid\n", valid, invalid);
	assert_int_equal(valid + invalid, json_int(root, "numberOfTests"));
	assert_int_equal(valid, 33);
	assert_int_equal(invalid, 54);
	json_decref(root);
}

/* ---- HKDF-SHA256 ------------------------------------------------------- */

/* RFC 5869: checks the OKM, and the PRK as HMAC(salt, IKM) (the extract
 * step the RFC publishes). */
static void test_hkdf_rfc5869(void **state)
{
	(void)state;
	json_t *root = fixture_json(HKDF_RFC), *c;
	size_t i;
	int n = 0;
	json_array_foreach(json_arr(root, "cases"), i, c) {
		struct bytes ikm = json_hex(c, "ikm_hex"), salt = json_hex(c, "salt_hex");
		struct bytes info = json_hex(c, "info_hex"), okm = json_hex(c, "okm_hex");
		struct bytes prk = json_hex(c, "prk_hex");
		assert_int_equal(okm.n, json_int(c, "length"));
		unsigned char *out = malloc(okm.n), prk_out[CST_SHA256_LEN];
		assert_non_null(out);
		expect_rc(cst_kdf_hkdf_sha256(out, okm.n, ikm.p, ikm.n, salt.p, salt.n, info.p, info.n),
		          CST_OK, "hkdf", HKDF_RFC, (long long)i);
		expect_bytes(out, &okm, "okm", HKDF_RFC, (long long)i);
		expect_rc(cst_mac_sha256(prk_out, salt.p, salt.n, ikm.p, ikm.n), CST_OK, "extract",
		          HKDF_RFC, (long long)i);
		expect_bytes(prk_out, &prk, "prk", HKDF_RFC, (long long)i);
		free(out);
		bytes_free(&ikm), bytes_free(&salt), bytes_free(&info), bytes_free(&okm);
		bytes_free(&prk);
		n++;
	}
	print_message("hkdf rfc5869: %d cases\n", n);
	assert_int_equal(n, 1);
	json_decref(root);
}

/* Invalid cases ask for more than 255*32 bytes and must fail. */
static void test_hkdf_wycheproof(void **state)
{
	(void)state;
	json_t *root = fixture_json(HKDF_WP), *g, *t;
	size_t gi, ti;
	int valid = 0, invalid = 0;
	json_array_foreach(json_arr(root, "testGroups"), gi, g) {
		json_array_foreach(json_arr(g, "tests"), ti, t) {
			long long id = json_int(t, "tcId");
			struct bytes ikm = json_hex(t, "ikm"), salt = json_hex(t, "salt");
			struct bytes info = json_hex(t, "info"), okm = json_hex(t, "okm");
			size_t size = (size_t)json_int(t, "size");
			const char *result = json_str(t, "result");
			unsigned char *out = malloc(size);
			assert_non_null(out);
			int rc = cst_kdf_hkdf_sha256(out, size, ikm.p, ikm.n, salt.p, salt.n, info.p,
			                             info.n);
			if (strcmp(result, "valid") == 0) {
				valid++;
				expect_rc(rc, CST_OK, "hkdf", HKDF_WP, id);
				assert_int_equal(okm.n, size);
				expect_bytes(out, &okm, "okm", HKDF_WP, id);
			} else if (strcmp(result, "invalid") == 0) {
				invalid++;
				assert_true(size > 255 * CST_SHA256_LEN);
				expect_rc(rc, CST_EINVAL, "hkdf of an oversized output", HKDF_WP, id);
			} else {
				fail_msg("%s case %lld: unexpected result \"%s\"", HKDF_WP, id, result);
			}
			free(out);
			bytes_free(&ikm), bytes_free(&salt), bytes_free(&info), bytes_free(&okm);
		}
	}
	print_message("hkdf wycheproof: %d valid, %d invalid\n", valid, invalid);
	assert_int_equal(valid + invalid, json_int(root, "numberOfTests"));
	assert_int_equal(valid, 41);
	assert_int_equal(invalid, 2);
	json_decref(root);
}

/* ---- PBKDF2-HMAC-SHA256 ------------------------------------------------ */

/* Runs the "cases" of an RFC or generated file; returns how many. */
static int pbkdf2_cases(const char *file)
{
	json_t *root = fixture_json(file), *c;
	size_t i;
	json_array_foreach(json_arr(root, "cases"), i, c) {
		struct bytes pass = text_or_hex(c, "password"), salt = text_or_hex(c, "salt");
		struct bytes dk = json_hex(c, "dk_hex");
		long long iter = json_int(c, "iterations");
		assert_int_equal(dk.n, json_int(c, "dk_len"));
		assert_in_range(iter, 1, UINT32_MAX);
		unsigned char *out = malloc(dk.n);
		assert_non_null(out);
		expect_rc(cst_kdf_pbkdf2_sha256(out, dk.n, pass.p, pass.n, salt.p, salt.n,
		                                (uint32_t)iter),
		          CST_OK, "pbkdf2", file, (long long)i);
		expect_bytes(out, &dk, "dk", file, (long long)i);
		free(out);
		bytes_free(&pass), bytes_free(&salt), bytes_free(&dk);
	}
	int n = (int)json_array_size(json_arr(root, "cases"));
	json_decref(root);
	return n;
}

static void test_pbkdf2_rfc7914_generated(void **state)
{
	(void)state;
	int rfc = pbkdf2_cases(PBKDF2_RFC), gen = pbkdf2_cases(PBKDF2_GEN);
	print_message("pbkdf2: %d rfc7914, %d generated\n", rfc, gen);
	assert_int_equal(rfc, 1);
	assert_int_equal(gen, 6);
}

static void test_pbkdf2_wycheproof(void **state)
{
	(void)state;
	json_t *root = fixture_json(PBKDF2_WP), *g, *t;
	size_t gi, ti;
	int valid = 0;
	json_array_foreach(json_arr(root, "testGroups"), gi, g) {
		json_array_foreach(json_arr(g, "tests"), ti, t) {
			long long id = json_int(t, "tcId");
			struct bytes pass = json_hex(t, "password"), salt = json_hex(t, "salt");
			struct bytes dk = json_hex(t, "dk");
			long long iter = json_int(t, "iterationCount");
			/* Every case in this file is valid; anything else needs a rule. */
			if (strcmp(json_str(t, "result"), "valid") != 0)
				fail_msg("%s case %lld: unexpected result", PBKDF2_WP, id);
			assert_int_equal(dk.n, json_int(t, "dkLen"));
			assert_in_range(iter, 1, UINT32_MAX);
			unsigned char *out = malloc(dk.n);
			assert_non_null(out);
			expect_rc(cst_kdf_pbkdf2_sha256(out, dk.n, pass.p, pass.n, salt.p, salt.n,
			                                (uint32_t)iter),
			          CST_OK, "pbkdf2", PBKDF2_WP, id);
			expect_bytes(out, &dk, "dk", PBKDF2_WP, id);
			free(out);
			bytes_free(&pass), bytes_free(&salt), bytes_free(&dk);
			valid++;
		}
	}
	print_message("pbkdf2 wycheproof: %d valid\n", valid);
	assert_int_equal(valid, json_int(root, "numberOfTests"));
	assert_int_equal(valid, 30);
	json_decref(root);
}

static void test_pbkdf2_refuses(void **state)
{
	(void)state;
	unsigned char out[32];
	assert_int_equal(cst_kdf_pbkdf2_sha256(out, sizeof(out), "pw", 2, "salt", 4, 0), CST_EINVAL);
}

/* ---- scrypt ------------------------------------------------------------ */

struct scrypt_tally {
	int run, skipped;
};

static void scrypt_cases(const char *file, struct scrypt_tally *n)
{
	json_t *root = fixture_json(file), *c;
	size_t i;
	json_array_foreach(json_arr(root, "cases"), i, c) {
		long long N = json_int(c, "N"), r = json_int(c, "r"), p = json_int(c, "p");
		assert_in_range(N, 2, INT64_MAX);
		assert_in_range(r, 1, UINT32_MAX);
		assert_in_range(p, 1, UINT32_MAX);
		if ((unsigned long long)N >= SCRYPT_MEM_LIMIT / 128 / (unsigned long long)r) {
			n->skipped++;
			continue;
		}
		struct bytes pass = text_or_hex(c, "password"), salt = text_or_hex(c, "salt");
		struct bytes dk = json_hex(c, "dk_hex");
		assert_int_equal(dk.n, json_int(c, "dk_len"));
		unsigned char *out = malloc(dk.n);
		assert_non_null(out);
		expect_rc(cst_kdf_scrypt(out, dk.n, pass.p, pass.n, salt.p, salt.n, (uint64_t)N,
		                         (uint32_t)r, (uint32_t)p),
		          CST_OK, "scrypt", file, (long long)i);
		expect_bytes(out, &dk, "dk", file, (long long)i);
		free(out);
		bytes_free(&pass), bytes_free(&salt), bytes_free(&dk);
		n->run++;
	}
	json_decref(root);
}

static void test_scrypt(void **state)
{
	(void)state;
	struct scrypt_tally rfc = {0, 0}, gen = {0, 0};
	scrypt_cases(SCRYPT_RFC, &rfc);
	scrypt_cases(SCRYPT_GEN, &gen);
	print_message("scrypt: rfc7914 %d run, %d skipped (>1 GiB); generated %d run, %d skipped\n",
	              rfc.run, rfc.skipped, gen.run, gen.skipped);
	assert_int_equal(rfc.run, 2);
	assert_int_equal(gen.run, 6);
	assert_int_equal(rfc.skipped + gen.skipped, 0);
}

/* Bad shapes and costs over 1 GiB are refused before any memory is used,
 * including products that wrap around 64 bits. */
static void test_scrypt_refuses(void **state)
{
	(void)state;
	static const struct {
		uint64_t N;
		uint32_t r, p;
	} bad[] = {
		{0, 8, 1},           {1, 8, 1},       {3, 8, 1},         {1000, 8, 1},
		{16, 0, 1},          {16, 8, 0},      {1ull << 21, 8, 1}, {1ull << 24, 1, 1},
		{1ull << 62, 4, 1},  {1ull << 63, 2, 1},
	};
	unsigned char out[32];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_rc(cst_kdf_scrypt(out, sizeof(out), "pw", 2, "salt", 4, bad[i].N, bad[i].r,
		                         bad[i].p),
		          CST_EINVAL, "scrypt with bad parameters", "refusals", (long long)i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_hmac_wycheproof),
		cmocka_unit_test(test_hkdf_rfc5869),
		cmocka_unit_test(test_hkdf_wycheproof),
		cmocka_unit_test(test_pbkdf2_rfc7914_generated),
		cmocka_unit_test(test_pbkdf2_wycheproof),
		cmocka_unit_test(test_pbkdf2_refuses),
		cmocka_unit_test(test_scrypt),
		cmocka_unit_test(test_scrypt_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
