/* audit_fields.c - tests of src/report/audit_fields.c and audit_reader.c:
 * the fields of real entry shapes (request, response with a new token,
 * local, chain), escapes, duplicate keys (the last wins, as jansson),
 * refusals with a reason, RFC 3339 times, and the streaming reader over a
 * file with a line longer than the limit, CRLF and no final newline. */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include "custos.h"
#include "report/audit_scan.h"

static cst_audit_scratch scratch;

static int parse(cst_audit_fields *f, const char *line)
{
	return cst_audit_fields_parse(f, &scratch, line, strlen(line));
}

static void test_entries(void **state)
{
	(void)state;
	cst_audit_fields f;
	assert_int_equal(
		parse(&f, "{\"time\":\"2026-12-02T00:17:31.514935708Z\",\"type\":\"request\",\"auth\":{"
		          "\"client_token\":\"hmac-sha256:af\",\"accessor\":\"hmac-sha256:0d\",\"display_name\":"
		          "\"userpass-alice\",\"policies\":[\"default\",\"team-ml\"],\"token_policies\":[\"x\"],"
		          "\"metadata\":{\"username\":\"alice\"},\"entity_id\":\"e-1\",\"token_type\":\"service\","
		          "\"token_ttl\":2764800,\"teams\":[\"ml\"]},\"request\":{\"id\":\"c9f2\",\"operation\":"
		          "\"create\",\"mount_type\":\"kv\",\"mount_point\":\"teams/ml/\",\"client_token\":\"h\","
		          "\"namespace\":{\"id\":\"root\"},\"path\":\"teams/ml/data/x\",\"data\":{\"data\":{\"k\":"
		          "\"hmac-sha256:f8\"}},\"remote_address\":\"127.0.0.1\"},\"seq\":20,\"chain\":\"h\"}"),
		CST_OK);
	assert_string_equal(f.type, "request");
	assert_true(f.time_ns == 1796170651514935708LL);
	assert_string_equal(f.display_name, "userpass-alice");
	assert_string_equal(f.username, "alice");
	assert_null(f.role_name);
	assert_string_equal(f.entity_id, "e-1");
	assert_string_equal(f.accessor, "hmac-sha256:0d");
	assert_int_equal(f.n_policies, 2);
	assert_string_equal(f.policies[1], "team-ml");
	assert_int_equal(f.n_teams, 1);
	assert_string_equal(f.teams[0], "ml");
	assert_string_equal(f.operation, "create");
	assert_string_equal(f.mount_point, "teams/ml/");
	assert_string_equal(f.path, "teams/ml/data/x");
	assert_string_equal(f.remote_address, "127.0.0.1");
	assert_null(f.role_id);
	assert_null(f.error);
	assert_int_equal(f.response_auth, 0);

	/* a login's response with its token; a failed approle login */
	assert_int_equal(parse(&f, "{\"time\":\"2026-01-02T03:04:05Z\",\"type\":\"response\",\"auth\":{},"
	                           "\"request\":{\"path\":\"auth/userpass/login/alice\"},\"response\":{"
	                           "\"mount_type\":\"userpass\",\"auth\":{\"client_token\":\"h\"}}}"),
	                 CST_OK);
	assert_int_equal(f.response_auth, 1);
	assert_null(f.display_name);
	assert_int_equal(parse(&f, "{\"type\":\"response\",\"request\":{\"data\":{\"role_id\":\"hmac-sha256:"
	                           "cd\",\"secret_id\":\"x\"}},\"error\":\"invalid role or secret ID\"}"),
	                 CST_OK);
	assert_string_equal(f.role_id, "hmac-sha256:cd");
	assert_string_equal(f.error, "invalid role or secret ID");
	assert_int_equal(f.time_ns, 0);

	/* a syslog header before the entry; escapes; text that is not a string */
	assert_int_equal(parse(&f, "Dec  2 00:17:31 host custos[1]: {\"type\":\"re\\u0071uest\",\"auth\":{"
	                           "\"display_name\":\"a\\\"b\\\\c\\/d \\u00e9 \\ud83d\\ude00\",\"token_type\":5,"
	                           "\"policies\":[\"root\",1,null,{\"x\":[]}]}}"),
	                 CST_OK);
	assert_string_equal(f.type, "request");
	assert_string_equal(f.display_name, "a\"b\\c/d \xc3\xa9 \xf0\x9f\x98\x80");
	assert_null(f.token_type);
	assert_int_equal(f.n_policies, 1);
	assert_int_equal(f.all_policies, 1);

	/* duplicates: the last wins, and a later "auth" replaces all of it */
	assert_int_equal(parse(&f, "{\"time\":\"x\",\"time\":\"2026-01-02T03:04:05Z\",\"auth\":{"
	                           "\"display_name\":\"a\",\"metadata\":{\"username\":\"u\"},\"metadata\":{}},"
	                           "\"request\":{\"path\":\"p\"},\"request\":7}"),
	                 CST_OK);
	assert_non_null(f.time);
	assert_true(f.time_ns > 0);
	assert_string_equal(f.display_name, "a");
	assert_null(f.username);
	assert_null(f.path);

	/* more policies than are kept */
	char line[4096] = "{\"auth\":{\"policies\":[";
	for (int i = 0; i < 40; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s\"p%d\"", i ? "," : "", i);
	strcat(line, "]}}");
	assert_int_equal(parse(&f, line), CST_OK);
	assert_int_equal(f.n_policies, CST_AUDIT_LIST_MAX);
	assert_int_equal(f.all_policies, 40);
	assert_string_equal(f.policies[CST_AUDIT_LIST_MAX - 1], "p31");
}

static void test_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *line, *why;
	} bad[] = {
		{"no json here", "no JSON object"},
		{"{\"type\":\"x\"", "expected at byte 12"},
		{"{\"type\":\"x\"} trailing", "text after the entry"},
		{"{\"type\":\"a\\u0000b\"}", "\\u0000"},
		{"{\"type\":\"\\ud800\"}", "lone high surrogate"},
		{"{\"type\":\"\\udc00\"}", "lone low surrogate"},
		{"{\"type\":\"\\x\"}", "invalid escape"},
		{"{\"type\":\"a\tb\"}", "control character"},
		{"{\"type\":\"\xc3\x28\"}", "invalid UTF-8"},
		{"{\"a\":01}", "',' or '}' expected"},
		{"{\"a\":1.}", "invalid number"},
		{"{\"a\":tru}", "invalid value"},
		{"{\"a\" 1}", "':' expected"},
		{"{\"a\":[1,]}", "invalid value"},
		{"{,}", "a string was expected"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cst_audit_fields f;
		if (parse(&f, bad[i].line) != CST_EINVAL || strstr(cst_errmsg(), bad[i].why) == NULL)
			fail_msg("%s: %s", bad[i].line, cst_errmsg());
	}
	/* deep nesting: as deep as jansson reads is fine, deeper is refused */
	size_t deep = 3000;
	char *s = malloc(deep * 2 + 16);
	strcpy(s, "{\"a\":");
	for (size_t i = 0; i < deep; i++)
		strcat(s, "[");
	for (size_t i = 0; i < deep; i++)
		strcat(s, "]");
	strcat(s, "}");
	cst_audit_fields f;
	assert_int_equal(parse(&f, s), CST_EINVAL);
	assert_non_null(strstr(cst_errmsg(), "nested too deep"));
	/* 2000 levels (within jansson's 2048) are read */
	strcpy(s, "{\"a\":");
	for (size_t i = 0; i < 1999; i++)
		strcat(s, "[");
	for (size_t i = 0; i < 1999; i++)
		strcat(s, "]");
	strcat(s, "}");
	assert_int_equal(parse(&f, s), CST_OK);
	free(s);
}

static void test_times(void **state)
{
	(void)state;
	int64_t t;
	assert_int_equal(cst_audit_time_ns(&t, "1970-01-01T00:00:00Z", 20), 0);
	assert_true(t == 0);
	assert_int_equal(cst_audit_time_ns(&t, "2024-02-29T12:00:00Z", 20), 0);
	assert_true(t == 1709208000LL * 1000000000LL);
	assert_int_equal(cst_audit_time_ns(&t, "2018-03-22T02:24:06.945319214Z", 30), 0);
	assert_true(t == 1521685446945319214LL);
	assert_int_equal(cst_audit_time_ns(&t, "2018-03-22T02:24:06.5Z", 22), 0);
	assert_true(t == 1521685446500000000LL);
	assert_int_equal(cst_audit_time_ns(&t, "2023-02-29T12:00:00Z", 20), -1); /* no leap day */
	assert_int_equal(cst_audit_time_ns(&t, "2024-13-01T00:00:00Z", 20), -1);
	assert_int_equal(cst_audit_time_ns(&t, "2024-01-01T24:00:00Z", 20), -1);
	assert_int_equal(cst_audit_time_ns(&t, "2024-01-01T00:00:00+01:00", 25), -1);
	assert_int_equal(cst_audit_time_ns(&t, "2024-01-01T00:00:00.Z", 21), -1);
	assert_int_equal(cst_audit_time_ns(&t, "1969-12-31T23:59:59Z", 20), -1);
	const char *line = "{\"time\":\"2026-01-02T03:04:05Z\",\"type\":\"request\"}";
	assert_int_equal(cst_audit_line_time(&t, line, strlen(line)), 0);
	assert_true(t == 1767323045LL * 1000000000LL);
	assert_int_equal(cst_audit_line_time(&t, "{\"type\":\"x\"}", 12), -1);
}

static void test_reader(void **state)
{
	(void)state;
	char path[] = "/tmp/custos-audit-reader-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("{\"a\":1}\n{\"b\":2}\r\n\n", f);
	for (size_t i = 0; i < CST_AUDIT_LINE_MAX + 10; i++)
		fputc('x', f);
	fputs("\nafter\nno end", f);
	fclose(f);
	cst_audit_reader r;
	assert_int_equal(cst_audit_reader_open(&r, path, 0), CST_OK);
	const char *line;
	size_t len;
	static const char *const want[] = {"{\"a\":1}", "{\"b\":2}\r", "", "after"};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(cst_audit_reader_next(&r, &line, &len), 1);
		assert_int_equal(len, strlen(want[i]));
		assert_memory_equal(line, want[i], len);
	}
	assert_int_equal(cst_audit_reader_next(&r, &line, &len), 0);
	assert_int_equal(r.too_long, 1);
	assert_int_equal(r.lines, 5);
	assert_int_equal(r.partial_end, 1);
	cst_audit_reader_close(&r);
	cst_audit_reader_close(&r); /* twice is harmless */
	/* a CRLF line parses: \r is JSON white space */
	cst_audit_fields fl;
	assert_int_equal(cst_audit_fields_parse(&fl, &scratch, "{\"type\":\"x\"}\r", 13), CST_OK);
	unlink(path);
	assert_int_equal(cst_audit_reader_open(&r, path, 0), CST_ENOTFOUND);
	assert_non_null(strstr(cst_errmsg(), "cannot read audit file"));
	assert_int_equal(cst_audit_reader_open(&r, "/tmp", 0), CST_EINVAL);
	assert_non_null(strstr(cst_errmsg(), "not a regular file"));
}

/* A server reads only regular files it opens itself: a symbolic link is
 * refused (nofollow), a FIFO at once (no wait for a writer). */
static void test_reader_refuses(void **state)
{
	(void)state;
	char dir[] = "/tmp/custos-audit-refuse-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char file[128], link[128], fifo[128];
	snprintf(file, sizeof(file), "%s/audit.log", dir);
	snprintf(link, sizeof(link), "%s/evil.log", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fputs("{\"a\":1}\n", f);
	fclose(f);
	assert_int_equal(symlink(file, link), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	cst_audit_reader r;
	assert_int_equal(cst_audit_reader_open(&r, link, 1), CST_EINVAL);
	assert_non_null(strstr(cst_errmsg(), "symbolic link"));
	assert_int_equal(cst_audit_reader_open(&r, link, 0), CST_OK); /* local: as the user names it */
	cst_audit_reader_close(&r);
	assert_int_equal(cst_audit_reader_open(&r, fifo, 0), CST_EINVAL);
	assert_non_null(strstr(cst_errmsg(), "not a regular file"));
	unlink(fifo);
	unlink(link);
	unlink(file);
	rmdir(dir);
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
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_reader_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
