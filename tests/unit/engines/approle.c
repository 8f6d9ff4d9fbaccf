/* approle.c - tests of src/engines/approle.c through the router: roles,
 * role_ids, secret_ids (generate, custom, lookup, destroy, by accessor),
 * logins with use limits, TTLs, CIDRs, the expiry sweep, keyed-hash
 * storage, and revocation when a role goes. */
#include <unistd.h>

#include "core/mount_edit.h"
#include "core/vault.h"
#include "storage/storage.h"
#include "util/timefmt.h"

#include "engine_test.h"

/* The role_id of a role and a new secret_id for it (both owned). */
static void creds(char **role_id, char **secret_id, char **accessor, const char *role,
                  const char *body)
{
	char path[128];
	cst_response r = {0};
	snprintf(path, sizeof(path), "auth/approle/role/%s/role-id", role);
	assert_int_equal(call(&r, CST_OP_READ, path, NULL, 0, NULL, NULL), CST_OK);
	*role_id = strdup(json_string_value(json_object_get(r.data, "role_id")));
	cst_response_release(&r);
	snprintf(path, sizeof(path), "auth/approle/role/%s/secret-id", role);
	assert_int_equal(call(&r, CST_OP_UPDATE, path, body, 0, NULL, NULL), CST_OK);
	*secret_id = strdup(json_string_value(json_object_get(r.data, "secret_id")));
	if (accessor)
		*accessor = strdup(json_string_value(json_object_get(r.data, "secret_id_accessor")));
	cst_response_release(&r);
}

static char *login(int *rc, const char *role_id, const char *secret_id, const char *addr)
{
	char body[512];
	snprintf(body, sizeof(body), "{\"role_id\":\"%s\",\"secret_id\":\"%s\"}", role_id, secret_id);
	return login_token(rc, "auth/approle/login", body, addr);
}

static void test_roles_and_login(void **state)
{
	(void)state;
	ok(CST_OP_UPDATE, "sys/auth/approle", "{\"type\":\"approle\"}");
	ok(CST_OP_UPDATE, "sys/teams/ops", "{\"mount\":true}");
	ok(CST_OP_UPDATE, "auth/approle/role/agent",
	   "{\"policies\":\"dev\",\"teams\":[\"ops\"],\"token_ttl\":600,\"secret_id_num_uses\":\"2\","
	   "\"period\":0}");
	cst_response r = {0};
	assert_int_equal(call(&r, CST_OP_READ, "auth/approle/role/agent", NULL, 0, NULL, NULL), CST_OK);
	assert_true(json_is_true(json_object_get(r.data, "bind_secret_id")));
	assert_int_equal(json_integer_value(json_object_get(r.data, "secret_id_num_uses")), 2);
	assert_null(json_object_get(r.data, "role_id")); /* as Vault: only at role-id */
	cst_response_release(&r);
	char *rid, *sid, *acc;
	creds(&rid, &sid, &acc, "agent", "{\"metadata\":{\"host\":\"h1\"}}");
	int rc;
	assert_int_equal(call(&r, CST_OP_UPDATE, "auth/approle/login",
	                      "{\"role_id\":\"x\",\"secret_id\":\"y\"}", 1, NULL, NULL),
	                 CST_EINVAL);
	cst_response_release(&r);
	char body[512];
	snprintf(body, sizeof(body), "{\"role_id\":\"%s\",\"secret_id\":\"%s\"}", rid, sid);
	assert_int_equal(call(&r, CST_OP_UPDATE, "auth/approle/login", body, 1, NULL, NULL), CST_OK);
	char *pol = json_dumps(json_object_get(r.auth, "policies"), JSON_COMPACT);
	assert_string_equal(pol, "[\"default\",\"dev\",\"team-ops\"]");
	free(pol);
	json_t *meta = json_object_get(r.auth, "metadata");
	assert_string_equal(json_string_value(json_object_get(meta, "role_name")), "agent");
	assert_string_equal(json_string_value(json_object_get(meta, "host")), "h1");
	assert_int_equal(json_integer_value(json_object_get(r.auth, "lease_duration")), 600);
	char *tok = strdup(json_string_value(json_object_get(r.auth, "client_token")));
	cst_response_release(&r);
	/* One use left, then none. */
	snprintf(body, sizeof(body), "{\"secret_id\":\"%s\"}", sid);
	assert_int_equal(call(&r, CST_OP_UPDATE, "auth/approle/role/agent/secret-id/lookup", body, 0,
	                      NULL, NULL), CST_OK);
	assert_int_equal(json_integer_value(json_object_get(r.data, "secret_id_num_uses")), 1);
	cst_response_release(&r);
	free(login(&rc, rid, sid, NULL));
	assert_int_equal(rc, CST_OK);
	assert_null(login(&rc, rid, sid, NULL));
	assert_int_equal(rc, CST_EINVAL);
	assert_string_equal(cst_errmsg(), "invalid role or secret ID");
	/* The lookup of a gone secret_id is no content (Vault); by accessor, an error. */
	assert_int_equal(call(&r, CST_OP_UPDATE, "auth/approle/role/agent/secret-id/lookup", body, 0,
	                      NULL, NULL), CST_OK);
	assert_null(r.data);
	cst_response_release(&r);
	snprintf(body, sizeof(body), "{\"secret_id_accessor\":\"%s\"}", acc);
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/approle/role/agent/secret-id-accessor/lookup", body, 0,
	        NULL, NULL, "invalid secret id accessor");
	/* A new role_id: the old one stops working. */
	ok(CST_OP_UPDATE, "auth/approle/role/agent/role-id", "{\"role_id\":\"my-custom-id\"}");
	ok(CST_OP_UPDATE, "auth/approle/role/agent/custom-secret-id", "{\"secret_id\":\"s3cret-given\"}");
	assert_null(login(&rc, rid, "s3cret-given", NULL));
	free(login(&rc, "my-custom-id", "s3cret-given", NULL));
	assert_int_equal(rc, CST_OK);
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/approle/role/agent/custom-secret-id",
	        "{\"secret_id\":\"s3cret-given\"}", 0, NULL, NULL, "already exists");
	ok(CST_OP_UPDATE, "auth/approle/role/other", "{}");
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/approle/role/other/role-id",
	        "{\"role_id\":\"my-custom-id\"}", 0, NULL, NULL, "already in use");
	/* Deleting the role revokes its tokens and erases its secret_ids. */
	ok(CST_OP_DELETE, "auth/approle/role/agent", NULL);
	refused(CST_EPERM, CST_OP_READ, "auth/token/lookup-self", NULL, 1, tok, NULL, NULL);
	assert_null(login(&rc, "my-custom-id", "s3cret-given", NULL));
	refused(CST_ENOTFOUND, CST_OP_READ, "auth/approle/role/agent", NULL, 0, NULL, NULL, NULL);
	free(tok);
	free(rid);
	free(sid);
	free(acc);
}

static void test_limits_cidrs_sweep(void **state)
{
	(void)state;
	ok(CST_OP_UPDATE, "sys/auth/approle", "{\"type\":\"approle\"}");
	ok(CST_OP_UPDATE, "auth/approle/role/svc",
	   "{\"secret_id_ttl\":100,\"secret_id_bound_cidrs\":[\"10.0.0.0/8\"],"
	   "\"token_bound_cidrs\":\"10.1.0.0/16\"}");
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/approle/role/svc/secret-id", "{\"ttl\":200}", 0, NULL,
	        NULL, "longer than the role's");
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/approle/role/svc/secret-id",
	        "{\"metadata\":\"not json\"}", 0, NULL, NULL, "metadata");
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/approle/role/nope/secret-id", NULL, 0, NULL, NULL,
	        "does not exist");
	char *rid, *sid;
	creds(&rid, &sid, NULL, "svc", "{\"cidr_list\":\"10.1.2.0/24\"}");
	int rc;
	assert_null(login(&rc, rid, sid, "192.168.1.1"));
	assert_int_equal(rc, CST_EINVAL);
	assert_non_null(strstr(cst_errmsg(), "CIDR restrictions on the secret ID"));
	assert_null(login(&rc, rid, sid, "10.1.9.9")); /* the role allows it, the secret_id not */
	assert_int_equal(rc, CST_EINVAL);
	char *t = login(&rc, rid, sid, "10.1.2.3");
	assert_int_equal(rc, CST_OK);
	refused(CST_EPERM, CST_OP_READ, "auth/token/lookup-self", NULL, 1, t, "10.2.0.1", NULL);
	free(t);
	/* Storage holds keyed hashes only: neither id appears in any key. */
	cst_storage_keys keys = {0};
	assert_int_equal(cst_storage_list(vault->st, "", NULL, 100000, &keys), CST_OK);
	for (size_t i = 0; i < keys.count; i++) {
		assert_null(strstr(keys.keys[i], sid));
		assert_null(strstr(keys.keys[i], rid));
	}
	cst_storage_keys_release(&keys);
	/* The sweep: nothing yet; 200 s on, the secret_id is gone. */
	uint64_t n = 99;
	assert_int_equal(cst_router_sweep(&vault->router, vault, &vault->barrier,
	                                  cst_now_ns() / 1000000000, &n), CST_OK);
	assert_int_equal(n, 0);
	assert_int_equal(cst_router_sweep(&vault->router, vault, &vault->barrier,
	                                  cst_now_ns() / 1000000000 + 200, &n), CST_OK);
	assert_int_equal(n, 1);
	refused(CST_ENOTFOUND, CST_OP_LIST, "auth/approle/role/svc/secret-id/", NULL, 0, NULL, NULL, NULL);
	assert_null(login(&rc, rid, sid, "10.1.2.3"));
	free(rid);
	free(sid);
	/* An expired secret_id says so at its next use, and is gone after. */
	ok(CST_OP_UPDATE, "auth/approle/role/brief", "{\"secret_id_ttl\":1}");
	creds(&rid, &sid, NULL, "brief", NULL);
	sleep(2);
	assert_null(login(&rc, rid, sid, NULL));
	assert_int_equal(rc, CST_EINVAL);
	assert_string_equal(cst_errmsg(), "secret_id has expired");
	assert_null(login(&rc, rid, sid, NULL));
	assert_string_equal(cst_errmsg(), "invalid role or secret ID");
	free(rid);
	free(sid);
	/* bind_secret_id false needs a CIDR; then role_id alone logs in. */
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/approle/role/open", "{\"bind_secret_id\":false}", 0,
	        NULL, NULL, "at least one constraint");
	refused(CST_ENOTFOUND, CST_OP_READ, "auth/approle/role/open", NULL, 0, NULL, NULL, NULL);
	ok(CST_OP_UPDATE, "auth/approle/role/open",
	   "{\"bind_secret_id\":false,\"secret_id_bound_cidrs\":\"127.0.0.1/32\"}");
	cst_response r = {0};
	assert_int_equal(call(&r, CST_OP_READ, "auth/approle/role/open/role-id", NULL, 0, NULL, NULL), CST_OK);
	char body[256];
	snprintf(body, sizeof(body), "{\"role_id\":\"%s\"}",
	         json_string_value(json_object_get(r.data, "role_id")));
	cst_response_release(&r);
	free(login_token(&rc, "auth/approle/login", body, "127.0.0.1"));
	assert_int_equal(rc, CST_OK);
	assert_null(login_token(&rc, "auth/approle/login", body, "127.0.0.2"));
	assert_int_equal(rc, CST_EINVAL);
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/approle/login", "{}", 1, NULL, NULL, "missing role_id");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roles_and_login, vault_setup, vault_teardown),
		cmocka_unit_test_setup_teardown(test_limits_cidrs_sweep, vault_setup, vault_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
