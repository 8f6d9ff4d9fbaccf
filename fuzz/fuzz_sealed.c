/* fuzz_sealed.c - the sealed-value envelope (src/core/sealed.h) under one
 * fixed key. Each input is used twice:
 *
 *  - as a stored blob: cst_sealed_parse + cst_sealed_open must refuse it
 *    unless it is a genuine envelope, which is proved by re-encrypting the
 *    plaintext under the blob's own nonce, header and path and getting the
 *    same ciphertext and tag. A refusal must leave no plaintext behind.
 *  - as plaintext: seal, open back and compare; then one byte of the blob
 *    (chosen from the input), a one-byte truncation, another path and
 *    another key must each fail.
 *
 * The seeds in fuzz/corpus/fuzz_sealed/ include genuine blobs sealed with
 * FUZZ_KEY for FUZZ_PATH, so mutations start from values that open. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "core/sealed.h"
#include "crypto/aead.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fixed key and path; keep in step with the genuine seeds in the corpus. */
static const unsigned char fuzz_key[CST_AEAD_KEY_LEN] = {
	0x63, 0x75, 0x73, 0x74, 0x6f, 0x73, 0x2d, 0x66, 0x75, 0x7a, 0x7a, 0x2d, 0x6b, 0x65, 0x79, 0x00,
	0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
static const char fuzz_path[] = "logical/6f1c9a52-0d1e-4c7a-9b3e-2a5d8f4e7c10/v/app/db#0000000001";
static const char other_path[] = "logical/6f1c9a52-0d1e-4c7a-9b3e-2a5d8f4e7c10/v/app/db#0000000002";

static void fail(const char *what, size_t size)
{
	fprintf(stderr, "fuzz_sealed: %s (input of %zu bytes)\n", what, size);
	abort();
}

/* Parses and opens a blob held in a heap block of exactly len bytes. */
static int open_blob(cst_buf *pt, const unsigned char *key, const unsigned char *blob, size_t len,
                     const char *path)
{
	cst_sealed_view v;
	int rc = cst_sealed_parse(&v, blob, len);
	if (rc == CST_OK)
		rc = cst_sealed_open(pt, key, &v, path);
	return rc;
}

/* A heap block of exactly n bytes (at least 1), so ASan sees over-reads. */
static unsigned char *alloc(size_t n)
{
	unsigned char *c = malloc(n ? n : 1);
	if (c == NULL)
		abort();
	return c;
}

static unsigned char *copy(const void *p, size_t n)
{
	unsigned char *c = alloc(n);
	if (n)
		memcpy(c, p, n);
	return c;
}

/* The input as a stored blob. */
static void as_blob(const uint8_t *data, size_t size)
{
	cst_sealed_view v;
	cst_buf pt = CST_BUF_INIT;
	int rc = cst_sealed_parse(&v, data, size);
	int well_formed = size >= CST_SEALED_OVERHEAD && data[0] == CST_SEALED_VERSION;
	if (!well_formed) {
		if (rc != CST_EINTEGRITY)
			fail("parse accepted a short blob or an unknown version", size);
		return;
	}
	if (rc != CST_OK)
		fail("parse refused a well-formed blob", size);
	uint32_t term = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 8 |
	                data[4];
	if (v.header != data || v.term != term || v.nonce != data + CST_SEALED_HEADER_LEN ||
	    v.ct != v.nonce + CST_AEAD_NONCE_LEN || v.ct_len != size - CST_SEALED_OVERHEAD ||
	    v.tag != data + size - CST_AEAD_TAG_LEN)
		fail("parse split the blob wrongly", size);

	rc = cst_sealed_open(&pt, fuzz_key, &v, fuzz_path);
	if (rc == CST_OK) {
		/* Genuine only if sealing the plaintext again under the blob's own
		 * nonce and header gives back the same ciphertext and tag. */
		if (pt.len != v.ct_len)
			fail("open returned a plaintext of the wrong length", size);
		size_t plen = strlen(fuzz_path);
		unsigned char *aad = alloc(CST_SEALED_HEADER_LEN + plen);
		memcpy(aad, v.header, CST_SEALED_HEADER_LEN);
		memcpy(aad + CST_SEALED_HEADER_LEN, fuzz_path, plen);
		unsigned char *ct = alloc(v.ct_len);
		unsigned char tag[CST_AEAD_TAG_LEN];
		if (cst_aead_seal(ct, tag, fuzz_key, v.nonce, CST_AEAD_NONCE_LEN, aad,
		                  CST_SEALED_HEADER_LEN + plen, pt.ptr, pt.len) != CST_OK)
			fail("aead seal failed", size);
		if (memcmp(ct, v.ct, v.ct_len) != 0 || memcmp(tag, v.tag, CST_AEAD_TAG_LEN) != 0)
			fail("open accepted a blob that is not a genuine seal", size);
		free(ct);
		free(aad);
		cst_buf pt2 = CST_BUF_INIT;
		if (open_blob(&pt2, fuzz_key, data, size, other_path) != CST_EINTEGRITY)
			fail("a genuine blob opened under another path", size);
		cst_buf_release(&pt2);
	} else {
		if (rc != CST_EINTEGRITY && rc != CST_ENOMEM)
			fail("open failed with an unexpected code", size);
		if (pt.len != 0)
			fail("failed open left a length behind", size);
		/* No unauthenticated plaintext may stay where it was decrypted. */
		for (size_t i = 0; pt.ptr != NULL && i < v.ct_len; i++)
			if (pt.ptr[i] != 0)
				fail("failed open left plaintext bytes in the buffer", size);
	}
	cst_buf_release(&pt);
}

/* The input as plaintext: seal, open, compare, then tamper. */
static void as_plaintext(const uint8_t *data, size_t size)
{
	cst_buf blob = CST_BUF_INIT, pt = CST_BUF_INIT;
	uint32_t term = size >= 4 ? ((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
	                             (uint32_t)data[2] << 8 | data[3])
	                          : 1;
	int rc = cst_sealed_seal(&blob, fuzz_key, term, fuzz_path, data, size);
	if (size > CST_LIMIT_STORED - CST_SEALED_OVERHEAD) {
		if (rc != CST_ENOMEM)
			fail("sealed a value over the stored-size limit", size);
		goto done;
	}
	if (rc != CST_OK)
		fail("seal failed", size);
	if (blob.len != size + CST_SEALED_OVERHEAD)
		fail("sealed blob has the wrong length", size);

	unsigned char *b = copy(blob.ptr, blob.len);
	if (open_blob(&pt, fuzz_key, b, blob.len, fuzz_path) != CST_OK)
		fail("roundtrip: open refused a fresh seal", size);
	if (pt.len != size || (size && memcmp(pt.ptr, data, size) != 0))
		fail("roundtrip: plaintext differs", size);
	cst_sealed_view v;
	if (cst_sealed_parse(&v, b, blob.len) != CST_OK || v.term != term)
		fail("roundtrip: term not kept", size);

	if (open_blob(&pt, fuzz_key, b, blob.len, other_path) != CST_EINTEGRITY)
		fail("opened under another path", size);
	unsigned char wrong_key[CST_AEAD_KEY_LEN];
	memcpy(wrong_key, fuzz_key, sizeof(wrong_key));
	wrong_key[size % sizeof(wrong_key)] ^= 0x01;
	if (open_blob(&pt, wrong_key, b, blob.len, fuzz_path) != CST_EINTEGRITY)
		fail("opened with another key", size);
	free(b);

	/* Truncated by one byte: its own exact-size block. */
	b = copy(blob.ptr, blob.len - 1);
	if (open_blob(&pt, fuzz_key, b, blob.len - 1, fuzz_path) != CST_EINTEGRITY)
		fail("opened a truncated blob", size);
	free(b);

	/* One byte flipped, position and mask chosen by the input. */
	size_t pos = 0;
	unsigned char mask = 0x80;
	if (size > 0) {
		pos = ((size_t)data[0] | (size_t)data[size - 1] << 8) % blob.len;
		mask = data[size / 2] ? data[size / 2] : 0x80;
	}
	b = copy(blob.ptr, blob.len);
	b[pos] ^= mask;
	if (open_blob(&pt, fuzz_key, b, blob.len, fuzz_path) != CST_EINTEGRITY)
		fail("opened a blob with a flipped byte", size);
	if (pt.len != 0)
		fail("failed open left a length behind", size);
	free(b);
done:
	cst_buf_release(&pt);
	cst_buf_release(&blob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_blob(data, size);
	as_plaintext(data, size);
	return 0;
}
