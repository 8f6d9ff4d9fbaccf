/*
 * custos/request.h - the logical request, the one path every operation
 * takes. The CLI (local mode) and the HTTP server both build a cst_request
 * and hand it to cst_vault_request(); paths are Vault's, without "/v1/":
 * "secret/data/openai/prod", "secret/metadata/", "sys/rotate".
 *
 * Data travels as jansson values (https://jansson.readthedocs.io).
 */
#ifndef CUSTOS_REQUEST_H
#define CUSTOS_REQUEST_H

#include <jansson.h>
#include <stdint.h>

#include "custos.h"

typedef enum cst_op {
	CST_OP_READ = 1,
	CST_OP_LIST,
	CST_OP_CREATE,
	CST_OP_UPDATE,
	CST_OP_PATCH,
	CST_OP_DELETE
} cst_op;

typedef void (*cst_progress_cb)(uint64_t done, uint64_t total, void *payload);

typedef struct cst_request {
	cst_op op;
	const char *path;        /* borrowed */
	json_t *data;            /* borrowed; the body, or query parameters; may be NULL */
	const char *token;       /* borrowed; NULL in local mode (the key holder is root) */
	const char *client_addr; /* borrowed; may be NULL */
	cst_progress_cb progress;  /* optional, for long operations (rewrap) */
	void *progress_payload;
} cst_request;

typedef struct cst_response {
	json_t *data;     /* owned; NULL means no content (HTTP 204) */
	json_t *warnings; /* owned array of strings, or NULL */
} cst_response;

/* Routes a request through the mount table to its engine. On failure the
 * response may still carry data (KV v2 answers a read of a deleted version
 * with CST_ENOTFOUND and the version's metadata). Release the response
 * with cst_response_release() in every case. */
CST_WARN_UNUSED int cst_vault_request(cst_vault *vault, const cst_request *req,
                                      cst_response *out);

void cst_response_release(cst_response *resp);

/* What to create: the vault file and, unless $CUSTOS_MASTER_KEY is set or
 * a passphrase is used, a new master key file (an existing key file is
 * reused, never overwritten). */
#define CST_INIT_PASSPHRASE 0x1u /* seal with opts->passphrase through scrypt */

/* Creates a new vault. CST_ECONFLICT if the vault file exists. */
CST_WARN_UNUSED int cst_vault_init(cst_vault **out, const cst_open_opts *opts, unsigned flags);

/* Describes where the vault and its key come from: {"path", "backend",
 * "key_source"}; owned by the caller. */
json_t *cst_vault_describe(cst_vault *vault);

/* The credential types and their fields:
 * [{"name","description","fields":[{"name","required","secret","shape"}]}].
 * Owned by the caller. */
json_t *cst_types_json(void);

#endif
