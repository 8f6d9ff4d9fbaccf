/* sealed.c - building, parsing and opening the sealed-value envelope. */
#include "core/sealed.h"

#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "crypto/aead.h"
#include "crypto/rand.h"

int cst_sealed_parse(cst_sealed_view *out, const unsigned char *blob, size_t len)
{
	if (len < CST_SEALED_OVERHEAD)
		return cst_fail(CST_EINTEGRITY, "stored value is truncated (%zu bytes)", len);
	if (blob[0] != CST_SEALED_VERSION)
		return cst_fail(CST_EINTEGRITY, "stored value has unknown format version %u", blob[0]);
	out->header = blob;
	out->term = (uint32_t)blob[1] << 24 | (uint32_t)blob[2] << 16 | (uint32_t)blob[3] << 8 |
	            blob[4];
	out->nonce = blob + CST_SEALED_HEADER_LEN;
	out->ct = out->nonce + CST_AEAD_NONCE_LEN;
	out->ct_len = len - CST_SEALED_OVERHEAD;
	out->tag = out->ct + out->ct_len;
	return CST_OK;
}

/* AAD = header || path. Paths are short, so a stack buffer does. */
static int make_aad(unsigned char *aad, size_t *aad_len, const unsigned char *header,
                    const char *path)
{
	size_t plen = strlen(path);
	if (plen > CST_LIMIT_STORAGE_KEY)
		return cst_fail(CST_EINVAL, "storage path too long");
	memcpy(aad, header, CST_SEALED_HEADER_LEN);
	memcpy(aad + CST_SEALED_HEADER_LEN, path, plen);
	*aad_len = CST_SEALED_HEADER_LEN + plen;
	return CST_OK;
}

int cst_sealed_seal(cst_buf *out, const unsigned char *key, uint32_t term, const char *path,
                    const void *pt, size_t pt_len)
{
	unsigned char aad[CST_SEALED_HEADER_LEN + CST_LIMIT_STORAGE_KEY];
	size_t aad_len;
	int rc;
	cst_buf_reset(out);
	if ((rc = cst_buf_grow(out, pt_len + CST_SEALED_OVERHEAD)) < 0)
		return rc;
	unsigned char *p = (unsigned char *)out->ptr;
	p[0] = CST_SEALED_VERSION;
	p[1] = (unsigned char)(term >> 24);
	p[2] = (unsigned char)(term >> 16);
	p[3] = (unsigned char)(term >> 8);
	p[4] = (unsigned char)term;
	unsigned char *nonce = p + CST_SEALED_HEADER_LEN;
	unsigned char *ct = nonce + CST_AEAD_NONCE_LEN;
	if ((rc = cst_rand_public(nonce, CST_AEAD_NONCE_LEN)) < 0 ||
	    (rc = make_aad(aad, &aad_len, p, path)) < 0 ||
	    (rc = cst_aead_seal(ct, ct + pt_len, key, nonce, CST_AEAD_NONCE_LEN, aad, aad_len, pt,
	                        pt_len)) < 0)
		return rc;
	out->len = pt_len + CST_SEALED_OVERHEAD;
	out->ptr[out->len] = '\0';
	return CST_OK;
}

int cst_sealed_open(cst_buf *out, const unsigned char *key, const cst_sealed_view *v,
                    const char *path)
{
	unsigned char aad[CST_SEALED_HEADER_LEN + CST_LIMIT_STORAGE_KEY];
	size_t aad_len;
	int rc;
	cst_buf_reset(out);
	out->max = CST_LIMIT_STORED;
	if ((rc = make_aad(aad, &aad_len, v->header, path)) < 0 ||
	    (rc = cst_buf_grow(out, v->ct_len)) < 0)
		return rc;
	rc = cst_aead_open((unsigned char *)out->ptr, key, v->nonce, CST_AEAD_NONCE_LEN, aad,
	                   aad_len, v->ct, v->ct_len, v->tag, CST_AEAD_TAG_LEN);
	if (rc < 0)
		return cst_fail(CST_EINTEGRITY, "stored value at %.200s failed authentication "
		                                "(tampered, moved or wrong key)", path);
	out->len = v->ct_len;
	out->ptr[out->len] = '\0';
	return CST_OK;
}
