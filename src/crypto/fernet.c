/* fernet.c - Fernet tokens through OpenSSL 3: AES-128-CBC and HMAC-SHA256.
 *
 * Token bytes: 0x80 | timestamp (u64 BE) | IV (16) | ciphertext | HMAC (32),
 * the HMAC (signing key: first half of the key) covering everything before
 * it. */
#include "crypto/fernet.h"

#include <ctype.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/kdf.h"
#include "crypto/rand.h"
#include "util/base64.h"
#include "util/mem.h"

#define VERSION 0x80
#define HEADER_LEN (1 + 8 + CST_FERNET_IV_LEN)
#define MAC_LEN CST_SHA256_LEN
#define BLOCK 16

static void trim(const char **text, size_t *len)
{
	while (*len && isspace((unsigned char)**text)) {
		(*text)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*text)[*len - 1]))
		(*len)--;
}

int cst_fernet_key_decode(unsigned char out[CST_FERNET_KEY_LEN], const char *text, size_t len)
{
	unsigned char raw[64];
	size_t n = 0;
	trim(&text, &len);
	if (len > 48 || cst_b64_decode(raw, &n, text, len, CST_B64_URL) < 0 ||
	    n != CST_FERNET_KEY_LEN) {
		cst_wipe(raw, sizeof(raw));
		return cst_fail(CST_EINVAL, "a Fernet key is URL-safe base64 of 32 bytes");
	}
	memcpy(out, raw, CST_FERNET_KEY_LEN);
	cst_wipe(raw, sizeof(raw));
	return CST_OK;
}

/* AES-128-CBC over len bytes (a multiple of 16) without OpenSSL's own
 * padding: padding is added and checked here, after the MAC. */
static int cbc(unsigned char *out, const unsigned char *key, const unsigned char *iv,
               const unsigned char *in, size_t len, int enc)
{
	if (len > INT_MAX)
		return cst_fail(CST_ENOMEM, "fernet: input too large");
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok = ctx != NULL &&
	                    EVP_CipherInit_ex2(ctx, EVP_aes_128_cbc(), key, iv, enc, NULL) == 1 &&
	                    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	                    EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 &&
	                    EVP_CipherFinal_ex(ctx, out + n, &m) == 1 && (size_t)(n + m) == len;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? CST_OK : cst_fail(CST_ERROR, "fernet: AES-128-CBC failed");
}

int cst_fernet_encrypt(cst_buf *out, const unsigned char key[CST_FERNET_KEY_LEN],
                       const void *pt, size_t n, int64_t now, const unsigned char *iv)
{
	if (n > CST_FERNET_TOKEN_MAX / 2)
		return cst_fail(CST_ENOMEM, "fernet: plaintext too large");
	size_t padded = (n / BLOCK + 1) * BLOCK, raw_len = HEADER_LEN + padded + MAC_LEN;
	unsigned char *raw = malloc(raw_len), *block = malloc(padded);
	char *text = malloc(cst_b64_encoded_size(raw_len));
	int rc = CST_ENOMEM;
	if (raw == NULL || block == NULL || text == NULL) {
		cst_fail(rc, "out of memory");
		goto done;
	}
	raw[0] = VERSION;
	for (int i = 0; i < 8; i++)
		raw[1 + i] = (unsigned char)((uint64_t)now >> (56 - 8 * i));
	if (iv != NULL)
		memcpy(raw + 9, iv, CST_FERNET_IV_LEN);
	else if ((rc = cst_rand_bytes(raw + 9, CST_FERNET_IV_LEN)) < 0)
		goto done;
	if (n)
		memcpy(block, pt, n);
	memset(block + n, (int)(padded - n), padded - n);
	if ((rc = cbc(raw + HEADER_LEN, key + 16, raw + 9, block, padded, 1)) < 0 ||
	    (rc = cst_mac_sha256(raw + HEADER_LEN + padded, key, 16, raw, HEADER_LEN + padded)) < 0)
		goto done;
	size_t tl = cst_b64_encode(text, raw, raw_len, CST_B64_URL);
	cst_buf_reset(out);
	rc = cst_buf_put(out, text, tl);
done:
	if (block)
		cst_wipe(block, padded);
	free(block);
	free(raw);
	free(text);
	return rc;
}

int cst_fernet_decrypt(cst_buf *out, const unsigned char key[CST_FERNET_KEY_LEN],
                       const char *token, size_t len, int64_t ttl, int64_t now)
{
	cst_buf_reset(out);
	trim(&token, &len);
	if (len == 0 || len > CST_FERNET_TOKEN_MAX)
		return cst_fail(CST_EINTEGRITY, "fernet: token is empty or too long");
	unsigned char *raw = malloc(len / 4 * 3 + 3), *pt = NULL, mac[MAC_LEN];
	size_t n = 0, body = 0, ct_len = 0;
	int rc = CST_EINTEGRITY;
	if (raw == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	if (cst_b64_decode(raw, &n, token, len, CST_B64_URL) < 0) {
		cst_fail(rc, "fernet: token is not URL-safe base64");
		goto done;
	}
	if (n < 9 || raw[0] != VERSION) {
		cst_fail(rc, "fernet: not a Fernet token (version byte)");
		goto done;
	}
	uint64_t stamp = 0;
	for (int i = 0; i < 8; i++)
		stamp = stamp << 8 | raw[1 + i];
	/* pyca checks the time only when a TTL is given, and before the MAC
	 * (the timestamp is not secret). Compared without overflow. */
	if (ttl >= 0) {
		if (now >= 0 && (uint64_t)now > stamp && (uint64_t)now - stamp > (uint64_t)ttl) {
			cst_fail(rc, "fernet: token expired (older than %lld s)", (long long)ttl);
			goto done;
		}
		if (now < 0 || stamp > (uint64_t)now + CST_FERNET_MAX_SKEW) {
			cst_fail(rc, "fernet: token timestamp is in the future");
			goto done;
		}
	}
	if (n < HEADER_LEN + MAC_LEN) {
		cst_fail(rc, "fernet: token too short");
		goto done;
	}
	body = n - MAC_LEN;
	ct_len = body - HEADER_LEN;
	if ((rc = cst_mac_sha256(mac, key, 16, raw, body)) < 0)
		goto done;
	if (!cst_ct_equal(mac, raw + body, MAC_LEN)) {
		rc = cst_fail(CST_EINTEGRITY, "fernet: bad token MAC (wrong key or tampered token)");
		goto done;
	}
	rc = CST_EINTEGRITY;
	if (ct_len == 0 || ct_len % BLOCK != 0) {
		cst_fail(rc, "fernet: ciphertext is not whole AES blocks");
		goto done;
	}
	if ((pt = malloc(ct_len)) == NULL) {
		rc = cst_fail(CST_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = cbc(pt, key + 16, raw + 9, raw + HEADER_LEN, ct_len, 0)) < 0)
		goto done;
	unsigned pad = pt[ct_len - 1], bad = pad == 0 || pad > BLOCK;
	for (unsigned i = 1; !bad && i <= pad; i++)
		bad |= pt[ct_len - i] != pad;
	if (bad) {
		rc = cst_fail(CST_EINTEGRITY, "fernet: bad padding");
		goto done;
	}
	rc = cst_buf_put(out, pt, ct_len - pad);
done:
	if (pt) {
		cst_wipe(pt, ct_len);
		free(pt);
	}
	cst_wipe(raw, len / 4 * 3 + 3);
	free(raw);
	if (rc < 0)
		cst_buf_reset(out);
	return rc;
}
