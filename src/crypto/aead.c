/* aead.c - AES-256-GCM through OpenSSL 3's EVP interface. */
#include "crypto/aead.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>

#include "core/error.h"
#include "util/mem.h"

/* Fetching the cipher once avoids OpenSSL 3's per-call implicit fetch. */
static EVP_CIPHER *gcm;
static pthread_once_t gcm_once = PTHREAD_ONCE_INIT;

/* Start-up cost matters: `custos get` is a whole process per secret. The
 * OpenSSL config file is not read (custos configures nothing through it)
 * and the legacy name tables are not built (custos fetches by name). */
static void fetch_gcm(void)
{
	/* NO_ATEXIT: the process exits right after; OpenSSL's own clean-up at
	 * exit was 7% of a `custos get` and frees nothing that matters. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ADD_ALL_CIPHERS |
	                            OPENSSL_INIT_NO_ADD_ALL_DIGESTS | OPENSSL_INIT_NO_ATEXIT,
	                    NULL);
	gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

static int check_sizes(size_t nonce_len, size_t aad_len, size_t len)
{
	if (nonce_len != CST_AEAD_NONCE_LEN)
		return cst_fail(CST_EINVAL, "aead: nonce must be %d bytes", CST_AEAD_NONCE_LEN);
	if (aad_len > INT_MAX || len > INT_MAX)
		return cst_fail(CST_EINVAL, "aead: input too large");
	pthread_once(&gcm_once, fetch_gcm);
	if (gcm == NULL)
		return cst_fail(CST_ERROR, "aead: AES-256-GCM unavailable in libcrypto");
	return CST_OK;
}

int cst_aead_seal(unsigned char *out_ct, unsigned char *out_tag, const unsigned char *key,
                  const unsigned char *nonce, size_t nonce_len, const void *aad, size_t aad_len,
                  const void *pt, size_t pt_len)
{
	int rc = check_sizes(nonce_len, aad_len, pt_len);
	if (rc < 0)
		return rc;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0;
	rc = CST_ERROR; /* the message is set below, only if it fails */
	if (ctx == NULL || EVP_EncryptInit_ex2(ctx, gcm, key, nonce, NULL) != 1)
		goto done;
	if (aad_len && EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
		goto done;
	if (pt_len && EVP_EncryptUpdate(ctx, out_ct, &n, pt, (int)pt_len) != 1)
		goto done;
	if (EVP_EncryptFinal_ex(ctx, pt_len ? out_ct + n : out_ct, &n) != 1)
		goto done;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, CST_AEAD_TAG_LEN, out_tag) != 1)
		goto done;
	rc = CST_OK;
done:
	if (rc < 0)
		cst_fail(rc, "aead: encryption failed");
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int cst_aead_open(unsigned char *out_pt, const unsigned char *key, const unsigned char *nonce,
                  size_t nonce_len, const void *aad, size_t aad_len, const void *ct,
                  size_t ct_len, const unsigned char *tag, size_t tag_len)
{
	int rc = check_sizes(nonce_len, aad_len, ct_len);
	if (rc < 0)
		return rc;
	if (tag_len != CST_AEAD_TAG_LEN)
		return cst_fail(CST_EINTEGRITY, "aead: tag must be %d bytes", CST_AEAD_TAG_LEN);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0;
	rc = CST_ERROR; /* the message is set below, only if it fails */
	if (ctx == NULL || EVP_DecryptInit_ex2(ctx, gcm, key, nonce, NULL) != 1)
		goto done;
	if (aad_len && EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
		goto done;
	if (ct_len && EVP_DecryptUpdate(ctx, out_pt, &n, ct, (int)ct_len) != 1)
		goto done;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, CST_AEAD_TAG_LEN, (void *)tag) != 1)
		goto done;
	/* Final checks the tag; only then is the plaintext released. */
	if (EVP_DecryptFinal_ex(ctx, ct_len ? out_pt + n : out_pt, &n) != 1) {
		rc = cst_fail(CST_EINTEGRITY, "aead: authentication tag mismatch");
		goto done;
	}
	rc = CST_OK;
done:
	if (rc == CST_ERROR)
		cst_fail(rc, "aead: decryption failed");
	if (rc < 0)
		cst_wipe(out_pt, ct_len);
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}
