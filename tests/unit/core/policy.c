/* policy.c - tests of src/core/policy.c: compiling HCL/JSON policies,
 * Vault's matching and priority rules, deny, unions, and the built-in
 * default and root policies, on an in-memory vault. */
#include "core/policy.h"
#include "custos.h"
#include "custos/request.h"

#include "testutil.h"

static cst_vault *vault;

static int setup(void **state)
{
	(void)state;
	vault = test_memory_vault();
	return vault ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	cst_vault_close(vault);
	return 0;
}

static void put(const char *name, const char *text)
{
	int rc = cst_policy_put(vault, name, text);
	if (rc != CST_OK)
		fail_msg("policy %s: %s", name, cst_errmsg());
}

/* Capabilities of the named policies (a NULL-terminated list) on path. */
static unsigned caps(const char *path, int listing, const char *p1, const char *p2)
{
	json_t *names = json_array();
	json_array_append_new(names, json_string(p1));
	if (p2)
		json_array_append_new(names, json_string(p2));
	cst_acl *acl = NULL;
	assert_int_equal(cst_acl_build(&acl, vault, names), CST_OK);
	unsigned c = cst_acl_capabilities(acl, path, listing);
	cst_acl_free(acl);
	json_decref(names);
	return c;
}

static void test_exact_beats_glob(void **state)
{
	(void)state;
	put("p1", "path \"secret/data/app\" { capabilities = [\"read\"] }\n"
	          "path \"secret/data/*\" { capabilities = [\"create\", \"update\"] }\n");
	assert_int_equal(caps("secret/data/app", 0, "p1", NULL), CST_CAP_READ);
	assert_int_equal(caps("secret/data/other", 0, "p1", NULL), CST_CAP_CREATE | CST_CAP_UPDATE);
	assert_int_equal(caps("secret/metadata/app", 0, "p1", NULL), 0); /* default deny */
}

static void test_priority_rules(void **state)
{
	(void)state;
	/* Vault's documented order: a later first wildcard wins; then not
	 * ending in '*'; then fewer '+'; then longer; then larger. */
	put("p2", "path \"secret/*\" { capabilities = [\"read\"] }\n"
	          "path \"secret/data/*\" { capabilities = [\"list\"] }\n"
	          "path \"secret/+/zip\" { capabilities = [\"delete\"] }\n"
	          "path \"secret/+/+/zap\" { capabilities = [\"patch\"] }\n"
	          "path \"secret/+/zip*\" { capabilities = [\"update\"] }\n");
	assert_int_equal(caps("secret/data/x", 0, "p2", NULL), CST_CAP_LIST);
	assert_int_equal(caps("secret/foo", 0, "p2", NULL), CST_CAP_READ);
	/* "secret/+/zip" against "secret/(star)" and "secret/+/zip(star)": the
	 * same first wildcard, but the pattern without a trailing star wins. */
	assert_int_equal(caps("secret/a/zip", 0, "p2", NULL), CST_CAP_DELETE);
	/* Both end in a star and start their wildcards at the same place; the
	 * one with more '+' loses (rule 3), so "secret/(star)" applies. */
	assert_int_equal(caps("secret/a/zipper", 0, "p2", NULL), CST_CAP_READ);
	assert_int_equal(caps("secret/a/b/zap", 0, "p2", NULL), CST_CAP_PATCH);
	/* '+' is exactly one segment. */
	assert_int_equal(caps("secret/a/b/zip", 0, "p2", NULL), CST_CAP_READ);
}

static void test_deny_and_unions(void **state)
{
	(void)state;
	put("a", "path \"kv/data/shared/*\" { capabilities = [\"read\"] }\n"
	         "path \"kv/data/x\" { capabilities = [\"read\"] }\n");
	put("b", "path \"kv/data/shared/*\" { capabilities = [\"update\"] }\n"
	         "path \"kv/data/x\" { capabilities = [\"deny\"] }\n"
	         "path \"kv/data/*\" { capabilities = [\"list\"] }\n");
	/* The same pattern in two policies: unioned. */
	assert_int_equal(caps("kv/data/shared/k", 0, "a", "b"), CST_CAP_READ | CST_CAP_UPDATE);
	/* deny in one wins over read in the other. */
	assert_int_equal(caps("kv/data/x", 0, "a", "b"), 0);
	/* Different patterns never combine: the shared/ glob wins over the
	 * data/ glob, and its capabilities alone apply. */
	assert_false(caps("kv/data/shared/k", 0, "a", "b") & CST_CAP_LIST);
	/* A deleted or unknown policy acts as an empty one. */
	assert_int_equal(caps("kv/data/shared/k", 0, "a", "nosuch"), CST_CAP_READ);
}

static void test_list_matches_exact_without_slash(void **state)
{
	(void)state;
	put("l", "path \"secret/metadata/team\" { capabilities = [\"list\"] }\n");
	assert_int_equal(caps("secret/metadata/team/", 1, "l", NULL), CST_CAP_LIST);
	assert_int_equal(caps("secret/metadata/team/", 0, "l", NULL), 0);
}

static void test_legacy_json_and_root(void **state)
{
	(void)state;
	put("legacy", "path \"old/*\" { policy = \"write\" }\npath \"old/ro\" { policy = \"read\" }\n");
	assert_int_equal(caps("old/x", 0, "legacy", NULL),
	                 CST_CAP_CREATE | CST_CAP_READ | CST_CAP_UPDATE | CST_CAP_DELETE | CST_CAP_LIST);
	assert_int_equal(caps("old/ro", 0, "legacy", NULL), CST_CAP_READ | CST_CAP_LIST);
	put("json", "{\"path\": {\"/j/*\": {\"capabilities\": [\"read\", \"sudo\"]}}}");
	assert_int_equal(caps("j/k", 0, "json", NULL), CST_CAP_READ | CST_CAP_SUDO);
	assert_true(caps("anything/at/all", 0, "root", NULL) & CST_CAP_SUDO);
	/* The default policy exists from the start: lookup-self is readable. */
	assert_int_equal(caps("auth/token/lookup-self", 0, "default", NULL), CST_CAP_READ);
	assert_int_equal(caps("secret/data/x", 0, "default", NULL), 0);
}

static void test_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"path \"a/*/b\" { capabilities = [\"read\"] }",   /* '*' not last */
		"path \"a/+*\" { capabilities = [\"read\"] }",    /* +* */
		"path \"a/b+\" { capabilities = [\"read\"] }",    /* + not a segment */
		"path \"a\" { capabilities = [\"reed\"] }",       /* unknown capability */
		"path \"a\" { capabilities = \"read\" }",         /* not a list */
		"path \"a\" { policy = \"admin\" }",              /* unknown legacy */
		"path \"a\" { capabilities = [\"read\"] ",         /* unterminated */
		"",                                               /* empty */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = cst_policy_put(vault, "bad", bad[i]);
		if (rc != CST_EINVAL)
			fail_msg("policy %zu accepted (rc %d): %s", i, rc, bad[i]);
	}
	json_t *p = NULL;
	assert_int_equal(cst_policy_get(&p, vault, "bad"), CST_ENOTFOUND);
	assert_int_equal(cst_policy_put(vault, "root", "path \"x\" { capabilities = [\"read\"] }"),
	                 CST_EINVAL);
	assert_int_equal(cst_policy_delete(vault, "root"), CST_EINVAL);
	assert_int_equal(cst_policy_delete(vault, "default"), CST_EINVAL);
	/* Deleting takes effect at once (the cache is dropped). */
	put("gone", "path \"g\" { capabilities = [\"read\"] }");
	assert_int_equal(caps("g", 0, "gone", NULL), CST_CAP_READ);
	assert_int_equal(cst_policy_delete(vault, "gone"), CST_OK);
	assert_int_equal(caps("g", 0, "gone", NULL), 0);
}

/* Capabilities of one policy for a token with an identity. */
static unsigned caps_for(const char *path, int listing, const char *policy, const json_t *identity)
{
	json_t *names = json_pack("[s]", policy);
	cst_acl *acl = NULL;
	assert_int_equal(cst_acl_build(&acl, vault, names), CST_OK);
	unsigned c = cst_acl_capabilities_for(acl, identity, path, listing);
	cst_acl_free(acl);
	json_decref(names);
	return c;
}

static void test_templates(void **state)
{
	(void)state;
	json_t *alice = json_pack("{s:s, s:s, s:s, s:s}", "entity_name", "alice", "entity_id", "id-1",
	                          "mount_accessor", "auth_userpass_1234abcd", "mount_path",
	                          "auth/userpass/");
	json_t *bob = json_pack("{s:s, s:s, s:s, s:s}", "entity_name", "bob", "entity_id", "id-2",
	                        "mount_accessor", "auth_userpass_1234abcd", "mount_path",
	                        "auth/userpass/");
	/* Another mount's alice, and an approle role named alice: other entities. */
	json_t *corp_alice = json_pack("{s:s, s:s, s:s, s:s}", "entity_name", "alice", "entity_id",
	                               "id-3", "mount_accessor", "auth_userpass_99990000",
	                               "mount_path", "auth/corp/");
	json_t *role_alice = json_pack("{s:s, s:s, s:s, s:s}", "entity_name", "alice", "entity_id",
	                               "id-4", "mount_accessor", "auth_approle_ffff0000", "mount_path",
	                               "auth/approle/");
	json_t *posing = json_pack("{s:s, s:s, s:s, s:s}", "entity_name", "entity_id-3", "entity_id",
	                           "id-5", "mount_accessor", "auth_userpass_1234abcd", "mount_path",
	                           "auth/userpass/");
	put("own", "path \"users/data/{{identity.entity.name}}/*\" { capabilities = [\"read\", \"create\"] }\n"
	           "path \"ids/{{ identity.entity.id }}\" { capabilities = [\"read\"] }\n"
	           "path \"alias/{{identity.entity.aliases.auth_userpass_1234abcd.name}}/+\" "
	           "{ capabilities = [\"list\"] }\n"
	           "path \"other/{{identity.entity.aliases.auth_approle_ffff0000.name}}\" "
	           "{ capabilities = [\"read\"] }\n");
	assert_int_equal(caps_for("users/data/alice/k", 0, "own", alice), CST_CAP_READ | CST_CAP_CREATE);
	assert_int_equal(caps_for("users/data/bob/k", 0, "own", alice), 0);
	assert_int_equal(caps_for("users/data/bob/k", 0, "own", bob), CST_CAP_READ | CST_CAP_CREATE);
	assert_int_equal(caps_for("users/data/alice/k", 0, "own", corp_alice), 0);
	assert_int_equal(caps_for("users/data/entity_id-3/k", 0, "own", corp_alice),
	                 CST_CAP_READ | CST_CAP_CREATE);
	assert_int_equal(caps_for("users/data/alice/k", 0, "own", role_alice), 0);
	assert_int_equal(caps_for("users/data/entity_id-4/k", 0, "own", role_alice),
	                 CST_CAP_READ | CST_CAP_CREATE);
	assert_int_equal(caps_for("other/alice", 0, "own", role_alice), CST_CAP_READ); /* its alias */
	assert_int_equal(caps_for("users/data/entity_id-3/k", 0, "own", posing), 0);
	json_decref(corp_alice);
	json_decref(role_alice);
	json_decref(posing);
	assert_int_equal(caps_for("ids/id-1", 0, "own", alice), CST_CAP_READ);
	assert_int_equal(caps_for("ids/id-2", 0, "own", alice), 0);
	assert_int_equal(caps_for("alias/alice/x", 1, "own", alice), CST_CAP_LIST);
	/* An alias of another mount does not resolve: that rule grants nothing. */
	assert_int_equal(caps_for("other/alice", 0, "own", alice), 0);
	/* No identity (a plain token): templated rules match nothing. */
	assert_int_equal(caps_for("users/data/alice/k", 0, "own", NULL), 0);
	assert_int_equal(caps("users/data/{{identity.entity.name}}/k", 0, "own", NULL), 0);
	/* A name that is not one plain segment never resolves. */
	static const char *const unsafe[] = {"a/b", "*", "+", "..", "", "x}}", "a b"};
	for (size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++) {
		json_t *evil = json_pack("{s:s}", "entity_name", unsafe[i]);
		char path[64];
		snprintf(path, sizeof(path), "users/data/%s/k", unsafe[i]);
		assert_int_equal(caps_for(path, 0, "own", evil), 0);
		assert_int_equal(caps_for("users/data/x/k", 0, "own", evil), 0);
		json_decref(evil);
	}
	/* Priority is judged on the substituted pattern, and equal substituted
	 * patterns union, with deny winning. */
	put("mix", "path \"users/data/alice/*\" { capabilities = [\"update\"] }\n"
	           "path \"users/data/{{identity.entity.name}}/*\" { capabilities = [\"read\"] }\n"
	           "path \"users/data/{{identity.entity.name}}/secret\" { capabilities = [\"deny\"] }\n"
	           "path \"users/data/*\" { capabilities = [\"list\"] }\n");
	assert_int_equal(caps_for("users/data/alice/k", 0, "mix", alice), CST_CAP_READ | CST_CAP_UPDATE);
	assert_int_equal(caps_for("users/data/alice/secret", 0, "mix", alice), 0);
	assert_int_equal(caps_for("users/data/bob/k", 0, "mix", alice), CST_CAP_LIST);
	assert_int_equal(caps_for("users/data/bob/k", 0, "mix", bob), CST_CAP_READ);
	char out[64];
	assert_int_equal(cst_policy_expand(out, sizeof(out), "a/{{identity.entity.name}}/b", alice), 1);
	assert_string_equal(out, "a/alice/b");
	assert_int_equal(cst_policy_expand(out, 8, "a/{{identity.entity.name}}/b", alice), 0);
	assert_int_equal(cst_policy_expand(out, sizeof(out), "a/{{identity.entity.nope}}", alice), 0);
	json_decref(alice);
	json_decref(bob);
}

static void test_bad_templates(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"path \"a/{{identity.entity.nope}}\" { capabilities = [\"read\"] }",
		"path \"a/{{identity.entity.name\" { capabilities = [\"read\"] }",
		"path \"a/identity.entity.name}}\" { capabilities = [\"read\"] }",
		"path \"a/{{identity.entity.aliases.Bad-Acc.name}}\" { capabilities = [\"read\"] }",
		"path \"a/{{identity.groups.names.x.id}}\" { capabilities = [\"read\"] }",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *rules = NULL;
		assert_int_equal(cst_policy_compile(&rules, bad[i], strlen(bad[i])), CST_EINVAL);
		assert_null(rules);
		assert_int_equal(cst_policy_put(vault, "badtpl", bad[i]), CST_EINVAL);
	}
	json_t *rec = NULL;
	assert_int_equal(cst_policy_get(&rec, vault, "badtpl"), CST_ENOTFOUND);
}

static void test_names(void **state)
{
	(void)state;
	char out[160];
	int changed = 0;
	assert_int_equal(cst_policy_name(out, sizeof(out), "Team-ML", &changed), CST_OK);
	assert_string_equal(out, "team-ml");
	assert_true(changed);
	assert_int_equal(cst_policy_name(out, sizeof(out), "a b", &changed), CST_EINVAL);
	assert_int_equal(cst_policy_name(out, sizeof(out), "", &changed), CST_EINVAL);
	assert_int_equal(cst_policy_name(out, sizeof(out), "../x", &changed), CST_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_beats_glob),
		cmocka_unit_test(test_priority_rules),
		cmocka_unit_test(test_deny_and_unions),
		cmocka_unit_test(test_list_matches_exact_without_slash),
		cmocka_unit_test(test_legacy_json_and_root),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_bad_templates),
	};
	return cmocka_run_group_tests_name("policy", tests, setup, teardown);
}
