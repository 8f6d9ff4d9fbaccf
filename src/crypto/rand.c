/* rand.c - random bytes from OpenSSL's DRBG (seeded by getrandom). */
#include "crypto/rand.h"

#include <limits.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>

#include "core/error.h"

int cst_rand_bytes(void *buf, size_t n)
{
	if (n > INT_MAX || RAND_bytes(buf, (int)n) != 1)
		return cst_fail(CST_ERROR, "random source failed");
	return CST_OK;
}

#define POOL 1024

static _Thread_local unsigned char pool[POOL];
static _Thread_local size_t pool_left;

/* A forked child must not hand out bytes its parent also holds. Only the
 * thread that called fork lives on in the child, and pthread_atfork runs
 * this in that thread, so emptying its pool is enough. (A getpid call per
 * draw did the same job with a system call on every request.) */
static void empty_pool_in_child(void)
{
	memset(pool, 0, sizeof(pool));
	pool_left = 0;
}

static pthread_once_t fork_hook_once = PTHREAD_ONCE_INIT;

static void install_fork_hook(void)
{
	pthread_atfork(NULL, NULL, empty_pool_in_child);
}

int cst_rand_public(void *buf, size_t n)
{
	if (n > 64)
		return cst_fail(CST_EINVAL, "public random draw too large");
	pthread_once(&fork_hook_once, install_fork_hook);
	if (pool_left < n) {
		if (RAND_bytes(pool, POOL) != 1) {
			pool_left = 0;
			return cst_fail(CST_ERROR, "random source failed");
		}
		pool_left = POOL;
	}
	/* Taken from the end; each byte goes out once and is cleared. */
	pool_left -= n;
	memcpy(buf, pool + pool_left, n);
	memset(pool + pool_left, 0, n);
	return CST_OK;
}

void cst_rand_uuid(char out[CST_UUID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];
	char *o = out;
	if (cst_rand_public(r, sizeof(r)) < 0)
		memset(r, 0, sizeof(r));
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
