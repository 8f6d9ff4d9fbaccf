/* fuzz_json_dump.c - the fast JSON writer (src/util/json_dump.c) against
 * jansson's own: for any input jansson parses (any value, NULs in strings
 * allowed), cst_json_dump must give exactly json_dumps(JSON_COMPACT |
 * JSON_ENCODE_ANY), and parsing that text back must give an equal value. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (v == NULL)
		return 0;
	char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	char *got = cst_json_dump(v);
	if (want == NULL || got == NULL || strcmp(want, got) != 0) {
		fprintf(stderr, "fuzz_json_dump: differs from jansson\n want %s\n got  %s\n",
		        want ? want : "(null)", got ? got : "(null)");
		abort();
	}
	json_t *back = json_loads(got, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (back == NULL || !json_equal(back, v)) {
		fprintf(stderr, "fuzz_json_dump: output does not parse back to the same value\n");
		abort();
	}
	json_decref(back);
	free(want);
	free(got);
	json_decref(v);
	return 0;
}
