/* translate.h - the pure half of the HTTP layer: an HTTP request (method,
 * decoded URL path, the three headers that matter, body, query parameters)
 * becomes a logical request, as Vault's buildLogicalRequest does
 * (vault-api.md section 1.2). No sockets and no libmicrohttpd here, so
 * fuzz/fuzz_http.c drives it directly. */
#ifndef CST_SERVER_TRANSLATE_H
#define CST_SERVER_TRANSLATE_H

#include <jansson.h>
#include <stddef.h>

#include "custos/request.h"

struct translated {
	/* Set once the path and body are understood (raw_path != NULL): what
	 * the sys routes answered before the vault (sys_seal.c) look at, even
	 * when the method or ?list= is refused afterwards. */
	char *raw_path;    /* the URL path after "/v1/", as sent; owned */
	json_t *body;      /* the parsed body, {} when empty; owned */
	json_t *query;     /* the query parameters as given; a new reference */
	const char *token; /* X-Vault-Token, else Authorization: Bearer; borrowed; or NULL */
	/* Set when server_translate returns 0: */
	cst_op op;
	char *path;   /* raw_path, plus '/' for a list; owned */
	json_t *data; /* the body, plus the query for read, list and delete; owned */
	/* Set when server_translate returns a status: */
	json_t *error; /* {"errors":[...]}; owned */
};

/* Translates one request. method is the HTTP verb, url the URL-decoded
 * path without the query string ("/v1/secret/data/x"), content_type,
 * x_vault_token and authorization the header values or NULL, body the
 * raw body (body_len bytes, need not be NUL-terminated), query an object
 * of string values (borrowed; NULL for none).
 *
 * Returns 0 to go on with out->op, out->path, out->data, out->token; or
 * the HTTP status to answer with out->error (404 outside /v1/, 400 for a
 * body that is not a JSON object or a bad ?list=, 405 for an unknown
 * method, 415 for PATCH without the merge-patch content type). Release
 * out with server_translated_release() in every case. */
int server_translate(struct translated *out, const char *method, const char *url,
                     const char *content_type, const char *x_vault_token,
                     const char *authorization, const char *body, size_t body_len,
                     json_t *query);

void server_translated_release(struct translated *t);

/* Go's strconv.ParseBool, which Vault uses for ?list=: 1 when s parses
 * (*out set), else 0. */
int server_parse_bool(const char *s, int *out);

#endif
