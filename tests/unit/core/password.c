/* password.c - tests of src/core/password.c: scrypt records with their
 * cost, the constant-time check, refusals, damaged records, the unknown
 * user path, and the rehash signal when the default cost changes. */
#include "core/password.h"
#include "crypto/kdf.h"
#include "custos.h"
#include "util/base64.h"

#include "testutil.h"

static void test_hash_and_verify(void **state)
{
	(void)state;
	setenv("CUSTOS_PASSWORD_LOG_N", "10", 1);
	json_t *rec = NULL;
	int ok = -1;
	assert_int_equal(cst_password_hash(&rec, "correct horse", 13), CST_OK);
	assert_string_equal(json_string_value(json_object_get(rec, "alg")), "scrypt");
	assert_int_equal(json_integer_value(json_object_get(rec, "log_n")), 10);
	assert_int_equal(json_integer_value(json_object_get(rec, "r")), 8);
	assert_int_equal(json_integer_value(json_object_get(rec, "p")), 1);
	assert_int_equal(cst_password_verify(&ok, rec, "correct horse", 13), CST_OK);
	assert_int_equal(ok, 1);
	assert_int_equal(cst_password_verify(&ok, rec, "correct hors", 12), CST_OK);
	assert_int_equal(ok, 0);
	assert_int_equal(cst_password_verify(&ok, rec, "correct horsf", 13), CST_OK);
	assert_int_equal(ok, 0);
	/* The record is scrypt of the password under its salt, nothing else. */
	unsigned char salt[32], want[32], got[32];
	size_t salt_len = 0, want_len = 0;
	const char *s = json_string_value(json_object_get(rec, "salt"));
	const char *h = json_string_value(json_object_get(rec, "hash"));
	assert_int_equal(cst_b64_decode(salt, &salt_len, s, strlen(s), CST_B64_STD), CST_OK);
	assert_int_equal(salt_len, 16);
	assert_int_equal(cst_b64_decode(want, &want_len, h, strlen(h), CST_B64_STD), CST_OK);
	assert_int_equal(cst_kdf_scrypt(got, 32, "correct horse", 13, salt, salt_len, 1024, 8, 1), CST_OK);
	assert_memory_equal(got, want, 32);
	/* Two hashes of one password differ (random salts). */
	json_t *rec2 = NULL;
	assert_int_equal(cst_password_hash(&rec2, "correct horse", 13), CST_OK);
	assert_string_not_equal(json_string_value(json_object_get(rec2, "salt")), s);
	json_decref(rec2);
	json_decref(rec);
}

static void test_refusals_and_damage(void **state)
{
	(void)state;
	setenv("CUSTOS_PASSWORD_LOG_N", "10", 1);
	json_t *rec = NULL;
	int ok = -1;
	char big[CST_PASSWORD_MAX + 2];
	memset(big, 'a', sizeof(big));
	assert_int_equal(cst_password_hash(&rec, "", 0), CST_EINVAL);
	assert_null(rec);
	assert_int_equal(cst_password_hash(&rec, big, sizeof(big)), CST_EINVAL);
	assert_int_equal(cst_password_hash(&rec, big, CST_PASSWORD_MAX), CST_OK);
	assert_int_equal(cst_password_verify(&ok, rec, big, CST_PASSWORD_MAX), CST_OK);
	assert_int_equal(ok, 1);
	/* Damaged records are integrity failures, never a match. */
	static const char *const fields[] = {"alg", "salt", "hash", "log_n", "r", "p"};
	for (size_t i = 0; i < 6; i++) {
		json_t *bad = json_deep_copy(rec);
		json_object_set_new(bad, fields[i], i < 3 ? json_string("x") : json_integer(99));
		ok = -1;
		assert_int_equal(cst_password_verify(&ok, bad, big, CST_PASSWORD_MAX), CST_EINTEGRITY);
		assert_int_equal(ok, 0);
		json_decref(bad);
	}
	json_decref(rec);
}

static void test_unknown_user_and_outdated(void **state)
{
	(void)state;
	setenv("CUSTOS_PASSWORD_LOG_N", "10", 1);
	int ok = -1;
	assert_int_equal(cst_password_verify(&ok, NULL, "anything", 8), CST_OK);
	assert_int_equal(ok, 0);
	json_t *rec = NULL;
	assert_int_equal(cst_password_hash(&rec, "pw", 2), CST_OK);
	assert_false(cst_password_outdated(rec));
	setenv("CUSTOS_PASSWORD_LOG_N", "11", 1);
	assert_int_equal(cst_password_log_n(), 11);
	assert_true(cst_password_outdated(rec));
	/* The stored cost still verifies. */
	assert_int_equal(cst_password_verify(&ok, rec, "pw", 2), CST_OK);
	assert_int_equal(ok, 1);
	setenv("CUSTOS_PASSWORD_LOG_N", "99", 1); /* out of range: the default */
	assert_int_equal(cst_password_log_n(), CST_PASSWORD_LOG_N);
	unsetenv("CUSTOS_PASSWORD_LOG_N");
	assert_int_equal(cst_password_log_n(), 15);
	json_decref(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_and_verify),
		cmocka_unit_test(test_refusals_and_damage),
		cmocka_unit_test(test_unknown_user_and_outdated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
