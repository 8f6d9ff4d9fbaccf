/* fernet.h - Fernet tokens (github.com/fernet/spec), as Python's
 * cryptography.fernet makes and checks them: version 0x80, a 64-bit
 * timestamp, a 128-bit IV, AES-128-CBC with PKCS#7 padding and an
 * HMAC-SHA256 over all of it, in URL-safe base64.
 *
 * Decryption follows pyca's rules: with a TTL, a token older than TTL
 * seconds or stamped more than 60 s in the future is refused (without one,
 * neither is checked); the HMAC is compared in constant time before
 * anything is decrypted. */
#ifndef CST_FERNET_H
#define CST_FERNET_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define CST_FERNET_KEY_LEN 32    /* signing key (16) then encryption key (16) */
#define CST_FERNET_IV_LEN 16
#define CST_FERNET_MAX_SKEW 60   /* seconds a token may be ahead of the clock */
/* Longest token accepted: a 1 MiB plaintext in base64, with room to spare. */
#define CST_FERNET_TOKEN_MAX (2 * 1024 * 1024)

/* Decodes a key as Fernet(key) takes it: URL-safe base64 of 32 bytes
 * (padding optional, surrounding whitespace ignored). CST_EINVAL. */
int cst_fernet_key_decode(unsigned char out[CST_FERNET_KEY_LEN], const char *text, size_t len)
	__attribute__((warn_unused_result));

/* Makes a token for n bytes at time `now` (Unix seconds). iv: NULL for a
 * random one (tests pass the spec's fixed IVs). The token goes to out
 * (NUL-terminated). CST_ENOMEM, CST_ERROR. */
int cst_fernet_encrypt(cst_buf *out, const unsigned char key[CST_FERNET_KEY_LEN],
                       const void *pt, size_t n, int64_t now, const unsigned char *iv)
	__attribute__((warn_unused_result));

/* Checks and decrypts a token (surrounding whitespace ignored) into out.
 * ttl < 0: no age check. Returns CST_OK; CST_EINTEGRITY for a malformed,
 * expired, future-dated, tampered or wrong-key token (the message says
 * which, never anything of the plaintext); CST_ENOMEM. On failure out is
 * left empty. */
int cst_fernet_decrypt(cst_buf *out, const unsigned char key[CST_FERNET_KEY_LEN],
                       const char *token, size_t len, int64_t ttl, int64_t now)
	__attribute__((warn_unused_result));

#endif
