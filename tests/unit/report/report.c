/* report.c - tests of src/report/report*.c on an in-memory vault, at
 * chosen report times: secret statuses (expired, rotation overdue, due
 * soon, ok, unmanaged, deleted, empty) and their teams (a team's mount,
 * owner_team), the attention list's order, tokens (expired ones left out,
 * root tokens), audit logs named or missing (and refused to a remote
 * caller), sys/report through the router with its sudo rule, and the
 * parameters. */
#include <unistd.h>

#include "report/report.h"
#include "util/timefmt.h"

#include "engines/engine_test.h"

#define NS 1000000000LL
#define DAY (86400LL * NS)

static long long num(const json_t *o, const char *a, const char *b)
{
	const json_t *x = json_object_get(o, a);
	return (long long)json_integer_value(b ? json_object_get(x, b) : x);
}

static const json_t *item(const json_t *r, const char *mount, const char *name)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(json_object_get(r, "secrets"), "items"), i, x)
		if (!strcmp(json_string_value(json_object_get(x, "mount")), mount) &&
		    !strcmp(json_string_value(json_object_get(x, "name")), name))
			return x;
	fail_msg("no item %s%s", mount, name);
	return NULL;
}

static const char *status(const json_t *r, const char *mount, const char *name)
{
	return json_string_value(json_object_get(item(r, mount, name), "status"));
}

static json_t *report_at(int64_t now, const char *params)
{
	json_t *p = params ? json_loads(params, 0, NULL) : json_object();
	cst_report_opts o;
	json_t *out = NULL;
	assert_int_equal(cst_report_params(&o, p, now), CST_OK);
	if (cst_report_build(&out, vault, &o) != CST_OK)
		fail_msg("report: %s", cst_errmsg());
	json_decref(p);
	return out;
}

static void test_secrets_and_tokens(void **state)
{
	(void)state;
	ok(CST_OP_UPDATE, "sys/teams/ml", "{\"mount\":true}");
	ok(CST_OP_UPDATE, "sys/teams/data", "{}");
	ok(CST_OP_UPDATE, "secret/data/a", "{\"data\":{\"k\":\"v\"}}");
	ok(CST_OP_PATCH, "secret/metadata/a", "{\"expires_at\":\"2020-01-01T00:00:00Z\",\"owner_team\":\"data\"}");
	ok(CST_OP_UPDATE, "secret/data/b", "{\"data\":{\"k\":\"v\"}}");
	ok(CST_OP_PATCH, "secret/metadata/b", "{\"rotate_every\":\"30d\"}");
	ok(CST_OP_UPDATE, "teams/ml/data/c", "{\"type\":\"openai\",\"data\":{\"api_key\":\"sk-abc1234567\"}}");
	ok(CST_OP_PATCH, "teams/ml/metadata/c", "{\"expires_at\":\"2099-01-01T00:00:00Z\"}");
	ok(CST_OP_UPDATE, "secret/data/d", "{\"data\":{\"k\":\"v\"}}");
	ok(CST_OP_DELETE, "secret/data/d", NULL);
	ok(CST_OP_UPDATE, "secret/metadata/e", "{\"max_versions\":2}");
	ok(CST_OP_UPDATE, "secret/data/f", "{\"data\":{\"k\":\"v\"}}");
	ok(CST_OP_UPDATE, "sys/policies/acl/p1", "{\"policy\":\"path \\\"x\\\" { capabilities = [\\\"read\\\"] }\"}");
	ok(CST_OP_UPDATE, "auth/token/create", "{\"policies\":[\"p1\"],\"ttl\":\"1h\"}");
	ok(CST_OP_UPDATE, "auth/token/create", "{\"policies\":[\"p1\"],\"ttl\":\"100d\"}");
	ok(CST_OP_UPDATE, "auth/token/create", "{\"policies\":[\"root\"],\"display_name\":\"break-glass\"}");

	int64_t now = cst_now_ns();
	/* 20 days on: b's rotation (every 30 days) is due in 10, within 14 */
	json_t *r = report_at(now + 20 * DAY, NULL);
	assert_int_equal(num(r, "report_version", NULL), 1);
	assert_string_equal(status(r, "secret/", "a"), "overdue");
	assert_string_equal(status(r, "secret/", "b"), "expiring");
	assert_string_equal(status(r, "teams/ml/", "c"), "ok");
	assert_string_equal(status(r, "secret/", "d"), "deleted");
	assert_string_equal(status(r, "secret/", "e"), "empty");
	assert_string_equal(status(r, "secret/", "f"), "unmanaged");
	assert_string_equal(json_string_value(json_object_get(item(r, "teams/ml/", "c"), "team")), "ml");
	assert_string_equal(json_string_value(json_object_get(item(r, "secret/", "a"), "team")), "data");
	assert_true(json_is_null(json_object_get(item(r, "secret/", "b"), "team")));
	assert_true(json_is_true(json_object_get(item(r, "secret/", "b"), "rotation_due_soon")));
	assert_int_equal(num(item(r, "secret/", "b"), "rotation_age_days", NULL), 20);
	const json_t *s = json_object_get(r, "summary");
	assert_int_equal(num(s, "secrets", NULL), 6);
	assert_int_equal(num(s, "overdue", NULL), 1);
	assert_int_equal(num(s, "expiring", NULL), 1);
	const json_t *sec = json_object_get(r, "secrets");
	assert_int_equal(json_array_size(json_object_get(sec, "attention")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(sec, "attention"), 0), "name")), "a");
	const json_t *types = json_object_get(sec, "by_type");
	assert_true(json_is_null(json_object_get(json_array_get(types, 0), "type")));
	assert_int_equal(num(json_array_get(types, 0), "count", NULL), 5);
	assert_string_equal(json_string_value(json_object_get(json_array_get(types, 1), "type")), "openai");
	/* the one live secret rotated longest ago comes first */
	assert_int_equal(json_array_size(json_object_get(sec, "least_recently_rotated")), 4);
	/* rotation ages: all under 30 days */
	assert_int_equal(num(json_array_get(json_object_get(sec, "by_rotation_age"), 0), "count", NULL), 4);
	/* tokens: the 1-hour one has expired by then */
	const json_t *tok = json_object_get(r, "tokens");
	assert_int_equal(num(tok, "live", NULL), 2);
	assert_int_equal(json_array_size(json_object_get(tok, "root")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(tok, "root"), 0), "display_name")), "token-break-glass");
	/* teams: both, with their secrets */
	const json_t *teams = json_object_get(r, "teams");
	assert_int_equal(json_array_size(teams), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(teams, 0), "team")), "data");
	assert_int_equal(num(json_array_get(teams, 0), "secrets", NULL), 1);
	assert_int_equal(num(json_array_get(teams, 0), "overdue", NULL), 1);
	assert_int_equal(num(json_array_get(teams, 1), "secrets", NULL), 1);
	/* no audit device: said, not failed */
	const json_t *a = json_object_get(r, "audit");
	assert_false(json_is_true(json_object_get(a, "available")));
	assert_non_null(strstr(json_string_value(json_object_get(a, "note")), "no file audit device"));
	assert_true(json_is_null(json_object_get(s, "failed_logins")));
	json_decref(r);

	/* 40 days on, b is overdue; with --warn 0 nothing is "soon" */
	r = report_at(now + 40 * DAY, "{\"warn\":\"0s\"}");
	assert_string_equal(status(r, "secret/", "b"), "overdue");
	assert_true(json_is_true(json_object_get(item(r, "secret/", "b"), "rotation_overdue")));
	assert_int_equal(num(r, "summary", "overdue"), 2);
	assert_int_equal(num(r, "summary", "expiring"), 0);
	json_decref(r);
	/* now: nothing due yet but a */
	r = report_at(now + NS, "{\"warn\":\"1d\"}");
	assert_string_equal(status(r, "secret/", "b"), "ok");
	json_decref(r);
}

static void test_audit_files(void **state)
{
	(void)state;
	char path[] = "/tmp/custos-report-log-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *log =
		"{\"time\":\"2026-01-05T00:00:00Z\",\"type\":\"response\",\"auth\":{},\"request\":{"
		"\"mount_type\":\"userpass\",\"mount_point\":\"auth/userpass/\",\"path\":"
		"\"auth/userpass/login/bob\"},\"error\":\"invalid username or password\"}\n";
	assert_int_equal(write(fd, log, strlen(log)), (ssize_t)strlen(log));
	close(fd);
	int64_t at = 0;
	assert_int_equal(cst_time_parse(&at, "2026-01-06T00:00:00Z"), CST_OK);
	char params[256];
	snprintf(params, sizeof(params), "{\"audit_file\":\"%s\",\"since\":\"7d\"}", path);
	json_t *r = report_at(at, params);
	const json_t *a = json_object_get(r, "audit");
	assert_true(json_is_true(json_object_get(a, "available")));
	assert_int_equal(num(a, "logins", "failed"), 1);
	assert_int_equal(num(r, "summary", "failed_logins"), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(a, "sources"), 0), "path")), path);
	json_decref(r);
	/* the same file for a remote caller: not in an audit device's directory */
	json_t *p = json_loads(params, 0, NULL);
	cst_report_opts o;
	json_t *out = NULL;
	assert_int_equal(cst_report_params(&o, p, at), CST_OK);
	o.remote = 1;
	assert_int_equal(cst_report_build(&out, vault, &o), CST_EPERM);
	assert_null(out);
	unlink(path);
	/* a named file that is not there is the caller's mistake */
	o.remote = 0;
	assert_int_equal(cst_report_build(&out, vault, &o), CST_EINVAL);
	assert_non_null(strstr(cst_errmsg(), "cannot read audit file"));
	json_decref(p);
}

static void test_route(void **state)
{
	(void)state;
	cst_response resp = {0};
	/* locally (root) */
	assert_int_equal(call(&resp, CST_OP_READ, "sys/report", "{\"since\":\"1d\"}", 0, NULL, NULL), CST_OK);
	assert_int_equal(num(resp.data, "window", "seconds"), 86400);
	cst_response_release(&resp);
	assert_int_equal(call(&resp, CST_OP_UPDATE, "sys/report", "{\"since\":\"soon\"}", 0, NULL, NULL),
	                 CST_EINVAL);
	cst_response_release(&resp);
	/* sudo on sys/report: a token with read alone is refused */
	ok(CST_OP_UPDATE, "sys/policies/acl/rep", "{\"policy\":\"path \\\"sys/report\\\" { capabilities = [\\\"read\\\"] }\"}");
	ok(CST_OP_UPDATE, "sys/policies/acl/repsudo", "{\"policy\":\"path \\\"sys/report\\\" { capabilities = [\\\"read\\\", \\\"sudo\\\"] }\"}");
	const char *tokens[2] = {NULL, NULL};
	const char *pols[2] = {"rep", "repsudo"};
	char *held[2];
	for (int i = 0; i < 2; i++) {
		char body[96];
		snprintf(body, sizeof(body), "{\"policies\":[\"%s\"]}", pols[i]);
		assert_int_equal(call(&resp, CST_OP_UPDATE, "auth/token/create", body, 0, NULL, NULL), CST_OK);
		held[i] = strdup(json_string_value(json_object_get(resp.auth, "client_token")));
		tokens[i] = held[i];
		cst_response_release(&resp);
	}
	refused(CST_EPERM, CST_OP_READ, "sys/report", NULL, 1, tokens[0], "127.0.0.1", NULL);
	assert_int_equal(call(&resp, CST_OP_READ, "sys/report", NULL, 1, tokens[1], "127.0.0.1"), CST_OK);
	assert_non_null(json_object_get(resp.data, "summary"));
	cst_response_release(&resp);
	free(held[0]);
	free(held[1]);
}

static void test_params(void **state)
{
	(void)state;
	int64_t now = 1767225600LL * NS;
	cst_report_opts o;
	static const struct {
		const char *json, *why;
	} bad[] = {
		{"{\"since\":\"soon\"}", "since must be a duration"},
		{"{\"since\":\"0\"}", "between 1s and 100 years"},
		{"{\"since\":-5}", "between 1s and 100 years"},
		{"{\"since\":\"2027-01-01T00:00:00Z\"}", "in the past"},
		{"{\"since\":\"1700-01-01T00:00:00Z\"}", "at most 100 years ago"},
		{"{\"since\":true}", "since must be"},
		{"{\"warn\":\"later\"}", "warn must be a duration"},
		{"{\"warn\":-1}", "warn must be between"},
		{"{\"audit_file\":5}", "audit_file must be a path"},
		{"{\"audit_file\":[\"a\",3]}", "audit_file must be a path"},
		{"{\"audit_file\":\"\"}", "audit_file is empty"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *p = json_loads(bad[i].json, 0, NULL);
		if (cst_report_params(&o, p, now) != CST_EINVAL || !strstr(cst_errmsg(), bad[i].why))
			fail_msg("%s: %s", bad[i].json, cst_errmsg());
		json_decref(p);
	}
	/* the epoch itself is a time like any other */
	json_t *epoch = json_loads("{\"since\":\"1970-01-01T00:00:00Z\"}", 0, NULL);
	assert_int_equal(cst_report_params(&o, epoch, now), CST_OK);
	assert_true(o.since_ns == 0);
	json_decref(epoch);
	assert_int_equal(cst_report_params(&o, NULL, now), CST_OK);
	assert_true(o.since_ns == now - 30 * DAY);
	assert_int_equal(o.warn_s, 14 * 86400);
	assert_int_equal(o.n_audit_files, 0);
	json_t *p = json_loads("{\"since\":\"2025-12-25T00:00:00Z\",\"warn\":3600,\"audit_file\":[\"/a\",\"/b\"]}", 0, NULL);
	assert_int_equal(cst_report_params(&o, p, now), CST_OK);
	assert_true(o.since_ns == now - 7 * DAY);
	assert_int_equal(o.warn_s, 3600);
	assert_int_equal(o.n_audit_files, 2);
	assert_string_equal(o.audit_files[1], "/b");
	json_decref(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_secrets_and_tokens, vault_setup, vault_teardown),
		cmocka_unit_test_setup_teardown(test_audit_files, vault_setup, vault_teardown),
		cmocka_unit_test_setup_teardown(test_route, vault_setup, vault_teardown),
		cmocka_unit_test(test_params),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
