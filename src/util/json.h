/* json.h - small jansson helpers shared by the library, CLI and tests. */
#ifndef CST_JSON_H
#define CST_JSON_H

#include <jansson.h>
#include <stddef.h>

/* Parses text strictly: an object, no duplicate keys. On failure returns
 * CST_EINVAL with "what: line L column C: reason". */
int cst_json_parse_object(json_t **out, const char *text, size_t len, const char *what)
	__attribute__((warn_unused_result));

/* The compact JSON text of v (any value), exactly as
 * json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) writes it, only faster
 * (src/util/json_dump.c). NULL when out of memory. Free it as jansson's
 * output: free(), or cst_free_wiped() when it holds a secret. */
char *cst_json_dump(const json_t *v);

#endif
