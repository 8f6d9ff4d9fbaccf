/* json.c - strict JSON parsing with a one-line error. */
#include "util/json.h"

#include <string.h>

#include "core/error.h"

int cst_json_parse_object(json_t **out, const char *text, size_t len, const char *what)
{
	json_error_t err;
	*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (*out == NULL) {
		/* jansson appends "near '<token>'", and the token may be part of a
		 * secret value: keep only the reason. */
		char *near = strstr(err.text, " near ");
		if (near != NULL)
			*near = '\0';
		return cst_fail(CST_EINVAL, "%s: line %d column %d: %s", what, err.line, err.column,
		                err.text);
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return cst_fail(CST_EINVAL, "%s: must be a JSON object", what);
	}
	return CST_OK;
}
