/* vectors.h - helpers for the known-answer tests in this folder: hex
 * decoding, loading JSON fixtures with jansson, and comparing results with
 * the case named in the failure message. Include after testutil.h. */
#ifndef CST_TEST_VECTORS_H
#define CST_TEST_VECTORS_H

#include <jansson.h>

/* A decoded byte string. p is never NULL (one spare byte is allocated), so
 * an empty value is still a valid pointer; owned, release with bytes_free. */
struct bytes {
	unsigned char *p;
	size_t n;
};

static inline int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes len hex digits; a malformed fixture fails the running test. */
static inline struct bytes hex_decode_n(const char *hex, size_t len)
{
	struct bytes b = {NULL, len / 2};
	if (len % 2 != 0)
		fail_msg("odd-length hex in fixture: %.40s", hex);
	b.p = malloc(b.n + 1);
	assert_non_null(b.p);
	for (size_t i = 0; i < b.n; i++) {
		int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			fail_msg("bad hex in fixture: %.40s", hex);
		b.p[i] = (unsigned char)(hi << 4 | lo);
	}
	return b;
}

static inline struct bytes hex_decode(const char *hex)
{
	return hex_decode_n(hex, strlen(hex));
}

/* Copies a text string as bytes (RFC fixtures give ASCII passwords). */
static inline struct bytes text_bytes(const char *s)
{
	struct bytes b = {malloc(strlen(s) + 1), strlen(s)};
	assert_non_null(b.p);
	memcpy(b.p, s, b.n + 1);
	return b;
}

static inline void bytes_free(struct bytes *b)
{
	free(b->p);
	b->p = NULL;
	b->n = 0;
}

/* Loads tests/fixtures/<name>; owned by the caller (json_decref). */
static inline json_t *fixture_json(const char *name)
{
	json_error_t err;
	/* Generated fixtures spell NUL bytes as \u0000 in their *_utf8 notes. */
	json_t *root = json_load_file(fixture_path(name), JSON_ALLOW_NUL, &err);
	if (root == NULL)
		fail_msg("%s: %s (line %d)", fixture_path(name), err.text, err.line);
	return root;
}

static inline json_t *json_member(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL)
		fail_msg("fixture object lacks \"%s\"", key);
	return v;
}

static inline const char *json_str(const json_t *obj, const char *key)
{
	json_t *v = json_member(obj, key);
	if (!json_is_string(v))
		fail_msg("fixture member \"%s\" is not a string", key);
	return json_string_value(v);
}

static inline long long json_int(const json_t *obj, const char *key)
{
	json_t *v = json_member(obj, key);
	if (!json_is_integer(v))
		fail_msg("fixture member \"%s\" is not an integer", key);
	return (long long)json_integer_value(v);
}

static inline json_t *json_arr(const json_t *obj, const char *key)
{
	json_t *v = json_member(obj, key);
	if (!json_is_array(v))
		fail_msg("fixture member \"%s\" is not an array", key);
	return v;
}

static inline struct bytes json_hex(const json_t *obj, const char *key)
{
	json_t *v = json_member(obj, key);
	if (!json_is_string(v))
		fail_msg("fixture member \"%s\" is not a string", key);
	return hex_decode_n(json_string_value(v), json_string_length(v));
}

/* Fails with the case's name when got differs from want. */
static inline void expect_bytes(const void *got, const struct bytes *want, const char *what,
                                const char *file, long long id)
{
	if (memcmp(got, want->p, want->n) != 0)
		fail_msg("%s case %lld: %s differs from the published value", file, id, what);
}

/* Fails with the case's name when a call returned the wrong status. */
static inline void expect_rc(int got, int want, const char *what, const char *file, long long id)
{
	if (got != want)
		fail_msg("%s case %lld: %s returned %d, want %d", file, id, what, got, want);
}

/* 1 if all n bytes are zero (what a wiped buffer must look like). */
static inline int all_zero(const unsigned char *p, size_t n)
{
	unsigned char acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

#endif
