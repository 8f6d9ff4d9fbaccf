/* engine_test.h - requests for the engine tests: through the real router
 * of an in-memory vault, locally (as root) or as from the network with a
 * token and a client address. */
#ifndef CST_ENGINE_TEST_H
#define CST_ENGINE_TEST_H

#include "custos/request.h"
#include "testutil.h"

static cst_vault *vault;

static inline int vault_setup(void **state)
{
	(void)state;
	setenv("CUSTOS_PASSWORD_LOG_N", "10", 1); /* fast hashes; the cost has its own test */
	vault = test_memory_vault();
	return vault ? 0 : -1;
}

static inline int vault_teardown(void **state)
{
	(void)state;
	cst_vault_close(vault);
	return 0;
}

/* One request; body is JSON text or NULL. remote: as from the network
 * (token may be NULL for login paths). Returns the status code. */
static inline int call(cst_response *resp, cst_op op, const char *path, const char *body, int remote,
                const char *token, const char *addr)
{
	json_t *data = body ? json_loads(body, 0, NULL) : NULL;
	if (body && data == NULL)
		fail_msg("bad test body: %s", body);
	cst_request req = {.op = op, .path = path, .data = data, .token = token,
	                   .client_addr = addr, .flags = remote ? CST_REQ_REMOTE : 0};
	int rc = cst_vault_request(vault, &req, resp);
	json_decref(data);
	return rc;
}

/* A local (root) request that must succeed; the response is dropped. */
static inline void ok(cst_op op, const char *path, const char *body)
{
	cst_response r = {0};
	int rc = call(&r, op, path, body, 0, NULL, NULL);
	if (rc != CST_OK)
		fail_msg("%s: %d %s", path, rc, cst_errmsg());
	cst_response_release(&r);
}

/* A request that must fail with want, its message containing msg. */
static inline void refused(int want, cst_op op, const char *path, const char *body, int remote,
                    const char *token, const char *addr, const char *msg)
{
	cst_response r = {0};
	int rc = call(&r, op, path, body, remote, token, addr);
	if (rc != want || (msg && strstr(cst_errmsg(), msg) == NULL))
		fail_msg("%s: rc %d (%s), want %d with '%s'", path, rc, cst_errmsg(), want, msg ? msg : "");
	cst_response_release(&r);
}

/* The client token of a login (caller frees), or NULL with *rc set. */
static inline char *login_token(int *rc, const char *path, const char *body, const char *addr)
{
	cst_response r = {0};
	*rc = call(&r, CST_OP_UPDATE, path, body, 1, NULL, addr);
	const char *t = json_string_value(json_object_get(r.auth, "client_token"));
	char *out = *rc == CST_OK && t ? strdup(t) : NULL;
	cst_response_release(&r);
	return out;
}

#endif
