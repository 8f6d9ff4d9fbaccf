/* kv_lifecycle.c - tests of src/engines/kv_lifecycle.c through the router:
 * owner_team, expires_at and rotate_every on KV metadata are validated,
 * shown by a metadata read, kept by later writes, cleared by null or "",
 * never put into custom_metadata, and a team's own mount refuses another
 * owner. */
#include "engines/kv.h"

#include "engine_test.h"

static json_t *meta_of(const char *path)
{
	cst_response r = {0};
	assert_int_equal(call(&r, CST_OP_READ, path, NULL, 0, NULL, NULL), CST_OK);
	json_t *d = json_incref(r.data);
	cst_response_release(&r);
	return d;
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void test_settings(void **state)
{
	(void)state;
	ok(CST_OP_UPDATE, "secret/data/app/key", "{\"data\":{\"k\":\"v\"}}");
	/* Bad values are refused and change nothing. */
	refused(CST_EINVAL, CST_OP_PATCH, "secret/metadata/app/key", "{\"expires_at\":\"tomorrow\"}", 0,
	        NULL, NULL, "expires_at must be an RFC 3339 time");
	refused(CST_EINVAL, CST_OP_PATCH, "secret/metadata/app/key", "{\"expires_at\":12}", 0, NULL,
	        NULL, "expires_at");
	refused(CST_EINVAL, CST_OP_PATCH, "secret/metadata/app/key", "{\"rotate_every\":\"soon\"}", 0,
	        NULL, NULL, "rotate_every must be a duration");
	refused(CST_EINVAL, CST_OP_PATCH, "secret/metadata/app/key", "{\"rotate_every\":-5}", 0, NULL,
	        NULL, "rotate_every");
	refused(CST_EINVAL, CST_OP_PATCH, "secret/metadata/app/key", "{\"rotate_every\":\"200000d\"}",
	        0, NULL, NULL, "100 years");
	refused(CST_EINVAL, CST_OP_PATCH, "secret/metadata/app/key", "{\"owner_team\":\"ml\"}", 0, NULL,
	        NULL, "team \"ml\" does not exist");
	refused(CST_EINVAL, CST_OP_PATCH, "secret/metadata/app/key", "{\"owner_team\":\"m l\"}", 0,
	        NULL, NULL, "team name");
	refused(CST_EINVAL, CST_OP_PATCH, "secret/metadata/app/key", "{\"owner_team\":7}", 0, NULL, NULL,
	        "owner_team");
	/* One bad field leaves the good ones of the same write unstored. */
	refused(CST_EINVAL, CST_OP_PATCH, "secret/metadata/app/key",
	        "{\"rotate_every\":\"90d\",\"expires_at\":\"x\"}", 0, NULL, NULL, "expires_at");
	json_t *m = meta_of("secret/metadata/app/key");
	assert_null(json_object_get(m, "rotate_every"));
	assert_null(json_object_get(m, "expires_at"));
	assert_null(json_object_get(m, "owner_team"));
	json_decref(m);

	ok(CST_OP_UPDATE, "sys/teams/ml", "{}");
	ok(CST_OP_PATCH, "secret/metadata/app/key",
	   "{\"owner_team\":\"ML\",\"expires_at\":\"2027-03-01T00:00:00Z\",\"rotate_every\":\"90d\"}");
	m = meta_of("secret/metadata/app/key");
	assert_string_equal(str(m, "owner_team"), "ml");
	assert_string_equal(str(m, "expires_at"), "2027-03-01T00:00:00Z");
	assert_string_equal(str(m, "rotate_every"), "2160h0m0s");
	assert_true(json_is_null(json_object_get(m, "custom_metadata")));
	json_decref(m);
	/* A new version and other metadata writes keep them. */
	ok(CST_OP_UPDATE, "secret/data/app/key", "{\"data\":{\"k\":\"w\"}}");
	ok(CST_OP_UPDATE, "secret/metadata/app/key", "{\"max_versions\":3,\"rotate_every\":3600}");
	m = meta_of("secret/metadata/app/key");
	assert_string_equal(str(m, "owner_team"), "ml");
	assert_string_equal(str(m, "expires_at"), "2027-03-01T00:00:00Z");
	assert_string_equal(str(m, "rotate_every"), "1h0m0s");
	json_decref(m);
	/* null, "" and 0 clear. */
	ok(CST_OP_PATCH, "secret/metadata/app/key",
	   "{\"owner_team\":null,\"expires_at\":\"\",\"rotate_every\":0}");
	m = meta_of("secret/metadata/app/key");
	assert_null(json_object_get(m, "owner_team"));
	assert_null(json_object_get(m, "expires_at"));
	assert_null(json_object_get(m, "rotate_every"));
	json_decref(m);
}

static void test_team_mount(void **state)
{
	(void)state;
	ok(CST_OP_UPDATE, "sys/teams/data", "{\"mount\":true}");
	ok(CST_OP_UPDATE, "sys/teams/ops", "{}");
	ok(CST_OP_UPDATE, "teams/data/data/db", "{\"data\":{\"dsn\":\"x\"}}");
	refused(CST_EINVAL, CST_OP_PATCH, "teams/data/metadata/db", "{\"owner_team\":\"ops\"}", 0, NULL,
	        NULL, "secrets of teams/data/ belong to team data");
	ok(CST_OP_PATCH, "teams/data/metadata/db", "{\"owner_team\":\"data\",\"rotate_every\":\"30d\"}");
	json_t *m = meta_of("teams/data/metadata/db");
	assert_string_equal(str(m, "owner_team"), "data");
	json_decref(m);
}

static void test_mount_team(void **state)
{
	(void)state;
	char t[65];
	assert_int_equal(kv_mount_team(t, sizeof(t), "teams/ml/"), 1);
	assert_string_equal(t, "ml");
	assert_int_equal(kv_mount_team(t, sizeof(t), "teams/ml"), 1);
	assert_int_equal(kv_mount_team(t, sizeof(t), "teams/"), 0);
	assert_int_equal(kv_mount_team(t, sizeof(t), "teams/a/b/"), 0);
	assert_int_equal(kv_mount_team(t, sizeof(t), "secret/"), 0);
	assert_int_equal(kv_mount_team(t, sizeof(t), NULL), 0);
	assert_int_equal(kv_mount_team(t, 3, "teams/long/"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_settings, vault_setup, vault_teardown),
		cmocka_unit_test_setup_teardown(test_team_mount, vault_setup, vault_teardown),
		cmocka_unit_test(test_mount_team),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
