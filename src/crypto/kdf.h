/* kdf.h - hashing, MACs and key derivation: SHA-256, HMAC-SHA256,
 * HKDF-SHA256 (RFC 5869), PBKDF2-HMAC-SHA256 and scrypt (RFC 7914). */
#ifndef CST_KDF_H
#define CST_KDF_H

#include <stddef.h>
#include <stdint.h>

#define CST_SHA256_LEN 32

void cst_sha256(unsigned char out[CST_SHA256_LEN], const void *data, size_t len);

int cst_mac_sha256(unsigned char out[CST_SHA256_LEN], const void *key, size_t key_len,
                   const void *msg, size_t msg_len) __attribute__((warn_unused_result));

/* A keyed HMAC-SHA256 for hot paths (token ids): the key's inner and
 * outer pads are hashed once, each MAC then costs four SHA-256 blocks and
 * no key set-up. Safe to use from several threads at once. */
typedef struct cst_mac_key cst_mac_key;
int cst_mac_key_new(cst_mac_key **out, const void *key, size_t key_len)
	__attribute__((warn_unused_result));
int cst_mac_key_sha256(unsigned char out[CST_SHA256_LEN], const cst_mac_key *k, const void *msg,
                       size_t msg_len) __attribute__((warn_unused_result));
void cst_mac_key_free(cst_mac_key *k); /* wipes; NULL is a no-op */

int cst_kdf_hkdf_sha256(unsigned char *out, size_t out_len, const void *ikm, size_t ikm_len,
                        const void *salt, size_t salt_len, const void *info, size_t info_len)
	__attribute__((warn_unused_result));

int cst_kdf_pbkdf2_sha256(unsigned char *out, size_t out_len, const void *pass, size_t pass_len,
                          const void *salt, size_t salt_len, uint32_t iterations)
	__attribute__((warn_unused_result));

/* scrypt with cost N (a power of two > 1), block size r, parallelism p.
 * Memory use is 128*N*r bytes; refused above 1 GiB. */
int cst_kdf_scrypt(unsigned char *out, size_t out_len, const void *pass, size_t pass_len,
                   const void *salt, size_t salt_len, uint64_t N, uint32_t r, uint32_t p)
	__attribute__((warn_unused_result));

#endif
