/* sqlite_store.h - the SQLite backend's handle, shared by its two files:
 * sqlite.c (opening, connections, reads) and sqlite_write.c (the group
 * commit and the checkpointer). Not for use outside src/storage/. */
#ifndef CST_SQLITE_STORE_H
#define CST_SQLITE_STORE_H

#include <pthread.h>
#include <semaphore.h>
#include <sqlite3.h>

#include "storage/readcache.h"
#include "storage/storage.h"

/* Read statements first: reader connections prepare only those. */
enum { ST_GET, ST_LIST, ST_LIST_AFTER, ST_COUNT, ST_COUNT_FROM, ST_READS,
       ST_PUT = ST_READS, ST_DELETE, ST_REV, ST_SEQ_GET, ST_SEQ_SET, ST_BEGIN, ST_COMMIT, ST_ROLLBACK,
       ST_MAX };

/* One SQLite connection with its prepared statements. */
typedef struct sq_conn {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_MAX];
	struct sq_conn *next_free; /* reader pool */
} sq_conn;

/* A batch waiting for the group commit (see sq_batch). */
typedef struct pending_batch {
	const cst_storage_op *ops;
	size_t n;
	int rc;
	int done;
	uint64_t rev; /* the batch's revision, set by the leader */
	sem_t wake; /* posted once done, or once it is to lead (see sq_batch) */
	char msg[256];
	struct pending_batch *next;
} pending_batch;

typedef struct sqlite_store {
	cst_storage base; /* must be first */
	sq_conn main;     /* writes; reads too unless the store is shared */
	pthread_mutex_t lock; /* main's statements, one at a time */
	char *path;
	int bulk;   /* no fsync at all (bulk loads) */
	int readonly; /* main has only the read statements */
	int failed;   /* a WAL fsync failed: every write is refused (sqlite_write.c) */
	char failed_msg[256];
	int wrote;  /* a batch was committed: checkpoint at close */
	int wal_fd; /* the -wal file, fsync'd outside the statement lock */
	int lock_fd; /* <path>-lock: flock'd shared (CLI) or exclusive (server) */

	/* Group commit: batches queue here; one writer at a time (the leader)
	 * commits every queued batch in one transaction and one fsync. */
	pthread_mutex_t queue_lock;
	pending_batch *queue, *queue_tail;
	int leader;

	/* A server (CST_STORAGE_EXCLUSIVE) reads through a pool of read-only
	 * connections, so reads never wait for a commit or a checkpoint, and
	 * through the read cache; a background thread checkpoints the WAL. */
	int pooled;
	pthread_mutex_t pool_lock;
	pthread_cond_t pool_cond;
	sq_conn *pool_free;
	size_t pool_open;
	cst_readcache *cache;
	pthread_t ckpt_thread;
	int ckpt_started, ckpt_wanted, ckpt_stop;
	pthread_mutex_t ckpt_lock;
	pthread_cond_t ckpt_cond;
	sqlite3 *ckpt_db;
} sqlite_store;

/* Maps an SQLite result to a custos code with a one-line message. */
int sq_fail(sqlite3 *db, int src, const char *what);

/* The write half (sqlite_write.c). */
int sq_batch(cst_storage *st, const cst_storage_op *ops, size_t n, uint64_t *out_rev);
/* Starts the checkpointer of a pooled store (its own connection). */
int sq_checkpointer_start(sqlite_store *s);
void sq_checkpointer_stop(sqlite_store *s);

#endif
