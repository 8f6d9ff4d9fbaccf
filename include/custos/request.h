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

/* cst_request.flags */
#define CST_REQ_REMOTE 0x1u /* came over the network: authenticate the token, check policy */
/* Run by a thread that must not wait (a server's network thread): what
 * would write before the handler runs (a use-limited token's count)
 * answers CST_EWOULDBLOCK, with nothing changed and nothing audited, for
 * the caller to run the request again where it may wait. */
#define CST_REQ_NO_WAIT 0x2u

typedef struct cst_request {
	cst_op op;
	unsigned flags;          /* CST_REQ_* */
	const char *path;        /* borrowed */
	json_t *data;            /* borrowed; the body, or query parameters; may be NULL */
	const char *token;       /* borrowed; NULL in local mode (the key holder is root) */
	const char *client_addr; /* borrowed; may be NULL */
	cst_progress_cb progress;  /* optional, for long operations (rewrap) */
	void *progress_payload;
	/* borrowed; the request id the audit entries carry (the server's
	 * response request_id); NULL: the router makes one when it audits */
	const char *request_id;
} cst_request;

typedef struct cst_response {
	json_t *data;     /* owned; NULL means no content (HTTP 204) */
	json_t *warnings; /* owned array of strings, or NULL */
	json_t *auth;     /* owned; a new token (Vault's "auth" object), or NULL */
	/* A raw body instead of the envelope (sys/metrics), sent with
	 * raw_type as its Content-Type; owned (free), or NULL. */
	char *raw;
	size_t raw_len;
	const char *raw_type; /* static */
} cst_response;

/* Routes a request through the mount table to its engine. On failure the
 * response may still carry data (KV v2 answers a read of a deleted version
 * with CST_ENOTFOUND and the version's metadata). Release the response
 * with cst_response_release() in every case. */
CST_WARN_UNUSED int cst_vault_request(cst_vault *vault, const cst_request *req,
                                      cst_response *out);

void cst_response_release(cst_response *resp);

/* 1 if the request may take long (every write waits for its commit's
 * fsync; provider checks call out): a server runs those off its network
 * threads. 0 for plain reads, and for anything when sealed. */
int cst_vault_may_block(cst_vault *vault, cst_op op, const char *path);

/* What to create: the vault file and, unless $CUSTOS_MASTER_KEY is set or
 * a passphrase is used, a new master key file (an existing key file is
 * reused, never overwritten). */
#define CST_INIT_PASSPHRASE 0x1u /* seal with opts->passphrase through scrypt */

/* Creates a new vault. CST_ECONFLICT if the vault file exists. */
CST_WARN_UNUSED int cst_vault_init(cst_vault **out, const cst_open_opts *opts, unsigned flags);

/* Creates a vault whose master key is split into `shares` Shamir unseal
 * keys, `threshold` of which rebuild it (Vault's layout: share bytes then
 * the x coordinate). The shares (out_share_len bytes each) belong to the
 * caller. The returned vault is unsealed. */
CST_WARN_UNUSED int cst_vault_init_shamir(cst_vault **out, const cst_open_opts *opts,
                                          unsigned shares, unsigned threshold,
                                          unsigned char ***out_shares, size_t *out_share_len);

/* Creates a root token (id: a chosen token string, or NULL for a random
 * one; an existing token with that id is kept). *out_auth is Vault's auth
 * object with "client_token". */
CST_WARN_UNUSED int cst_vault_root_token(json_t **out_auth, cst_vault *vault, const char *id);

/* Checks that token may do op on path (and holds sudo there when
 * need_sudo): CST_OK, CST_EPERM, CST_ESEALED. */
CST_WARN_UNUSED int cst_vault_authorize(cst_vault *vault, const char *token,
                                        const char *client_addr, const char *path, cst_op op,
                                        int need_sudo);

/* Token lifetimes (Vault's default_lease_ttl and max_lease_ttl), seconds;
 * 0 keeps the current value (768h each by default). */
void cst_vault_set_ttls(cst_vault *vault, int64_t default_ttl, int64_t max_ttl);

/* Audit devices, for a server: reopen every file device (on SIGHUP, after
 * logrotate moved the files), and store the devices' chain positions so a
 * restart continues them (every few seconds, and at seal). */
void cst_vault_audit_reopen(cst_vault *vault);
CST_WARN_UNUSED int cst_vault_audit_flush(cst_vault *vault);

/* Revokes expired tokens and removes what else has expired (approle
 * secret_ids); the server calls this periodically. */
CST_WARN_UNUSED int cst_vault_sweep(cst_vault *vault, uint64_t *out_revoked);

/* Sealed-vault life cycle, for the server: attach opens storage and reads
 * the seal record without a key; unseal proves a master key (32 bytes)
 * and loads keys and mounts; seal forgets them. Requests to a sealed vault
 * get CST_ESEALED. cst_vault_open is attach + key source + unseal. */
CST_WARN_UNUSED int cst_vault_attach(cst_vault **out, const cst_open_opts *opts);
CST_WARN_UNUSED int cst_vault_unseal(cst_vault *vault, const unsigned char *key,
                                     const char *key_desc);
void cst_vault_seal(cst_vault *vault);
int cst_vault_sealed(cst_vault *vault);
/* The plain seal record: {"source": "key"|"passphrase"|"shamir", ...}. */
const json_t *cst_vault_seal_record(cst_vault *vault);

/* Describes where the vault and its key come from: {"path", "backend",
 * "key_source"}; owned by the caller. */
json_t *cst_vault_describe(cst_vault *vault);

/* The credential types and their fields:
 * [{"name","description","fields":[{"name","required","secret","shape"}]}].
 * Owned by the caller. */
json_t *cst_types_json(void);

#endif
