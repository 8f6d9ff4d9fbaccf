/* rand.c - random bytes from OpenSSL's DRBG (seeded by getrandom). */
#include "crypto/rand.h"

#include <limits.h>
#include <openssl/rand.h>

#include "core/error.h"

int cst_rand_bytes(void *buf, size_t n)
{
	if (n > INT_MAX || RAND_bytes(buf, (int)n) != 1)
		return cst_fail(CST_ERROR, "random source failed");
	return CST_OK;
}
