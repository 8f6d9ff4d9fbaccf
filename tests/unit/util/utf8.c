/* utf8.c - tests of src/util/utf8.c: well-formedness (overlongs,
 * surrogates, past U+10FFFF, cut sequences), and the two helpers that keep
 * a truncated copy whole: cst_utf8_trim and cst_utf8_prefix. */
#include "testutil.h"

#include "custos.h"
#include "util/utf8.h"

static void test_valid(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int ok;
		size_t bad_at;
	} cases[] = {
		{"plain", 1, 0},
		{"caf\xc3\xa9", 1, 0},
		{"\xe2\x82\xac \xf0\x9f\x94\x91", 1, 0}, /* euro sign, key emoji */
		{"\xc0\xaf", 0, 0},                      /* overlong '/' */
		{"ab\xed\xa0\x80", 0, 2},                /* a surrogate */
		{"\xf4\x90\x80\x80", 0, 0},              /* past U+10FFFF */
		{"ok\xc3", 0, 2},                        /* cut */
		{"\x80", 0, 0},                          /* a lone continuation byte */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t bad = 99;
		int ok = cst_utf8_valid((const unsigned char *)cases[i].s, strlen(cases[i].s), &bad);
		assert_int_equal(ok, cases[i].ok);
		if (!ok)
			assert_int_equal(bad, cases[i].bad_at);
	}
}

static void test_trim(void **state)
{
	(void)state;
	char a[] = "name\xc3";          /* e-acute cut after its first byte */
	assert_int_equal(cst_utf8_trim(a), 4);
	assert_string_equal(a, "name");
	char b[] = "caf\xc3\xa9";       /* whole: unchanged */
	assert_int_equal(cst_utf8_trim(b), 5);
	char c[] = "\xf0\x9f\x94";      /* three of four bytes */
	assert_int_equal(cst_utf8_trim(c), 0);
	char d[6];
	memcpy(d, "abcd\xc3", 5); /* what a 6-byte field keeps of "abcd" e-acute */
	d[5] = '\0';
	assert_int_equal(cst_utf8_trim(d), 4);
}

static void test_prefix(void **state)
{
	(void)state;
	const char *s = "ab\xc3\xa9" "cd"; /* a b e-acute c d: 6 bytes */
	assert_int_equal(cst_utf8_prefix(s, 0), 0);
	assert_int_equal(cst_utf8_prefix(s, 2), 2);
	assert_int_equal(cst_utf8_prefix(s, 3), 2); /* not inside the character */
	assert_int_equal(cst_utf8_prefix(s, 4), 4);
	assert_int_equal(cst_utf8_prefix(s, 6), 6);
	assert_int_equal(cst_utf8_prefix(s, 60), 6);
	const char *k = "\xf0\x9f\x94\x91!"; /* a 4-byte character first */
	for (size_t n = 1; n < 4; n++)
		assert_int_equal(cst_utf8_prefix(k, n), 0);
	assert_int_equal(cst_utf8_prefix(k, 4), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
