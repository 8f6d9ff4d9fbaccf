/* base64.h - RFC 4648 base64, standard and URL-safe alphabets, and base16
 * (lowercase hex). */
#ifndef CST_BASE64_H
#define CST_BASE64_H

#include <stddef.h>

enum { CST_B64_STD = 0, CST_B64_URL = 1 };

/* Encoded length (with padding) of n bytes, plus one for the NUL. */
size_t cst_b64_encoded_size(size_t n);

/* Encodes n bytes into out (cst_b64_encoded_size(n) bytes), NUL-terminated,
 * with padding. Returns the length written, without the NUL. */
size_t cst_b64_encode(char *out, const void *in, size_t n, int alphabet);

/* Decodes strictly: only the chosen alphabet, padding optional but correct
 * when present, no whitespace, unused bits zero. out needs (len/4+1)*3
 * bytes. Returns CST_OK or CST_EINVAL. */
int cst_b64_decode(unsigned char *out, size_t *out_len, const char *in, size_t len,
                   int alphabet) __attribute__((warn_unused_result));

/* Lowercase hex of n bytes into out (2n + 1 bytes), NUL-terminated. */
void cst_hex_encode(char *out, const void *in, size_t n);

#endif
