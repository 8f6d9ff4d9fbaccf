/* respond.h - Vault's response bodies: the success envelope and the
 * {"errors": [...]} body. Free of libmicrohttpd, so the fuzz targets link
 * respond.c without it. */
#ifndef CST_SERVER_RESPOND_H
#define CST_SERVER_RESPOND_H

#include <jansson.h>

#include "custos/request.h"

/* The Vault envelope for a successful response (or a KV deleted-version
 * 404) with the request's id (cst_rand_uuid); owned by the caller. */
json_t *server_envelope(const cst_response *resp, const char *path, const char *request_id);

/* An error body {"errors":[...]} for rc and the thread's message; sets
 * *status to the HTTP status. Owned by the caller. */
json_t *server_error_body(int rc, int *status);

#endif
