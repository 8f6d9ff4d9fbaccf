/* fuzz_mask.c - the streaming masker against a plain reference. The input
 * is: one byte k (1 + k % 24 values; nine or more with one 4-byte prefix
 * take the second index), then each value as a length byte
 * (% 24) and its bytes, then one byte seeding the split points, then the
 * stream. The stream is masked twice, whole and fed in pieces of 1 to 17
 * bytes; both must equal the reference (leftmost-longest, non-overlapping,
 * values shorter than CST_MASK_MIN ignored), no more than the longest
 * value less one byte may be held back, and when no value contains '*' no
 * value may remain in the output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "util/mask.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXV 24

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_mask: %s\n", what);
	abort();
}

/* The reference: at each position the longest value that starts there. */
static size_t reference(char *out, const uint8_t *s, size_t n, const uint8_t **v, const size_t *l,
                        size_t k)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t best = 0;
		for (size_t j = 0; j < k; j++)
			if (l[j] >= CST_MASK_MIN && l[j] <= n - i && l[j] > best && memcmp(s + i, v[j], l[j]) == 0)
				best = l[j];
		if (best) {
			memcpy(out + o, CST_MASK_TEXT, sizeof(CST_MASK_TEXT) - 1);
			o += sizeof(CST_MASK_TEXT) - 1;
			i += best;
		} else {
			out[o++] = (char)s[i++];
		}
	}
	return o;
}

/* Appends n bytes to a growing result. */
static void append(char **buf, size_t *len, const char *p, size_t n)
{
	char *b = realloc(*buf, *len + n + 1);
	if (b == NULL)
		fail("out of memory");
	memcpy(b + *len, p, n);
	*buf = b;
	*len += n;
}

static size_t run(char **res, cst_masker *m, const uint8_t *s, size_t n, uint8_t seed, size_t maxlen)
{
	size_t len = 0;
	const char *out;
	size_t out_len;
	uint32_t r = seed;
	for (size_t i = 0; i < n;) {
		size_t piece = seed ? 1 + (r = r * 1103515245u + 12345u) % 17 : n - i;
		if (piece > n - i)
			piece = n - i;
		if (cst_masker_feed(m, s + i, piece, &out, &out_len) != CST_OK)
			fail("feed failed");
		append(res, &len, out, out_len);
		if (cst_masker_held(m) >= (maxlen > CST_MASK_MIN ? maxlen : CST_MASK_MIN))
			fail("held back more than the longest value less one byte");
		i += piece;
	}
	if (cst_masker_finish(m, &out, &out_len) != CST_OK)
		fail("finish failed");
	append(res, &len, out, out_len);
	if (cst_masker_held(m) != 0)
		fail("bytes held after finish");
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t k = 1 + data[0] % MAXV, pos = 1, maxlen = 0;
	const uint8_t *v[MAXV];
	size_t l[MAXV];
	int star = 0;
	for (size_t j = 0; j < k; j++) {
		if (pos >= size)
			return 0;
		l[j] = data[pos++] % 24;
		if (l[j] > size - pos)
			return 0;
		v[j] = data + pos;
		pos += l[j];
		if (l[j] >= CST_MASK_MIN && l[j] > maxlen)
			maxlen = l[j];
		star |= memchr(v[j], '*', l[j]) != NULL;
	}
	if (pos >= size)
		return 0;
	uint8_t seed = data[pos++];
	const uint8_t *s = data + pos;
	size_t n = size - pos;

	cst_masker *m = NULL;
	if (cst_masker_new(&m, (const char *const *)v, l, k) != CST_OK)
		fail("new failed");
	char *want = malloc(n * 2 + 8);
	if (want == NULL)
		fail("out of memory");
	size_t want_len = reference(want, s, n, v, l, k);
	char *whole = NULL, *pieces = NULL;
	size_t whole_len = run(&whole, m, s, n, 0, maxlen);
	size_t pieces_len = run(&pieces, m, s, n, seed ? seed : 1, maxlen);
	if (whole_len != want_len || (want_len && memcmp(whole, want, want_len) != 0))
		fail("masking the whole stream differs from the reference");
	if (pieces_len != want_len || (want_len && memcmp(pieces, want, want_len) != 0))
		fail("masking in pieces differs from the reference");
	for (size_t j = 0; !star && j < k; j++)
		if (l[j] >= CST_MASK_MIN && want_len >= l[j])
			for (size_t i = 0; i + l[j] <= want_len; i++)
				if (memcmp(want + i, v[j], l[j]) == 0)
					fail("a value is left in the output");
	free(want);
	free(whole);
	free(pieces);
	cst_masker_free(m);
	return 0;
}
