/* hash.h - the string hash of the in-process tables (caches, the login
 * guard): 64-bit FNV-1a. Not for anything an attacker can steer into
 * collisions at will beyond slowing one bucket: keys are storage paths,
 * token hashes, policy names and addresses. */
#ifndef CST_HASH_H
#define CST_HASH_H

#include <stdint.h>

static inline uint64_t cst_hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

#endif
