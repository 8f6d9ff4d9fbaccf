/* sqlite_write.c - the write half of the SQLite backend. The group
 * commit: batches that arrive while one transaction commits queue up, and
 * the next leader commits them all in one transaction and one fsync of
 * the WAL; a batch whose revision check fails is left out alone. For a server, a checkpointer thread copies the WAL
 * back into the database file on its own connection, so a checkpoint (and
 * its fsync of the database file) never runs inside a commit. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "storage/sqlite_store.h"

/* WAL pages after which the checkpointer runs (4 KiB pages: 16 MiB). */
#define CKPT_PAGES 4000

static int step_done(sqlite_store *s, sqlite3_stmt *q, const char *what)
{
	int src = sqlite3_step(q);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return src == SQLITE_DONE ? CST_OK : sq_fail(s->main.db, src, what);
}

static int check_rev(sqlite_store *s, const cst_storage_op *op)
{
	sqlite3_stmt *q = s->main.stmt[ST_REV];
	sqlite3_bind_text(q, 1, op->key, -1, SQLITE_STATIC);
	int src = sqlite3_step(q);
	int64_t rev = src == SQLITE_ROW ? sqlite3_column_int64(q, 0) : CST_REV_ABSENT;
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return sq_fail(s->main.db, src, "read");
	return rev == op->expect_rev ? CST_OK
	                             : cst_fail(CST_ECONFLICT, "entry changed concurrently");
}

static int apply(sqlite_store *s, const cst_storage_op *op, int64_t rev)
{
	sqlite3_stmt *q;
	switch (op->kind) {
	case CST_STORAGE_PUT:
		q = s->main.stmt[ST_PUT];
		sqlite3_bind_text(q, 1, op->key, -1, SQLITE_STATIC);
		sqlite3_bind_blob(q, 2, op->len ? (const void *)op->value : "", (int)op->len,
		                  SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, rev);
		return step_done(s, q, "write");
	case CST_STORAGE_DELETE:
		q = s->main.stmt[ST_DELETE];
		sqlite3_bind_text(q, 1, op->key, -1, SQLITE_STATIC);
		return step_done(s, q, "delete");
	case CST_STORAGE_CHECK:
		return CST_OK;
	}
	return cst_fail(CST_EINVAL, "unknown storage op");
}

/* The store-wide revision counter, read inside the group's transaction
 * (which holds the write lock, so no other process takes the same
 * numbers); the group's batches take the next ones, one each. */
static int read_rev(sqlite_store *s, int64_t *out)
{
	sqlite3_stmt *q = s->main.stmt[ST_SEQ_GET];
	int src = sqlite3_step(q);
	*out = src == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	return src == SQLITE_ROW ? CST_OK : sq_fail(s->main.db, src, "revision counter");
}

static int write_rev(sqlite_store *s, int64_t last)
{
	sqlite3_stmt *q = s->main.stmt[ST_SEQ_SET];
	sqlite3_bind_int64(q, 1, last);
	return step_done(s, q, "revision counter");
}

/* Applies one queued batch inside the group's transaction. Every revision
 * check of the batch comes first (they see the batches before it in the
 * group), so a batch that fails one changes nothing and needs no savepoint;
 * that is b->rc, and the group goes on. A failure while applying is the
 * storage's (I/O, memory): returned, it fails the whole group. */
static int apply_one(sqlite_store *s, pending_batch *b, int64_t rev)
{
	int rc = CST_OK;
	for (size_t i = 0; i < b->n && rc == CST_OK; i++)
		if (b->ops[i].expect_rev != CST_REV_ANY)
			rc = check_rev(s, &b->ops[i]);
	if (rc == CST_ECONFLICT) {
		snprintf(b->msg, sizeof(b->msg), "%s", cst_errmsg());
		b->rc = rc;
		return CST_OK;
	}
	for (size_t i = 0; i < b->n && rc == CST_OK; i++)
		rc = apply(s, &b->ops[i], rev);
	return rc; /* b->rc stays CST_OK: commit_group fails it with the group */
}

/* Opens the WAL for our fsyncs, and makes its directory entry durable
 * once: with synchronous=NORMAL SQLite syncs the directory only at its
 * first sync of the WAL, which it now never does itself. */
static int open_wal(sqlite_store *s)
{
	const char *wal = sqlite3_filename_wal(sqlite3_db_filename(s->main.db, "main"));
	int fd = wal ? open(wal, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return cst_fail(CST_EIO, "cannot open the write-ahead log: %s", strerror(errno));
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s", s->path);
	char *slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = dfd >= 0 && fsync(dfd) == 0
	                 ? CST_OK
	                 : cst_fail(CST_EIO, "cannot sync the vault's directory: %s", strerror(errno));
	if (dfd >= 0)
		close(dfd);
	if (rc == CST_OK)
		s->wal_fd = fd;
	else
		close(fd);
	return rc;
}

static int sync_wal(sqlite_store *s)
{
	int rc;
	if (s->bulk)
		return CST_OK;
	if (s->wal_fd < 0 && (rc = open_wal(s)) < 0)
		return rc;
	return fdatasync(s->wal_fd) == 0 ? CST_OK
	                                 : cst_fail(CST_EIO, "cannot sync the write-ahead log: %s",
	                                            strerror(errno));
}

/* Tells the read cache which keys the group writes (see readcache.h):
 * before the transaction, and after it, with what a committed batch
 * stored (in group order, so the last write of a key wins). */
static void cache_begin(sqlite_store *s, pending_batch *group)
{
	if (s->cache == NULL)
		return;
	for (pending_batch *b = group; b; b = b->next)
		for (size_t i = 0; i < b->n; i++)
			if (b->ops[i].kind != CST_STORAGE_CHECK)
				cst_readcache_write_begin(s->cache, b->ops[i].key);
}

static void cache_end(sqlite_store *s, pending_batch *group, int committed)
{
	if (s->cache == NULL)
		return;
	for (pending_batch *b = group; b; b = b->next)
		for (size_t i = 0; i < b->n; i++) {
			const cst_storage_op *op = &b->ops[i];
			if (op->kind == CST_STORAGE_CHECK)
				continue;
			if (committed && b->rc == CST_OK)
				cst_readcache_write_end_stored(s->cache, op->key, op->value, op->len,
				                               b->rev, op->kind == CST_STORAGE_DELETE);
			else
				cst_readcache_write_end(s->cache, op->key);
		}
}

/* Commits every batch in the list in one transaction; sets each rc. */
static void commit_group(sqlite_store *s, pending_batch *group)
{
	char msg[256] = "";
	pthread_mutex_lock(&s->lock);
	s->wrote = 1;
	cache_begin(s, group);
	int rc = s->failed ? cst_fail(CST_EIO, "%s", s->failed_msg)
	                   : step_done(s, s->main.stmt[ST_BEGIN], "begin");
	int64_t rev = 0;
	if (rc == CST_OK)
		rc = read_rev(s, &rev);
	for (pending_batch *b = group; b && rc == CST_OK; b = b->next) {
		b->rev = (uint64_t)++rev; /* a revision is never given twice */
		rc = apply_one(s, b, (int64_t)b->rev);
	}
	if (rc == CST_OK)
		rc = write_rev(s, rev);
	if (rc == CST_OK)
		rc = step_done(s, s->main.stmt[ST_COMMIT], "commit");
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "%s", cst_errmsg());
		(void)step_done(s, s->main.stmt[ST_ROLLBACK], "rollback");
	}
	cache_end(s, group, rc == CST_OK);
	pthread_mutex_unlock(&s->lock);
	if (rc == CST_OK && (rc = sync_wal(s)) < 0) {
		snprintf(msg, sizeof(msg), "%s", cst_errmsg());
		/* After a failed fsync the kernel may have dropped the WAL pages
		 * (and cleared the error): later commits would chain onto frames
		 * that are not on disk, and recovery would lose them with this
		 * group. Refuse every write from now on; a restart recovers from
		 * what is durable. */
		pthread_mutex_lock(&s->lock);
		s->failed = 1;
		snprintf(s->failed_msg, sizeof(s->failed_msg),
		         "storage refuses writes after a failed sync of the write-ahead log (%.150s); "
		         "restart the server",
		         msg);
		pthread_mutex_unlock(&s->lock);
	}
	/* A failed commit or sync fails every batch of the group, even those
	 * whose own ops were fine: none of them is known to be durable. */
	for (pending_batch *b = group; b; b = b->next) {
		if (rc < 0 && b->rc == CST_OK) {
			b->rc = rc;
			snprintf(b->msg, sizeof(b->msg), "%s", msg);
		}
	}
}

/* Waits for our semaphore; the leader posts it exactly once. */
static void wait_turn(pending_batch *me)
{
	while (sem_wait(&me->wake) != 0 && errno == EINTR)
		;
}

/* Group commit: a writer queues its batch; the first one in while no
 * group is being committed leads: it takes every batch queued so far (its
 * own included), commits them in one transaction and one fsync, then
 * posts each writer of the group and, if more queued meanwhile, hands the
 * lead to the first of those. Waiters sleep on their own semaphore and are
 * posted after the queue lock is let go: with a condition variable under
 * the lock each woken writer first queued for the lock the leader held,
 * and that hand-off (futex wake, then wait) was a tenth of a write. */
int sq_batch(cst_storage *st, const cst_storage_op *ops, size_t n, uint64_t *out_rev)
{
	sqlite_store *s = (sqlite_store *)st;
	if (s->readonly)
		return cst_fail(CST_EPERM, "vault file is read-only (write)");
	pending_batch me = {.ops = ops, .n = n, .rc = CST_OK};
	if (sem_init(&me.wake, 0, 0) != 0)
		return cst_fail(CST_ERROR, "cannot make a semaphore: %s", strerror(errno));
	pthread_mutex_lock(&s->queue_lock);
	if (s->queue_tail)
		s->queue_tail->next = &me;
	else
		s->queue = &me;
	s->queue_tail = &me;
	int lead = !s->leader;
	s->leader = 1;
	pthread_mutex_unlock(&s->queue_lock);
	if (!lead)
		wait_turn(&me); /* done, or handed the lead (then me is first in the queue) */
	if (!me.done) {
		pthread_mutex_lock(&s->queue_lock);
		pending_batch *group = s->queue;
		s->queue = s->queue_tail = NULL;
		pthread_mutex_unlock(&s->queue_lock);
		commit_group(s, group);
		pthread_mutex_lock(&s->queue_lock);
		pending_batch *next_leader = s->queue; /* queued meanwhile: not in group */
		if (next_leader == NULL)
			s->leader = 0;
		pthread_mutex_unlock(&s->queue_lock);
		/* A posted writer returns and its batch (on its stack) is gone:
		 * read next before posting. */
		for (pending_batch *b = group, *next; b; b = next) {
			next = b->next;
			b->done = 1;
			if (b != &me)
				sem_post(&b->wake);
		}
		if (next_leader != NULL)
			sem_post(&next_leader->wake);
	}
	sem_destroy(&me.wake);
	if (me.rc < 0)
		cst_fail(me.rc, "%s", me.msg);
	else if (out_rev != NULL)
		*out_rev = me.rev;
	return me.rc;
}

/* ---- the checkpointer (pooled stores only) */

static int on_wal_commit(void *payload, sqlite3 *db, const char *name, int pages)
{
	(void)db;
	(void)name;
	sqlite_store *s = payload;
	if (pages >= CKPT_PAGES) {
		pthread_mutex_lock(&s->ckpt_lock);
		s->ckpt_wanted = 1;
		pthread_cond_signal(&s->ckpt_cond);
		pthread_mutex_unlock(&s->ckpt_lock);
	}
	return SQLITE_OK;
}

static void *checkpointer(void *arg)
{
	sqlite_store *s = arg;
	pthread_mutex_lock(&s->ckpt_lock);
	for (;;) {
		while (!s->ckpt_wanted && !s->ckpt_stop)
			pthread_cond_wait(&s->ckpt_cond, &s->ckpt_lock);
		if (s->ckpt_stop)
			break;
		s->ckpt_wanted = 0;
		pthread_mutex_unlock(&s->ckpt_lock);
		/* PASSIVE: copies what no reader still needs, never blocks a
		 * writer or a reader; what it leaves is copied next time. A
		 * failure leaves the WAL as it is, which stays correct. */
		(void)sqlite3_wal_checkpoint_v2(s->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&s->ckpt_lock);
	}
	pthread_mutex_unlock(&s->ckpt_lock);
	return NULL;
}

int sq_checkpointer_start(sqlite_store *s)
{
	if (s->bulk) /* a bulk load keeps SQLite's own checkpoints */
		return CST_OK;
	int src = sqlite3_open_v2(s->path, &s->ckpt_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	                          NULL);
	if (src != SQLITE_OK)
		return sq_fail(s->ckpt_db, src, "open");
	sqlite3_busy_timeout(s->ckpt_db, 10000);
	sqlite3_db_config(s->ckpt_db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	/* NORMAL: the checkpoint syncs the WAL before copying it and the
	 * database file before the WAL may be reused. */
	src = sqlite3_exec(s->ckpt_db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	if (src != SQLITE_OK)
		return sq_fail(s->ckpt_db, src, "setup");
	if (pthread_create(&s->ckpt_thread, NULL, checkpointer, s) != 0)
		return cst_fail(CST_ERROR, "cannot start the checkpoint thread");
	s->ckpt_started = 1;
	/* Replaces SQLite's automatic checkpoint inside COMMIT. */
	sqlite3_wal_hook(s->main.db, on_wal_commit, s);
	return CST_OK;
}

void sq_checkpointer_stop(sqlite_store *s)
{
	if (s->ckpt_started) {
		sqlite3_wal_hook(s->main.db, NULL, NULL);
		pthread_mutex_lock(&s->ckpt_lock);
		s->ckpt_stop = 1;
		pthread_cond_signal(&s->ckpt_cond);
		pthread_mutex_unlock(&s->ckpt_lock);
		pthread_join(s->ckpt_thread, NULL);
		s->ckpt_started = 0;
	}
	sqlite3_close_v2(s->ckpt_db);
	s->ckpt_db = NULL;
}
