/* kdf.c - SHA-256, HMAC, HKDF, PBKDF2 and scrypt through OpenSSL 3. */
/* SHA256_Init and friends (see struct cst_mac_key). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/kdf.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <string.h>

#include "core/error.h"

void cst_sha256(unsigned char out[CST_SHA256_LEN], const void *data, size_t len)
{
	/* The low-level calls, not SHA256(): in OpenSSL 3 that one-shot is
	 * EVP_Q_digest, which fetches the algorithm on every call (a third of
	 * an audit entry's digest, and of `custos audit verify`'s time). */
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, data, len);
	SHA256_Final(out, &c);
	OPENSSL_cleanse(&c, sizeof(c));
}

/* Fetched once: OpenSSL 3's one-shot HMAC() fetches the algorithm on every
 * call, which dominated token checks on the server's hot path. */
static EVP_MAC *hmac_alg;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void fetch_hmac(void)
{
	hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

int cst_mac_sha256(unsigned char out[CST_SHA256_LEN], const void *key, size_t key_len,
                   const void *msg, size_t msg_len)
{
	static const unsigned char empty[1];
	size_t n = 0;
	pthread_once(&hmac_once, fetch_hmac);
	EVP_MAC_CTX *ctx = hmac_alg ? EVP_MAC_CTX_new(hmac_alg) : NULL;
	OSSL_PARAM params[2];
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	int ok = ctx != NULL && EVP_MAC_init(ctx, key_len ? key : empty, key_len, params) == 1 &&
	         EVP_MAC_update(ctx, msg_len ? msg : empty, msg_len) == 1 &&
	         EVP_MAC_final(ctx, out, &n, CST_SHA256_LEN) == 1 && n == CST_SHA256_LEN;
	EVP_MAC_CTX_free(ctx);
	return ok ? CST_OK : cst_fail(CST_ERROR, "hmac failed");
}

/* The pre-keyed HMAC keeps its two hashed pads as plain SHA256_CTX
 * structs: a MAC then copies them by value, with no allocation and no
 * provider dispatch (EVP_MD_CTX_copy_ex allocates a context per copy,
 * which made the audit path's dozen MACs per request a malloc storm).
 * The low-level SHA-256 calls are deprecated in OpenSSL 3 but stay, and
 * run the same assembly (SHA-NI where the CPU has it). */
struct cst_mac_key {
	SHA256_CTX inner; /* after absorbing key ^ ipad */
	SHA256_CTX outer; /* after absorbing key ^ opad */
};

void cst_mac_key_free(cst_mac_key *k)
{
	if (k == NULL)
		return;
	OPENSSL_cleanse(k, sizeof(*k));
	OPENSSL_free(k);
}

/* HMAC as RFC 2104 defines it: H((K ^ opad) || H((K ^ ipad) || m)), with
 * K hashed first when longer than the 64-byte block. */
int cst_mac_key_new(cst_mac_key **out, const void *key, size_t key_len)
{
	unsigned char block[64], pad[64];
	*out = NULL;
	memset(block, 0, sizeof(block));
	if (key_len > sizeof(block))
		cst_sha256(block, key, key_len);
	else if (key_len)
		memcpy(block, key, key_len);
	cst_mac_key *k = OPENSSL_zalloc(sizeof(*k));
	int ok = k != NULL;
	for (int i = 0; ok && i < 64; i++)
		pad[i] = block[i] ^ 0x36;
	ok = ok && SHA256_Init(&k->inner) == 1 && SHA256_Update(&k->inner, pad, sizeof(pad)) == 1;
	for (int i = 0; ok && i < 64; i++)
		pad[i] = block[i] ^ 0x5c;
	ok = ok && SHA256_Init(&k->outer) == 1 && SHA256_Update(&k->outer, pad, sizeof(pad)) == 1;
	OPENSSL_cleanse(block, sizeof(block));
	OPENSSL_cleanse(pad, sizeof(pad));
	if (!ok) {
		cst_mac_key_free(k);
		return cst_fail(CST_ERROR, "hmac key set-up failed");
	}
	*out = k;
	return CST_OK;
}

int cst_mac_key_sha256_2(unsigned char out[CST_SHA256_LEN], const cst_mac_key *k, const void *a,
                         size_t a_len, const void *b, size_t b_len)
{
	unsigned char inner[CST_SHA256_LEN];
	SHA256_CTX c = k->inner;
	int ok = (a_len == 0 || SHA256_Update(&c, a, a_len) == 1) &&
	         (b_len == 0 || SHA256_Update(&c, b, b_len) == 1) && SHA256_Final(inner, &c) == 1;
	c = k->outer;
	ok = ok && SHA256_Update(&c, inner, sizeof(inner)) == 1 && SHA256_Final(out, &c) == 1;
	OPENSSL_cleanse(&c, sizeof(c));
	OPENSSL_cleanse(inner, sizeof(inner));
	return ok ? CST_OK : cst_fail(CST_ERROR, "hmac failed");
}

int cst_mac_key_sha256(unsigned char out[CST_SHA256_LEN], const cst_mac_key *k, const void *msg,
                       size_t msg_len)
{
	return cst_mac_key_sha256_2(out, k, msg, msg_len, NULL, 0);
}

/* Runs one EVP_KDF by name with a parameter list. */
static int derive(const char *name, unsigned char *out, size_t out_len, OSSL_PARAM *params)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, name, NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	int ok = ctx != NULL && EVP_KDF_derive(ctx, out, out_len, params) == 1;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? CST_OK : cst_fail(CST_EINVAL, "%s derivation failed", name);
}

int cst_kdf_hkdf_sha256(unsigned char *out, size_t out_len, const void *ikm, size_t ikm_len,
                        const void *salt, size_t salt_len, const void *info, size_t info_len)
{
	OSSL_PARAM params[5], *p = params;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
	if (salt_len)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
	*p = OSSL_PARAM_construct_end();
	return derive("HKDF", out, out_len, params);
}

int cst_kdf_pbkdf2_sha256(unsigned char *out, size_t out_len, const void *pass, size_t pass_len,
                          const void *salt, size_t salt_len, uint32_t iterations)
{
	if (iterations == 0)
		return cst_fail(CST_EINVAL, "pbkdf2: iterations must be positive");
	/* Lift the SP 800-132 lower bounds so published short vectors work;
	 * callers choose real costs. */
	int pkcs5 = 1;
	OSSL_PARAM params[6], *p = params;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pass, pass_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
	*p++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_ITER, &iterations);
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5);
	*p = OSSL_PARAM_construct_end();
	return derive("PBKDF2", out, out_len, params);
}

int cst_kdf_scrypt(unsigned char *out, size_t out_len, const void *pass, size_t pass_len,
                   const void *salt, size_t salt_len, uint64_t N, uint32_t r, uint32_t p)
{
	if (N < 2 || (N & (N - 1)) != 0 || r == 0 || p == 0)
		return cst_fail(CST_EINVAL, "scrypt: N must be a power of two above 1, r and p positive");
	uint64_t maxmem = 1ull << 30;
	if (N * r > maxmem / 128)
		return cst_fail(CST_EINVAL, "scrypt: parameters need more than 1 GiB");
	static const unsigned char empty[1];
	OSSL_PARAM params[7], *q = params;
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	                                         (void *)(pass_len ? pass : empty), pass_len);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	                                         (void *)(salt_len ? salt : empty), salt_len);
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &N);
	*q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	*q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
	uint64_t mem = maxmem + 1024 * 1024;
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &mem);
	*q = OSSL_PARAM_construct_end();
	return derive("SCRYPT", out, out_len, params);
}
