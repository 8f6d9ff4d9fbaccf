/* respond.c - Vault's response shapes: the success envelope, top-level
 * data injection on legacy sys routes, and {"errors": [...]} bodies. */
#include <stdio.h>
#include <string.h>

#include "crypto/rand.h"
#include "respond.h"

static json_t *request_id(void)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];
	char id[37], *o = id;
	/* Correlation ids, not secrets: from the per-thread public pool (one
	 * DRBG call per 64 ids; it was ~5% of a KV read's CPU per id). */
	if (cst_rand_public(r, sizeof(r)) < 0)
		memset(r, 0, sizeof(r));
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* a version 4 UUID */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	for (size_t i = 0; i < sizeof(r); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[r[i] >> 4];
		*o++ = hex[r[i] & 0x0f];
	}
	*o = '\0';
	return json_string(id);
}

/* Legacy routes whose data keys Vault also copies to the top level: its
 * injectDataIntoTopRoutes, registered on Go's http.ServeMux, where a
 * pattern ending in '/' matches the whole subtree (so GET sys/policy/NAME
 * has top-level "name" and "rules") and any other pattern only itself. */
static int injects_data(const char *path)
{
	static const char *const routes[] = {
		"sys/audit", "sys/audit/", "sys/audit-hash/", "sys/auth", "sys/auth/",
		"sys/config/cors", "sys/config/auditing/request-headers",
		"sys/config/auditing/request-headers/", "sys/capabilities",
		"sys/capabilities-accessor", "sys/capabilities-self", "sys/ha-status",
		"sys/key-status", "sys/mounts", "sys/mounts/", "sys/policy", "sys/policy/",
		"sys/rekey/backup", "sys/rekey/recovery-key-backup", "sys/remount", "sys/rotate",
		"sys/wrapping/wrap"};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		size_t n = strlen(routes[i]);
		if (routes[i][n - 1] == '/' ? strncmp(path, routes[i], n) == 0
		                            : strcmp(path, routes[i]) == 0)
			return 1;
	}
	return 0;
}

json_t *server_envelope(const cst_response *resp, const char *path)
{
	json_t *env = json_pack("{s:o, s:s, s:b, s:i, s:O, s:n, s:O, s:O}", "request_id",
	                        request_id(), "lease_id", "", "renewable", 0, "lease_duration", 0,
	                        "data", resp->data ? resp->data : json_null(), "wrap_info",
	                        "warnings", resp->warnings ? resp->warnings : json_null(), "auth",
	                        resp->auth ? resp->auth : json_null());
	if (env && json_is_object(resp->data) && injects_data(path)) {
		const char *k;
		json_t *v;
		json_object_foreach(resp->data, k, v)
			if (json_object_get(env, k) == NULL)
				json_object_set(env, k, v);
	}
	return env;
}

json_t *server_error_body(int rc, int *status)
{
	const char *msg = cst_errmsg();
	*status = cst_http_status(rc);
	json_t *body;
	if (rc == CST_ENOTFOUND) {
		/* Vault's plain 404 has no message; a path no mount or route
		 * serves names it (router.go: "no handler for route ..."). */
		if (strncmp(msg, "no handler for route", 20) == 0 &&
		    (body = json_pack("{s:[s]}", "errors", msg)) != NULL)
			return body;
		return json_pack("{s:[]}", "errors");
	}
	if (rc == CST_EPERM) {
		/* Vault's exact multierror text, which clients match on. */
		char text[600];
		snprintf(text, sizeof(text), "1 error occurred:\n\t* permission denied\n\n");
		if (strstr(msg, "bad token") != NULL)
			snprintf(text, sizeof(text), "bad token");
		return json_pack("{s:[s]}", "errors", text);
	}
	if (rc == CST_ECONFLICT)
		*status = 400;
	body = json_pack("{s:[s]}", "errors", msg && *msg ? msg : cst_strerror(rc));
	if (body == NULL) /* a message quoting request bytes that are not UTF-8 */
		body = json_pack("{s:[s]}", "errors", cst_strerror(rc));
	return body;
}
