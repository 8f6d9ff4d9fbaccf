/* shamir.h - Shamir secret sharing over GF(2^8), byte-compatible with
 * HashiCorp Vault's shamir package: shares made here combine in Vault and
 * Vault's unseal keys combine here.
 *
 * A share is the secret's length plus one byte: one y value per secret byte
 * (each secret byte is the constant term of its own random polynomial of
 * degree threshold-1), then one trailing byte holding the share's
 * x-coordinate, 1..255. The field is GF(2^8) modulo x^8+x^4+x^3+x+1 (0x11b,
 * the AES polynomial); the secret is the Lagrange interpolation at x = 0.
 *
 * The field arithmetic runs in time independent of the operands: no table
 * lookups and no branches on share or secret bytes. */
#ifndef CST_SHAMIR_H
#define CST_SHAMIR_H

#include <stddef.h>
#include <stdint.h>

/* Vault's bounds: at most 255 shares (one per nonzero x-coordinate). */
#define CST_SHAMIR_MAX_PARTS 255
/* Bytes a share adds to the secret's length: the x-coordinate. */
#define CST_SHAMIR_OVERHEAD 1

/* Splits secret_len bytes into `parts` shares, any `threshold` of which
 * give the secret back. out_shares is the caller's array of `parts`
 * pointers; each is set to a malloc'd share of secret_len + 1 bytes, owned
 * by the caller and released with cst_shamir_shares_free. The shares get
 * distinct random x-coordinates (a prefix of a random permutation of
 * 1..255, as Vault does). On failure every pointer is NULL.
 * Refused as Vault refuses: parts < threshold, parts > 255, threshold < 2,
 * threshold > 255, an empty secret.
 * Returns CST_OK, CST_EINVAL, CST_ENOMEM, CST_ERROR (random source). */
int cst_shamir_split(unsigned char **out_shares, const unsigned char *secret, size_t secret_len,
                     unsigned parts, unsigned threshold) __attribute__((warn_unused_result));

/* Recovers the secret from n_shares shares of share_len bytes each into
 * out_secret (share_len - 1 bytes). Given fewer shares than the threshold
 * it returns a wrong value without error: Shamir's scheme cannot tell, so
 * callers check the result (custos opens the keyring with it).
 * Refused as Vault refuses: fewer than 2 shares, shares shorter than 2
 * bytes, two shares with the same x-coordinate. out_secret is written only
 * on success.
 * Returns CST_OK, CST_EINVAL. */
int cst_shamir_combine(unsigned char *out_secret, const unsigned char *const *shares,
                       size_t n_shares, size_t share_len) __attribute__((warn_unused_result));

/* cst_shamir_combine for shares whose lengths are given one by one (as
 * unseal keys arrive): also refuses shares of different lengths, checked
 * in Vault's order. out_secret holds share_lens[0] - 1 bytes.
 * Returns CST_OK, CST_EINVAL. */
int cst_shamir_combine_lens(unsigned char *out_secret, const unsigned char *const *shares,
                            const size_t *share_lens, size_t n_shares)
	__attribute__((warn_unused_result));

/* Wipes and frees the first n shares and sets each pointer to NULL. NULL
 * entries (and shares == NULL) are no-ops. */
void cst_shamir_shares_free(unsigned char **shares, size_t n);

/* The field operations, exported for the known-answer tests. Addition is
 * XOR; division by zero gives 0 (a^254 of 0 is 0), which never happens
 * inside combine because the x-coordinates are distinct. */
uint8_t cst_shamir_gf_add(uint8_t a, uint8_t b);
uint8_t cst_shamir_gf_mul(uint8_t a, uint8_t b);
uint8_t cst_shamir_gf_div(uint8_t a, uint8_t b);

#endif
