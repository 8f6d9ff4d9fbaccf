/* s3_presign.c - presigned S3 URLs (src/providers/s3_presign.c) against
 * the AWS documentation example (byte for byte) and the URLs the AWS SDK
 * for JavaScript v3 made (tests/fixtures/s3-presign): same signature, and
 * the same URL once the query is in the SDK's order (the SDK sorts
 * X-Amz-Signature in; custos, like boto3 and the AWS CLI, appends it).
 * Then the C API on a vault credential and the cache with a fake clock. */
#include "custos/request.h"
#include "testutil.h"
#include "crypto/vectors.h"

#include "custos.h"
#include "custos/request.h"
#include "providers/s3_presign.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/timefmt.h"

#define DOCS "s3-presign/aws_docs_s3_presign_example.json"
#define SDK "s3-presign/sdk_js_v3_presigned_urls.json"

static int64_t ts(const char *s)
{
	int64_t ns = 0;
	assert_int_equal(cst_time_parse(&ns, s), CST_OK);
	return ns / 1000000000;
}

static void test_docs_example(void **state)
{
	(void)state;
	json_t *root = fixture_json(DOCS), *c = json_array_get(json_arr(root, "cases"), 0);
	json_t *in = json_member(c, "input"), *want = json_member(c, "expected");
	cst_s3_creds cr = {json_str(in, "access_key_id"), json_str(in, "secret_access_key"), NULL,
	                   json_str(in, "region"), NULL};
	const char *d = json_str(in, "amz_date");
	char rfc[32];
	snprintf(rfc, sizeof(rfc), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", d, d + 4, d + 6, d + 9, d + 11,
	         d + 13);
	cst_presign_opts o = {0};
	o.method = json_str(in, "http_method");
	o.bucket = json_str(in, "bucket");
	o.key = json_str(in, "key");
	o.expires = json_int(in, "expires_in");
	o.endpoint = "https://s3.amazonaws.com";
	o.time = ts(rfc);
	cst_buf url = CST_BUF_INIT;
	assert_int_equal(cst_s3_presign_url(&url, &cr, &o, 0), CST_OK);
	assert_string_equal(url.ptr, json_str(want, "url"));
	cst_buf_release(&url);
	json_decref(root);
}

/* The query of a URL with its parameters sorted, as the SDK writes it. */
static void sorted_url(char *out, size_t n, const char *url)
{
	const char *q = strchr(url, '?');
	assert_non_null(q);
	char *parts[64], *copy = strdup(q + 1);
	size_t k = 0;
	for (char *save = NULL, *t = strtok_r(copy, "&", &save); t && k < 64;
	     t = strtok_r(NULL, "&", &save))
		parts[k++] = t;
	for (size_t i = 1; i < k; i++) /* insertion sort on the raw text, as the SDK */
		for (size_t j = i; j > 0 && strcmp(parts[j - 1], parts[j]) > 0; j--) {
			char *t = parts[j];
			parts[j] = parts[j - 1];
			parts[j - 1] = t;
		}
	size_t o = (size_t)snprintf(out, n, "%.*s?", (int)(q - url), url);
	for (size_t i = 0; i < k && o < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s%s", i ? "&" : "", parts[i]);
	free(copy);
}

/* SDK command parameters as the query parameters S3 names them. */
static const char *sdk_param(const char *name)
{
	static const struct {
		const char *sdk, *s3;
	} map[] = {{"ResponseContentDisposition", "response-content-disposition"},
	           {"ResponseContentType", "response-content-type"},
	           {"ResponseCacheControl", "response-cache-control"},
	           {"ResponseContentLanguage", "response-content-language"},
	           {"ResponseExpires", "response-expires"},
	           {"ResponseContentEncoding", "response-content-encoding"},
	           {"VersionId", "versionId"}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].sdk, name) == 0)
			return map[i].s3;
	return NULL;
}

static void test_sdk_v3_urls(void **state)
{
	(void)state;
	json_t *root = fixture_json(SDK), *cases = json_arr(root, "cases"), *c;
	size_t i, checked = 0;
	json_array_foreach(cases, i, c) {
		json_t *in = json_member(c, "input"), *want = json_member(c, "expected");
		json_t *tok = json_object_get(in, "session_token"), *ep = json_object_get(in, "endpoint");
		cst_s3_creds cr = {json_str(in, "access_key_id"), json_str(in, "secret_access_key"),
		                   json_is_string(tok) ? json_string_value(tok) : NULL, NULL, NULL};
		cst_presign_pair params[16];
		size_t np = 0;
		params[np++] = (cst_presign_pair){"X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"};
		char xid[64];
		const char *cmd = json_str(in, "sdk_command");
		if (strcmp(cmd, "HeadObjectCommand") != 0) {
			snprintf(xid, sizeof(xid), "%.*s", (int)(strlen(cmd) - strlen("Command")), cmd);
			params[np++] = (cst_presign_pair){"x-id", xid};
		}
		const char *k;
		json_t *v;
		int skip = 0;
		json_object_foreach(json_member(in, "extra_command_params"), k, v) {
			const char *s3 = sdk_param(k);
			if (s3 && json_is_string(v) && np < 16)
				params[np++] = (cst_presign_pair){s3, json_string_value(v)};
			else if (strcmp(k, "ContentType") != 0) /* the SDK does not sign it */
				skip = 1;
		}
		if (skip)
			fail_msg("%s: unmapped SDK parameter", json_str(c, "id"));
		cst_presign_opts o = {0};
		o.method = json_str(in, "http_method");
		o.bucket = json_str(in, "bucket");
		o.key = json_str(in, "key");
		o.region = json_str(in, "region");
		o.endpoint = json_is_string(ep) ? json_string_value(ep) : NULL;
		o.path_style = json_is_true(json_object_get(in, "force_path_style"));
		o.expires = json_int(in, "expires_in");
		o.time = ts(json_str(in, "signing_date"));
		o.params = params;
		o.n_params = np;
		cst_buf url = CST_BUF_INIT;
		if (cst_s3_presign_url(&url, &cr, &o, 0) != CST_OK)
			fail_msg("%s: %s", json_str(c, "id"), cst_errmsg());
		char sig[80], sorted[8192];
		snprintf(sig, sizeof(sig), "X-Amz-Signature=%s", json_str(want, "signature"));
		if (strstr(url.ptr, sig) == NULL)
			fail_msg("%s: signature differs\n got %s\nwant %s", json_str(c, "id"), url.ptr,
			         json_str(want, "url"));
		sorted_url(sorted, sizeof(sorted), url.ptr);
		if (strcmp(sorted, json_str(want, "url")) != 0)
			fail_msg("%s: URL differs\n got %s\nwant %s", json_str(c, "id"), sorted,
			         json_str(want, "url"));
		cst_buf_release(&url);
		checked++;
	}
	assert_true(checked >= 20);
	json_decref(root);
}

static void test_options_refused(void **state)
{
	(void)state;
	cst_s3_creds cr = {"AKIAIOSFODNN7EXAMPLE", "secret", NULL, NULL, NULL};
	cst_presign_opts o = {0};
	cst_buf url = CST_BUF_INIT;
	o.bucket = "b";
	o.key = "k";
	o.method = "POST";
	assert_int_equal(cst_s3_presign_url(&url, &cr, &o, 1), CST_EINVAL);
	o.method = "put"; /* any case */
	assert_int_equal(cst_s3_presign_url(&url, &cr, &o, 1), CST_OK);
	assert_non_null(strstr(url.ptr, "X-Amz-Expires=3600&"));
	o.expires = 604801;
	assert_int_equal(cst_s3_presign_url(&url, &cr, &o, 1), CST_EINVAL);
	o.expires = 60;
	o.key = "";
	assert_int_equal(cst_s3_presign_url(&url, &cr, &o, 1), CST_EINVAL);
	o.key = "k";
	o.endpoint = "https://user:pw@minio.local";
	assert_int_equal(cst_s3_presign_url(&url, &cr, &o, 1), CST_EINVAL);
	o.endpoint = "http://127.0.0.1:9000";
	assert_int_equal(cst_s3_presign_url(&url, &cr, &o, 1), CST_OK);
	assert_true(strncmp(url.ptr, "http://127.0.0.1:9000/b/k?", 26) == 0); /* path style on an IP */
	cst_presign_pair h[] = {{"Content-Type", "image/png"}};
	o.headers = h;
	o.n_headers = 1;
	assert_int_equal(cst_s3_presign_url(&url, &cr, &o, 1), CST_OK);
	assert_non_null(strstr(url.ptr, "X-Amz-SignedHeaders=content-type%3Bhost"));
	cst_presign_pair bad[] = {{"X-Amz-Signature", "x"}};
	o.params = bad;
	o.n_params = 1;
	assert_int_equal(cst_s3_presign_url(&url, &cr, &o, 1), CST_EINVAL);
	cst_buf_release(&url);
	cst_s3_creds none;
	json_t *d = json_pack("{s:s}", "api_key", "x");
	assert_int_equal(cst_s3_creds_from_json(&none, d, NULL), CST_EINVAL);
	assert_int_equal(cst_s3_creds_from_json(&none, d, "openai"), CST_EINVAL);
	json_decref(d);
}

static int64_t fake_now;
static int64_t fake_clock(void *payload)
{
	(void)payload;
	return fake_now;
}

static void put_aws(cst_vault *v, const char *name, const char *type)
{
	char path[128];
	snprintf(path, sizeof(path), "secret/data/%s", name);
	json_t *body = json_pack("{s:{s:s, s:s, s:s}, s:s}", "data", "access_key_id",
	                         "AKIAIOSFODNN7EXAMPLE", "secret_access_key",
	                         "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "region", "eu-west-1",
	                         "type", type);
	if (strcmp(type, "aws") != 0)
		json_object_set_new(body, "data", json_pack("{s:s}", "api_key", "sk-abcdefabcdef"));
	cst_request req = {.op = CST_OP_UPDATE, .path = path, .data = body};
	cst_response resp;
	assert_int_equal(cst_vault_request(v, &req, &resp), CST_OK);
	cst_response_release(&resp);
	json_decref(body);
}

static void test_api_and_cache(void **state)
{
	(void)state;
	cst_vault *v = test_memory_vault();
	assert_non_null(v);
	put_aws(v, "aws/prod", "aws");
	put_aws(v, "ai/openai", "openai");
	cst_presign_opts o = {0};
	o.bucket = "examplebucket";
	o.key = "a/b.txt";
	o.expires = 600;
	o.time = 1700000000;
	char *url = NULL;
	int64_t exp = 0;
	assert_int_equal(cst_presign_s3(&url, &exp, v, "aws/prod", &o), CST_OK);
	assert_int_equal(exp, 1700000600);
	/* The credential's region is the default, and so its endpoint. */
	assert_true(strncmp(url, "https://examplebucket.s3.eu-west-1.amazonaws.com/a/b.txt?", 57) == 0);
	assert_null(strstr(url, "wJalrXUtnFEMI"));
	cst_secret_free(url);
	assert_int_equal(cst_presign_s3(&url, NULL, v, "aws/none", &o), CST_ENOTFOUND);
	assert_int_equal(cst_presign_s3(&url, NULL, v, "ai/openai", &o), CST_EINVAL);
	assert_null(url);

	cst_presign_cache *c = cst_presign_cache_new(v, 60, fake_clock, NULL);
	assert_non_null(c);
	char *u1 = NULL, *u2 = NULL, *u3 = NULL, *u4 = NULL;
	fake_now = 1800000000;
	assert_int_equal(cst_presign_cache_get(&u1, c, "aws/prod", &o), CST_OK);
	assert_non_null(strstr(u1, "X-Amz-Date=20270115T080000Z")); /* the cache's clock signs */
	fake_now += 539;                                           /* 600 - 60 - 1 */
	assert_int_equal(cst_presign_cache_get(&u2, c, "aws/prod", &o), CST_OK);
	assert_string_equal(u1, u2);
	cst_secret_free(u2);
	u2 = NULL;
	/* Other options are another entry. */
	o.method = "PUT";
	assert_int_equal(cst_presign_cache_get(&u3, c, "aws/prod", &o), CST_OK);
	assert_string_not_equal(u1, u3);
	o.method = NULL;
	fake_now += 1; /* now = expiry - margin: sign again */
	assert_int_equal(cst_presign_cache_get(&u4, c, "aws/prod", &o), CST_OK);
	assert_string_not_equal(u1, u4);
	assert_non_null(strstr(u4, "X-Amz-Date=20270115T080900Z"));
	assert_int_equal(cst_presign_cache_get(&u2, c, "aws/none", &o), CST_ENOTFOUND);
	cst_secret_free(u1);
	cst_secret_free(u3);
	cst_secret_free(u4);
	/* Many keys: the cache stays bounded and keeps working. */
	for (int i = 0; i < 300; i++) {
		char key[32];
		snprintf(key, sizeof(key), "k%d", i);
		o.key = key;
		assert_int_equal(cst_presign_cache_get(&u1, c, "aws/prod", &o), CST_OK);
		cst_secret_free(u1);
	}
	cst_presign_cache_free(c);
	cst_presign_cache_free(NULL);
	cst_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docs_example),
		cmocka_unit_test(test_sdk_v3_urls),
		cmocka_unit_test(test_options_refused),
		cmocka_unit_test(test_api_and_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
