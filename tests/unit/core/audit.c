/* audit.c - tests of the audit machinery (src/core/audit*.c): entries in
 * Vault's layout with every string HMAC'd under the device salt (times
 * excepted) and no token or value in clear; the chain (sealing, parsing,
 * verification catching each kind of tampering); filters; and, through
 * the router on an in-memory vault, fail-closed requests and the entries
 * a denied request leaves. */
#define _GNU_SOURCE /* memmem */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/tokens.h"
#include "core/vault.h"
#include "crypto/kdf.h"
#include "util/base64.h"
#include "util/timefmt.h"

#include "testutil.h"

static const unsigned char salt_bytes[32] = "0123456789abcdef0123456789abcde";
static const unsigned char chain_bytes[32] = "chain-key-chain-key-chain-key-0";

static void expect_hmac(const char *got, const char *plain)
{
	unsigned char mac[32];
	char want[CST_AUDIT_HASH_LEN + 1] = "hmac-sha256:";
	assert_int_equal(cst_mac_sha256(mac, salt_bytes, 32, plain, strlen(plain)), CST_OK);
	cst_hex_encode(want + 12, mac, 32);
	assert_non_null(got);
	assert_string_equal(got, want);
}

/* Formats an entry and parses it back (after closing the object). */
static json_t *entry(cst_abuf *b)
{
	cst_abuf_put(b, "}", 1);
	json_error_t err;
	json_t *doc = json_loadb(b->p, b->len, 0, &err);
	if (doc == NULL)
		fail_msg("entry is not JSON: %s: %.*s", err.text, (int)b->len, b->p);
	return doc;
}

static void test_request_entry(void **state)
{
	(void)state;
	cst_mac_key *salt = NULL;
	assert_int_equal(cst_mac_key_new(&salt, salt_bytes, 32), CST_OK);
	json_t *data = json_loads("{\"a\":\"s3cr3t-value\",\"n\":5,\"b\":true,\"t\":\"2024-01-02T03:04:05.5Z\","
	                          "\"nested\":{\"arr\":[\"x\",null]},\"empty\":\"\"}", 0, NULL);
	json_t *tok = json_loads("{\"accessor\":\"acc-123\",\"policies\":[\"default\",\"p1\"],"
	                         "\"display_name\":\"token-ci\",\"creation_ttl\":3600,"
	                         "\"creation_time\":1700000000,\"meta\":{\"team\":\"ml\"},"
	                         "\"identity\":{\"entity_id\":\"ent-1\",\"teams\":[\"ml\",\"ops\"]}}", 0, NULL);
	cst_caller caller = {{0}, tok, 0};
	cst_request req = {.op = CST_OP_UPDATE, .flags = CST_REQ_REMOTE, .path = "secret/data/x\xff",
	                   .data = data, .token = "cst.TOKENVALUE", .client_addr = "10.0.0.7"};
	cst_audit_memo memo = {NULL, "", "", NULL, 0, NULL};
	cst_audit_event ev = {&req, "id-1", CST_OP_CREATE, "kv", "secret/", &caller, 1700000000123456789LL, &memo};
	cst_audit_format f = {salt, 1, "uid 0"};
	cst_abuf b;
	cst_abuf_init(&b);
	assert_int_equal(cst_audit_format_request(&b, &f, &ev, NULL), CST_OK);
	assert_null(memmem(b.p, b.len, "s3cr3t", 6));
	assert_null(memmem(b.p, b.len, "TOKENVALUE", 10));
	assert_null(memmem(b.p, b.len, "acc-123", 7));
	json_t *doc = entry(&b);
	assert_string_equal(json_string_value(json_object_get(doc, "type")), "request");
	assert_string_equal(json_string_value(json_object_get(doc, "time")), "2023-11-14T22:13:20.123456789Z");
	json_t *auth = json_object_get(doc, "auth"), *r = json_object_get(doc, "request");
	expect_hmac(json_string_value(json_object_get(auth, "client_token")), "cst.TOKENVALUE");
	expect_hmac(json_string_value(json_object_get(auth, "accessor")), "acc-123");
	assert_string_equal(json_string_value(json_object_get(auth, "display_name")), "token-ci");
	assert_string_equal(json_string_value(json_array_get(json_object_get(auth, "policies"), 1)), "p1");
	assert_string_equal(json_string_value(json_object_get(json_object_get(auth, "metadata"), "team")), "ml");
	assert_int_equal(json_integer_value(json_object_get(auth, "token_ttl")), 3600);
	/* the login's entity and its teams, in clear */
	assert_string_equal(json_string_value(json_object_get(auth, "entity_id")), "ent-1");
	assert_string_equal(json_string_value(json_array_get(json_object_get(auth, "teams"), 1)), "ops");
	expect_hmac(json_string_value(json_object_get(r, "client_token")), "cst.TOKENVALUE");
	assert_string_equal(json_string_value(json_object_get(r, "operation")), "create");
	assert_string_equal(json_string_value(json_object_get(r, "id")), "id-1");
	assert_string_equal(json_string_value(json_object_get(r, "path")), "secret/data/x\xef\xbf\xbd");
	assert_string_equal(json_string_value(json_object_get(r, "remote_address")), "10.0.0.7");
	json_t *d = json_object_get(r, "data");
	expect_hmac(json_string_value(json_object_get(d, "a")), "s3cr3t-value");
	expect_hmac(json_string_value(json_object_get(d, "empty")), "");
	expect_hmac(json_string_value(json_array_get(json_object_get(json_object_get(d, "nested"), "arr"), 0)), "x");
	assert_true(json_is_null(json_array_get(json_object_get(json_object_get(d, "nested"), "arr"), 1)));
	assert_int_equal(json_integer_value(json_object_get(d, "n")), 5);
	assert_true(json_is_true(json_object_get(d, "b")));
	assert_string_equal(json_string_value(json_object_get(d, "t")), "2024-01-02T03:04:05.5Z");
	assert_null(json_object_get(doc, "error"));
	json_decref(doc);
	/* the response entry reuses the request's auth and request text: the
	 * same bytes as written afresh */
	assert_non_null(memo.section);
	cst_response resp = {0};
	resp.data = json_loads("{\"k\":\"v\"}", 0, NULL);
	cst_abuf with, without;
	cst_abuf_init(&with);
	cst_abuf_init(&without);
	assert_int_equal(cst_audit_format_response(&with, &f, &ev, &resp, NULL), CST_OK);
	ev.memo = NULL;
	assert_int_equal(cst_audit_format_response(&without, &f, &ev, &resp, NULL), CST_OK);
	ev.memo = &memo;
	assert_int_equal(with.len, without.len);
	assert_memory_equal(with.p, without.p, with.len);
	cst_abuf_release(&with);
	cst_abuf_release(&without);
	cst_response_release(&resp);

	/* hmac_accessor=false, an error, a refused token (no caller) */
	f.hmac_accessor = 0;
	cst_abuf_release(&b);
	cst_abuf_init(&b);
	assert_int_equal(cst_audit_format_request(&b, &f, &ev, "permission denied"), CST_OK);
	doc = entry(&b);
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "auth"), "accessor")), "acc-123");
	assert_string_equal(json_string_value(json_object_get(doc, "error")), "permission denied");
	json_decref(doc);
	ev.caller = NULL;
	cst_abuf_release(&b);
	cst_abuf_init(&b);
	assert_int_equal(cst_audit_format_request(&b, &f, &ev, "permission denied"), CST_OK);
	doc = entry(&b);
	assert_int_equal(json_object_size(json_object_get(doc, "auth")), 1);
	json_decref(doc);
	cst_abuf_release(&b);
	free(memo.section);
	json_decref(data);
	json_decref(tok);
	cst_mac_key_free(salt);
}

static void test_response_entry(void **state)
{
	(void)state;
	cst_mac_key *salt = NULL;
	assert_int_equal(cst_mac_key_new(&salt, salt_bytes, 32), CST_OK);
	cst_request req = {.op = CST_OP_UPDATE, .path = "auth/token/create"};
	cst_audit_event ev = {&req, "id-2", CST_OP_UPDATE, "token", "auth/token/", NULL, 1, NULL};
	cst_audit_format f = {salt, 1, "uid 1000 (alice)"};
	cst_response resp = {0};
	resp.auth = json_loads("{\"client_token\":\"cst.NEWTOKEN\",\"accessor\":\"acc-9\","
	                       "\"policies\":[\"default\"],\"lease_duration\":60}", 0, NULL);
	resp.data = json_loads("{\"keys\":[\"k1\"]}", 0, NULL);
	resp.warnings = json_loads("[\"a warning\"]", 0, NULL);
	cst_abuf b;
	cst_abuf_init(&b);
	assert_int_equal(cst_audit_format_response(&b, &f, &ev, &resp, NULL), CST_OK);
	assert_null(memmem(b.p, b.len, "NEWTOKEN", 8));
	json_t *doc = entry(&b);
	json_t *auth = json_object_get(doc, "auth");
	assert_string_equal(json_string_value(json_object_get(auth, "token_type")), "local");
	assert_string_equal(json_string_value(json_object_get(json_object_get(auth, "metadata"), "local_user")),
	                    "uid 1000 (alice)");
	json_t *r = json_object_get(doc, "response");
	expect_hmac(json_string_value(json_object_get(json_object_get(r, "auth"), "client_token")), "cst.NEWTOKEN");
	expect_hmac(json_string_value(json_object_get(json_object_get(r, "auth"), "accessor")), "acc-9");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "auth"), "lease_duration")), 60);
	expect_hmac(json_string_value(json_array_get(json_object_get(json_object_get(r, "data"), "keys"), 0)), "k1");
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "warnings"), 0)), "a warning");
	assert_string_equal(json_string_value(json_object_get(r, "mount_type")), "token");
	json_decref(doc);
	cst_abuf_release(&b);
	cst_response_release(&resp);
	cst_mac_key_free(salt);
}

/* A log of n lines: a chain line and n - 1 entries. */
static char *make_log(size_t n, cst_audit_chain *end)
{
	cst_mac_key *key = NULL;
	assert_int_equal(cst_mac_key_new(&key, chain_bytes, 32), CST_OK);
	cst_audit_chain pos = {0, {0}}, next;
	cst_abuf all, line;
	cst_abuf_init(&all);
	for (size_t i = 0; i < n; i++) {
		cst_abuf_init(&line);
		if (i == 0) {
			cst_audit_chain_body(&line, 1, "file/", "start", &pos);
		} else {
			char body[128];
			int len = snprintf(body, sizeof(body), "{\"time\":\"t\",\"type\":\"request\",\"n\":%zu", i);
			cst_abuf_put(&line, body, (size_t)len);
		}
		assert_int_equal(cst_audit_seal_line(&line, key, &pos, &next, NULL), CST_OK);
		pos = next;
		cst_abuf_put(&all, line.p, line.len);
		cst_abuf_release(&line);
	}
	cst_abuf_put(&all, "", 1);
	char *out = strdup(all.p);
	cst_abuf_release(&all);
	cst_mac_key_free(key);
	if (end)
		*end = pos;
	return out;
}

static cst_audit_report verify(const char *text, const cst_audit_chain *expect)
{
	cst_mac_key *key = NULL;
	cst_audit_report r;
	assert_int_equal(cst_mac_key_new(&key, chain_bytes, 32), CST_OK);
	assert_int_equal(cst_audit_verify_buf(&r, key, text, strlen(text), expect), CST_OK);
	cst_mac_key_free(key);
	return r;
}

/* The log without line k (1-based), or with lines k and k+1 swapped. */
static char *edit_lines(const char *text, size_t k, int swap)
{
	char *lines[64];
	size_t n = 0;
	char *copy = strdup(text), *save = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l && n < 64; l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	if (swap) {
		char *t = lines[k - 1];
		lines[k - 1] = lines[k];
		lines[k] = t;
	}
	size_t cap = strlen(text) + 2, w = 0;
	char *out = malloc(cap);
	for (size_t i = 0; i < n; i++) {
		if (!swap && i == k - 1)
			continue;
		w += (size_t)snprintf(out + w, cap - w, "%s\n", lines[i]);
	}
	out[w] = '\0';
	free(copy);
	return out;
}

static void test_chain(void **state)
{
	(void)state;
	cst_audit_chain end;
	char *log = make_log(6, &end);
	cst_audit_report r = verify(log, NULL);
	assert_true(r.ok);
	assert_int_equal(r.entries, 6);
	assert_int_equal(r.first_seq, 1);
	assert_int_equal(r.last_seq, 6);
	r = verify(log, &end);
	assert_true(r.ok);

	char *del = edit_lines(log, 3, 0);
	r = verify(del, NULL);
	assert_false(r.ok);
	assert_int_equal(r.bad_line, 3);
	assert_non_null(strstr(r.reason, "deleted"));
	free(del);

	char *swapped = edit_lines(log, 3, 1);
	r = verify(swapped, NULL);
	assert_false(r.ok);
	assert_int_equal(r.bad_line, 3);
	free(swapped);

	char *headless = edit_lines(log, 1, 0);
	r = verify(headless, NULL);
	assert_false(r.ok);
	assert_int_equal(r.bad_line, 1);
	free(headless);

	char *edited = strdup(log);
	char *n4 = strstr(edited, "\"n\":4");
	n4[4] = '5';
	r = verify(edited, NULL);
	assert_false(r.ok);
	assert_int_equal(r.bad_line, 5);
	assert_non_null(strstr(r.reason, "edited"));
	free(edited);

	/* cut mid-line; cut at a line (caught against the live position only) */
	char *cut = strndup(log, strlen(log) - 10);
	r = verify(cut, NULL);
	assert_false(r.ok);
	assert_int_equal(r.bad_line, 6);
	free(cut);
	char *last = strrchr(log, '\n');
	*last = '\0';
	char *prev = strrchr(log, '\n');
	prev[1] = '\0';
	r = verify(log, NULL);
	assert_true(r.ok);
	assert_int_equal(r.entries, 5);
	r = verify(log, &end);
	assert_false(r.ok);
	assert_non_null(strstr(r.reason, "missing at the end"));

	/* a wrong key finds every line edited */
	cst_mac_key *other = NULL;
	assert_int_equal(cst_mac_key_new(&other, salt_bytes, 32), CST_OK);
	assert_int_equal(cst_audit_verify_buf(&r, other, log, strlen(log), NULL), CST_OK);
	assert_false(r.ok);
	assert_int_equal(r.bad_line, 1);
	cst_mac_key_free(other);
	r = verify("", NULL);
	assert_false(r.ok);
	free(log);
}

static void test_parse_line(void **state)
{
	(void)state;
	char *log = make_log(2, NULL);
	char *nl = strchr(log, '\n');
	cst_audit_line l;
	assert_int_equal(cst_audit_parse_line(&l, log, (size_t)(nl - log)), CST_OK);
	assert_true(l.is_chain);
	assert_int_equal(l.seq, 1);
	assert_int_equal(l.prev_seq, 0);
	assert_int_equal(cst_audit_parse_line(&l, nl + 1, strlen(nl + 1) - 1), CST_OK);
	assert_false(l.is_chain);
	assert_int_equal(l.seq, 2);
	/* a syslog header before the entry is skipped */
	char with_header[1024];
	snprintf(with_header, sizeof(with_header), "<134>Dec  1 10:00:00 custos[7]: %.*s",
	         (int)(strlen(nl + 1) - 1), nl + 1);
	assert_int_equal(cst_audit_parse_line(&l, with_header, strlen(with_header)), CST_OK);
	assert_int_equal(l.seq, 2);
	static const char *const bad[] = {
		"", "{}", "not json", "{\"time\":\"t\",\"seq\":1,\"chain\":\"hmac-sha256:00\"}",
		"{\"time\":\"t\",\"type\":\"request\",\"seq\":01,\"chain\":\"hmac-sha256:"
		"0000000000000000000000000000000000000000000000000000000000000000\"}",
		"{\"time\":\"t\",\"type\":\"request\",\"seq\":1,\"chain\":\"hmac-sha256:"
		"000000000000000000000000000000000000000000000000000000000000000G\"}",
		"{\"time\":\"t\",\"type\":\"chain\",\"seq\":1,\"chain\":\"hmac-sha256:"
		"0000000000000000000000000000000000000000000000000000000000000000\"}",
		"{\"time\":\"t\",\"type\":\"request\",\"seq\":99999999999999999999,\"chain\":\"hmac-sha256:"
		"0000000000000000000000000000000000000000000000000000000000000000\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cst_audit_parse_line(&l, bad[i], strlen(bad[i])) != CST_EINVAL)
			fail_msg("accepted: %s", bad[i]);
	free(log);
}

static int matches(const char *expr, const char *path, cst_op op)
{
	cst_audit_filter *f = NULL;
	if (cst_audit_filter_parse(&f, expr) != CST_OK)
		fail_msg("filter %s: %s", expr, cst_errmsg());
	cst_request req = {.op = op, .path = path};
	cst_audit_event ev = {&req, "id", op, "kv", "secret/", NULL, 0, NULL};
	int m = cst_audit_filter_match(f, &ev);
	cst_audit_filter_free(f);
	return m;
}

static void test_filter(void **state)
{
	(void)state;
	assert_true(matches("path == \"secret/data/a\"", "secret/data/a", CST_OP_READ));
	assert_false(matches("path != \"sys/metrics\"", "sys/metrics", CST_OP_READ));
	assert_true(matches("path != sys/metrics", "secret/data/a", CST_OP_READ));
	assert_true(matches("path matches \"^secret/data/team-[a-z]+/\"", "secret/data/team-ml/k", CST_OP_READ));
	assert_false(matches("path not matches \"^secret/\"", "secret/data/x", CST_OP_READ));
	assert_true(matches("operation == read and mount_type == kv", "x", CST_OP_READ));
	assert_false(matches("operation == read and mount_type == kv", "x", CST_OP_LIST));
	assert_true(matches("operation == list or not (mount_point == \"secret/\")", "x", CST_OP_LIST));
	assert_false(matches("not (operation == read or operation == list)", "x", CST_OP_LIST));
	assert_true(matches("namespace == root", "x", CST_OP_READ));
	assert_true(matches("path matches \"^sys/[*+]x{2}\"", "sys/+xx", CST_OP_READ));
	assert_true(matches("path matches \"^[[:alpha:]_]+/x$\"", "my_kv/x", CST_OP_READ));
	assert_true(matches("path == \"a \\\"q\\\" b\"", "a \"q\" b", CST_OP_READ));
	static const char *const bad[] = {"", "path", "path ==", "paths == x", "path === x",
	                                  "(path == x", "path == x and", "path matches \"(\"",
	                                  "path == \"open", "path == x y", "not", "path == \"\\n\"",
	                                  "path matches \"a++\"", "path matches \"(a*)*\"",
	                                  "path matches \"a{1,999}\"", "path matches \"(a)\\\\1\"",
	                                  /* a class's own ']' does not end the bracket */
	                                  "path matches \"[[:alpha:][](a*)*\"",
	                                  "path matches \"[[:alpha:][]a{999}\"",
	                                  "path matches \"[[:alpha\""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cst_audit_filter *f = NULL;
		if (cst_audit_filter_parse(&f, bad[i]) != CST_EINVAL || f != NULL || cst_errmsg()[0] == '\0')
			fail_msg("accepted or no message: '%s'", bad[i]);
	}
	char deep[200];
	memset(deep, '(', 100);
	snprintf(deep + 100, sizeof(deep) - 100, "path == x");
	cst_audit_filter *f = NULL;
	assert_int_equal(cst_audit_filter_parse(&f, deep), CST_EINVAL);
}

/* --- through the router ------------------------------------------------- */

static int request(cst_vault *v, cst_op op, const char *path, const char *body, cst_response *resp)
{
	json_t *data = body ? json_loads(body, 0, NULL) : NULL;
	cst_request req = {.op = op, .path = path, .data = data};
	int rc = cst_vault_request(v, &req, resp);
	json_decref(data);
	return rc;
}

static void test_router_fail_closed(void **state)
{
	(void)state;
	char dir[] = "/tmp/custos-audit-unit.XXXXXX", logdir[256], away[256], log[300], body[400];
	assert_non_null(mkdtemp(dir));
	snprintf(logdir, sizeof(logdir), "%s/logs", dir);
	snprintf(away, sizeof(away), "%s/away", dir);
	snprintf(log, sizeof(log), "%s/audit.log", logdir);
	assert_int_equal(mkdir(logdir, 0700), 0);
	cst_vault *v = test_memory_vault();
	assert_non_null(v);
	cst_response resp;
	snprintf(body, sizeof(body), "{\"type\":\"file\",\"options\":{\"file_path\":\"%s\"}}", log);
	assert_int_equal(request(v, CST_OP_UPDATE, "sys/audit/file", body, &resp), CST_OK);
	cst_response_release(&resp);
	assert_int_equal(request(v, CST_OP_UPDATE, "secret/data/a", "{\"data\":{\"k\":\"v1\"}}", &resp), CST_OK);
	cst_response_release(&resp);
	assert_int_equal(request(v, CST_OP_UPDATE, "sys/audit-hash/file", "{\"input\":\"v1\"}", &resp), CST_OK);
	char hash[100];
	snprintf(hash, sizeof(hash), "%s", json_string_value(json_object_get(resp.data, "hash")));
	cst_response_release(&resp);
	assert_int_equal(request(v, CST_OP_UPDATE, "sys/audit-hash/nope", "{\"input\":\"v1\"}", &resp), CST_EINVAL);
	cst_response_release(&resp);
	assert_int_equal(request(v, CST_OP_UPDATE, "sys/audit-hash/file", "{\"input\":\"\"}", &resp), CST_EINVAL);
	cst_response_release(&resp);

	/* the directory goes away and the reopen fails: nothing gets through */
	assert_int_equal(rename(logdir, away), 0);
	int fd = open(logdir, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	cst_vault_audit_reopen(v);
	assert_int_equal(request(v, CST_OP_UPDATE, "secret/data/a", "{\"data\":{\"k\":\"v2\"}}", &resp), CST_EIO);
	assert_non_null(strstr(cst_errmsg(), "audit failure"));
	assert_null(resp.data);
	cst_response_release(&resp);
	unlink(logdir);
	assert_int_equal(rename(away, logdir), 0);
	cst_vault_audit_reopen(v);
	assert_int_equal(request(v, CST_OP_READ, "secret/data/a", NULL, &resp), CST_OK);
	assert_string_equal(json_string_value(json_object_get(json_object_get(resp.data, "data"), "k")), "v1");
	cst_response_release(&resp);

	/* the log verifies and holds the hash, never the value */
	snprintf(body, sizeof(body), "{\"file_path\":\"%s\"}", log);
	assert_int_equal(request(v, CST_OP_UPDATE, "sys/audit/verify", body, &resp), CST_OK);
	assert_true(json_is_true(json_object_get(resp.data, "ok")));
	assert_true(json_is_true(json_object_get(resp.data, "live")));
	cst_response_release(&resp);
	FILE *f = fopen(log, "r");
	assert_non_null(f);
	char line[8192];
	int found = 0;
	while (fgets(line, sizeof(line), f)) {
		assert_null(strstr(line, "\"v1\""));
		found |= strstr(line, hash) != NULL;
	}
	fclose(f);
	assert_true(found);
	assert_int_equal(request(v, CST_OP_DELETE, "sys/audit/file", NULL, &resp), CST_OK);
	cst_response_release(&resp);
	assert_int_equal(request(v, CST_OP_READ, "sys/audit", NULL, &resp), CST_OK);
	assert_int_equal(json_object_size(resp.data), 0);
	cst_response_release(&resp);
	cst_vault_close(v);
	unlink(log);
	rmdir(logdir);
	rmdir(dir);
}

/* Entry times are written without gmtime per entry: the same text as
 * cst_time_format, for whole seconds, fractions with trailing zeros and
 * the token issue time beside the entry time. */
static void test_entry_times(void **state)
{
	(void)state;
	static const int64_t times[] = {1, 999, 1000000000LL, 1700000000123456789LL,
	                                1700000000100000000LL, 1700000000000000001LL,
	                                1700000001000000000LL, 253402300799999999LL};
	cst_mac_key *salt = NULL;
	assert_int_equal(cst_mac_key_new(&salt, salt_bytes, 32), CST_OK);
	json_t *tok = json_loads("{\"accessor\":\"a\",\"creation_time\":1500000000}", 0, NULL);
	cst_caller caller = {{0}, tok, 0};
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		cst_request req = {.op = CST_OP_READ, .flags = CST_REQ_REMOTE, .path = "p", .token = "t"};
		cst_audit_event ev = {&req, "id", CST_OP_READ, "", "", &caller, times[i], NULL};
		cst_audit_format f = {salt, 1, ""};
		cst_abuf b;
		cst_abuf_init(&b);
		assert_int_equal(cst_audit_format_request(&b, &f, &ev, NULL), CST_OK);
		json_t *doc = entry(&b);
		char want[48];
		cst_time_format(want, sizeof(want), times[i]);
		assert_string_equal(json_string_value(json_object_get(doc, "time")), want);
		assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "auth"), "token_issue_time")),
		                    "2017-07-14T02:40:00Z");
		json_decref(doc);
		cst_abuf_release(&b);
	}
	json_decref(tok);
	cst_mac_key_free(salt);
}

/* Two devices: one that cannot write does not refuse a request the other records. */
static void test_two_devices(void **state)
{
	(void)state;
	char dir[] = "/tmp/custos-audit-unit2.XXXXXX", body[400], good[300], badlog[300], baddir[300];
	assert_non_null(mkdtemp(dir));
	snprintf(good, sizeof(good), "%s/good.log", dir);
	snprintf(baddir, sizeof(baddir), "%s/bad", dir);
	snprintf(badlog, sizeof(badlog), "%s/bad/audit.log", dir);
	assert_int_equal(mkdir(baddir, 0700), 0);
	cst_vault *v = test_memory_vault();
	cst_response resp;
	snprintf(body, sizeof(body), "{\"type\":\"file\",\"options\":{\"file_path\":\"%s\"}}", good);
	assert_int_equal(request(v, CST_OP_UPDATE, "sys/audit/good", body, &resp), CST_OK);
	cst_response_release(&resp);
	snprintf(body, sizeof(body), "{\"type\":\"file\",\"options\":{\"file_path\":\"%s\"}}", badlog);
	assert_int_equal(request(v, CST_OP_UPDATE, "sys/audit/bad", body, &resp), CST_OK);
	cst_response_release(&resp);
	unlink(badlog);
	rmdir(baddir);
	int fd = open(baddir, O_CREAT | O_WRONLY, 0600); /* a file where the directory was */
	assert_true(fd >= 0);
	close(fd);
	cst_vault_audit_reopen(v);
	assert_int_equal(request(v, CST_OP_UPDATE, "secret/data/a", "{\"data\":{\"k\":\"v\"}}", &resp), CST_OK);
	cst_response_release(&resp);
	assert_int_equal(request(v, CST_OP_READ, "sys/metrics", "{\"format\":\"prometheus\"}", &resp), CST_OK);
	assert_non_null(resp.raw);
	assert_non_null(strstr(resp.raw, "custos_audit_failures_total{device=\"bad/\"} "));
	assert_null(strstr(resp.raw, "custos_audit_failures_total{device=\"bad/\"} 0\n"));
	assert_non_null(strstr(resp.raw, "custos_audit_failures_total{device=\"good/\"} 0\n"));
	assert_non_null(strstr(resp.raw, "custos_audit_refused_total 0\n"));
	cst_response_release(&resp);
	snprintf(body, sizeof(body), "{\"file_path\":\"%s\"}", good);
	assert_int_equal(request(v, CST_OP_UPDATE, "sys/audit/verify", body, &resp), CST_OK);
	assert_true(json_is_true(json_object_get(resp.data, "ok")));
	cst_response_release(&resp);
	cst_vault_close(v);
	unlink(good);
	unlink(baddir);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_entry),
		cmocka_unit_test(test_response_entry),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_router_fail_closed),
		cmocka_unit_test(test_entry_times),
		cmocka_unit_test(test_two_devices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
