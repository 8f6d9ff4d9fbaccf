/* api.c - the convenience layer of the public API, built on the logical
 * request path so it gets the same checks as the CLI and the server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "custos/request.h"
#include "util/mem.h"

void cst_response_release(cst_response *resp)
{
	json_decref(resp->data);
	json_decref(resp->warnings);
	json_decref(resp->auth);
	free(resp->raw);
	resp->data = resp->warnings = resp->auth = NULL;
	resp->raw = NULL;
	resp->raw_len = 0;
}

void cst_secret_free(char *value)
{
	cst_free_wiped(value);
}

int cst_secret_field(char **out, size_t *out_len, cst_vault *vault, const char *name,
                     const char *field)
{
	char path[CST_LIMIT_NAME + 32];
	cst_response resp = {0};
	*out = NULL;
	int rc = cst_name_check(name, strlen(name));
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "secret/data/%s", name);
	cst_request req = {.op = CST_OP_READ, .path = path};
	if ((rc = cst_vault_request(vault, &req, &resp)) == CST_OK) {
		json_t *v = json_object_get(json_object_get(resp.data, "data"), field);
		if (!json_is_string(v)) {
			rc = cst_fail(CST_ENOTFOUND, "secret %.200s has no field %.128s", name, field);
		} else {
			size_t n = json_string_length(v);
			*out = cst_strndup(json_string_value(v), n);
			if (*out == NULL)
				rc = cst_fail(CST_ENOMEM, "out of memory");
			else if (out_len)
				*out_len = n;
		}
	} else if (rc == CST_ENOTFOUND && resp.data != NULL) {
		rc = cst_fail(CST_ENOTFOUND, "latest version of %.200s is deleted", name);
	}
	cst_response_release(&resp);
	return rc;
}
