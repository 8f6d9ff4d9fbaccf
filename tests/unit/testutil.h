/* testutil.h - what every cmocka unit test includes: cmocka itself and a
 * helper to find tests/fixtures whatever the working directory. */
#ifndef CST_TESTUTIL_H
#define CST_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Path of a fixture: $CUSTOS_FIXTURES (default "tests/fixtures") + "/" + name. */
static inline const char *fixture_path(const char *name)
{
	static char path[1024];
	const char *dir = getenv("CUSTOS_FIXTURES");
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/fixtures", name);
	return path;
}

/* A fresh unsealed vault in memory (memory backend, throwaway master key),
 * for tests of what sits above the barrier. NULL on failure. */
#ifdef CUSTOS_REQUEST_H
static inline cst_vault *test_memory_vault(void)
{
	cst_open_opts o = {0};
	o.backend = "memory";
	o.vault_path = ":memory:";
	unsigned char **shares = NULL;
	size_t len = 0;
	cst_vault *v = NULL;
	if (cst_vault_init_shamir(&v, &o, 1, 1, &shares, &len) != CST_OK)
		return NULL;
	free(shares[0]);
	free(shares);
	return v;
}
#endif

#endif
