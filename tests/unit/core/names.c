/* names.c - tests of src/core/names.c, the secret-name grammar: segments of
 * [A-Za-z0-9._-] joined by '/', no empty, "." or ".." segment, at most
 * CST_NAME_MAX bytes, with the length given explicitly (so a NUL inside is
 * just another refused byte). cst_name_check_prefix also takes the empty
 * string and one trailing '/', the folder form used by list. */
#include "testutil.h"

#include "core/error.h"
#include "core/names.h"
#include "custos.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int check(const char *s)
{
	return cst_name_check(s, strlen(s));
}

static int check_prefix(const char *s)
{
	return cst_name_check_prefix(s, strlen(s));
}

/* A name of len bytes: `fill` repeated, with '/' at every `slash_every`th
 * byte (0: none). Caller frees. */
static char *make_name(size_t len, char fill, size_t slash_every)
{
	char *s = malloc(len + 1);
	assert_non_null(s);
	for (size_t i = 0; i < len; i++)
		s[i] = (slash_every && i % slash_every == slash_every - 1) ? '/' : fill;
	s[len] = '\0';
	return s;
}

static void test_accepts(void **state)
{
	(void)state;
	static const char *const good[] = {
		"a", "Z", "0", "-", "_", "openai/prod", "a.b-c_d/e", "a/b/c/d", "A-Z_0.9",
		"...", ".a", "a.", "..a", "a..", "x/.hidden", "v1.2.3/x-y_z",
	};
	for (size_t i = 0; i < N(good); i++) {
		int rc = check(good[i]);
		if (rc != CST_OK)
			fail_msg("\"%s\" refused: %s", good[i], cst_errmsg());
	}
}

static void test_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",      "/",     "/a",     "a/",    "a//b",   "//",     ".",      "..",
		"a/./b", "a/../b", "./a",   "../a",  "a/.",    "a/..",   "a b",    " a",
		"a ",    "a\\b",  "\xc3\xa9", "caf\xc3\xa9", "a\tb", "a\nb", "a:b", "a*",
		"a?",    "a%2fb", "~",      "a@b",   "a+b",    "a#b",    "\x7f",   "\xff",
	};
	for (size_t i = 0; i < N(bad); i++) {
		cst_error_clear();
		int rc = check(bad[i]);
		if (rc != CST_EINVAL)
			fail_msg("bad name #%zu (\"%s\") gave %d, want CST_EINVAL", i, bad[i], rc);
		assert_true(cst_errmsg()[0] != '\0'); /* says why */
	}
}

/* Each byte value between two letters: only the grammar's characters and
 * the separator pass. */
static void test_every_byte(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		char s[3] = {'x', (char)c, 'x'};
		int allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/';
		int rc = cst_name_check(s, sizeof(s));
		if (rc != (allowed ? CST_OK : CST_EINVAL))
			fail_msg("byte 0x%02x: got %d", c, rc);
	}
}

static void test_length_limit(void **state)
{
	(void)state;
	char *s = make_name(CST_NAME_MAX, 'a', 0);
	assert_int_equal(check(s), CST_OK);
	free(s);
	s = make_name(CST_NAME_MAX, 'b', 2); /* "b/b/.../b/bb": 512 bytes, 256 segments */
	s[CST_NAME_MAX - 1] = 'b';
	assert_int_equal(check(s), CST_OK);
	free(s);
	s = make_name(CST_NAME_MAX + 1, 'a', 0);
	assert_int_equal(check(s), CST_EINVAL);
	free(s);
	s = make_name(CST_NAME_MAX + 1, 'c', 10);
	s[CST_NAME_MAX] = 'c';
	assert_int_equal(check(s), CST_EINVAL);
	free(s);
	s = make_name(100000, 'a', 0);
	assert_int_equal(check(s), CST_EINVAL);
	free(s);
}

/* The length is what counts, not the NUL: bytes past a NUL are checked, and
 * a NUL itself is refused. */
static void test_embedded_nul(void **state)
{
	(void)state;
	assert_int_equal(cst_name_check("a\0b", 3), CST_EINVAL);
	assert_int_equal(cst_name_check("ab\0", 3), CST_EINVAL);
	assert_int_equal(cst_name_check("\0", 1), CST_EINVAL);
	assert_int_equal(cst_name_check("a/\0/b", 5), CST_EINVAL);
	assert_int_equal(cst_name_check_prefix("a/\0", 3), CST_EINVAL);
	/* And bytes after len are not looked at (ASan would see an over-read
	 * of this unterminated array). */
	const char unterminated[3] = {'a', 'b', 'c'};
	assert_int_equal(cst_name_check(unterminated, sizeof(unterminated)), CST_OK);
	assert_int_equal(cst_name_check("ab/", 2), CST_OK);
	assert_int_equal(cst_name_check("a b", 1), CST_OK);
}

static void test_prefix(void **state)
{
	(void)state;
	static const char *const good[] = {"", "a", "a/", "a/b", "a/b/", "openai/", "x.y/z-1/"};
	for (size_t i = 0; i < N(good); i++)
		if (check_prefix(good[i]) != CST_OK)
			fail_msg("prefix \"%s\" refused: %s", good[i], cst_errmsg());
	static const char *const bad[] = {
		"/", "//", "a//", "/a/", "a//b/", "./", "../", "a/./", "a/../", " /", "a /", "\xc3\xa9/",
	};
	for (size_t i = 0; i < N(bad); i++)
		if (check_prefix(bad[i]) != CST_EINVAL)
			fail_msg("prefix \"%s\" accepted", bad[i]);

	/* The limit applies to the whole prefix, its '/' included. */
	char *s = make_name(CST_NAME_MAX, 'a', 0);
	s[CST_NAME_MAX - 1] = '/';
	assert_int_equal(check_prefix(s), CST_OK);
	free(s);
	s = make_name(CST_NAME_MAX + 1, 'a', 0);
	s[CST_NAME_MAX] = '/';
	assert_int_equal(check_prefix(s), CST_EINVAL);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),      cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_every_byte),   cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_embedded_nul), cmocka_unit_test(test_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
