/* type_env.c - credential fields <-> environment variables (type_env.h).
 * The names are the ones each ecosystem's own SDK or CLI reads: openai-
 * python (OPENAI_ORG_ID, OPENAI_PROJECT_ID, OPENAI_BASE_URL), anthropic-sdk,
 * huggingface_hub (HF_TOKEN, HF_ENDPOINT), the AWS SDKs (AWS_REGION,
 * AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS for the STS base_url), Ollama (OLLAMA_HOST), Slack Bolt (SLACK_BOT_TOKEN,
 * SLACK_APP_TOKEN), Supabase (SUPABASE_SERVICE_ROLE_KEY), twelve-factor
 * DATABASE_URL. */
#include "engines/type_env.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* type, field, variable `custos run` sets. */
static const struct {
	const char *type, *field, *var;
} names[] = {
	{"openai", "api_key", "OPENAI_API_KEY"},
	{"openai", "organization", "OPENAI_ORG_ID"},
	{"openai", "project", "OPENAI_PROJECT_ID"},
	{"openai", "base_url", "OPENAI_BASE_URL"},
	{"anthropic", "api_key", "ANTHROPIC_API_KEY"},
	{"anthropic", "base_url", "ANTHROPIC_BASE_URL"},
	{"huggingface", "token", "HF_TOKEN"},
	{"huggingface", "base_url", "HF_ENDPOINT"},
	{"github", "token", "GITHUB_TOKEN"},
	{"github", "base_url", "GITHUB_API_URL"},
	{"aws", "access_key_id", "AWS_ACCESS_KEY_ID"},
	{"aws", "secret_access_key", "AWS_SECRET_ACCESS_KEY"},
	{"aws", "session_token", "AWS_SESSION_TOKEN"},
	{"aws", "region", "AWS_REGION"},
	{"aws", "endpoint", "AWS_ENDPOINT_URL"},
	{"aws", "base_url", "AWS_ENDPOINT_URL_STS"},
	{"pinecone", "api_key", "PINECONE_API_KEY"},
	{"pinecone", "environment", "PINECONE_ENVIRONMENT"},
	{"weaviate", "url", "WEAVIATE_URL"},
	{"weaviate", "api_key", "WEAVIATE_API_KEY"},
	{"ollama", "url", "OLLAMA_HOST"},
	{"ollama", "api_key", "OLLAMA_API_KEY"},
	{"supabase", "url", "SUPABASE_URL"},
	{"supabase", "anon_key", "SUPABASE_ANON_KEY"},
	{"supabase", "service_role_key", "SUPABASE_SERVICE_ROLE_KEY"},
	{"slack", "token", "SLACK_BOT_TOKEN"},
	{"slack", "webhook_url", "SLACK_WEBHOOK_URL"},
	{"db_dsn", "dsn", "DATABASE_URL"},
};

/* Generic types: named after the credential, not an ecosystem. */
static int generic(const char *type)
{
	static const char *const g[] = {"api_key", "bearer_token", "http_basic", "ssh"};
	if (type == NULL)
		return 1;
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		if (strcmp(type, g[i]) == 0)
			return 1;
	return 0;
}

/* Appends s upper-cased, other characters as '_', a '_' before a
 * leading digit. */
static size_t put_upper(char *out, size_t o, const char *s)
{
	if (o == 0 && isdigit((unsigned char)*s))
		out[o++] = '_';
	for (; *s; s++)
		out[o++] = isalnum((unsigned char)*s) ? (char)toupper((unsigned char)*s) : '_';
	out[o] = '\0';
	return o;
}

void cst_env_var_name(char *out, const char *type, const char *name, const char *field,
                      const char *value)
{
	out[0] = '\0';
	if (type != NULL && strcmp(type, "custom") == 0) {
		snprintf(out, CST_ENV_NAME_MAX, "%.*s", CST_LIMIT_FIELD_NAME, field);
		return;
	}
	if (type != NULL && strcmp(type, "slack") == 0 && strcmp(field, "token") == 0 && value) {
		if (strncmp(value, "xapp-", 5) == 0) {
			snprintf(out, CST_ENV_NAME_MAX, "SLACK_APP_TOKEN");
			return;
		}
		if (strncmp(value, "xoxp-", 5) == 0) {
			snprintf(out, CST_ENV_NAME_MAX, "SLACK_USER_TOKEN");
			return;
		}
	}
	for (size_t i = 0; type != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(names[i].type, type) == 0 && strcmp(names[i].field, field) == 0) {
			snprintf(out, CST_ENV_NAME_MAX, "%s", names[i].var);
			return;
		}
	}
	/* Both parts cut to their limits, so the result fits CST_ENV_NAME_MAX. */
	char prefix[CST_LIMIT_NAME + 1], f[CST_LIMIT_FIELD_NAME + 1];
	snprintf(prefix, sizeof(prefix), "%s", generic(type) ? name : type);
	snprintf(f, sizeof(f), "%s", field);
	size_t o = put_upper(out, 0, prefix);
	out[o++] = '_';
	put_upper(out, o, f);
}

/* Primary names first: for two variables of one field, the first found
 * in this order is stored and the other reported. */
static const cst_env_known known[] = {
	{"OPENAI_API_KEY", "openai", "api_key", "openai"},
	{"OPENAI_ORG_ID", "openai", "organization", "openai"},
	{"OPENAI_ORGANIZATION", "openai", "organization", "openai"},
	{"OPENAI_PROJECT_ID", "openai", "project", "openai"},
	{"OPENAI_BASE_URL", "openai", "base_url", "openai"},
	{"OPENAI_API_BASE", "openai", "base_url", "openai"},
	{"ANTHROPIC_API_KEY", "anthropic", "api_key", "anthropic"},
	{"ANTHROPIC_BASE_URL", "anthropic", "base_url", "anthropic"},
	{"HF_TOKEN", "huggingface", "token", "huggingface"},
	{"HUGGINGFACE_API_KEY", "huggingface", "token", "huggingface"},
	{"HUGGING_FACE_HUB_TOKEN", "huggingface", "token", "huggingface"},
	{"HUGGINGFACEHUB_API_TOKEN", "huggingface", "token", "huggingface"},
	{"HF_ENDPOINT", "huggingface", "base_url", "huggingface"},
	{"GITHUB_TOKEN", "github", "token", "github"},
	{"GITHUB_ACCESS_TOKEN", "github", "token", "github"},
	{"GH_TOKEN", "github", "token", "github"},
	{"GITHUB_API_URL", "github", "base_url", "github"},
	{"PINECONE_API_KEY", "pinecone", "api_key", "pinecone"},
	{"PINECONE_ENVIRONMENT", "pinecone", "environment", "pinecone"},
	{"SUPABASE_URL", "supabase", "url", "supabase"},
	{"SUPABASE_ANON_KEY", "supabase", "anon_key", "supabase"},
	{"SUPABASE_SERVICE_ROLE_KEY", "supabase", "service_role_key", "supabase"},
	{"SUPABASE_SERVICE_KEY", "supabase", "service_role_key", "supabase"},
	{"AWS_ACCESS_KEY_ID", "aws", "access_key_id", "aws"},
	{"AWS_SECRET_ACCESS_KEY", "aws", "secret_access_key", "aws"},
	{"AWS_SESSION_TOKEN", "aws", "session_token", "aws"},
	{"AWS_REGION", "aws", "region", "aws"},
	{"AWS_DEFAULT_REGION", "aws", "region", "aws"},
	{"AWS_ENDPOINT_URL", "aws", "endpoint", "aws"},
	{"SLACK_WEBHOOK_URL", "slack", "webhook_url", "slack"},
	{"SLACK_BOT_TOKEN", "slack", "token", "slack"},
	{"PAGERDUTY_API_KEY", "api_key", "api_key", "pagerduty"},
	{"DOCKER_USERNAME", "http_basic", "username", "docker"},
	{"DOCKER_PASSWORD", "http_basic", "password", "docker"},
	{"DATABASE_URL", "db_dsn", "dsn", "database"},
};

const cst_env_known *cst_env_known_vars(size_t *n)
{
	*n = sizeof(known) / sizeof(known[0]);
	return known;
}
