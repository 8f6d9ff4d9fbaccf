/* sealed.h - the sealed-value envelope that every stored value uses:
 *
 *   version (1 byte, 0x01) | term (4 bytes, big-endian) | nonce (12) |
 *   ciphertext (n) | tag (16)
 *
 * The AAD is the 5-byte header followed by the storage path, so a value
 * moved to another path, or relabelled with another term, fails its tag. */
#ifndef CST_SEALED_H
#define CST_SEALED_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define CST_SEALED_VERSION 0x01
#define CST_SEALED_HEADER_LEN 5
#define CST_SEALED_OVERHEAD (CST_SEALED_HEADER_LEN + 12 + 16)

typedef struct cst_sealed_view {
	uint32_t term;
	const unsigned char *header; /* CST_SEALED_HEADER_LEN bytes */
	const unsigned char *nonce;
	const unsigned char *ct;
	size_t ct_len;
	const unsigned char *tag;
} cst_sealed_view;

/* Splits a stored blob into its parts without decrypting. Returns
 * CST_EINTEGRITY for a blob too short or of an unknown version. */
int cst_sealed_parse(cst_sealed_view *out, const unsigned char *blob, size_t len)
	__attribute__((warn_unused_result));

/* Seals pt under key (term `term`) for storage path `path` into out (reset
 * first). A fresh random nonce is drawn for every call. */
int cst_sealed_seal(cst_buf *out, const unsigned char *key, uint32_t term, const char *path,
                    const void *pt, size_t pt_len) __attribute__((warn_unused_result));

/* Opens a parsed blob with key for path into out (reset first; capped at
 * CST_LIMIT_STORED). Returns CST_EINTEGRITY on any mismatch. */
int cst_sealed_open(cst_buf *out, const unsigned char *key, const cst_sealed_view *v,
                    const char *path) __attribute__((warn_unused_result));

#endif
