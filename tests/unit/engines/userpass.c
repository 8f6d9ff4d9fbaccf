/* userpass.c - tests of src/engines/userpass.c (with auth.c, teams.c and
 * sys_auth.c) through the router: users, logins and their tokens, the
 * identity on them, lockout, the address throttle, bound CIDRs, password
 * changes and rehashing, and revocation when a user goes. */
#include "core/mount_edit.h"
#include "core/tokens.h"
#include "core/vault.h"

#include "engine_test.h"

static void test_users_and_login(void **state)
{
	(void)state;
	ok(CST_OP_UPDATE, "sys/auth/userpass", "{\"type\":\"userpass\"}");
	ok(CST_OP_UPDATE, "sys/policies/acl/dev", "{\"policy\":\"path \\\"secret/data/dev/*\\\" "
	                                           "{ capabilities = [\\\"read\\\"] }\"}");
	ok(CST_OP_UPDATE, "sys/teams/ml", "{\"policies\":[\"dev\"],\"mount\":true}");
	cst_response r = {0};
	assert_int_equal(call(&r, CST_OP_UPDATE, "auth/userpass/users/Alice",
	                      "{\"password\":\"pw-1\",\"policies\":\"dev, later\",\"teams\":\"ml\","
	                      "\"token_ttl\":\"1h\",\"token_max_ttl\":7200}", 0, NULL, NULL), CST_OK);
	assert_non_null(r.warnings); /* "later" does not exist: Vault warns */
	cst_response_release(&r);
	assert_int_equal(call(&r, CST_OP_READ, "auth/userpass/users/alice", NULL, 0, NULL, NULL), CST_OK);
	assert_null(json_object_get(r.data, "password"));
	assert_int_equal(json_integer_value(json_object_get(r.data, "token_ttl")), 3600);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r.data, "teams"), 0)), "ml");
	cst_response_release(&r);
	assert_int_equal(call(&r, CST_OP_LIST, "auth/userpass/users/", NULL, 0, NULL, NULL), CST_OK);
	assert_int_equal(json_array_size(json_object_get(r.data, "keys")), 1);
	cst_response_release(&r);

	assert_int_equal(call(&r, CST_OP_UPDATE, "auth/userpass/login/ALICE", "{\"password\":\"pw-1\"}",
	                      1, "a token is ignored here", "10.1.1.1"), CST_OK);
	json_t *a = r.auth;
	char *pol = json_dumps(json_object_get(a, "policies"), JSON_COMPACT);
	assert_string_equal(pol, "[\"default\",\"dev\",\"later\",\"personal\",\"team-ml\"]");
	free(pol);
	assert_int_equal(json_integer_value(json_object_get(a, "lease_duration")), 3600);
	assert_string_equal(json_string_value(json_object_get(json_object_get(a, "metadata"), "username")),
	                    "alice");
	assert_true(json_is_true(json_object_get(a, "orphan")));
	/* The entry keeps the identity the ACL templates use. */
	char hash[CST_TOKEN_HASH_LEN + 1];
	json_t *e = NULL;
	assert_int_equal(cst_token_hash(vault, json_string_value(json_object_get(a, "client_token")), hash),
	                 CST_OK);
	assert_int_equal(cst_token_load(&e, vault, hash), CST_OK);
	json_t *id = json_object_get(e, "identity");
	assert_string_equal(json_string_value(json_object_get(id, "entity_name")), "alice");
	assert_string_equal(json_string_value(json_object_get(id, "mount_path")), "auth/userpass/");
	assert_string_equal(json_string_value(json_object_get(id, "mount_type")), "userpass");
	assert_int_equal(strncmp(json_string_value(json_object_get(id, "mount_accessor")), "auth_userpass_", 14), 0);
	assert_string_equal(json_string_value(json_object_get(id, "entity_id")),
	                    json_string_value(json_object_get(a, "entity_id")));
	assert_string_equal(json_string_value(json_object_get(e, "display_name")), "userpass-alice");
	assert_int_equal(json_integer_value(json_object_get(e, "explicit_max_ttl")), 7200);
	json_decref(e);
	char *tok = strdup(json_string_value(json_object_get(a, "client_token")));
	cst_response_release(&r);
	/* The token works, within its policies only. */
	assert_int_equal(call(&r, CST_OP_READ, "auth/token/lookup-self", NULL, 1, tok, "10.1.1.1"), CST_OK);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r.data, "teams"), 0)), "ml");
	cst_response_release(&r);
	refused(CST_EPERM, CST_OP_READ, "secret/data/other", NULL, 1, tok, "10.1.1.1", NULL);
	refused(CST_EPERM, CST_OP_UPDATE, "auth/userpass/users/alice", "{\"password\":\"x\"}", 1, tok,
	        "10.1.1.1", NULL);
	/* A child of alice's token inherits her identity (Vault: entity_id). */
	cst_caller me;
	assert_int_equal(cst_token_authenticate(&me, vault, tok, "10.1.1.1", 0), CST_OK);
	json_t *body = json_pack("{s:[s]}", "policies", "personal"), *child = NULL, *warn = NULL;
	cst_token_params cp = {body, &me, 0, 0, "auth/token/create", NULL, NULL};
	assert_int_equal(cst_token_create(&child, &warn, vault, &cp), CST_OK);
	assert_string_equal(json_string_value(json_object_get(child, "entity_id")),
	                    json_string_value(json_object_get(json_object_get(me.entry, "identity"), "entity_id")));
	char *ctok = strdup(json_string_value(json_object_get(child, "client_token")));
	ok(CST_OP_UPDATE, "users/data/alice/k", "{\"data\":{\"v\":\"1\"}}");
	assert_int_equal(call(&r, CST_OP_READ, "users/data/alice/k", NULL, 1, ctok, "10.1.1.1"), CST_OK);
	cst_response_release(&r);
	json_decref(child);
	json_decref(warn);
	json_decref(body);
	cst_caller_release(&me);
	/* Deleting the user revokes it (and so its children) at once. */
	ok(CST_OP_DELETE, "auth/userpass/users/alice", NULL);
	refused(CST_EPERM, CST_OP_READ, "auth/token/lookup-self", NULL, 1, tok, "10.1.1.1", NULL);
	refused(CST_EPERM, CST_OP_READ, "users/data/alice/k", NULL, 1, ctok, "10.1.1.1", NULL);
	free(ctok);
	refused(CST_ENOTFOUND, CST_OP_READ, "auth/userpass/users/alice", NULL, 0, NULL, NULL, NULL);
	ok(CST_OP_DELETE, "auth/userpass/users/alice", NULL); /* again: fine */
	free(tok);
}

static void test_bad_input(void **state)
{
	(void)state;
	ok(CST_OP_UPDATE, "sys/auth/userpass", "{\"type\":\"userpass\"}");
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/userpass/users/bob", "{}", 0, NULL, NULL,
	        "missing password");
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/userpass/users/bob",
	        "{\"password\":\"x\",\"token_policies\":[\"root\"]}", 0, NULL, NULL, "root policy");
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/userpass/users/bob",
	        "{\"password\":\"x\",\"teams\":[\"nosuch\"]}", 0, NULL, NULL, "team \"nosuch\" does not exist");
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/userpass/users/bob",
	        "{\"password\":\"x\",\"token_bound_cidrs\":[\"300.0.0.0/8\"]}", 0, NULL, NULL, "CIDR");
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/userpass/users/bob",
	        "{\"password\":\"x\",\"token_ttl\":\"forever\"}", 0, NULL, NULL, "token_ttl");
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/userpass/users/bob",
	        "{\"password\":\"x\",\"token_ttl\":7200,\"token_max_ttl\":3600}", 0, NULL, NULL,
	        "greater than token_max_ttl");
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/userpass/users/b%d", "{\"password\":\"x\"}", 0, NULL,
	        NULL, "letters, digits");
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/userpass/users/.hidden", "{\"password\":\"x\"}", 0,
	        NULL, NULL, "'.'");
	refused(CST_ENOTFOUND, CST_OP_READ, "auth/userpass/users/bob", NULL, 0, NULL, NULL, NULL);
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/userpass/users/bob/password", "{\"password\":\"x\"}",
	        0, NULL, NULL, "does not exist");
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/userpass/login/bob", "{}", 1, NULL, NULL,
	        "missing password");
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/userpass/login/bob", "{\"password\":\"x\"}", 1, NULL,
	        NULL, "invalid username or password");
	/* Without a token, only login/ is open. */
	refused(CST_EPERM, CST_OP_READ, "auth/userpass/users/bob", NULL, 1, NULL, NULL, NULL);
	refused(CST_EPERM, CST_OP_LIST, "auth/userpass/users/", NULL, 1, NULL, NULL, NULL);
}

static void test_lockout_throttle_cidrs(void **state)
{
	(void)state;
	ok(CST_OP_UPDATE, "sys/auth/userpass", "{\"type\":\"userpass\"}");
	ok(CST_OP_UPDATE, "auth/userpass/users/carol", "{\"password\":\"pw-c\"}");
	int rc;
	/* Vault's default: 5 failures lock the user. */
	for (int i = 0; i < 5; i++)
		refused(CST_EINVAL, CST_OP_UPDATE, "auth/userpass/login/carol", "{\"password\":\"no\"}", 1,
		        NULL, "10.0.0.1", "invalid username or password");
	refused(CST_EPERM, CST_OP_UPDATE, "auth/userpass/login/carol", "{\"password\":\"pw-c\"}", 1,
	        NULL, "10.0.0.2", "locked out");
	/* Tuning the mount: lockout off. */
	ok(CST_OP_UPDATE, "sys/auth/userpass/tune", "{\"user_lockout_config\":{\"lockout_disable\":true}}");
	char *t = login_token(&rc, "auth/userpass/login/carol", "{\"password\":\"pw-c\"}", "10.0.0.2");
	assert_int_equal(rc, CST_OK);
	free(t);
	/* The address throttle: 31 failures from one address. */
	for (int i = 0; i <= 30; i++)
		refused(CST_EINVAL, CST_OP_UPDATE, "auth/userpass/login/carol", "{\"password\":\"no\"}", 1,
		        NULL, "10.0.0.9", NULL);
	refused(CST_ELIMIT, CST_OP_UPDATE, "auth/userpass/login/carol", "{\"password\":\"pw-c\"}", 1,
	        NULL, "10.0.0.9", "too many failed logins");
	t = login_token(&rc, "auth/userpass/login/carol", "{\"password\":\"pw-c\"}", "10.0.0.8");
	assert_int_equal(rc, CST_OK);
	free(t);
	/* Bound CIDRs: login and token. */
	ok(CST_OP_UPDATE, "auth/userpass/users/carol", "{\"token_bound_cidrs\":\"192.168.0.0/16\"}");
	refused(CST_EPERM, CST_OP_UPDATE, "auth/userpass/login/carol", "{\"password\":\"pw-c\"}", 1,
	        NULL, "10.0.0.8", "bound CIDRs");
	t = login_token(&rc, "auth/userpass/login/carol", "{\"password\":\"pw-c\"}", "192.168.4.4");
	assert_int_equal(rc, CST_OK);
	refused(CST_EPERM, CST_OP_READ, "auth/token/lookup-self", NULL, 1, t, "10.0.0.8", NULL);
	cst_response r = {0};
	assert_int_equal(call(&r, CST_OP_READ, "auth/token/lookup-self", NULL, 1, t, "192.168.4.5"), CST_OK);
	cst_response_release(&r);
	free(t);
}

static void test_password_change_and_rehash(void **state)
{
	(void)state;
	ok(CST_OP_UPDATE, "sys/auth/userpass", "{\"type\":\"userpass\"}");
	ok(CST_OP_UPDATE, "auth/userpass/users/dan", "{\"password\":\"old\"}");
	ok(CST_OP_UPDATE, "auth/userpass/users/dan/password", "{\"password\":\"new\"}");
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/userpass/login/dan", "{\"password\":\"old\"}", 1, NULL,
	        NULL, "invalid username or password");
	ok(CST_OP_UPDATE, "auth/userpass/users/dan/policies", "{\"policies\":[\"p1\"]}");
	refused(CST_EINVAL, CST_OP_UPDATE, "auth/userpass/users/dan/policies", "{}", 0, NULL, NULL,
	        "missing token_policies");
	/* A login after the default cost changed stores a new hash. */
	json_t *table = NULL;
	assert_int_equal(cst_mount_list(&table, vault), CST_OK);
	char key[256];
	snprintf(key, sizeof(key), "%suser/dan",
	         json_string_value(json_object_get(json_object_get(table, "auth/userpass/"), "prefix")));
	json_decref(table);
	setenv("CUSTOS_PASSWORD_LOG_N", "11", 1);
	int rc;
	free(login_token(&rc, "auth/userpass/login/dan", "{\"password\":\"new\"}", NULL));
	assert_int_equal(rc, CST_OK);
	json_t *rec = NULL;
	assert_int_equal(cst_barrier_get_json(&vault->barrier, key, &rec, NULL), CST_OK);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(rec, "password"), "log_n")), 11);
	json_decref(rec);
	setenv("CUSTOS_PASSWORD_LOG_N", "10", 1);
	free(login_token(&rc, "auth/userpass/login/dan", "{\"password\":\"new\"}", NULL));
	assert_int_equal(rc, CST_OK);
	/* Disabling the method erases its users and revokes their tokens. */
	char *t = login_token(&rc, "auth/userpass/login/dan", "{\"password\":\"new\"}", NULL);
	ok(CST_OP_DELETE, "sys/auth/userpass", NULL);
	refused(CST_EPERM, CST_OP_READ, "auth/token/lookup-self", NULL, 1, t, NULL, NULL);
	assert_int_equal(cst_barrier_get_json(&vault->barrier, key, &rec, NULL), CST_ENOTFOUND);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_users_and_login, vault_setup, vault_teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, vault_setup, vault_teardown),
		cmocka_unit_test_setup_teardown(test_lockout_throttle_cidrs, vault_setup, vault_teardown),
		cmocka_unit_test_setup_teardown(test_password_change_and_rehash, vault_setup, vault_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
