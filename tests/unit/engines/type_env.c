/* type_env.c - tests of src/engines/type_env.c and type_header.c: the
 * variable names each type gets, that every variable `custos import env`
 * knows comes back from `custos run` under the same name (or is an alias
 * of one that does), and the auth header of each type (RFC 7617's Basic
 * example among them). */
#include "testutil.h"

#include <jansson.h>

#include "custos.h"
#include "engines/type_env.h"
#include "engines/type_header.h"
#include "engines/types.h"
#include "util/buf.h"

static const char *var(const char *type, const char *name, const char *field, const char *value)
{
	static char out[CST_ENV_NAME_MAX];
	cst_env_var_name(out, type, name, field, value);
	return out;
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(var("openai", "x", "api_key", NULL), "OPENAI_API_KEY");
	assert_string_equal(var("openai", "x", "organization", NULL), "OPENAI_ORG_ID");
	assert_string_equal(var("anthropic", "x", "api_key", NULL), "ANTHROPIC_API_KEY");
	assert_string_equal(var("huggingface", "x", "token", NULL), "HF_TOKEN");
	assert_string_equal(var("github", "x", "token", NULL), "GITHUB_TOKEN");
	assert_string_equal(var("aws", "x", "session_token", NULL), "AWS_SESSION_TOKEN");
	assert_string_equal(var("aws", "x", "region", NULL), "AWS_REGION");
	assert_string_equal(var("aws", "x", "base_url", NULL), "AWS_ENDPOINT_URL_STS");
	assert_string_equal(var("slack", "x", "base_url", NULL), "SLACK_BASE_URL");
	assert_string_equal(var("pinecone", "x", "api_key", NULL), "PINECONE_API_KEY");
	assert_string_equal(var("pinecone", "x", "base_url", NULL), "PINECONE_BASE_URL");
	assert_string_equal(var("db_dsn", "anything", "dsn", NULL), "DATABASE_URL");
	assert_string_equal(var("ollama", "x", "url", NULL), "OLLAMA_HOST");
	assert_string_equal(var("slack", "x", "token", "xoxb-1"), "SLACK_BOT_TOKEN");
	assert_string_equal(var("slack", "x", "token", "xapp-1"), "SLACK_APP_TOKEN");
	assert_string_equal(var("slack", "x", "token", "xoxp-1"), "SLACK_USER_TOKEN");
	/* custom keeps the name; generic and untyped are NAME_FIELD. */
	assert_string_equal(var("custom", "app/dev", "lower.Case-name", NULL), "lower.Case-name");
	assert_string_equal(var("api_key", "pagerduty", "api_key", NULL), "PAGERDUTY_API_KEY");
	assert_string_equal(var("http_basic", "docker", "password", NULL), "DOCKER_PASSWORD");
	assert_string_equal(var(NULL, "team-1/svc.a", "db-pass", NULL), "TEAM_1_SVC_A_DB_PASS");
	assert_string_equal(var("ssh", "1box", "private_key", NULL), "_1BOX_PRIVATE_KEY");
	/* The longest name and field fit. */
	char name[CST_LIMIT_NAME + 1], field[CST_LIMIT_FIELD_NAME + 1];
	memset(name, '9', CST_LIMIT_NAME);
	name[CST_LIMIT_NAME] = '\0';
	memset(field, 'f', CST_LIMIT_FIELD_NAME);
	field[CST_LIMIT_FIELD_NAME] = '\0';
	assert_int_equal(strlen(var(NULL, name, field, NULL)), CST_LIMIT_NAME + CST_LIMIT_FIELD_NAME + 2);
}

/* Every known variable: its credential's field comes back under it, or
 * under the first variable of that field (an alias). */
static void test_import_round_trip(void **state)
{
	(void)state;
	size_t n;
	const cst_env_known *k = cst_env_known_vars(&n);
	assert_true(n > 20);
	for (size_t i = 0; i < n; i++) {
		assert_true(cst_type_known(k[i].type));
		const char *back = var(k[i].type, k[i].secret, k[i].field, NULL);
		size_t first = i;
		for (size_t j = 0; j < i; j++)
			if (strcmp(k[j].secret, k[i].secret) == 0 && strcmp(k[j].field, k[i].field) == 0) {
				first = j;
				break;
			}
		if (strcmp(back, k[first].var) != 0)
			fail_msg("%s: run gives %s, want %s", k[i].var, back, k[first].var);
		assert_int_equal(cst_type_check_field_name(k[i].field), CST_OK);
	}
}

static const char *header(const char *type, const char *json, const char *field, int *rc)
{
	static cst_buf b = CST_BUF_INIT;
	cst_buf_release(&b);
	json_t *data = json_loads(json, 0, NULL);
	assert_non_null(data);
	*rc = cst_auth_header(&b, type, data, field);
	json_decref(data);
	return b.ptr ? b.ptr : "";
}

static void test_headers(void **state)
{
	(void)state;
	int rc;
	assert_string_equal(header("openai", "{\"api_key\":\"sk-1\"}", NULL, &rc), "Authorization: Bearer sk-1\n");
	assert_string_equal(header("anthropic", "{\"api_key\":\"sk-ant-1\"}", NULL, &rc), "x-api-key: sk-ant-1\n");
	assert_string_equal(header("pinecone", "{\"api_key\":\"pcsk_1\"}", NULL, &rc), "Api-Key: pcsk_1\n");
	assert_string_equal(header("http_basic", "{\"username\":\"Aladdin\",\"password\":\"open sesame\"}",
	                           NULL, &rc), "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\n");
	assert_string_equal(header("supabase", "{\"url\":\"u\",\"service_role_key\":\"eyJs\"}", NULL, &rc),
	                    "apikey: eyJs\nAuthorization: Bearer eyJs\n");
	assert_string_equal(header("supabase", "{\"url\":\"u\",\"anon_key\":\"eyJa\",\"service_role_key\":\"eyJs\"}",
	                           "service_role_key", &rc), "apikey: eyJs\nAuthorization: Bearer eyJs\n");
	assert_string_equal(header(NULL, "{\"tok\":\"t1\"}", "tok", &rc), "Authorization: Bearer t1\n");
	header("aws", "{\"access_key_id\":\"A\",\"secret_access_key\":\"s\"}", NULL, &rc);
	assert_int_equal(rc, CST_EINVAL);
	header("custom", "{\"a\":\"b\"}", NULL, &rc);
	assert_int_equal(rc, CST_EINVAL);
	header("openai", "{\"api_key\":\"sk-1\\r\\nX-Evil: 1\"}", NULL, &rc);
	assert_int_equal(rc, CST_EINVAL);
	assert_null(strstr(cst_errmsg(), "Evil"));
	header("http_basic", "{\"username\":\"a:b\",\"password\":\"p\"}", NULL, &rc);
	assert_int_equal(rc, CST_EINVAL);
	header("slack", "{\"webhook_url\":\"https://hooks.slack.com/x\"}", NULL, &rc);
	assert_int_equal(rc, CST_ENOTFOUND);
	header(NULL, "{\"a\":\"b\"}", "nope", &rc);
	assert_int_equal(rc, CST_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_import_round_trip),
		cmocka_unit_test(test_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
