/* rand.h - the cryptographic random source. */
#ifndef CST_RAND_H
#define CST_RAND_H

#include <stddef.h>

/* Fills buf with n random bytes. Returns CST_OK or CST_ERROR. */
int cst_rand_bytes(void *buf, size_t n) __attribute__((warn_unused_result));

/* Fills buf with n random bytes for values that are public once used
 * (AES-GCM nonces, request ids): drawn from a per-thread pool refilled
 * 1 KiB at a time from the same DRBG, since one RAND_bytes call cost more
 * than the seal it served. A pool is dropped when the process forks, so a
 * parent and child never hand out the same bytes. Never for keys or
 * tokens: those call cst_rand_bytes. n must be at most 64. */
int cst_rand_public(void *buf, size_t n) __attribute__((warn_unused_result));

/* A random version 4 UUID ("8-4-4-4-12" lower-case hex) for request ids:
 * correlation ids, not secrets. Drawn from a per-thread pool filled from
 * the CSPRNG 2 KiB at a time; all zeros if the source fails. */
#define CST_UUID_LEN 36
void cst_rand_uuid(char out[CST_UUID_LEN + 1]);

#endif
