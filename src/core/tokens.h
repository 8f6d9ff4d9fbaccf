/* tokens.h - the token store: Vault-style service tokens kept by keyed
 * hash (never in clear), with accessors, a parent tree, use counts and an
 * expiry index that a background sweep walks.
 *
 * Storage (all sealed by the barrier):
 *   sys/token/id/<hash>                    the entry (JSON, below)
 *   sys/token/accessor/<accessor>          {"id": <hash>}
 *   sys/token/parent/<parent>/<child>      {} for each child of a parent
 *   sys/token/expire/<unix, 12 digits>/<hash>  {} while the token can expire
 *
 * Entry: {"accessor","policies","parent","path","meta","display_name",
 * "num_uses","orphan","creation_time","creation_ttl","expire_time" (unix,
 * 0 = never),"explicit_max_ttl","period","renewable","bound_cidrs",
 * "last_renewal_time","identity" (logins only, see cst_token_params)}. */
#ifndef CST_TOKENS_H
#define CST_TOKENS_H

#include <jansson.h>
#include <stdint.h>

#include "custos.h"

#define CST_TOKEN_HASH_LEN 64   /* hex HMAC-SHA256 */
#define CST_TOKEN_PREFIX "cst." /* so scanners can recognise a leaked custos token */

/* A token as the router sees it after authentication. */
typedef struct cst_caller {
	char hash[CST_TOKEN_HASH_LEN + 1];
	json_t *entry; /* owned reference; may be shared with the token cache: read only */
	int root;      /* holds the root policy */
} cst_caller;

void cst_caller_release(cst_caller *c);

/* Keyed hash of a token string (the HMAC key is sealed in the vault). */
int cst_token_hash(cst_vault *v, const char *token, char *out) __attribute__((warn_unused_result));

/* Finds a live token. CST_EPERM "invalid token" when unknown, expired,
 * spent or (with client_addr) used from outside its bound CIDRs. No use is
 * taken here (cst_token_use does, once the request is allowed and audited).
 * With no_wait nothing is written: a use-limited token answers
 * CST_EWOULDBLOCK untouched, and an expired one is left to the sweep. */
int cst_token_authenticate(cst_caller *out, cst_vault *v, const char *token,
                           const char *client_addr, int no_wait) __attribute__((warn_unused_result));

/* Takes one use of a use-limited token (nothing for others), as Vault does
 * after the request is allowed and its request entry written: the last use
 * revokes it. Concurrent requests each take their own use; one that finds
 * none left (or the token gone) gets CST_EPERM "invalid token". */
int cst_token_use(cst_vault *v, const cst_caller *c) __attribute__((warn_unused_result));

/* Loads an entry by hash or by accessor (CST_ENOTFOUND when absent). */
int cst_token_load(json_t **out, cst_vault *v, const char *hash) __attribute__((warn_unused_result));
int cst_token_by_accessor(char *out_hash, cst_vault *v, const char *accessor)
	__attribute__((warn_unused_result));

/* Creates a token from Vault's create parameters. parent may be NULL
 * (the server's own root token, or an orphan made with privilege). On
 * success *out_auth is Vault's "auth" response object; warnings collect
 * in *warnings (an array, created when needed). */
typedef struct cst_token_params {
	const json_t *body;     /* the request body */
	const cst_caller *parent;
	int privileged;         /* root or sudo on the path */
	int orphan;             /* create-orphan, or no_parent honoured */
	const char *path;       /* the request path, recorded in the entry */
	/* Logins through an auth method (NULL otherwise): the display name as
	 * is ("userpass-alice", not "token-..."), and the identity kept in the
	 * entry for ACL templates: {"entity_name", "entity_id", "mount_path",
	 * "mount_accessor", "mount_type", "teams": [...]}. */
	const char *display_name;
	const json_t *identity;
} cst_token_params;

int cst_token_create(json_t **out_auth, json_t **warnings, cst_vault *v,
                     const cst_token_params *p) __attribute__((warn_unused_result));

/* Creates (or refreshes) a root token with a given id, for dev mode. */
int cst_token_create_root(json_t **out_auth, cst_vault *v, const char *id)
	__attribute__((warn_unused_result));

/* Vault's lookup data for an entry (id is "" unless given). */
json_t *cst_token_lookup_data(const json_t *entry, const char *id);

/* Renews; increment_s 0 means the token's own TTL or period. Returns the
 * new auth object. CST_EINVAL "lease is not renewable" and similar. */
int cst_token_renew(json_t **out_auth, cst_vault *v, const char *hash, int64_t increment_s)
	__attribute__((warn_unused_result));

/* Revokes a token and (unless orphan_children) every descendant. */
int cst_token_revoke(cst_vault *v, const char *hash, int orphan_children)
	__attribute__((warn_unused_result));

/* Revokes every token whose expiry has passed, walking the expiry index
 * in time order; *out_count says how many went. */
int cst_token_sweep(cst_vault *v, int64_t now_s, uint64_t *out_count)
	__attribute__((warn_unused_result));

/* Revokes (with their children) every token whose entry match() accepts,
 * scanning the whole store: for rare administrative changes (an auth
 * method disabled, a user or role deleted). *out_count says how many. */
int cst_token_revoke_where(cst_vault *v, int (*match)(const json_t *entry, void *payload),
                           void *payload, uint64_t *out_count) __attribute__((warn_unused_result));

/* Calls fn(hash, entry, payload) for every stored token, in hash order,
 * reading entries past the token cache; tokens revoked during the walk are
 * skipped. Expired tokens the sweep has not removed yet are included (see
 * "expire_time"). A negative return of fn stops the walk with that code. */
int cst_token_each(cst_vault *v, int (*fn)(const char *hash, const json_t *entry, void *payload),
                   void *payload) __attribute__((warn_unused_result));

/* Number of live tokens. */
int cst_token_count(cst_vault *v, uint64_t *out) __attribute__((warn_unused_result));

#endif
