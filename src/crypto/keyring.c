/* keyring.c - data-key terms: creation, rotation and a fixed binary form. */
#include "crypto/keyring.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "crypto/rand.h"
#include "util/mem.h"
#include "util/timefmt.h"

#define TERM_BYTES (4 + 8 + 8 + CST_KEY_LEN)

static int add_term(cst_keyring *kr, uint32_t number)
{
	if (kr->count >= CST_LIMIT_TERMS)
		return cst_fail(CST_ENOMEM, "keyring holds the maximum of %d terms", CST_LIMIT_TERMS);
	/* No realloc: keys must not be left behind in a freed block. */
	cst_term *t = calloc(kr->count + 1, sizeof(*t));
	if (t == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	if (kr->count) {
		memcpy(t, kr->terms, kr->count * sizeof(*t));
		cst_wipe(kr->terms, kr->count * sizeof(*t));
		free(kr->terms);
	}
	kr->terms = t;
	cst_term *n = &t[kr->count];
	n->term = number;
	n->created_ns = cst_now_ns();
	int rc = cst_rand_bytes(n->key, CST_KEY_LEN);
	if (rc < 0)
		return rc;
	kr->count++;
	kr->active = number;
	return CST_OK;
}

int cst_keyring_new(cst_keyring **out)
{
	cst_keyring *kr = calloc(1, sizeof(*kr));
	if (kr == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	int rc = add_term(kr, 1);
	if (rc < 0) {
		cst_keyring_free(kr);
		return rc;
	}
	*out = kr;
	return CST_OK;
}

void cst_keyring_free(cst_keyring *kr)
{
	if (kr == NULL)
		return;
	cst_wipe(kr->terms, kr->count * sizeof(*kr->terms));
	free(kr->terms);
	free(kr);
}

int cst_keyring_rotate(cst_keyring *kr)
{
	return add_term(kr, kr->count ? kr->terms[kr->count - 1].term + 1 : 1);
}

cst_term *cst_keyring_find(cst_keyring *kr, uint32_t term)
{
	for (size_t i = 0; i < kr->count; i++)
		if (kr->terms[i].term == term)
			return &kr->terms[i];
	return NULL;
}

cst_term *cst_keyring_active(cst_keyring *kr)
{
	return cst_keyring_find(kr, kr->active);
}

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t get_be(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

int cst_keyring_serialize(cst_buf *out, const cst_keyring *kr)
{
	int rc;
	cst_buf_reset(out);
	if ((rc = cst_buf_grow(out, 12 + kr->count * TERM_BYTES)) < 0)
		return rc;
	unsigned char *p = (unsigned char *)out->ptr;
	memcpy(p, "CKR1", 4);
	put_be(p + 4, kr->count, 4);
	put_be(p + 8, kr->active, 4);
	p += 12;
	for (size_t i = 0; i < kr->count; i++, p += TERM_BYTES) {
		const cst_term *t = &kr->terms[i];
		put_be(p, t->term, 4);
		put_be(p + 4, (uint64_t)t->created_ns, 8);
		put_be(p + 12, t->seals, 8);
		memcpy(p + 20, t->key, CST_KEY_LEN);
	}
	out->len = 12 + kr->count * TERM_BYTES;
	out->ptr[out->len] = '\0';
	return CST_OK;
}

int cst_keyring_parse(cst_keyring **out, const unsigned char *data, size_t len)
{
	if (len < 12 || memcmp(data, "CKR1", 4) != 0)
		return cst_fail(CST_EINTEGRITY, "keyring has an unknown format");
	uint64_t count = get_be(data + 4, 4);
	if (count == 0 || count > CST_LIMIT_TERMS || len != 12 + count * TERM_BYTES)
		return cst_fail(CST_EINTEGRITY, "keyring has a bad length");
	cst_keyring *kr = calloc(1, sizeof(*kr));
	cst_term *t = calloc(count, sizeof(*t));
	if (kr == NULL || t == NULL) {
		free(kr);
		free(t);
		return cst_fail(CST_ENOMEM, "out of memory");
	}
	kr->terms = t;
	kr->count = count;
	kr->active = (uint32_t)get_be(data + 8, 4);
	const unsigned char *p = data + 12;
	for (size_t i = 0; i < count; i++, p += TERM_BYTES) {
		t[i].term = (uint32_t)get_be(p, 4);
		t[i].created_ns = (int64_t)get_be(p + 4, 8);
		t[i].seals = get_be(p + 12, 8);
		memcpy(t[i].key, p + 20, CST_KEY_LEN);
	}
	if (cst_keyring_active(kr) == NULL) {
		cst_keyring_free(kr);
		return cst_fail(CST_EINTEGRITY, "keyring's active term is missing");
	}
	*out = kr;
	return CST_OK;
}
