/* rand.h - the cryptographic random source. */
#ifndef CST_RAND_H
#define CST_RAND_H

#include <stddef.h>

/* Fills buf with n random bytes. Returns CST_OK or CST_ERROR. */
int cst_rand_bytes(void *buf, size_t n) __attribute__((warn_unused_result));

#endif
