/* type_header.h - the HTTP authentication header of a credential, for
 * `custos header NAME` (curl -H @<(custos header NAME)). */
#ifndef CST_TYPE_HEADER_H
#define CST_TYPE_HEADER_H

#include <jansson.h>

#include "util/buf.h"

/* Appends the header lines ("Name: value\n") that authenticate a request
 * with a credential of `type` (NULL: untyped) holding data:
 *
 *   openai, huggingface, github, weaviate, ollama, api_key, bearer_token,
 *   slack (token)          Authorization: Bearer <secret>
 *   http_basic             Authorization: Basic base64(username:password)
 *   anthropic              x-api-key: <api_key>
 *   pinecone               Api-Key: <api_key>
 *   supabase               apikey: <key> and Authorization: Bearer <key>
 *                          (anon_key, else service_role_key)
 *
 * field, when not NULL, names the field to send as a bearer token instead
 * (the only way for custom and untyped secrets). Returns CST_OK,
 * CST_EINVAL (no header for this type: aws signs each request, ssh and
 * db_dsn are not HTTP; a value with a line break), CST_ENOTFOUND (the
 * field is missing), CST_ENOMEM. Messages never hold values. */
int cst_auth_header(cst_buf *out, const char *type, const json_t *data, const char *field)
	__attribute__((warn_unused_result));

#endif
