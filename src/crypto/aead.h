/* aead.h - authenticated encryption: AES-256-GCM with a 96-bit nonce and a
 * 128-bit tag. The only sizes accepted are these; anything else is refused
 * rather than silently handled. */
#ifndef CST_AEAD_H
#define CST_AEAD_H

#include <stddef.h>

#define CST_AEAD_KEY_LEN 32
#define CST_AEAD_NONCE_LEN 12
#define CST_AEAD_TAG_LEN 16

/* Encrypts pt_len bytes into out_ct (pt_len bytes) and writes the tag.
 * Returns CST_OK, CST_EINVAL (bad sizes), CST_ERROR. */
int cst_aead_seal(unsigned char *out_ct, unsigned char *out_tag, const unsigned char *key,
                  const unsigned char *nonce, size_t nonce_len, const void *aad, size_t aad_len,
                  const void *pt, size_t pt_len) __attribute__((warn_unused_result));

/* Verifies the tag and decrypts ct_len bytes into out_pt. On any failure
 * out_pt is wiped, so no unauthenticated plaintext escapes.
 * Returns CST_OK, CST_EINTEGRITY (tag mismatch), CST_EINVAL (bad sizes). */
int cst_aead_open(unsigned char *out_pt, const unsigned char *key, const unsigned char *nonce,
                  size_t nonce_len, const void *aad, size_t aad_len, const void *ct,
                  size_t ct_len, const unsigned char *tag, size_t tag_len)
	__attribute__((warn_unused_result));

#endif
