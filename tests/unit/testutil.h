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

#endif
