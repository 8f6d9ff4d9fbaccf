/* rand.c - random bytes from OpenSSL's DRBG (seeded by getrandom). */
#include "crypto/rand.h"

#include <limits.h>
#include <openssl/rand.h>
#include <string.h>

#include "core/error.h"

int cst_rand_bytes(void *buf, size_t n)
{
	if (n > INT_MAX || RAND_bytes(buf, (int)n) != 1)
		return cst_fail(CST_ERROR, "random source failed");
	return CST_OK;
}

/* One cst_rand_bytes call per 128 ids instead of one per id (with the
 * snprintf formatting it replaced, that was ~5% of the CPU time of a
 * server's KV read). Each byte is used for one id only. */
static _Thread_local unsigned char id_pool[2048];
static _Thread_local size_t id_pool_left;

void cst_rand_uuid(char out[CST_UUID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];
	char *o = out;
	if (id_pool_left < sizeof(r) && cst_rand_bytes(id_pool, sizeof(id_pool)) >= 0)
		id_pool_left = sizeof(id_pool);
	if (id_pool_left >= sizeof(r)) {
		id_pool_left -= sizeof(r);
		memcpy(r, id_pool + id_pool_left, sizeof(r));
	} else {
		memset(r, 0, sizeof(r));
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* a version 4 UUID */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	for (size_t i = 0; i < sizeof(r); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[r[i] >> 4];
		*o++ = hex[r[i] & 0x0f];
	}
	*o = '\0';
}
