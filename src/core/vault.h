/* vault.h - the vault handle: storage, barrier and router together. */
#ifndef CST_VAULT_H
#define CST_VAULT_H

#include "core/barrier.h"
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
};

#endif
