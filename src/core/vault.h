/* vault.h - the vault handle: storage, barrier and router together. */
#ifndef CST_VAULT_H
#define CST_VAULT_H

#include <pthread.h>

#include "core/barrier.h"
#include "core/cache.h"
#include "core/router.h"
#include "custos.h"

struct cst_vault {
	cst_storage *st;     /* owned */
	cst_barrier barrier;
	cst_router router;
	char path[4096];
	char backend[16];
	char key_source[320];
	unsigned flags;
	/* HMAC key for token ids, loaded (or made) on first use; read without
	 * the lock once set (it changes only under the state lock, at seal). */
	struct cst_mac_key *_Atomic token_mac;
	pthread_mutex_t salt_lock;
	/* Seal state: requests hold it shared, seal/unseal exclusively. */
	pthread_rwlock_t state;
	int unsealed;
	json_t *seal_record; /* owned: core/seal, read at attach */
	int64_t default_ttl, max_ttl; /* token TTLs, seconds */
	cst_cache token_cache;  /* token hash -> entry */
	cst_cache policy_cache; /* policy name -> stored record */
	struct cst_acl_cache *acl_cache; /* policy set -> compiled ACL; may be NULL */
};

#endif
