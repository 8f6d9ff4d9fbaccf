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
