/* router.h - the mount table and request dispatch. A mount maps a path
 * prefix ("secret/") to an engine instance with its own storage prefix
 * ("logical/<uuid>/"); "sys/" is always mounted. */
#ifndef CST_ROUTER_H
#define CST_ROUTER_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "core/barrier.h"
#include "custos/request.h"

#define CST_PATH_MOUNTS "core/mounts"

typedef struct cst_engine cst_engine;
typedef struct cst_caller cst_caller;

/* What a handler gets: the vault's barrier, its mount, and the part of the
 * request path after the route's prefix. */
typedef struct cst_engine_ctx {
	cst_vault *vault;
	cst_barrier *barrier;
	const char *mount_path;     /* "secret/" */
	const char *storage_prefix; /* "logical/<uuid>/" */
	const char *rest;           /* path after the route prefix: the secret name */
	const cst_caller *caller;   /* the authenticated token; NULL in local mode */
	int privileged;             /* root, local, or sudo on this path */
} cst_engine_ctx;

typedef int (*cst_handler)(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);

#define CST_OPS(x) (1u << (x))
/* The operation sets route tables use most. */
#define CST_RD CST_OPS(CST_OP_READ)
#define CST_WR (CST_OPS(CST_OP_CREATE) | CST_OPS(CST_OP_UPDATE))
#define CST_DEL CST_OPS(CST_OP_DELETE)
#define CST_LS CST_OPS(CST_OP_LIST)

/* One row of an engine's path table: a prefix ("data/") or, when exact is
 * set, a whole path ("config"); the operations it takes; its handler. */
typedef struct cst_route {
	const char *pattern;
	int exact;
	unsigned ops; /* CST_OPS(CST_OP_READ) | ... */
	cst_handler handler;
	/* Optional existence check: a write to a path that exists is an
	 * update, else a create (they need different capabilities). */
	int (*exists)(cst_engine_ctx *ctx, int *out);
	int root_protected; /* needs sudo besides the normal capability */
	int unauthenticated; /* reachable without a token (lookup of wrapping...) */
	int blocks;          /* may wait long even to read (calls out to the network) */
} cst_route;

struct cst_engine {
	int abi;          /* 1 */
	const char *type; /* mount type: "kv", "system" */
	const cst_route *routes;
	size_t n_routes;
	/* Optional: removes what has expired on one mount (approle's
	 * secret_ids); the server's periodic sweep calls it on every mount of
	 * this type. *out_count says how many entries went. */
	int (*sweep)(cst_engine_ctx *ctx, int64_t now_s, uint64_t *out_count);
};

/* Finds an engine by mount type; NULL if none. Engines register in
 * src/engines/registry.c. */
const cst_engine *cst_engine_find(const char *type);
/* The i-th registered engine, NULL past the last (metrics walk them). */
const cst_engine *cst_engine_at(size_t i);

typedef struct cst_mount {
	char *path;    /* "secret/" */
	char *type;    /* "kv" */
	char *prefix;  /* "logical/<uuid>/" */
	const cst_engine *engine;
} cst_mount;

/* An immutable snapshot of the mount table. Requests hold a reference
 * while they run, so a mount change swaps in a new table without waiting
 * for them (copy on write). */
typedef struct cst_mount_table {
	int refs;          /* guarded by the router's lock */
	cst_mount *mounts; /* owned */
	size_t count;
} cst_mount_table;

typedef struct cst_router {
	pthread_mutex_t lock;
	cst_mount_table *table; /* owned reference */
} cst_router;

/* The current table with a reference taken; give it back with
 * cst_router_put. */
cst_mount_table *cst_router_get(cst_router *r);
void cst_router_put(cst_router *r, cst_mount_table *t);

/* Loads (or reloads) the mount table from storage. */
int cst_router_load(cst_router *r, cst_barrier *b) __attribute__((warn_unused_result));
void cst_router_release(cst_router *r);

/* The initial mount table of a new vault: secret/ as KV v2. Owned. */
json_t *cst_router_default_mounts(void);

/* Authenticates token and checks op on path against its policies (the
 * server's seal endpoint, outside the router's paths). */
int cst_router_authorize(cst_vault *v, const char *token, const char *client_addr,
                         const char *path, cst_op op, int need_sudo)
	__attribute__((warn_unused_result));

/* 1 if op on path may block for long: every write (it waits for its
 * commit's fsync) and reads of routes marked blocks. For the server, which
 * runs such requests off its HTTP threads. */
int cst_router_may_block(cst_router *r, cst_op op, const char *path);

int cst_router_dispatch(cst_router *r, cst_vault *v, cst_barrier *b, const cst_request *req,
                        cst_response *resp) __attribute__((warn_unused_result));

/* Runs every mounted engine's sweep (see cst_engine.sweep). */
int cst_router_sweep(cst_router *r, cst_vault *v, cst_barrier *b, int64_t now_s,
                     uint64_t *out_count) __attribute__((warn_unused_result));

#endif
