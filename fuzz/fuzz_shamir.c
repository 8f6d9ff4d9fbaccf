/* fuzz_shamir.c - Shamir split and combine (src/crypto/shamir.h) against
 * arbitrary bytes. Each input is used twice:
 *
 *  - as a set of shares: byte 0 is the number of shares n, byte 1 holds
 *    flags, the rest is cut into n shares of equal length (the remainder
 *    is dropped). Each share is copied into a heap block of exactly its
 *    length, so a read past a share shows up under AddressSanitizer.
 *    cst_shamir_combine and cst_shamir_combine_lens must agree with a model
 *    written independently here (Vault's algorithm with log/exp tables):
 *    the same refusals, and on success the same secret. With flag bit 0 the
 *    last share is one byte short, which combine_lens must refuse.
 *  - as a secret: split into 2..33 shares with a threshold taken from the
 *    first bytes, then the first threshold shares, the last threshold
 *    shares in reverse and all shares must each give it back, the x
 *    coordinates must be distinct and nonzero, and (for secrets of 16 bytes
 *    or more) one share fewer than the threshold must not.
 *
 * Any disagreement abort()s. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/shamir.h"
#include "custos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longest secret the round trip uses, to keep each run short. */
#define MAX_SECRET 1024

static void fail(const char *what, size_t size)
{
	fprintf(stderr, "fuzz_shamir: %s (input of %zu bytes)\n", what, size);
	abort();
}

/* A heap block of exactly n bytes (at least 1), so ASan sees over-reads. */
static unsigned char *alloc(size_t n)
{
	unsigned char *c = malloc(n ? n : 1);
	if (c == NULL)
		abort();
	return c;
}

/* ---- the model: GF(2^8)/0x11b by log and exp tables, generator 3 ------- */

static uint8_t exp_t[255], log_t[256];

static void model_init(void)
{
	static int done;
	if (done)
		return;
	unsigned v = 1;
	for (unsigned i = 0; i < 255; i++) {
		exp_t[i] = (uint8_t)v;
		log_t[v] = (uint8_t)i;
		/* v *= 3, i.e. v ^ 2v, reduced by 0x11b. */
		unsigned d = v << 1;
		if (d & 0x100)
			d ^= 0x11b;
		v = (d ^ v) & 0xff;
	}
	done = 1;
}

static uint8_t model_mul(uint8_t a, uint8_t b)
{
	if (a == 0 || b == 0)
		return 0;
	return exp_t[(log_t[a] + log_t[b]) % 255];
}

static uint8_t model_div(uint8_t a, uint8_t b)
{
	if (b == 0)
		abort();
	if (a == 0)
		return 0;
	return exp_t[(log_t[a] + 255 - log_t[b]) % 255];
}

/* Vault's Combine: the checks in its order, then per-byte Lagrange
 * interpolation at 0. lens may differ. Returns CST_OK or CST_EINVAL. */
static int model_combine(unsigned char *out, unsigned char *const *shares, const size_t *lens,
                         size_t n)
{
	if (n < 2 || lens[0] < 2)
		return CST_EINVAL;
	for (size_t i = 1; i < n; i++)
		if (lens[i] != lens[0])
			return CST_EINVAL;
	size_t len = lens[0] - 1;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (shares[i][len] == shares[j][len])
				return CST_EINVAL;
	for (size_t idx = 0; idx < len; idx++) {
		uint8_t result = 0;
		for (size_t i = 0; i < n; i++) {
			uint8_t basis = 1, xi = shares[i][len];
			for (size_t j = 0; j < n; j++) {
				if (i == j)
					continue;
				uint8_t xj = shares[j][len];
				basis = model_mul(basis, model_div(xj, (uint8_t)(xi ^ xj)));
			}
			result ^= model_mul(shares[i][idx], basis);
		}
		out[idx] = result;
	}
	return CST_OK;
}

/* ---- shares from the input --------------------------------------------- */

static void fuzz_combine(const uint8_t *data, size_t size)
{
	if (size < 2)
		return;
	size_t n = data[0], flags = data[1], rest = size - 2;
	size_t share_len = n ? rest / n : 0;
	int short_last = (flags & 1) && n > 0 && share_len > 0;
	unsigned char **shares = calloc(n ? n : 1, sizeof(*shares));
	size_t *lens = calloc(n ? n : 1, sizeof(*lens));
	if (shares == NULL || lens == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		lens[i] = share_len - (short_last && i == n - 1);
		shares[i] = alloc(lens[i]);
		memcpy(shares[i], data + 2 + i * share_len, lens[i]);
	}
	size_t out_len = share_len > 1 ? share_len - 1 : 0;
	unsigned char *want = alloc(out_len), *got = alloc(out_len);
	const unsigned char *const *cshares = (const unsigned char *const *)shares;

	int model = model_combine(want, shares, lens, n);
	memset(got, 0xa5, out_len);
	cst_error_clear();
	int rc = cst_shamir_combine_lens(got, cshares, lens, n);
	if (rc != model)
		fail(rc == CST_OK ? "combine_lens accepted what Vault refuses"
		                  : "combine_lens refused what Vault accepts",
		     size);
	if (rc != CST_OK && cst_errmsg()[0] == '\0')
		fail("combine_lens refused without a message", size);
	if (rc == CST_OK && memcmp(got, want, out_len) != 0)
		fail("combine_lens differs from the model", size);
	if (rc != CST_OK)
		for (size_t i = 0; i < out_len; i++)
			if (got[i] != 0xa5)
				fail("a refused combine_lens wrote the output", size);

	/* The fixed-length form, when the lengths are in fact equal. */
	if (!short_last) {
		memset(got, 0xa5, out_len);
		cst_error_clear();
		rc = cst_shamir_combine(got, cshares, n, share_len);
		if (rc != model)
			fail(rc == CST_OK ? "combine accepted what Vault refuses"
			                  : "combine refused what Vault accepts",
			     size);
		if (rc != CST_OK && cst_errmsg()[0] == '\0')
			fail("combine refused without a message", size);
		if (rc == CST_OK && memcmp(got, want, out_len) != 0)
			fail("combine differs from the model", size);
	}
	for (size_t i = 0; i < n; i++)
		free(shares[i]);
	free(shares);
	free(lens);
	free(want);
	free(got);
}

/* ---- the input as a secret --------------------------------------------- */

static void combine_expect(const unsigned char *const *pick, size_t k, const uint8_t *secret,
                           size_t len, int must_equal, size_t size)
{
	unsigned char *out = alloc(len);
	if (cst_shamir_combine(out, pick, k, len + 1) != CST_OK)
		fail("combine refused shares split made", size);
	int equal = memcmp(out, secret, len) == 0;
	if (must_equal && !equal)
		fail("combine of enough shares did not give the secret back", size);
	if (!must_equal && equal)
		fail("shares below the threshold gave the secret", size);
	free(out);
}

static void fuzz_round_trip(const uint8_t *data, size_t size)
{
	unsigned char *shares[CST_SHAMIR_MAX_PARTS];
	const unsigned char *pick[CST_SHAMIR_MAX_PARTS];
	size_t len = size < MAX_SECRET ? size : MAX_SECRET;
	unsigned parts = 2 + (size > 0 ? data[0] % 32 : 0);
	unsigned t = 2 + (size > 1 ? data[1] % (parts - 1) : 0);

	/* Refusals first: threshold above parts, and the empty secret. */
	if (cst_shamir_split(shares, data, len, parts, parts + 1) != CST_EINVAL)
		fail("split accepted threshold > parts", size);
	if (len == 0) {
		if (cst_shamir_split(shares, data, 0, parts, t) != CST_EINVAL)
			fail("split accepted an empty secret", size);
		return;
	}
	if (cst_shamir_split(shares, data, len, parts, t) != CST_OK)
		fail("split failed", size);

	unsigned char seen[256] = {0};
	for (unsigned i = 0; i < parts; i++) {
		unsigned x = shares[i][len];
		if (x == 0 || seen[x]++)
			fail("x-coordinates not distinct and nonzero", size);
	}
	for (unsigned i = 0; i < t; i++)
		pick[i] = shares[i];
	combine_expect(pick, t, data, len, 1, size);
	for (unsigned i = 0; i < t; i++)
		pick[i] = shares[parts - 1 - i];
	combine_expect(pick, t, data, len, 1, size);
	combine_expect((const unsigned char *const *)shares, parts, data, len, 1, size);
	/* With 16 bytes, a match below the threshold has probability 2^-128. */
	if (t > 2 && len >= 16)
		combine_expect(pick, t - 1, data, len, 0, size);
	cst_shamir_shares_free(shares, parts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	model_init();
	fuzz_combine(data, size);
	fuzz_round_trip(data, size);
	return 0;
}
