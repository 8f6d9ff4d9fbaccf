/* shamir.c - Shamir secret sharing over GF(2^8) in Vault's share format.
 *
 * Vault's shamir package is the reference: the same checks in the same
 * order, the same layout (y bytes, then the x-coordinate), the same field
 * (0x11b) and the same polynomials (a uniformly random one per secret byte).
 * Two things differ, neither visible in the shares: the x-coordinates come
 * from the cryptographic random source rather than math/rand, and the field
 * operations are computed with masks instead of log/exp tables, so no
 * memory access or branch depends on a secret byte. */
#include "crypto/shamir.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/rand.h"
#include "util/mem.h"

/* ---- GF(2^8) modulo x^8+x^4+x^3+x+1 ------------------------------------ */

/* Multiplication by shift-and-add over all eight bits of b, most
 * significant first: r = r*x (reduced by 0x11b when bit 7 falls out) + bit*a.
 * The two conditional terms are masks (0 or all ones), never branches. */
static uint8_t gf_mul(uint8_t a, uint8_t b)
{
	unsigned r = 0;
	for (int i = 7; i >= 0; i--) {
		unsigned bit = ((unsigned)b >> i) & 1u;
		unsigned high = (r >> 7) & 1u;
		r = ((r << 1) & 0xffu) ^ ((0u - high) & 0x1bu) ^ ((0u - bit) & (unsigned)a);
	}
	return (uint8_t)r;
}

/* a^254 = a^-1 for a != 0 (the multiplicative group has order 255), and
 * 0 for a == 0. 254 = 2+4+...+128: seven squarings, each multiplied in. */
static uint8_t gf_inv(uint8_t a)
{
	uint8_t r = 1, s = a;
	for (int i = 0; i < 7; i++) {
		s = gf_mul(s, s);
		r = gf_mul(r, s);
	}
	return r;
}

static uint8_t gf_div(uint8_t a, uint8_t b)
{
	return gf_mul(a, gf_inv(b));
}

uint8_t cst_shamir_gf_add(uint8_t a, uint8_t b)
{
	return (uint8_t)(a ^ b);
}

uint8_t cst_shamir_gf_mul(uint8_t a, uint8_t b)
{
	return gf_mul(a, b);
}

uint8_t cst_shamir_gf_div(uint8_t a, uint8_t b)
{
	return gf_div(a, b);
}

/* ---- split ------------------------------------------------------------- */

/* Random bytes drawn in blocks, for the x-coordinate shuffle. */
struct pool {
	unsigned char b[64];
	size_t used;
};

/* A uniform value in [0, n), 1 <= n <= 256, by rejection (no modulo bias). */
static int uniform_below(unsigned *out, unsigned n, struct pool *p)
{
	unsigned limit = 256u - 256u % n;
	for (;;) {
		if (p->used == sizeof(p->b)) {
			int rc = cst_rand_bytes(p->b, sizeof(p->b));
			if (rc < 0)
				return rc;
			p->used = 0;
		}
		unsigned r = p->b[p->used++];
		if (r < limit) {
			*out = r % n;
			return CST_OK;
		}
	}
}

/* Fills xs[0..parts) with distinct values from 1..255: the first `parts`
 * entries of a Fisher-Yates shuffle, so a uniformly random prefix of a
 * random permutation (Vault takes mathrand.Perm(255)[:parts] + 1). */
static int pick_x_coordinates(uint8_t *xs, unsigned parts)
{
	uint8_t all[CST_SHAMIR_MAX_PARTS];
	struct pool p = {.used = sizeof(p.b)};
	int rc = CST_OK;
	for (unsigned i = 0; i < CST_SHAMIR_MAX_PARTS; i++)
		all[i] = (uint8_t)(i + 1);
	for (unsigned i = 0; i < parts; i++) {
		unsigned j;
		if ((rc = uniform_below(&j, CST_SHAMIR_MAX_PARTS - i, &p)) < 0)
			goto done;
		j += i;
		uint8_t t = all[i];
		all[i] = all[j];
		all[j] = t;
		xs[i] = all[i];
	}
done:
	cst_wipe(&p, sizeof(p));
	return rc;
}

int cst_shamir_split(unsigned char **out_shares, const unsigned char *secret, size_t secret_len,
                     unsigned parts, unsigned threshold)
{
	/* coeff[0] is the secret byte, coeff[1..threshold) random. */
	uint8_t xs[CST_SHAMIR_MAX_PARTS], coeff[CST_SHAMIR_MAX_PARTS];
	int rc;

	if (out_shares != NULL && parts <= CST_SHAMIR_MAX_PARTS)
		for (unsigned i = 0; i < parts; i++)
			out_shares[i] = NULL;
	/* Vault's checks, in Vault's order. */
	if (parts < threshold)
		return cst_fail(CST_EINVAL, "shamir: parts cannot be less than threshold");
	if (parts > CST_SHAMIR_MAX_PARTS)
		return cst_fail(CST_EINVAL, "shamir: parts cannot exceed %d", CST_SHAMIR_MAX_PARTS);
	if (threshold < 2)
		return cst_fail(CST_EINVAL, "shamir: threshold must be at least 2");
	if (threshold > CST_SHAMIR_MAX_PARTS)
		return cst_fail(CST_EINVAL, "shamir: threshold cannot exceed %d",
		                CST_SHAMIR_MAX_PARTS);
	if (secret_len == 0)
		return cst_fail(CST_EINVAL, "shamir: cannot split an empty secret");
	if (out_shares == NULL || secret == NULL)
		return cst_fail(CST_EINVAL, "shamir: no secret or no room for the shares");
	if (secret_len > SIZE_MAX - CST_SHAMIR_OVERHEAD)
		return cst_fail(CST_ENOMEM, "shamir: secret too large");

	if ((rc = pick_x_coordinates(xs, parts)) < 0)
		goto done;
	for (unsigned i = 0; i < parts; i++) {
		out_shares[i] = malloc(secret_len + CST_SHAMIR_OVERHEAD);
		if (out_shares[i] == NULL) {
			rc = cst_fail(CST_ENOMEM, "shamir: out of memory");
			goto done;
		}
		out_shares[i][secret_len] = xs[i];
	}
	/* One fresh polynomial per secret byte, evaluated at every x by
	 * Horner's rule. The x are public; only coefficients are secret, and
	 * they only ever pass through gf_mul and XOR. */
	for (size_t idx = 0; idx < secret_len; idx++) {
		coeff[0] = secret[idx];
		if ((rc = cst_rand_bytes(coeff + 1, threshold - 1)) < 0)
			goto done;
		for (unsigned i = 0; i < parts; i++) {
			uint8_t y = coeff[threshold - 1];
			for (unsigned k = threshold - 1; k-- > 0;)
				y = (uint8_t)(gf_mul(y, xs[i]) ^ coeff[k]);
			out_shares[i][idx] = y;
		}
	}
	rc = CST_OK;
done:
	cst_wipe(coeff, sizeof(coeff));
	cst_wipe(xs, sizeof(xs));
	if (rc < 0)
		cst_shamir_shares_free(out_shares, parts);
	return rc;
}

void cst_shamir_shares_free(unsigned char **shares, size_t n)
{
	if (shares == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		cst_free_wiped(shares[i]);
		shares[i] = NULL;
	}
}

/* ---- combine ----------------------------------------------------------- */

/* Checks what Vault checks after the lengths (distinct x-coordinates) and
 * interpolates. Each share's Lagrange weight at 0, prod x_j / (x_i + x_j)
 * over j != i, depends on the x-coordinates alone, so it is computed once
 * rather than once per byte; the result is the same field value Vault's
 * per-byte interpolation gives. */
static int combine(unsigned char *out_secret, const unsigned char *const *shares, size_t n,
                   size_t share_len)
{
	uint8_t xs[256], weight[256];
	unsigned char seen[256];
	size_t len = share_len - CST_SHAMIR_OVERHEAD;
	int rc = CST_OK;

	memset(seen, 0, sizeof(seen));
	/* The x-coordinates are public: indexing by them leaks nothing. A
	 * byte has 256 values, so the check also bounds n to 256. */
	for (size_t i = 0; i < n; i++) {
		uint8_t x = shares[i][len];
		if (seen[x]) {
			rc = cst_fail(CST_EINVAL, "shamir: duplicate share (two with one x-coordinate)");
			goto done;
		}
		seen[x] = 1;
		xs[i] = x;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t w = 1;
		for (size_t j = 0; j < n; j++)
			if (j != i)
				w = gf_mul(w, gf_div(xs[j], (uint8_t)(xs[i] ^ xs[j])));
		weight[i] = w;
	}
	for (size_t idx = 0; idx < len; idx++) {
		uint8_t acc = 0;
		for (size_t i = 0; i < n; i++)
			acc ^= gf_mul(shares[i][idx], weight[i]);
		out_secret[idx] = acc;
	}
done:
	cst_wipe(weight, sizeof(weight));
	cst_wipe(xs, sizeof(xs));
	return rc;
}

/* The checks common to both entry points, before the lengths are compared. */
static int check_shares(const unsigned char *out_secret, const unsigned char *const *shares,
                        size_t n_shares, size_t first_len)
{
	if (n_shares < 2)
		return cst_fail(CST_EINVAL, "shamir: at least two shares are needed");
	if (first_len < 2)
		return cst_fail(CST_EINVAL, "shamir: shares must be at least two bytes");
	if (out_secret == NULL || shares == NULL)
		return cst_fail(CST_EINVAL, "shamir: no shares or no room for the secret");
	for (size_t i = 0; i < n_shares; i++)
		if (shares[i] == NULL)
			return cst_fail(CST_EINVAL, "shamir: share %zu is missing", i + 1);
	return CST_OK;
}

int cst_shamir_combine(unsigned char *out_secret, const unsigned char *const *shares,
                       size_t n_shares, size_t share_len)
{
	int rc = check_shares(out_secret, shares, n_shares, share_len);
	if (rc < 0)
		return rc;
	return combine(out_secret, shares, n_shares, share_len);
}

int cst_shamir_combine_lens(unsigned char *out_secret, const unsigned char *const *shares,
                            const size_t *share_lens, size_t n_shares)
{
	if (n_shares >= 2 && share_lens == NULL)
		return cst_fail(CST_EINVAL, "shamir: no share lengths");
	size_t first = n_shares >= 2 ? share_lens[0] : 0;
	int rc = check_shares(out_secret, shares, n_shares, first);
	if (rc < 0)
		return rc;
	for (size_t i = 1; i < n_shares; i++)
		if (share_lens[i] != first)
			return cst_fail(CST_EINVAL, "shamir: all shares must be the same length");
	return combine(out_secret, shares, n_shares, first);
}
