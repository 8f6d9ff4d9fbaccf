/* fuzz_authfields.c - the request fields auth methods read (auth.c:
 * lists as arrays or "a,b", durations, counts, booleans) against an
 * arbitrary JSON object (keys "a", "b", "c", "d"; a non-object input is
 * skipped). A refusal must be CST_EINVAL with a message; an accepted list
 * holds only non-empty strings without surrounding spaces, at most
 * CST_LIMIT_AUTH_LIST of them; durations and counts stay in range;
 * booleans are 0 or 1. Any failure abort()s. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "custos.h"
#include "engines/auth.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const uint8_t *data, size_t size)
{
	fprintf(stderr, "fuzz_authfields: %s (input of %zu bytes: \"", what, size);
	for (size_t i = 0; i < size && i < 400; i++)
		fprintf(stderr, data[i] >= 0x20 && data[i] < 0x7f ? "%c" : "\\x%02x", data[i]);
	fprintf(stderr, "\")\n");
	abort();
}

static void refusal(int rc, const uint8_t *data, size_t size)
{
	if (rc != CST_EINVAL || cst_errmsg()[0] == '\0')
		fail("a refusal must be CST_EINVAL with a message", data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = NULL;
	if (cst_json_parse_object(&body, (const char *)data, size, "fuzz") != CST_OK)
		return 0;
	static const char *const keys[] = {"a", "b", "c", "d"};
	for (size_t k = 0; k < 4; k++) {
		json_t *list = NULL;
		int64_t v = -1;
		int given = -1, b = -1;
		cst_error_clear();
		int rc = auth_list_field(&list, body, keys[k]);
		if (rc != CST_OK) {
			refusal(rc, data, size);
			if (list != NULL)
				fail("a refused list was returned", data, size);
		} else if (list != NULL) {
			size_t i;
			json_t *item;
			if (json_array_size(list) > CST_LIMIT_AUTH_LIST)
				fail("a list over the limit", data, size);
			json_array_foreach(list, i, item) {
				const char *s = json_string_value(item);
				size_t n = s ? strlen(s) : 0;
				if (n == 0 || (json_is_string(json_object_get(body, keys[k])) &&
				               (s[0] == ' ' || s[n - 1] == ' ' || strchr(s, ','))))
					fail("a list item empty, padded or holding a comma", data, size);
			}
			json_decref(list);
		}
		cst_error_clear();
		rc = auth_seconds_field(&v, &given, body, keys[k]);
		if (rc != CST_OK)
			refusal(rc, data, size);
		else if (v < 0 || v > CST_LIMIT_MAX_DURATION || (!given && v != 0))
			fail("a duration out of range", data, size);
		cst_error_clear();
		rc = auth_uint_field(&v, &given, body, keys[k]);
		if (rc != CST_OK)
			refusal(rc, data, size);
		else if (v < 0 || v > 1000000000 || (!given && v != 0))
			fail("a count out of range", data, size);
		cst_error_clear();
		rc = auth_bool_field(&b, &given, body, keys[k]);
		if (rc != CST_OK)
			refusal(rc, data, size);
		else if (b != 0 && b != 1)
			fail("a boolean that is neither", data, size);
	}
	json_decref(body);
	return 0;
}
