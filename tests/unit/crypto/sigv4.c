/* sigv4.c - AWS Signature Version 4 (src/crypto/sigv4.c) against the two
 * published suites in tests/fixtures/aws-sigv4: botocore's aws4_testsuite
 * (canonical request, string to sign, Authorization) and aws-c-auth's v4
 * suite (header and query signing, path normalization on and off, signed
 * bodies, session tokens). Requests are read with src/util/httpmsg.c.
 * Plus the refusals: no host, no credentials, bad time. */
#include "testutil.h"
#include "vectors.h"

#include <dirent.h>

#include "crypto/sigv4.h"
#include "custos.h"
#include "util/httpmsg.h"
#include "util/timefmt.h"

#define BOTO "aws-sigv4/botocore-aws4_testsuite"
#define CRT "aws-sigv4/aws-c-auth-v4"

/* A whole fixture file, NUL-terminated; NULL if it does not exist. */
static char *slurp(const char *rel, size_t *len)
{
	FILE *f = fopen(fixture_path(rel), "rb");
	if (f == NULL)
		return NULL;
	char *p = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			p = realloc(p, cap);
			assert_non_null(p);
		}
		size_t got = fread(p + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	p[n] = '\0';
	if (len)
		*len = n;
	return p;
}

static void expect_file(const char *got, const char *rel)
{
	char *want = slurp(rel, NULL);
	if (want == NULL)
		fail_msg("fixture %s missing", rel);
	if (strcmp(got, want) != 0)
		fail_msg("%s differs:\n--- got\n%s\n--- want\n%s", rel, got, want);
	free(want);
}

static void parse_req(cst_httpmsg *m, const char *rel)
{
	size_t len = 0;
	char *text = slurp(rel, &len);
	if (text == NULL)
		fail_msg("fixture %s missing", rel);
	if (cst_httpmsg_parse(m, text, len) != CST_OK)
		fail_msg("%s does not parse: %s", rel, cst_errmsg());
	free(text);
}

static int64_t ts(const char *rfc3339)
{
	int64_t ns = 0;
	assert_int_equal(cst_time_parse(&ns, rfc3339), CST_OK);
	return ns / 1000000000;
}

/* One botocore case: DIR/NAME/NAME.{req,creq,sts,authz}. */
static void boto_case(const char *dir, const char *name)
{
	char base[512], rel[600];
	snprintf(base, sizeof(base), "%s/%s/%s", dir, name, name);
	snprintf(rel, sizeof(rel), "%s.req", base);
	cst_httpmsg m;
	parse_req(&m, rel);
	cst_sigv4_request req;
	cst_httpmsg_sigv4(&req, &m);
	cst_sigv4_signer s = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL,
	                      "us-east-1", "service", ts("2015-08-30T12:36:00Z"), 0,
	                      CST_SIGV4_NORMALIZE_PATH};
	/* botocore's harness signs this case with temporary credentials. */
	if (strcmp(name, "get-vanilla-with-session-token") == 0)
		s.session_token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
	cst_sigv4_result r;
	if (cst_sigv4_sign_headers(&r, &req, &s) != CST_OK)
		fail_msg("%s: %s", name, cst_errmsg());
	snprintf(rel, sizeof(rel), "%s.creq", base);
	expect_file(r.canonical_request.ptr, rel);
	snprintf(rel, sizeof(rel), "%s.sts", base);
	expect_file(r.string_to_sign.ptr, rel);
	snprintf(rel, sizeof(rel), "%s.authz", base);
	expect_file(r.authorization.ptr, rel);
	cst_sigv4_result_release(&r);
	cst_httpmsg_release(&m);
}

/* Runs fn on every sub-directory of a fixture directory; returns the count. */
static int each_dir(const char *rel, void (*fn)(const char *dir, const char *name))
{
	DIR *d = opendir(fixture_path(rel));
	int count = 0;
	if (d == NULL)
		fail_msg("fixture directory %s missing", rel);
	char names[64][256];
	struct dirent *e;
	while ((e = readdir(d)) != NULL && count < 64) {
		char sub[700];
		snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name);
		DIR *probe = e->d_name[0] == '.' ? NULL : opendir(fixture_path(sub));
		if (probe == NULL)
			continue;
		closedir(probe);
		snprintf(names[count++], sizeof(names[0]), "%s", e->d_name);
	}
	closedir(d);
	for (int i = 0; i < count; i++)
		fn(rel, names[i]);
	return count;
}

static int boto_run;
static void boto_entry(const char *dir, const char *name)
{
	char rel[700];
	/* normalize-path/ and post-sts-token/ hold further case folders. */
	if (strcmp(name, "normalize-path") == 0 || strcmp(name, "post-sts-token") == 0) {
		snprintf(rel, sizeof(rel), "%s/%s", dir, name);
		each_dir(rel, boto_entry);
		return;
	}
	boto_case(dir, name);
	boto_run++;
}

static void test_botocore_suite(void **state)
{
	(void)state;
	each_dir(BOTO, boto_entry);
	assert_true(boto_run >= 16);
}

static int crt_run;
static void crt_case(const char *dir, const char *name)
{
	char rel[700];
	snprintf(rel, sizeof(rel), "%s/%s/context.json", dir, name);
	json_t *ctx = fixture_json(rel), *creds = json_member(ctx, "credentials");
	snprintf(rel, sizeof(rel), "%s/%s/request.txt", dir, name);
	cst_httpmsg m;
	parse_req(&m, rel);
	cst_sigv4_request req;
	cst_httpmsg_sigv4(&req, &m);
	json_t *tok = json_object_get(creds, "token");
	json_t *exp = json_object_get(ctx, "expiration_in_seconds");
	cst_sigv4_signer s = {json_str(creds, "access_key_id"), json_str(creds, "secret_access_key"),
	                      tok ? json_string_value(tok) : NULL, json_str(ctx, "region"),
	                      json_str(ctx, "service"), ts(json_str(ctx, "timestamp")),
	                      exp ? (int64_t)json_integer_value(exp) : 0, 0};
	if (json_is_true(json_object_get(ctx, "normalize")))
		s.flags |= CST_SIGV4_NORMALIZE_PATH;
	unsigned header_flags = json_is_true(json_object_get(ctx, "sign_body"))
	                                ? CST_SIGV4_CONTENT_SHA256 : 0;
	static const char *const modes[] = {"header", "query"};
	for (int q = 0; q < 2; q++) {
		cst_sigv4_signer sm = s;
		if (!q)
			sm.flags |= header_flags;
		cst_sigv4_result r;
		int rc = q ? cst_sigv4_presign(&r, &req, &sm) : cst_sigv4_sign_headers(&r, &req, &sm);
		if (rc != CST_OK)
			fail_msg("%s (%s): %s", name, modes[q], cst_errmsg());
		snprintf(rel, sizeof(rel), "%s/%s/%s-canonical-request.txt", dir, name, modes[q]);
		expect_file(r.canonical_request.ptr, rel);
		snprintf(rel, sizeof(rel), "%s/%s/%s-string-to-sign.txt", dir, name, modes[q]);
		expect_file(r.string_to_sign.ptr, rel);
		snprintf(rel, sizeof(rel), "%s/%s/%s-signature.txt", dir, name, modes[q]);
		expect_file(r.signature, rel);
		/* The signed request carries the same Authorization / signature. */
		snprintf(rel, sizeof(rel), "%s/%s/%s-signed-request.txt", dir, name, modes[q]);
		char *signed_req = slurp(rel, NULL);
		assert_non_null(signed_req);
		const char *want = q ? r.signature : r.authorization.ptr;
		if (strstr(signed_req, want) == NULL)
			fail_msg("%s: %s not in %s", name, want, rel);
		free(signed_req);
		cst_sigv4_result_release(&r);
	}
	cst_httpmsg_release(&m);
	json_decref(ctx);
	crt_run++;
}

static void test_aws_c_auth_suite(void **state)
{
	(void)state;
	each_dir(CRT, crt_case);
	assert_true(crt_run >= 19);
}

static void test_refusals(void **state)
{
	(void)state;
	cst_sigv4_pair h[] = {{"X-Other", "1"}};
	cst_sigv4_request req = {"GET", "/", NULL, 0, h, 1, NULL, 0, NULL};
	cst_sigv4_signer s = {"AKID", "secret", NULL, "us-east-1", "s3", 1, 0, 0};
	cst_sigv4_result r;
	assert_int_equal(cst_sigv4_sign_headers(&r, &req, &s), CST_EINVAL); /* no host */
	cst_sigv4_pair host[] = {{"Host", "example.com"}};
	req.headers = host;
	cst_sigv4_signer bad = s;
	bad.secret_access_key = "";
	assert_int_equal(cst_sigv4_presign(&r, &req, &bad), CST_EINVAL);
	bad = s;
	bad.region = "us/east";
	assert_int_equal(cst_sigv4_presign(&r, &req, &bad), CST_EINVAL);
	bad = s;
	bad.time = -1;
	assert_int_equal(cst_sigv4_presign(&r, &req, &bad), CST_EINVAL);
	cst_sigv4_pair crlf[] = {{"Host", "example.com"}, {"X-Evil", "a\r\nInjected: 1"}};
	req.headers = crlf;
	req.n_headers = 2;
	assert_int_equal(cst_sigv4_sign_headers(&r, &req, &s), CST_EINVAL);
	/* A different secret gives a different signature for the same request. */
	req.headers = host;
	req.n_headers = 1;
	cst_sigv4_result a, b;
	assert_int_equal(cst_sigv4_presign(&a, &req, &s), CST_OK);
	s.secret_access_key = "secret2";
	assert_int_equal(cst_sigv4_presign(&b, &req, &s), CST_OK);
	assert_string_not_equal(a.signature, b.signature);
	assert_string_equal(a.canonical_request.ptr, b.canonical_request.ptr);
	cst_sigv4_result_release(&a);
	cst_sigv4_result_release(&b);
}

static void test_httpmsg(void **state)
{
	(void)state;
	cst_httpmsg m;
	const char *t = "GET /a b/?x=%41&y&=z HTTP/1.1\r\nHost: h\r\nA:1\r\n  2\r\n\r\nbody";
	assert_int_equal(cst_httpmsg_parse(&m, t, strlen(t)), CST_OK);
	assert_string_equal(m.method, "GET");
	assert_string_equal(m.path, "/a b/");
	assert_int_equal(m.n_query, 3);
	assert_string_equal(m.query[0].value, "A");
	assert_string_equal(m.query[1].name, "y");
	assert_string_equal(m.query[2].name, "");
	assert_int_equal(m.n_headers, 3);
	assert_string_equal(m.headers[2].name, "A");
	assert_string_equal(m.headers[2].value, "  2");
	assert_int_equal(m.body_len, 4);
	cst_httpmsg_release(&m);
	static const char *const bad[] = {"", "GET\n", "GET / FTP/1\n", "GET / HTTP/1.1\nnocolon\n",
	                                  "GET /?a=%zz HTTP/1.1\n", "GET / HTTP/1.1\n folded\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cst_httpmsg_parse(&m, bad[i], strlen(bad[i])) != CST_EINVAL)
			fail_msg("accepted bad request %zu", i);
		cst_httpmsg_release(&m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_botocore_suite),
		cmocka_unit_test(test_aws_c_auth_suite),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_httpmsg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
