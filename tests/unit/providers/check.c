/* check.c - the provider table (src/providers/check.c): the exact request
 * each credential type gets, the https-unless-loopback rule, the reading
 * of answers, and cst_check_run through a fake transport that records
 * what it was asked. */
#include "testutil.h"

#include <jansson.h>

#include "custos.h"
#include "providers/check.h"

static int has_header(const cst_check_plan *p, const char *h)
{
	for (size_t i = 0; i < p->n_headers; i++)
		if (strcmp(p->headers[i], h) == 0)
			return 1;
	return 0;
}

static void plan(cst_check_plan *p, const char *type, const char *json)
{
	json_t *d = json_loads(json, 0, NULL);
	assert_non_null(d);
	if (cst_check_plan_build(p, type, d, 1700000000) != CST_OK)
		fail_msg("%s: %s", type, cst_errmsg());
	json_decref(d);
}

static int plan_rc(const char *type, const char *json)
{
	cst_check_plan p;
	json_t *d = json_loads(json, 0, NULL);
	int rc = cst_check_plan_build(&p, type, d, 1700000000);
	json_decref(d);
	if (rc == CST_OK)
		cst_check_plan_release(&p);
	return rc;
}

static void test_plans(void **state)
{
	(void)state;
	cst_check_plan p;
	plan(&p, "openai", "{\"api_key\":\"sk-x\",\"organization\":\"org-1\"}");
	assert_string_equal(p.method, "GET");
	assert_string_equal(p.url, "https://api.openai.com/v1/models");
	assert_true(has_header(&p, "Authorization: Bearer sk-x"));
	assert_true(has_header(&p, "OpenAI-Organization: org-1"));
	assert_true(has_header(&p, "User-Agent: custos/" CST_VERSION_STRING));
	cst_check_plan_release(&p);
	plan(&p, "anthropic", "{\"api_key\":\"sk-ant-x\"}");
	assert_string_equal(p.url, "https://api.anthropic.com/v1/models");
	assert_true(has_header(&p, "x-api-key: sk-ant-x"));
	assert_true(has_header(&p, "anthropic-version: 2023-06-01"));
	cst_check_plan_release(&p);
	plan(&p, "huggingface", "{\"token\":\"hf_x\"}");
	assert_string_equal(p.url, "https://huggingface.co/api/whoami-v2");
	cst_check_plan_release(&p);
	plan(&p, "github", "{\"token\":\"ghp_x\",\"base_url\":\"https://ghe.example.com/api/v3/\"}");
	assert_string_equal(p.url, "https://ghe.example.com/api/v3/user");
	assert_true(has_header(&p, "X-GitHub-Api-Version: 2022-11-28"));
	cst_check_plan_release(&p);
	plan(&p, "pinecone", "{\"api_key\":\"pcsk_x\"}");
	assert_string_equal(p.url, "https://api.pinecone.io/indexes");
	assert_true(has_header(&p, "Api-Key: pcsk_x"));
	cst_check_plan_release(&p);
	plan(&p, "weaviate", "{\"url\":\"https://w.example.com\"}");
	assert_string_equal(p.url, "https://w.example.com/v1/meta");
	assert_int_equal(p.n_headers, 1); /* no key: only the user agent */
	cst_check_plan_release(&p);
	plan(&p, "ollama", "{\"url\":\"http://localhost:11434\"}");
	assert_string_equal(p.url, "http://localhost:11434/api/tags");
	cst_check_plan_release(&p);
	plan(&p, "slack", "{\"token\":\"xoxb-1\"}");
	assert_string_equal(p.method, "POST");
	assert_string_equal(p.url, "https://slack.com/api/auth.test");
	assert_true(p.slack);
	cst_check_plan_release(&p);
	plan(&p, "aws", "{\"access_key_id\":\"AKIDEXAMPLE\",\"secret_access_key\":\"s\",\"region\":\"eu-west-1\"}");
	assert_string_equal(p.url, "https://sts.eu-west-1.amazonaws.com/");
	assert_string_equal(p.body, "Action=GetCallerIdentity&Version=2011-06-15");
	assert_true(has_header(&p, "X-Amz-Date: 20231114T221320Z"));
	int auth = 0;
	for (size_t i = 0; i < p.n_headers; i++)
		auth |= strncmp(p.headers[i], "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
		                              "20231114/eu-west-1/sts/aws4_request, SignedHeaders="
		                              "content-type;host;x-amz-date, Signature=", 133) == 0;
	assert_true(auth);
	cst_check_plan_release(&p);
	plan(&p, "db_dsn", "{\"dsn\":\"postgres://app:pw@db:5432/main?sslmode=require\"}");
	assert_int_equal(p.kind, CST_CHECK_POSTGRES);
	assert_string_equal(p.endpoint, "postgres://app@db:5432/main");
	cst_check_plan_release(&p);
}

static void test_refusals(void **state)
{
	(void)state;
	assert_int_equal(plan_rc("openai", "{\"api_key\":\"sk-x\",\"base_url\":\"http://api.example.com/v1\"}"), CST_EINVAL);
	assert_int_equal(plan_rc("openai", "{\"api_key\":\"sk-x\",\"base_url\":\"http://127.0.0.1:8080/v1\"}"), CST_OK);
	assert_int_equal(plan_rc("openai", "{\"api_key\":\"sk-x\",\"base_url\":\"http://[::1]:8080/v1\"}"), CST_OK);
	assert_int_equal(plan_rc("openai", "{\"api_key\":\"sk-x\",\"base_url\":\"https://u:p@h/v1\"}"), CST_EINVAL);
	assert_int_equal(plan_rc("openai", "{\"api_key\":\"sk-x\\r\\nX-Evil: 1\"}"), CST_EINVAL);
	assert_int_equal(plan_rc("custom", "{\"a\":\"b\"}"), CST_EUNSUPPORTED);
	assert_int_equal(plan_rc(NULL, "{\"a\":\"b\"}"), CST_EUNSUPPORTED);
	assert_int_equal(plan_rc("slack", "{\"webhook_url\":\"https://hooks.slack.com/x\"}"), CST_EUNSUPPORTED);
	assert_int_equal(plan_rc("db_dsn", "{\"dsn\":\"mysql://u:p@h/db\"}"), CST_EUNSUPPORTED);
}

static void test_classify(void **state)
{
	(void)state;
	cst_check_plan p = {0};
	cst_check_outcome o = {0};
	p.kind = CST_CHECK_HTTP;
	assert_string_equal(cst_check_classify(&p, &o), "unreachable");
	o.reached = 1;
	o.http_status = 200;
	assert_string_equal(cst_check_classify(&p, &o), "ok");
	o.http_status = 401;
	assert_string_equal(cst_check_classify(&p, &o), "rejected");
	o.http_status = 403;
	assert_string_equal(cst_check_classify(&p, &o), "rejected");
	o.http_status = 429;
	assert_string_equal(cst_check_classify(&p, &o), "error");
	p.slack = 1;
	o.http_status = 200;
	strcpy(o.body, "{\"ok\":false,\"error\":\"invalid_auth\"}");
	o.body_len = strlen(o.body);
	assert_string_equal(cst_check_classify(&p, &o), "rejected");
	strcpy(o.body, "{\"ok\":false,\"error\":\"ratelimited\"}");
	o.body_len = strlen(o.body);
	assert_string_equal(cst_check_classify(&p, &o), "error");
	strcpy(o.body, "{\"ok\":true}");
	o.body_len = strlen(o.body);
	assert_string_equal(cst_check_classify(&p, &o), "ok");
	p.kind = CST_CHECK_POSTGRES;
	o.auth_failed = 1;
	assert_string_equal(cst_check_classify(&p, &o), "rejected");
}

static char seen_url[4096];
static int fake_http(cst_check_outcome *o, const cst_check_plan *p, long timeout_ms)
{
	snprintf(seen_url, sizeof(seen_url), "%s", p->url);
	assert_int_equal(timeout_ms, 1234);
	o->reached = 1;
	o->http_status = 401;
	o->latency_ms = 12.34;
	return CST_OK;
}

static void test_run(void **state)
{
	(void)state;
	json_t *d = json_pack("{s:s}", "api_key", "sk-secret-value"), *out = NULL;
	cst_check_set_transport(NULL);
	assert_int_equal(cst_check_run(&out, "openai", d, 1234), CST_EUNSUPPORTED);
	static const cst_check_transport t = {fake_http, NULL};
	cst_check_set_transport(&t);
	assert_int_equal(cst_check_run(&out, "openai", d, 1234), CST_OK);
	assert_string_equal(seen_url, "https://api.openai.com/v1/models");
	assert_string_equal(json_string_value(json_object_get(out, "status")), "rejected");
	assert_int_equal(json_integer_value(json_object_get(out, "http_status")), 401);
	char *text = json_dumps(out, 0);
	assert_null(strstr(text, "sk-secret-value"));
	free(text);
	json_decref(out);
	json_t *dsn = json_pack("{s:s}", "dsn", "postgres://u:p@h/db");
	assert_int_equal(cst_check_run(&out, "db_dsn", dsn, 1234), CST_EUNSUPPORTED);
	json_decref(dsn);
	json_decref(d);
	cst_check_set_transport(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plans),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
