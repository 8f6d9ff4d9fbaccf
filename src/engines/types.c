/* types.c - the credential type table and its validator. Each type is a
 * row; a field belongs to an "at least one of" group when group != 0. */
#include "engines/types.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/limits.h"
#include "custos.h"
#include "custos/request.h"

enum shape { ANY, URL, DSN, PORT, AWS_KEY_ID, PREFIXED, PINECONE, SUPABASE_KEY };

typedef struct field_spec {
	const char *name;
	int required;
	int secret;
	int group;              /* nonzero: at least one field of the group is required */
	enum shape shape;
	const char *prefixes[6]; /* PREFIXED: accepted prefixes */
} field_spec;

typedef struct type_spec {
	const char *name;
	const char *description;
	field_spec fields[8];
} type_spec;

#define REQ 1
#define OPT 0
#define SECRET 1
#define PLAIN 0

static const type_spec types[] = {
	{"api_key", "a generic API key", {{"api_key", REQ, SECRET, 0, ANY, {0}}}},
	{"bearer_token", "a generic bearer token", {{"token", REQ, SECRET, 0, ANY, {0}}}},
	{"http_basic", "HTTP basic authentication",
	 {{"username", REQ, PLAIN, 0, ANY, {0}}, {"password", REQ, SECRET, 0, ANY, {0}}}},
	{"ssh", "SSH login by password or private key",
	 {{"username", REQ, PLAIN, 0, ANY, {0}},
	  {"password", OPT, SECRET, 1, ANY, {0}},
	  {"private_key", OPT, SECRET, 1, ANY, {0}},
	  {"host", OPT, PLAIN, 0, ANY, {0}},
	  {"port", OPT, PLAIN, 0, PORT, {0}}}},
	{"db_dsn", "a database connection URL", {{"dsn", REQ, SECRET, 0, DSN, {0}}}},
	{"aws", "AWS access keys",
	 {{"access_key_id", REQ, PLAIN, 0, AWS_KEY_ID, {0}},
	  {"secret_access_key", REQ, SECRET, 0, ANY, {0}},
	  {"session_token", OPT, SECRET, 0, ANY, {0}},
	  {"region", OPT, PLAIN, 0, ANY, {0}},
	  {"endpoint", OPT, PLAIN, 0, URL, {0}},
	  {"base_url", OPT, PLAIN, 0, URL, {0}}}},
	{"custom", "any string fields", {{0}}},
	{"openai", "OpenAI API key (sk-...)",
	 {{"api_key", REQ, SECRET, 0, PREFIXED, {"sk-"}},
	  {"organization", OPT, PLAIN, 0, ANY, {0}},
	  {"project", OPT, PLAIN, 0, ANY, {0}},
	  {"base_url", OPT, PLAIN, 0, URL, {0}}}},
	{"anthropic", "Anthropic API key (sk-ant-...)",
	 {{"api_key", REQ, SECRET, 0, PREFIXED, {"sk-ant-"}}, {"base_url", OPT, PLAIN, 0, URL, {0}}}},
	{"huggingface", "Hugging Face access token (hf_...)",
	 {{"token", REQ, SECRET, 0, PREFIXED, {"hf_"}}, {"base_url", OPT, PLAIN, 0, URL, {0}}}},
	{"github", "GitHub token (ghp_, gho_, ghs_, ghu_, github_pat_)",
	 {{"token", REQ, SECRET, 0, PREFIXED, {"ghp_", "gho_", "ghs_", "ghu_", "github_pat_"}},
	  {"base_url", OPT, PLAIN, 0, URL, {0}}}},
	{"pinecone", "Pinecone API key (pcsk_... or a legacy UUID)",
	 {{"api_key", REQ, SECRET, 0, PINECONE, {0}},
	  {"environment", OPT, PLAIN, 0, ANY, {0}},
	  {"base_url", OPT, PLAIN, 0, URL, {0}}}},
	{"weaviate", "Weaviate endpoint and API key",
	 {{"url", REQ, PLAIN, 0, URL, {0}}, {"api_key", OPT, SECRET, 0, ANY, {0}}}},
	{"ollama", "Ollama endpoint",
	 {{"url", REQ, PLAIN, 0, URL, {0}}, {"api_key", OPT, SECRET, 0, ANY, {0}}}},
	{"supabase", "Supabase project URL and keys",
	 {{"url", REQ, PLAIN, 0, URL, {0}},
	  {"anon_key", OPT, SECRET, 1, SUPABASE_KEY, {0}},
	  {"service_role_key", OPT, SECRET, 1, SUPABASE_KEY, {0}}}},
	{"slack", "Slack token (xox...) or incoming webhook",
	 {{"token", OPT, SECRET, 1, PREFIXED, {"xoxb-", "xoxp-", "xoxa-", "xoxe-", "xapp-"}},
	  {"webhook_url", OPT, SECRET, 1, PREFIXED, {"https://hooks.slack.com/"}},
	  {"base_url", OPT, PLAIN, 0, URL, {0}}}},
};

static const type_spec *find_type(const char *name)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].name, name) == 0)
			return &types[i];
	return NULL;
}

static const field_spec *find_field(const type_spec *t, const char *name)
{
	for (const field_spec *f = t->fields; f->name != NULL; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

int cst_type_known(const char *type)
{
	return find_type(type) != NULL;
}

int cst_field_is_secret(const char *type, const char *field)
{
	return cst_type_field_secret(type, field);
}

int cst_type_field_secret(const char *type, const char *field)
{
	const type_spec *t = type ? find_type(type) : NULL;
	const field_spec *f = t ? find_field(t, field) : NULL;
	return f ? f->secret : 1;
}

static int has_scheme(const char *v, const char *const *schemes)
{
	for (; *schemes; schemes++)
		if (strncmp(v, *schemes, strlen(*schemes)) == 0 && v[strlen(*schemes)] != '\0')
			return 1;
	return 0;
}

static int is_uuid(const char *v)
{
	if (strlen(v) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? v[i] != '-' : !isxdigit((unsigned char)v[i]))
			return 0;
	}
	return 1;
}

/* A DSN is scheme://rest with a scheme of letters, digits, '+', '-', '.'. */
static int is_dsn(const char *v)
{
	const char *sep = strstr(v, "://");
	if (sep == NULL || sep == v || sep[3] == '\0' || !isalpha((unsigned char)v[0]))
		return 0;
	for (const char *p = v; p < sep; p++)
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
			return 0;
	return 1;
}

static int check_shape(const type_spec *t, const field_spec *f, const char *v)
{
	static const char *const urls[] = {"http://", "https://", NULL};
	static const char *const supa[] = {"eyJ", "sb_publishable_", "sb_secret_", NULL};
	switch (f->shape) {
	case ANY:
		return CST_OK;
	case URL:
		if (has_scheme(v, urls))
			return CST_OK;
		return cst_fail(CST_EINVAL, "field '%s' of a %s credential must be an http:// or "
		                            "https:// URL", f->name, t->name);
	case DSN:
		if (is_dsn(v))
			return CST_OK;
		return cst_fail(CST_EINVAL, "field '%s' of a %s credential must be a URL such as "
		                            "postgres://user@host/db", f->name, t->name);
	case PORT: {
		long port = 0;
		size_t digits = strspn(v, "0123456789");
		if (digits >= 1 && digits <= 5 && v[digits] == '\0')
			port = strtol(v, NULL, 10);
		if (port >= 1 && port <= 65535)
			return CST_OK;
		return cst_fail(CST_EINVAL, "field '%s' of a %s credential must be a port number "
		                            "from 1 to 65535", f->name, t->name);
	}
	case AWS_KEY_ID: {
		size_t n = strlen(v);
		int ok = n >= 16 && n <= 128;
		for (size_t i = 0; ok && i < n; i++)
			ok = isupper((unsigned char)v[i]) || isdigit((unsigned char)v[i]);
		if (ok)
			return CST_OK;
		return cst_fail(CST_EINVAL, "field '%s' of an aws credential must be 16 to 128 "
		                            "upper-case letters and digits (AKIA...)", f->name);
	}
	case PREFIXED:
		if (has_scheme(v, f->prefixes))
			return CST_OK;
		return cst_fail(CST_EINVAL, "field '%s' is not shaped like a %s credential: it must "
		                            "start with %s%s", f->name, t->name, f->prefixes[0],
		                f->prefixes[1] ? " (or another documented prefix)" : "");
	case PINECONE:
		if (strncmp(v, "pcsk_", 5) == 0 || is_uuid(v))
			return CST_OK;
		return cst_fail(CST_EINVAL, "field '%s' does not look like a Pinecone key (pcsk_... "
		                            "or a UUID)", f->name);
	case SUPABASE_KEY:
		if (has_scheme(v, supa))
			return CST_OK;
		return cst_fail(CST_EINVAL, "field '%s' does not look like a Supabase key (a JWT "
		                            "eyJ..., sb_publishable_... or sb_secret_...)", f->name);
	}
	return CST_OK;
}

int cst_type_check_field_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > CST_LIMIT_FIELD_NAME)
		return cst_fail(CST_EINVAL, "field names must be 1 to %d bytes",
		                CST_LIMIT_FIELD_NAME);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x21 || c == 0x7f || c == '=')
			return cst_fail(CST_EINVAL, "field name '%.64s' has a space, '=' or control "
			                            "character", name);
	}
	return CST_OK;
}

static int check_typed(const type_spec *t, const json_t *data)
{
	const char *k;
	json_t *v;
	int custom = t->fields[0].name == NULL;
	json_object_foreach((json_t *)data, k, v) {
		if (!json_is_string(v))
			return cst_fail(CST_EINVAL, "field '%.64s' of a %s credential must be a string", k,
			                t->name);
		const field_spec *f = find_field(t, k);
		if (f == NULL && !custom)
			return cst_fail(CST_EINVAL, "field '%.64s' is not a field of a %s credential (see "
			                            "'custos types')", k, t->name);
		/* An empty value means something in a .env file (DEBUG=), so custom
		 * credentials keep it; a typed field is never empty. */
		if (json_string_length(v) == 0 && !custom)
			return cst_fail(CST_EINVAL, "field '%.64s' is empty", k);
		if (f != NULL) {
			int rc = check_shape(t, f, json_string_value(v));
			if (rc < 0)
				return rc;
		}
	}
	for (const field_spec *f = t->fields; f->name != NULL; f++)
		if (f->required && json_object_get(data, f->name) == NULL)
			return cst_fail(CST_EINVAL, "a %s credential needs the field '%s'", t->name, f->name);
	for (const field_spec *f = t->fields; f->name != NULL; f++) {
		if (f->group == 0)
			continue;
		int have = 0;
		char names[128] = "";
		for (const field_spec *g = t->fields; g->name != NULL; g++) {
			if (g->group != f->group)
				continue;
			have |= json_object_get(data, g->name) != NULL;
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s'%s'",
			         names[0] ? " or " : "", g->name);
		}
		if (!have)
			return cst_fail(CST_EINVAL, "a %s credential needs the field %s", t->name, names);
	}
	if (custom && json_object_size(data) == 0)
		return cst_fail(CST_EINVAL, "a custom credential needs at least one field");
	return CST_OK;
}

int cst_type_validate(const char *type, const json_t *data)
{
	if (!json_is_object(data))
		return cst_fail(CST_EINVAL, "secret data must be a JSON object of fields");
	if (json_object_size(data) > CST_LIMIT_FIELDS)
		return cst_fail(CST_EINVAL, "more than %d fields", CST_LIMIT_FIELDS);
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)data, k, v) {
		int rc = cst_type_check_field_name(k);
		if (rc < 0)
			return rc;
	}
	if (type == NULL)
		return CST_OK;
	const type_spec *t = find_type(type);
	if (t == NULL)
		return cst_fail(CST_EINVAL, "unknown credential type '%.32s' (see 'custos types')", type);
	return check_typed(t, data);
}

/* Splits a key into words at non-letters and lower-to-upper case changes
 * ("dbPassword", "api_key", "SECRET-1") and refuses it if a word is one
 * that names secret material. Whole words only, so "author" or
 * "keyboard" pass. */
int cst_meta_key_looks_secret(const char *key)
{
	static const char *const words[] = {"password", "passwd", "pwd", "pass", "passphrase",
	                                    "secret", "secrets", "token", "tokens", "key",
	                                    "keys", "apikey", "credential", "credentials",
	                                    "private", "privkey", "pin", "otp", "dsn"};
	size_t n = strlen(key);
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		/* Word boundaries: a non-letter, "dbPassword" (lower then upper) and
		 * "DBPassword" (the last capital of a run before a lower-case). */
		int boundary = i == n || !isalpha((unsigned char)key[i]) ||
		               (i > start && islower((unsigned char)key[i - 1]) &&
		                isupper((unsigned char)key[i])) ||
		               (i > start && isupper((unsigned char)key[i - 1]) &&
		                isupper((unsigned char)key[i]) && i + 1 < n &&
		                islower((unsigned char)key[i + 1]));
		if (!boundary)
			continue;
		size_t len = i - start;
		for (size_t w = 0; len && w < sizeof(words) / sizeof(words[0]); w++)
			if (strlen(words[w]) == len && strncasecmp(key + start, words[w], len) == 0)
				return 1;
		start = (i < n && isalpha((unsigned char)key[i])) ? i : i + 1;
	}
	return 0;
}

json_t *cst_types_json(void)
{
	return cst_types_describe();
}

json_t *cst_types_describe(void)
{
	static const char *const shapes[] = {"", "url", "scheme://...", "port", "AKIA...", "", "pcsk_... or UUID",
	                                     "JWT or sb_..."};
	json_t *out = json_array();
	for (size_t i = 0; out && i < sizeof(types) / sizeof(types[0]); i++) {
		json_t *fields = json_array();
		for (const field_spec *f = types[i].fields; f->name != NULL; f++) {
			char shape[96];
			snprintf(shape, sizeof(shape), "%s", shapes[f->shape]);
			if (f->shape == PREFIXED)
				for (int p = 0; p < 6 && f->prefixes[p]; p++)
					snprintf(shape + strlen(shape), sizeof(shape) - strlen(shape), "%s%s...",
					         p ? ", " : "", f->prefixes[p]);
			json_array_append_new(
				fields, json_pack("{s:s, s:b, s:b, s:s}", "name", f->name, "required",
			                          f->required, "secret", f->secret, "shape", shape));
			if (f->group)
				json_object_set_new(json_array_get(fields, json_array_size(fields) - 1),
				                    "one_of_group", json_integer(f->group));
		}
		json_array_append_new(out, json_pack("{s:s, s:s, s:o}", "name", types[i].name,
		                                     "description", types[i].description, "fields",
		                                     fields));
	}
	return out;
}
