/* fuzz_fernet_import.c - the token-file parser of `custos import fernet`
 * (cst_fernet_import: a JSON map or lines) against arbitrary bytes, under
 * the key of fuzz_fernet. Checks: only the documented codes come back; a
 * failure returns no object; a success returns an object whose every
 * field name follows the rule and whose every value is a string; and the
 * same input parses the same way twice. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "providers/fernet_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t size)
{
	fprintf(stderr, "fuzz_fernet_import: %s (input of %zu bytes)\n", what, size);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char key[CST_FERNET_KEY_LEN];
	for (int i = 0; i < CST_FERNET_KEY_LEN; i++)
		key[i] = (unsigned char)i;
	json_t *out = NULL, *again = NULL;
	int rc = cst_fernet_import(&out, key, (const char *)data, size, -1, 0);
	int rc2 = cst_fernet_import(&again, key, (const char *)data, size, -1, 0);
	if (rc != rc2)
		fail("two runs disagree", size);
	if (rc != CST_OK) {
		if (rc != CST_EINVAL && rc != CST_EINTEGRITY && rc != CST_ENOMEM)
			fail("unexpected status", size);
		if (out != NULL)
			fail("a failure returned an object", size);
		return 0;
	}
	if (!json_is_object(out) || json_object_size(out) == 0 || !json_equal(out, again))
		fail("success without a stable, non-empty object", size);
	const char *k;
	json_t *v;
	json_object_foreach(out, k, v) {
		if (!json_is_string(v) || *k == '\0' || strspn(k, "abcdefghijklmnopqrstuvwxyz"
		                                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") !=
		                                             strlen(k))
			fail("a field breaks the rules", size);
	}
	json_decref(out);
	json_decref(again);
	return 0;
}
