/* audit_tally.c - tests of src/report/audit_tally.c: what a report counts
 * from entries -- requests once per request, errors from either entry,
 * failed and successful logins per mount and user or role (named through
 * the role_id HMAC), root-token requests per token, local requests,
 * principals (approle by role) and teams (auth.teams, else team-<t>
 * policies), the window's edges, the timeline, and the bounds. */
#include "testutil.h"

#include "custos.h"
#include "report/audit_tally.h"

#define DAY 86400LL
#define NS 1000000000LL
#define T0 (1767225600LL * NS) /* 2026-01-01T00:00:00Z */

static cst_audit_scratch scratch;

static int add(cst_audit_tally *t, const char *line)
{
	cst_audit_fields f;
	if (cst_audit_fields_parse(&f, &scratch, line, strlen(line)) != CST_OK)
		fail_msg("%s: %s", line, cst_errmsg());
	return cst_audit_tally_add(t, &f);
}

static const json_t *find(const json_t *rows, const char *key, const char *value)
{
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		const char *v = json_string_value(json_object_get(r, key));
		if ((v == NULL && value == NULL) || (v && value && strcmp(v, value) == 0))
			return r;
	}
	fail_msg("no row %s=%s", key, value ? value : "null");
	return NULL;
}

static long long num(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void test_tally(void **state)
{
	(void)state;
	cst_audit_tally t;
	/* a window of 10 days from T0 */
	assert_int_equal(cst_audit_tally_init(&t, T0, T0 + 10 * DAY * NS), CST_OK);
	assert_int_equal(t.n_buckets, 10);
	assert_int_equal(cst_audit_tally_role(&t, "auth/approle/", "hmac-sha256:r1", "indexer"), CST_OK);
	assert_int_equal(cst_audit_tally_root(&t, "hmac-sha256:rootacc", "root token \"root\""), CST_OK);
	/* outside the window, a chain line, an entry without a time: passed over */
	assert_int_equal(add(&t, "{\"time\":\"2025-12-31T23:59:59Z\",\"type\":\"request\"}"), 0);
	assert_int_equal(add(&t, "{\"time\":\"2026-01-11T00:00:01Z\",\"type\":\"request\"}"), 0);
	assert_int_equal(add(&t, "{\"time\":\"2026-01-02T00:00:00Z\",\"type\":\"chain\"}"), 0);
	assert_int_equal(add(&t, "{\"type\":\"request\"}"), 0);
	/* alice: a write and a read of her team's secret, a denied read */
	const char *alice = "\"auth\":{\"display_name\":\"userpass-alice\",\"entity_id\":\"e-a\","
	                    "\"policies\":[\"default\",\"team-ml\"],\"teams\":[\"ml\",\"ops\"],"
	                    "\"token_type\":\"service\"}";
	char line[1024];
	snprintf(line, sizeof(line), "{\"time\":\"2026-01-01T10:00:00Z\",\"type\":\"request\",%s,\"request\":"
	         "{\"operation\":\"create\",\"mount_type\":\"kv\",\"mount_point\":\"teams/ml/\",\"path\":"
	         "\"teams/ml/data/x\"}}", alice);
	assert_int_equal(add(&t, line), 1);
	snprintf(line, sizeof(line), "{\"time\":\"2026-01-03T10:00:00Z\",\"type\":\"request\",%s,\"request\":"
	         "{\"operation\":\"read\",\"mount_type\":\"kv\",\"mount_point\":\"teams/ml/\",\"path\":"
	         "\"teams/ml/data/x\"}}", alice);
	assert_int_equal(add(&t, line), 1);
	snprintf(line, sizeof(line), "{\"time\":\"2026-01-03T10:00:01Z\",\"type\":\"response\",%s,\"request\":"
	         "{\"operation\":\"read\",\"mount_type\":\"kv\",\"mount_point\":\"teams/ml/\",\"path\":"
	         "\"teams/ml/data/x\"}}", alice);
	assert_int_equal(add(&t, line), 1);
	snprintf(line, sizeof(line), "{\"time\":\"2026-01-03T11:00:00Z\",\"type\":\"request\",%s,\"request\":"
	         "{\"operation\":\"read\",\"mount_type\":\"kv\",\"mount_point\":\"secret/\",\"path\":"
	         "\"secret/data/other\"},\"error\":\"permission denied\"}", alice);
	assert_int_equal(add(&t, line), 1);
	/* an approle token of an older log: teams from its team-<t> policy */
	assert_int_equal(add(&t, "{\"time\":\"2026-01-10T23:59:59Z\",\"type\":\"request\",\"auth\":{"
	                         "\"display_name\":\"approle\",\"metadata\":{\"role_name\":\"etl\"},\"policies\":"
	                         "[\"default\",\"team-data\"]},\"request\":{\"operation\":\"list\",\"path\":\"x\"}}"),
	                 1);
	/* logins: two failures of bob (two addresses), one of an approle role,
	 * one refused before its handler (a request entry with an error), and
	 * alice's success */
	const char *bob = "\"request\":{\"operation\":\"update\",\"mount_type\":\"userpass\",\"mount_point\":"
	                  "\"auth/userpass/\",\"path\":\"auth/userpass/login/bob\",\"remote_address\":";
	snprintf(line, sizeof(line), "{\"time\":\"2026-01-05T00:00:00Z\",\"type\":\"request\",\"auth\":{},%s"
	         "\"10.0.0.1\"}}", bob);
	assert_int_equal(add(&t, line), 1);
	snprintf(line, sizeof(line), "{\"time\":\"2026-01-05T00:00:00Z\",\"type\":\"response\",\"auth\":{},%s"
	         "\"10.0.0.1\"},\"error\":\"invalid username or password\"}", bob);
	assert_int_equal(add(&t, line), 1);
	snprintf(line, sizeof(line), "{\"time\":\"2026-01-06T00:00:00Z\",\"type\":\"request\",\"auth\":{},%s"
	         "\"10.0.0.2\"},\"error\":\"too many failed logins from this address\"}", bob);
	assert_int_equal(add(&t, line), 1);
	assert_int_equal(add(&t, "{\"time\":\"2026-01-06T00:00:00Z\",\"type\":\"response\",\"auth\":{},"
	                         "\"request\":{\"mount_type\":\"approle\",\"mount_point\":\"auth/approle/\","
	                         "\"path\":\"auth/approle/login\",\"data\":{\"role_id\":\"hmac-sha256:r1\"}},"
	                         "\"error\":\"invalid role or secret ID\"}"),
	                 1);
	assert_int_equal(add(&t, "{\"time\":\"2026-01-06T00:00:00Z\",\"type\":\"response\",\"auth\":{},"
	                         "\"request\":{\"mount_type\":\"approle\",\"mount_point\":\"auth/approle/\","
	                         "\"path\":\"auth/approle/login\",\"data\":{\"role_id\":\"hmac-sha256:zz\"}},"
	                         "\"error\":\"invalid role or secret ID\"}"),
	                 1);
	assert_int_equal(add(&t, "{\"time\":\"2026-01-06T00:00:00Z\",\"type\":\"response\",\"auth\":{},"
	                         "\"request\":{\"mount_type\":\"userpass\",\"mount_point\":\"auth/userpass/\","
	                         "\"path\":\"auth/userpass/login/alice\"},\"response\":{\"auth\":{}}}"),
	                 1);
	/* root: a live token twice, a gone one once; the local key holder */
	for (int i = 0; i < 2; i++)
		assert_int_equal(add(&t, "{\"time\":\"2026-01-07T00:00:00Z\",\"type\":\"request\",\"auth\":{"
		                         "\"accessor\":\"hmac-sha256:rootacc\",\"display_name\":\"root\","
		                         "\"policies\":[\"root\"],\"token_type\":\"service\"},\"request\":{}}"),
		                 1);
	assert_int_equal(add(&t, "{\"time\":\"2026-01-07T00:00:00Z\",\"type\":\"request\",\"auth\":{"
	                         "\"accessor\":\"hmac-sha256:old\",\"display_name\":\"token\",\"policies\":"
	                         "[\"root\"]},\"request\":{}}"),
	                 1);
	assert_int_equal(add(&t, "{\"time\":\"2026-01-08T00:00:00Z\",\"type\":\"request\",\"auth\":{"
	                         "\"display_name\":\"local\",\"policies\":[\"root\"],\"metadata\":{"
	                         "\"local_user\":\"uid 0 (root)\"},\"token_type\":\"local\"},\"request\":{"
	                         "\"operation\":\"update\",\"mount_type\":\"kv\",\"mount_point\":\"secret/\","
	                         "\"path\":\"secret/data/a\"}}"),
	                 1);

	json_t *j = cst_audit_tally_json(&t);
	assert_non_null(j);
	assert_int_equal(num(j, "requests"), 10);
	assert_int_equal(num(j, "entries"), 15);
	assert_int_equal(num(j, "errors"), 5);
	assert_int_equal(num(j, "denied"), 1);
	const json_t *logins = json_object_get(j, "logins");
	assert_int_equal(num(logins, "failed"), 4);
	assert_int_equal(num(logins, "succeeded"), 1);
	const json_t *targets = json_object_get(logins, "by_target");
	assert_int_equal(json_array_size(targets), 3); /* alice succeeded only: not listed */
	const json_t *b = json_array_get(targets, 0);
	assert_string_equal(json_string_value(json_object_get(b, "name")), "bob");
	assert_int_equal(num(b, "failed"), 2);
	assert_int_equal(json_array_size(json_object_get(b, "addresses")), 2);
	assert_string_equal(json_string_value(json_object_get(b, "last_error")),
	                    "too many failed logins from this address");
	assert_int_equal(num(find(targets, "name", "indexer"), "failed"), 1);
	assert_int_equal(num(find(targets, "name", "(unknown role_id)"), "failed"), 1);
	const json_t *root = json_object_get(j, "root");
	assert_int_equal(num(root, "requests"), 3);
	assert_int_equal(num(root, "local_requests"), 1);
	const json_t *live = find(json_object_get(root, "by_token"), "accessor", "hmac-sha256:rootacc");
	assert_int_equal(num(live, "requests"), 2);
	assert_true(json_is_true(json_object_get(live, "alive")));
	assert_false(json_is_true(json_object_get(
		find(json_object_get(root, "by_token"), "accessor", "hmac-sha256:old"), "alive")));
	const json_t *pr = json_object_get(j, "by_principal");
	const json_t *a = find(pr, "principal", "userpass-alice");
	assert_int_equal(num(a, "requests"), 3);
	assert_int_equal(num(a, "secret_reads"), 1);
	assert_int_equal(num(a, "secret_writes"), 1);
	assert_int_equal(num(a, "errors"), 1);
	assert_int_equal(num(a, "denied"), 1);
	assert_string_equal(json_string_value(json_object_get(a, "entity_id")), "e-a");
	assert_string_equal(json_string_value(json_array_get(json_object_get(a, "teams"), 1)), "ops");
	assert_int_equal(num(find(pr, "principal", "approle-etl"), "requests"), 1);
	assert_int_equal(num(find(pr, "principal", "local: uid 0 (root)"), "secret_writes"), 1);
	assert_int_equal(num(find(pr, "principal", "(no token)"), "requests"), 2);
	const json_t *teams = json_object_get(j, "by_team");
	assert_int_equal(num(find(teams, "team", "ml"), "requests"), 3);
	assert_int_equal(num(find(teams, "team", "ops"), "requests"), 3);
	assert_int_equal(num(find(teams, "team", "data"), "requests"), 1); /* from team-data */
	assert_int_equal(num(find(teams, "team", NULL), "requests"), 6);
	/* the timeline: a bar a day; the last second of the window in the last bar */
	const json_t *tl = json_object_get(j, "timeline");
	assert_int_equal(num(tl, "bucket_seconds"), 86400);
	assert_int_equal(num(tl, "buckets"), 10);
	const json_t *total = json_object_get(tl, "total");
	static const int want[10] = {1, 0, 2, 0, 1, 1, 3, 1, 0, 1};
	for (int i = 0; i < 10; i++)
		assert_int_equal(json_integer_value(json_array_get(total, (size_t)i)), want[i]);
	const json_t *ml = find(json_object_get(tl, "by_team"), "team", "ml");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(ml, "counts"), 2)), 2);
	json_decref(j);
	cst_audit_tally_release(&t);
}

static void test_windows_and_bounds(void **state)
{
	(void)state;
	cst_audit_tally t;
	/* a year: whole days per bar, at most CST_TALLY_BUCKETS bars */
	assert_int_equal(cst_audit_tally_init(&t, T0, T0 + 365 * DAY * NS), CST_OK);
	assert_true(t.n_buckets <= CST_TALLY_BUCKETS);
	assert_int_equal(t.bucket_ns % (DAY * NS), 0);
	assert_true((int64_t)t.n_buckets * t.bucket_ns >= 365 * DAY * NS);
	cst_audit_tally_release(&t);
	/* past the principal bound, requests are counted as "not listed" */
	assert_int_equal(cst_audit_tally_init(&t, T0, T0 + DAY * NS), CST_OK);
	for (int i = 0; i < CST_TALLY_PRINCIPALS + 5; i++) {
		char line[256];
		snprintf(line, sizeof(line), "{\"time\":\"2026-01-01T01:00:00Z\",\"type\":\"request\",\"auth\":{"
		         "\"display_name\":\"token-%d\"}}", i);
		assert_int_equal(add(&t, line), 1);
	}
	json_t *j = cst_audit_tally_json(&t);
	assert_int_equal(json_array_size(json_object_get(j, "by_principal")), CST_TALLY_PRINCIPALS);
	assert_int_equal(num(j, "principals_not_listed"), 5);
	assert_int_equal(num(j, "requests"), CST_TALLY_PRINCIPALS + 5);
	json_decref(j);
	cst_audit_tally_release(&t);
}

/* What a hostile or odd log cannot do: names cut inside a character
 * still give rows, huge names are refused (not kept), teams past the bound
 * count requests once, and accessors logged in clear are not shown. */
static void test_hostile_names(void **state)
{
	(void)state;
	cst_audit_tally t;
	assert_int_equal(cst_audit_tally_init(&t, T0, T0 + DAY * NS), CST_OK);
	char user[200], line[4096];
	memset(user, 'a', 158);
	strcpy(user + 158, "\xc3\xa9"); /* e-acute across the 160-byte field's end */
	snprintf(line, sizeof(line), "{\"time\":\"2026-01-01T01:00:00Z\",\"type\":\"response\","
	         "\"request\":{\"operation\":\"update\",\"mount_type\":\"userpass\",\"mount_point\":"
	         "\"auth/userpass/\",\"path\":\"auth/userpass/login/%s\"},\"error\":\"invalid\"}", user);
	assert_int_equal(add(&t, line), 1);
	/* a team name far past any real one, and an accessor logged in clear */
	char big[2000];
	memset(big, 't', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(line, sizeof(line), "{\"time\":\"2026-01-01T01:00:01Z\",\"type\":\"request\",\"auth\":{"
	         "\"display_name\":\"root\",\"accessor\":\"AbCdEfGhIjKlMnOpQrStUvWx\",\"policies\":"
	         "[\"root\"],\"teams\":[\"%s\"]},\"request\":{\"operation\":\"read\",\"path\":\"x\"}}",
	         big);
	assert_int_equal(add(&t, line), 1);
	snprintf(line, sizeof(line), "{\"time\":\"2026-01-01T01:00:02Z\",\"type\":\"response\",\"auth\":{"
	         "\"display_name\":\"root\",\"accessor\":\"AbCdEfGhIjKlMnOpQrStUvWx\",\"policies\":"
	         "[\"root\"],\"teams\":[\"%s\"]},\"request\":{\"operation\":\"read\",\"path\":\"x\"}}",
	         big);
	assert_int_equal(add(&t, line), 1);
	json_t *j = cst_audit_tally_json(&t);
	assert_non_null(j);
	const json_t *targets = json_object_get(json_object_get(j, "logins"), "by_target");
	assert_int_equal(json_array_size(targets), 1);
	const char *name = json_string_value(json_object_get(json_array_get(targets, 0), "name"));
	assert_int_equal(strlen(name), 158); /* cut before the character, not inside it */
	/* the login (no token) is "no team"; the huge name got no row */
	assert_int_equal(json_array_size(json_object_get(j, "by_team")), 1);
	find(json_object_get(j, "by_team"), "team", NULL);
	assert_int_equal(num(j, "teams_not_listed"), 1); /* one request, its response not counted */
	const json_t *tok = json_array_get(json_object_get(json_object_get(j, "root"), "by_token"), 0);
	const char *acc = json_string_value(json_object_get(tok, "accessor"));
	assert_non_null(acc);
	assert_null(strstr(acc, "AbCdEf"));
	assert_int_equal(strncmp(acc, "sha256:", 7), 0);
	char *text = json_dumps(j, 0);
	assert_null(strstr(text, "AbCdEfGhIjKlMnOpQrStUvWx"));
	free(text);
	json_decref(j);
	cst_audit_tally_release(&t);
}

static int teardown(void **state)
{
	(void)state;
	cst_audit_scratch_release(&scratch);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tally),
		cmocka_unit_test(test_windows_and_bounds),
		cmocka_unit_test(test_hostile_names),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
