/* fuzz_fernet.c - the Fernet token parser (cst_fernet_decrypt) under one
 * fixed key, against arbitrary bytes. Checks: only CST_OK, CST_EINTEGRITY
 * or CST_ENOMEM come back; a refusal leaves no plaintext; an accepted
 * token re-encrypts to itself under its own IV and timestamp (so nothing
 * but a genuine token opens), and opens under no other key. The input is
 * also used as a plaintext for a round trip. The seeds include genuine
 * tokens under FUZZ_KEY. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/fernet.h"
#include "util/base64.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Key "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" (bytes 0..31). */
static unsigned char fuzz_key[CST_FERNET_KEY_LEN];

static void fail(const char *what, size_t size)
{
	fprintf(stderr, "fuzz_fernet: %s (input of %zu bytes)\n", what, size);
	abort();
}

static void as_token(const uint8_t *data, size_t size)
{
	cst_buf pt = CST_BUF_INIT, again = CST_BUF_INIT;
	/* The first input byte picks a TTL mode so the time checks run too. */
	int64_t ttl = size && (data[0] & 1) ? 60 : -1, now = 1704067200;
	int rc = cst_fernet_decrypt(&pt, fuzz_key, (const char *)data, size, ttl, now);
	if (rc != CST_OK) {
		if (rc != CST_EINTEGRITY && rc != CST_ENOMEM)
			fail("unexpected status", size);
		if (pt.len != 0)
			fail("a refused token left plaintext", size);
		goto done;
	}
	/* Genuine: rebuild it from its own header and compare. */
	unsigned char *raw = malloc(size / 4 * 3 + 4);
	size_t n = 0, s = 0, e = size;
	while (s < e && (data[s] == ' ' || (data[s] >= '\t' && data[s] <= '\r')))
		s++;
	while (e > s && (data[e - 1] == ' ' || (data[e - 1] >= '\t' && data[e - 1] <= '\r')))
		e--;
	if (raw == NULL || cst_b64_decode(raw, &n, (const char *)data + s, e - s, CST_B64_URL) < 0 ||
	    n < 57)
		fail("an accepted token does not decode", size);
	int64_t stamp = 0;
	for (int i = 0; i < 8; i++)
		stamp = (int64_t)((uint64_t)stamp << 8 | raw[1 + i]);
	if (cst_fernet_encrypt(&again, fuzz_key, pt.ptr, pt.len, stamp, raw + 9) != CST_OK)
		fail("re-encryption failed", size);
	unsigned char *raw2 = malloc(again.len / 4 * 3 + 4);
	size_t n2 = 0;
	if (raw2 == NULL || cst_b64_decode(raw2, &n2, again.ptr, again.len, CST_B64_URL) < 0 ||
	    n2 != n || memcmp(raw, raw2, n) != 0)
		fail("accepted a token that is not a genuine encryption", size);
	free(raw2);
	free(raw);
	unsigned char other[CST_FERNET_KEY_LEN];
	memcpy(other, fuzz_key, sizeof(other));
	other[size % sizeof(other)] ^= 0x80;
	if (cst_fernet_decrypt(&pt, other, (const char *)data, size, -1, 0) != CST_EINTEGRITY)
		fail("a token opened under another key", size);
done:
	cst_buf_release(&pt);
	cst_buf_release(&again);
}

static void as_plaintext(const uint8_t *data, size_t size)
{
	cst_buf tok = CST_BUF_INIT, pt = CST_BUF_INIT;
	if (cst_fernet_encrypt(&tok, fuzz_key, data, size, 1704067200, NULL) != CST_OK) {
		if (size <= CST_FERNET_TOKEN_MAX / 2)
			fail("encryption failed", size);
		goto done;
	}
	if (cst_fernet_decrypt(&pt, fuzz_key, tok.ptr, tok.len, 60, 1704067200) != CST_OK ||
	    pt.len != size || (size && memcmp(pt.ptr, data, size) != 0))
		fail("round trip lost the plaintext", size);
	if (cst_fernet_decrypt(&pt, fuzz_key, tok.ptr, tok.len, 60, 1704067200 + 61) != CST_EINTEGRITY)
		fail("an expired token opened", size);
done:
	cst_buf_release(&tok);
	cst_buf_release(&pt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int i = 0; i < CST_FERNET_KEY_LEN; i++)
		fuzz_key[i] = (unsigned char)i;
	as_token(data, size);
	as_plaintext(data, size);
	return 0;
}
