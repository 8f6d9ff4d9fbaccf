/* translate.c - an HTTP request becomes a logical request (method ->
 * operation, body and query -> data, headers -> token), as Vault's
 * buildLogicalRequest (vault-api.md section 1.2). Pure: no sockets, no
 * libmicrohttpd, no vault; http.c feeds it and fuzz/fuzz_http.c fuzzes it. */
#include "translate.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "respond.h"
#include "util/json.h"

int server_parse_bool(const char *s, int *out)
{
	static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False"};
	for (int i = 0; i < 6; i++) {
		if (strcmp(s, t[i]) == 0)
			return *out = 1, 1;
		if (strcmp(s, f[i]) == 0)
			return *out = 0, 1;
	}
	return 0;
}

/* The body as JSON: empty (or only white space) is fine, whatever the
 * content type, so an empty form-encoded body is {} too. */
static int parse_body(json_t **out, const char *body, size_t len)
{
	size_t i = 0;
	while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
		i++;
	if (i == len) {
		*out = json_object();
		return *out ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	}
	return cst_json_parse_object(out, body + i, len - i, "request body");
}

static int method_op(const char *method, cst_op *op)
{
	static const struct {
		const char *m;
		cst_op op;
	} map[] = {{"GET", CST_OP_READ},      {"LIST", CST_OP_LIST},     {"POST", CST_OP_UPDATE},
	           {"PUT", CST_OP_UPDATE},    {"PATCH", CST_OP_PATCH},   {"DELETE", CST_OP_DELETE}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(method, map[i].m) == 0)
			return *op = map[i].op, 1;
	return 0;
}

/* Content-Type is application/merge-patch+json, any case, optionally with
 * media-type parameters (Go's mime.ParseMediaType, then ==). */
static int merge_patch_type(const char *ct)
{
	static const char want[] = "application/merge-patch+json";
	const size_t n = sizeof(want) - 1;
	if (ct == NULL || strncasecmp(ct, want, n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t';
}

static int refuse(struct translated *out, int status, json_t *error)
{
	out->error = error;
	return status;
}

/* Refuses with the library's error body and status for rc. */
static int refuse_rc(struct translated *out, int rc)
{
	int status;
	out->error = server_error_body(rc, &status);
	return status;
}

int server_translate(struct translated *out, const char *method, const char *url,
                     const char *content_type, const char *x_vault_token,
                     const char *authorization, const char *body, size_t body_len,
                     json_t *query)
{
	memset(out, 0, sizeof(*out));
	if (url == NULL || strncmp(url, "/v1/", 4) != 0)
		return refuse_rc(out, cst_fail(CST_ENOTFOUND, "unsupported path"));
	/* X-Vault-Token wins; an Authorization that is not Bearer is ignored. */
	if (x_vault_token != NULL && *x_vault_token != '\0')
		out->token = x_vault_token;
	else if (authorization != NULL && strncmp(authorization, "Bearer ", 7) == 0)
		out->token = authorization + 7;
	/* Paths arrive URL-decoded; room for the '/' a list appends. */
	size_t len = strlen(url + 4);
	out->raw_path = malloc(len + 1);
	out->path = malloc(len + 2);
	out->query = query ? json_incref(query) : json_object();
	if (out->raw_path == NULL || out->path == NULL || out->query == NULL) {
		free(out->raw_path);
		out->raw_path = NULL;
		return refuse_rc(out, cst_fail(CST_ENOMEM, "out of memory"));
	}
	memcpy(out->raw_path, url + 4, len + 1);
	memcpy(out->path, url + 4, len + 1);
	int rc = parse_body(&out->body, body, body_len);
	if (rc < 0) {
		free(out->raw_path);
		out->raw_path = NULL; /* not understood: no sys route either */
		return refuse_rc(out, rc);
	}
	/* From here the sys routes of sys_seal.c may still answer. */
	cst_op op;
	if (method == NULL || !method_op(method, &op))
		return refuse(out, 405, json_pack("{s:[]}", "errors"));
	/* ?list=<ParseBool> turns a read into a list; a bad value is a 400
	 * with no message. As Vault, an empty value is no list at all. */
	const char *list = json_string_value(json_object_get(out->query, "list"));
	if (list != NULL && *list != '\0') {
		int yes;
		if (!server_parse_bool(list, &yes))
			return refuse(out, 400, json_pack("{s:[]}", "errors"));
		if (yes && op == CST_OP_READ)
			op = CST_OP_LIST;
	}
	/* A list always names a folder. */
	if (op == CST_OP_LIST && (len == 0 || out->path[len - 1] != '/')) {
		out->path[len] = '/';
		out->path[len + 1] = '\0';
	}
	if (op == CST_OP_PATCH && !merge_patch_type(content_type))
		return refuse(out, 415, json_pack("{s:[s]}", "errors",
		                                  "PATCH requires Content-Type of "
		                                  "application/merge-patch+json"));
	/* GET, LIST and DELETE carry their parameters in the query string; the
	 * list parameter itself is not data. */
	if (op == CST_OP_READ || op == CST_OP_LIST || op == CST_OP_DELETE) {
		out->data = json_copy(out->body);
		const char *k;
		json_t *v;
		json_object_foreach(out->query, k, v)
			if (out->data != NULL && strcmp(k, "list") != 0)
				json_object_set(out->data, k, v);
	} else {
		out->data = json_incref(out->body);
	}
	if (out->data == NULL)
		return refuse_rc(out, cst_fail(CST_ENOMEM, "out of memory"));
	out->op = op;
	return 0;
}

void server_translated_release(struct translated *t)
{
	free(t->raw_path);
	free(t->path);
	json_decref(t->body);
	json_decref(t->query);
	json_decref(t->data);
	json_decref(t->error);
	memset(t, 0, sizeof(*t));
}
