/* teams.c - tests of src/engines/teams.c and src/core/mount_edit.c
 * through the router: team records, the team mount and its generated
 * policy, refusals that leave nothing behind, adopting a kept mount,
 * purge, and the policies a team adds to a member's login. */
#include "core/mount_edit.h"
#include "core/policy.h"
#include "engines/teams.h"

#include "engine_test.h"

static int mounted(const char *path)
{
	json_t *t = NULL;
	assert_int_equal(cst_mount_list(&t, vault), CST_OK);
	int yes = json_object_get(t, path) != NULL;
	json_decref(t);
	return yes;
}

static void test_teams(void **state)
{
	(void)state;
	/* Refusals leave no team, mount or policy. */
	refused(CST_EINVAL, CST_OP_UPDATE, "sys/teams/ml", "{\"policies\":[\"nope\"],\"mount\":true}", 0,
	        NULL, NULL, "policy \"nope\" does not exist");
	refused(CST_EINVAL, CST_OP_UPDATE, "sys/teams/ml", "{\"policies\":[\"root\"]}", 0, NULL, NULL,
	        "root policy");
	refused(CST_EINVAL, CST_OP_UPDATE, "sys/teams/m.l", "{}", 0, NULL, NULL, "team name");
	refused(CST_EINVAL, CST_OP_UPDATE, "sys/teams/ml", "{\"mount\":\"maybe\"}", 0, NULL, NULL,
	        "true or false");
	refused(CST_ENOTFOUND, CST_OP_READ, "sys/teams/ml", NULL, 0, NULL, NULL, NULL);
	refused(CST_ENOTFOUND, CST_OP_LIST, "sys/teams/", NULL, 0, NULL, NULL, NULL);
	assert_false(mounted("teams/ml/"));
	json_t *p = NULL;
	assert_int_equal(cst_policy_get(&p, vault, "team-ml"), CST_ENOTFOUND);
	/* A policy of that name that is not ours blocks the mount. */
	ok(CST_OP_UPDATE, "sys/policies/acl/team-ml", "{\"policy\":\"path \\\"x\\\" { capabilities = [\\\"read\\\"] }\"}");
	refused(CST_EINVAL, CST_OP_UPDATE, "sys/teams/ml", "{\"mount\":true}", 0, NULL, NULL,
	        "already exists");
	assert_false(mounted("teams/ml/"));
	ok(CST_OP_DELETE, "sys/policies/acl/team-ml", NULL);
	/* Created, with a mount and a policy for exactly that mount. */
	ok(CST_OP_UPDATE, "sys/teams/ML", "{\"policies\":\"default\",\"mount\":true}");
	assert_true(mounted("teams/ml/"));
	cst_response r = {0};
	assert_int_equal(call(&r, CST_OP_READ, "sys/teams/ml", NULL, 0, NULL, NULL), CST_OK);
	assert_true(json_is_true(json_object_get(r.data, "mount")));
	assert_string_equal(json_string_value(json_object_get(r.data, "policy")), "team-ml");
	assert_string_equal(json_string_value(json_object_get(r.data, "mount_path")), "teams/ml/");
	cst_response_release(&r);
	json_t *names = json_pack("[s]", "team-ml");
	cst_acl *acl = NULL;
	assert_int_equal(cst_acl_build(&acl, vault, names), CST_OK);
	assert_true(cst_acl_capabilities(acl, "teams/ml/data/x", 0) & CST_CAP_CREATE);
	assert_true(cst_acl_capabilities(acl, "teams/ml/metadata/", 1) & CST_CAP_LIST);
	assert_int_equal(cst_acl_capabilities(acl, "teams/mlx/data/x", 0), 0);
	assert_int_equal(cst_acl_capabilities(acl, "secret/data/x", 0), 0);
	assert_int_equal(cst_acl_capabilities(acl, "teams/ml/data/x", 0) & CST_CAP_SUDO, 0);
	cst_acl_free(acl);
	json_decref(names);
	/* The team's mount cannot be dropped by an update, nor clash. */
	refused(CST_EINVAL, CST_OP_UPDATE, "sys/teams/ml", "{\"mount\":false}", 0, NULL, NULL, "purge");
	refused(CST_EINVAL, CST_OP_UPDATE, "sys/mounts/teams/ml", "{\"type\":\"kv\"}", 0, NULL, NULL,
	        "already in use");
	/* Expansion of teams into policies, skipping unknown ones. */
	ok(CST_OP_UPDATE, "sys/teams/web", "{\"policies\":[\"default\"]}");
	json_t *teams = json_pack("[s, s, s]", "ml", "web", "gone"), *out = json_array();
	assert_int_equal(cst_team_policies(vault, teams, out), CST_OK);
	char *text = json_dumps(out, JSON_COMPACT);
	assert_string_equal(text, "[\"default\",\"team-ml\",\"default\"]");
	free(text);
	json_decref(teams);
	json_decref(out);
	assert_int_equal(cst_team_exists(vault, "web"), CST_OK);
	assert_int_equal(cst_team_exists(vault, "gone"), CST_EINVAL);
	/* Delete keeps the secrets; create adopts them again; purge erases. */
	ok(CST_OP_UPDATE, "teams/ml/data/model", "{\"data\":{\"k\":\"v\"}}");
	ok(CST_OP_DELETE, "sys/teams/ml", NULL);
	assert_true(mounted("teams/ml/"));
	assert_int_equal(cst_policy_get(&p, vault, "team-ml"), CST_ENOTFOUND);
	assert_int_equal(call(&r, CST_OP_UPDATE, "sys/teams/ml", "{\"mount\":true}", 0, NULL, NULL), CST_OK);
	assert_non_null(r.warnings);
	cst_response_release(&r);
	ok(CST_OP_READ, "teams/ml/data/model", NULL);
	json_t *q = json_pack("{s:s}", "purge", "true");
	cst_request del = {.op = CST_OP_DELETE, .path = "sys/teams/ml", .data = q};
	assert_int_equal(cst_vault_request(vault, &del, &r), CST_OK);
	cst_response_release(&r);
	json_decref(q);
	assert_false(mounted("teams/ml/"));
	refused(CST_ENOTFOUND, CST_OP_READ, "teams/ml/data/model", NULL, 0, NULL, NULL, NULL);
	ok(CST_OP_DELETE, "sys/teams/nothing", NULL);
	assert_int_equal(call(&r, CST_OP_LIST, "sys/teams/", NULL, 0, NULL, NULL), CST_OK);
	assert_int_equal(json_array_size(json_object_get(r.data, "keys")), 1);
	cst_response_release(&r);
}

static void test_mount_edit(void **state)
{
	(void)state;
	assert_int_equal(cst_mount_add(vault, "a/", "kv", NULL, NULL), CST_OK);
	assert_int_equal(cst_mount_add(vault, "a/b/", "kv", NULL, NULL), CST_EINVAL);
	assert_int_equal(cst_mount_add(vault, "sys/x/", "kv", NULL, NULL), CST_EINVAL);
	assert_int_equal(cst_mount_add(vault, "auth/token/x/", "userpass", NULL, NULL), CST_EINVAL);
	assert_int_equal(cst_mount_add(vault, "nodir", "kv", NULL, NULL), CST_EINVAL);
	assert_int_equal(cst_mount_add(vault, "b/", "nosuchtype", NULL, NULL), CST_EINVAL);
	json_t *cfg = json_pack("{s:i}", "x", 1);
	assert_int_equal(cst_mount_add(vault, "auth/up/", "userpass", "people", cfg), CST_OK);
	json_decref(cfg);
	json_t *t = NULL;
	assert_int_equal(cst_mount_list(&t, vault), CST_OK);
	json_t *m = json_object_get(t, "auth/up/");
	assert_int_equal(strncmp(json_string_value(json_object_get(m, "prefix")), "auth/", 5), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "config"), "x")), 1);
	char acc[64];
	cst_mount_accessor(acc, sizeof(acc), "userpass", json_string_value(json_object_get(m, "prefix")));
	assert_int_equal(strncmp(acc, "auth_userpass_", 14), 0);
	assert_int_equal(strlen(acc), 22);
	json_decref(t);
	char type[32];
	assert_int_equal(cst_mount_remove(vault, "auth/up/", type, sizeof(type)), CST_OK);
	assert_string_equal(type, "userpass");
	assert_int_equal(cst_mount_remove(vault, "auth/up/", type, sizeof(type)), CST_OK);
	assert_string_equal(type, "");
	assert_int_equal(cst_mount_set_config(vault, "auth/up/", NULL), CST_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_teams, vault_setup, vault_teardown),
		cmocka_unit_test_setup_teardown(test_mount_edit, vault_setup, vault_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
