/* keyring.h - the data-key terms. Term n's 256-bit key seals values
 * written while n was the active term; older terms stay to open older
 * values until rewrap re-seals them. The keyring itself is serialised and
 * sealed under the master key by the barrier. */
#ifndef CST_KEYRING_H
#define CST_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define CST_KEY_LEN 32

typedef struct cst_term {
	uint32_t term;
	int64_t created_ns;
	uint64_t seals;  /* seals reserved so far under this term (upper bound) */
	unsigned char key[CST_KEY_LEN];
} cst_term;

typedef struct cst_keyring {
	cst_term *terms; /* owned; ascending by term; wiped on free */
	size_t count;
	uint32_t active;
} cst_keyring;

/* A new keyring with one fresh random term (term 1). */
int cst_keyring_new(cst_keyring **out) __attribute__((warn_unused_result));
void cst_keyring_free(cst_keyring *kr);

/* Adds a fresh term and makes it active. */
int cst_keyring_rotate(cst_keyring *kr) __attribute__((warn_unused_result));

/* The term entry for a number, or NULL. */
cst_term *cst_keyring_find(cst_keyring *kr, uint32_t term);
cst_term *cst_keyring_active(cst_keyring *kr);

/* Binary form: "CKR1" | count u32 | active u32 | per term: term u32 |
 * created i64 | seals u64 | key[32], all big-endian. */
int cst_keyring_serialize(cst_buf *out, const cst_keyring *kr) __attribute__((warn_unused_result));
int cst_keyring_parse(cst_keyring **out, const unsigned char *data, size_t len)
	__attribute__((warn_unused_result));

#endif
