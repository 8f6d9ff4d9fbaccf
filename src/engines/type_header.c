/* type_header.c - credential -> HTTP authentication header (type_header.h),
 * as each provider's API documents it. */
#include "engines/type_header.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "util/base64.h"
#include "util/mem.h"

typedef enum scheme { BEARER, BASIC, X_API_KEY, API_KEY, SUPABASE, NONE } scheme;

static const struct {
	const char *type;
	scheme scheme;
	const char *fields[3]; /* the secret, first present wins */
} rules[] = {
	{"openai", BEARER, {"api_key"}},
	{"huggingface", BEARER, {"token"}},
	{"github", BEARER, {"token"}},
	{"weaviate", BEARER, {"api_key"}},
	{"ollama", BEARER, {"api_key"}},
	{"api_key", BEARER, {"api_key"}},
	{"bearer_token", BEARER, {"token"}},
	{"slack", BEARER, {"token"}},
	{"http_basic", BASIC, {"username", "password"}},
	{"anthropic", X_API_KEY, {"api_key"}},
	{"pinecone", API_KEY, {"api_key"}},
	{"supabase", SUPABASE, {"anon_key", "service_role_key"}},
	{"aws", NONE, {0}},
	{"ssh", NONE, {0}},
	{"db_dsn", NONE, {0}},
	{"custom", NONE, {0}},
};

/* The string value of field, checked fit for a header line. */
static int value_of(const char **out, const json_t *data, const char *field)
{
	json_t *v = json_object_get(data, field);
	if (!json_is_string(v))
		return cst_fail(CST_ENOTFOUND, "the credential has no field '%.128s'", field);
	const char *s = json_string_value(v);
	for (const char *c = s; *c; c++)
		if (*c == '\r' || *c == '\n')
			return cst_fail(CST_EINVAL, "field '%.128s' holds a line break: it cannot be a "
			                            "header value", field);
	*out = s;
	return CST_OK;
}

static int header(cst_buf *out, const char *name, const char *prefix, const char *value)
{
	int rc = cst_buf_printf(out, "%s: %s", name, prefix);
	if (rc == CST_OK)
		rc = cst_buf_puts(out, value);
	return rc == CST_OK ? cst_buf_puts(out, "\n") : rc;
}

static int basic(cst_buf *out, const json_t *data)
{
	const char *user, *pass;
	int rc;
	if ((rc = value_of(&user, data, "username")) < 0 || (rc = value_of(&pass, data, "password")) < 0)
		return rc;
	if (strchr(user, ':') != NULL)
		return cst_fail(CST_EINVAL, "a username with ':' cannot be sent with Basic "
		                            "authentication (RFC 7617)");
	size_t ul = strlen(user), pl = strlen(pass);
	char *pair = malloc(ul + pl + 2), *b64 = malloc(cst_b64_encoded_size(ul + pl + 1));
	if (pair == NULL || b64 == NULL) {
		rc = cst_fail(CST_ENOMEM, "out of memory");
	} else {
		memcpy(pair, user, ul);
		pair[ul] = ':';
		memcpy(pair + ul + 1, pass, pl + 1);
		size_t n = cst_b64_encode(b64, pair, ul + pl + 1, CST_B64_STD);
		rc = header(out, "Authorization", "Basic ", b64);
		cst_wipe(pair, ul + pl + 1);
		cst_wipe(b64, n);
	}
	free(pair);
	free(b64);
	return rc;
}

int cst_auth_header(cst_buf *out, const char *type, const json_t *data, const char *field)
{
	scheme sc = NONE;
	const char *const *fields = NULL;
	for (size_t i = 0; type != NULL && i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i].type, type) == 0) {
			sc = rules[i].scheme;
			fields = rules[i].fields;
		}
	const char *secret = NULL;
	int rc;
	if (field != NULL) {
		if (sc == BASIC)
			return cst_fail(CST_EINVAL, "an http_basic credential sends its username and "
			                            "password; --field does not apply");
		if ((rc = value_of(&secret, data, field)) < 0)
			return rc;
		if (sc == NONE)
			sc = BEARER;
	} else if (sc == NONE) {
		if (type != NULL && strcmp(type, "aws") == 0)
			return cst_fail(CST_EINVAL, "aws credentials sign each request (SigV4) instead of "
			                            "sending a header: use 'custos run'");
		if (type == NULL || strcmp(type, "custom") == 0)
			return cst_fail(CST_EINVAL, "a %s secret has no known header: give --field FIELD "
			                            "to send one field as a bearer token",
			                type ? type : "untyped");
		return cst_fail(CST_EINVAL, "a %s credential is not sent in an HTTP header", type);
	} else if (sc == BASIC) {
		return basic(out, data);
	} else {
		for (size_t i = 0; i < 3 && fields[i] != NULL && secret == NULL; i++)
			if (json_object_get(data, fields[i]) != NULL && (rc = value_of(&secret, data, fields[i])) < 0)
				return rc;
		if (secret == NULL)
			return cst_fail(CST_ENOTFOUND, "the %s credential has no '%s' to send", type,
			                fields[0]);
	}
	switch (sc) {
	case BEARER:
		return header(out, "Authorization", "Bearer ", secret);
	case X_API_KEY:
		return header(out, "x-api-key", "", secret);
	case API_KEY:
		return header(out, "Api-Key", "", secret);
	case SUPABASE:
		rc = header(out, "apikey", "", secret);
		return rc == CST_OK ? header(out, "Authorization", "Bearer ", secret) : rc;
	case BASIC:
	case NONE:
		break;
	}
	return cst_fail(CST_EINVAL, "no header for this credential");
}
