/* sqlite.c - the default storage backend: one SQLite file in WAL mode with
 * synchronous=FULL, so a batch returns only once it is durable. One table,
 * kv(key, value, rev), WITHOUT ROWID so lookups and prefix scans walk one
 * b-tree. Statements are prepared once per handle. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "storage/storage.h"

enum { ST_GET, ST_LIST, ST_LIST_AFTER, ST_PUT, ST_DELETE, ST_REV, ST_COUNT, ST_COUNT_FROM,
       ST_NEXT_REV, ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_SAVEPOINT, ST_RELEASE, ST_ROLLBACK_TO,
       ST_MAX };

static const char *const sql_text[ST_MAX] = {
	[ST_GET] = "SELECT value, rev FROM kv WHERE key = ?1",
	[ST_LIST] = "SELECT key FROM kv WHERE key >= ?1 ORDER BY key LIMIT ?2",
	[ST_LIST_AFTER] = "SELECT key FROM kv WHERE key > ?1 ORDER BY key LIMIT ?2",
	/* Parenthesised: clang's -Wstring-concatenation takes a split literal in
	 * an array initialiser for a missing comma. */
	[ST_PUT] = ("INSERT INTO kv(key, value, rev) VALUES(?1, ?2, ?3) ON CONFLICT(key) DO UPDATE "
	            "SET value = excluded.value, rev = excluded.rev"),
	[ST_DELETE] = "DELETE FROM kv WHERE key = ?1",
	[ST_REV] = "SELECT rev FROM kv WHERE key = ?1",
	[ST_COUNT] = "SELECT count(*) FROM kv WHERE key >= ?1 AND key < ?2",
	[ST_COUNT_FROM] = "SELECT count(*) FROM kv WHERE key >= ?1",
	/* One store-wide counter: a key deleted and created again never gets a
	 * revision it had before, so a stale compare-on-revision cannot pass. */
	[ST_NEXT_REV] = "UPDATE seq SET n = n + 1 RETURNING n",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT one_batch",
	[ST_RELEASE] = "RELEASE one_batch",
	[ST_ROLLBACK_TO] = "ROLLBACK TO one_batch",
};

/* A batch waiting for the group commit (see sq_batch). */
typedef struct pending_batch {
	const cst_storage_op *ops;
	size_t n;
	int rc;
	int done;
	char msg[256];
	struct pending_batch *next;
} pending_batch;

typedef struct sqlite_store {
	cst_storage base; /* must be first */
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_MAX];
	pthread_mutex_t lock; /* one connection: serialise its statements */
	/* Group commit: batches queue here; one writer at a time (the leader)
	 * commits every queued batch in one transaction and one fsync. */
	pthread_mutex_t queue_lock;
	pthread_cond_t queue_done;
	pending_batch *queue;
	int leader;
	int bulk;   /* no fsync at all (bulk loads) */
	int wrote;  /* a batch was committed: checkpoint at close */
	int wal_fd; /* the -wal file, fsync'd outside the statement lock */
	char *path;
} sqlite_store;

/* Maps an SQLite result to a custos code with a one-line message. */
static int fail_sqlite(sqlite_store *s, int src, const char *what)
{
	const char *msg = s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(src);
	switch (src & 0xff) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return cst_fail(CST_EINTEGRITY, "vault file is damaged or not a vault (%s: %s)", what,
		                msg);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return cst_fail(CST_ESEALED, "vault is locked by another process (%s)", what);
	case SQLITE_READONLY:
		return cst_fail(CST_EPERM, "vault file is read-only (%s)", what);
	case SQLITE_CANTOPEN:
		return cst_fail(CST_ENOTFOUND, "cannot open vault file (%s: %s)", what, msg);
	case SQLITE_FULL:
	case SQLITE_IOERR:
	default:
		return cst_fail(CST_EIO, "storage %s failed: %s", what, msg);
	}
}

static int exec(sqlite_store *s, const char *sql)
{
	int src = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	return src == SQLITE_OK ? CST_OK : fail_sqlite(s, src, "setup");
}

static void sq_close(cst_storage *st)
{
	sqlite_store *s = (sqlite_store *)st;
	if (s == NULL)
		return;
	for (int i = 0; i < ST_MAX; i++)
		sqlite3_finalize(s->stmt[i]);
	if (s->wrote)
		sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, (int *)NULL);
	sqlite3_close_v2(s->db);
	if (s->wal_fd >= 0)
		close(s->wal_fd);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->queue_lock);
	pthread_cond_destroy(&s->queue_done);
	free(s->path);
	free(s);
}

/* Creates the file ourselves so it is 0600 and new (O_EXCL); SQLite gives
 * the -wal and -shm files the same mode. */
static int create_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return cst_fail(errno == EEXIST ? CST_ECONFLICT : CST_EIO, "cannot create %s: %s", path,
		                strerror(errno));
	close(fd);
	return CST_OK;
}

static int sq_open(cst_storage **out, const char *path, unsigned flags)
{
	int rc, src;
	if (flags & CST_STORAGE_CREATE) {
		if ((rc = create_file(path)) < 0)
			return rc;
	} else if (access(path, F_OK) != 0) {
		return cst_fail(CST_ENOTFOUND, "no vault at %s (run 'custos init')", path);
	}
	sqlite_store *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	s->base.backend = &cst_storage_sqlite;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->queue_lock, NULL);
	pthread_cond_init(&s->queue_done, NULL);
	s->wal_fd = -1;
	s->bulk = (flags & CST_STORAGE_BULK) != 0;
	s->path = strdup(path);
	int oflags = (flags & CST_STORAGE_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	src = sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
	if (src != SQLITE_OK) {
		rc = fail_sqlite(s, src, "open");
		goto done;
	}
	sqlite3_busy_timeout(s->db, 10000);
	/* A process that only read (`custos get`) does not checkpoint and
	 * delete the WAL at close: that was an fsync and two file re-creations
	 * per read. One that wrote does (sq_close), so a copy of the vault
	 * file alone taken after a write holds that write. */
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	if (flags & CST_STORAGE_CREATE) {
		if ((rc = exec(s, "PRAGMA journal_mode=WAL")) < 0 ||
		    (rc = exec(s, "CREATE TABLE seq(n INTEGER NOT NULL); INSERT INTO seq VALUES(0); "
		                  "CREATE TABLE kv(key TEXT PRIMARY KEY, value BLOB NOT NULL, "
		                  "rev INTEGER NOT NULL) WITHOUT ROWID")) < 0)
			goto done;
	}
	/* NORMAL: SQLite does not fsync at commit; sq_batch fsyncs the WAL
	 * itself, after the commit and outside the statement lock, so readers
	 * are not held up by the disk and one fsync covers a whole group of
	 * batches. A batch is acknowledged only after that fsync. */
	rc = exec(s, (flags & CST_STORAGE_BULK) ? "PRAGMA synchronous=OFF"
	                                        : "PRAGMA synchronous=NORMAL");
	/* A server owns its file: one lock for the session instead of an
	 * fcntl pair per statement (and a second server is refused). */
	if (rc == CST_OK && (flags & CST_STORAGE_EXCLUSIVE))
		rc = exec(s, "PRAGMA locking_mode=EXCLUSIVE");
	/* Deleted rows (destroyed versions, old seals) are zeroed in the file,
	 * not left in free pages. */
	if (rc == CST_OK)
		rc = exec(s, "PRAGMA secure_delete=ON");
	if (rc < 0)
		goto done;
	for (int i = 0; i < ST_MAX; i++) {
		src = sqlite3_prepare_v3(s->db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT,
		                         &s->stmt[i], NULL);
		if (src != SQLITE_OK) {
			/* A file without our table is not a vault (or was truncated). */
			rc = (src == SQLITE_ERROR)
			             ? cst_fail(CST_EINTEGRITY, "%s is damaged or not a custos vault", path)
			             : fail_sqlite(s, src, "prepare");
			goto done;
		}
	}
	rc = CST_OK;
done:
	if (rc < 0) {
		sq_close(&s->base);
		if (flags & CST_STORAGE_CREATE)
			unlink(path);
	} else {
		*out = &s->base;
	}
	return rc;
}

static int sq_get(cst_storage *st, const char *key, unsigned char **out_value, size_t *out_len,
                  uint64_t *out_rev)
{
	sqlite_store *s = (sqlite_store *)st;
	int rc;
	pthread_mutex_lock(&s->lock);
	sqlite3_stmt *q = s->stmt[ST_GET];
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	int src = sqlite3_step(q);
	if (src == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(q, 0);
		const void *v = sqlite3_column_blob(q, 0);
		*out_value = malloc(n ? n : 1);
		if (*out_value == NULL) {
			rc = cst_fail(CST_ENOMEM, "out of memory");
		} else {
			if (n)
				memcpy(*out_value, v, n);
			*out_len = n;
			*out_rev = (uint64_t)sqlite3_column_int64(q, 1);
			rc = CST_OK;
		}
	} else if (src == SQLITE_DONE) {
		rc = cst_fail(CST_ENOTFOUND, "no entry");
	} else {
		rc = fail_sqlite(s, src, "read");
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int sq_list(cst_storage *st, const char *prefix, const char *after, size_t limit,
                   cst_storage_keys *out)
{
	sqlite_store *s = (sqlite_store *)st;
	size_t plen = strlen(prefix);
	int use_after = after != NULL && strcmp(after, prefix) >= 0;
	int rc = CST_OK;
	pthread_mutex_lock(&s->lock);
	sqlite3_stmt *q = s->stmt[use_after ? ST_LIST_AFTER : ST_LIST];
	sqlite3_bind_text(q, 1, use_after ? after : prefix, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
	int src;
	while (rc == CST_OK && (src = sqlite3_step(q)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(q, 0);
		size_t klen = (size_t)sqlite3_column_bytes(q, 0);
		if (klen < plen || memcmp(k, prefix, plen) != 0)
			break;
		rc = cst_storage_keys_add(out, k, klen);
	}
	if (rc == CST_OK && src != SQLITE_ROW && src != SQLITE_DONE)
		rc = fail_sqlite(s, src, "list");
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int step_done(sqlite_store *s, sqlite3_stmt *q, const char *what)
{
	int src = sqlite3_step(q);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return src == SQLITE_DONE ? CST_OK : fail_sqlite(s, src, what);
}

static int check_rev(sqlite_store *s, const cst_storage_op *op)
{
	sqlite3_stmt *q = s->stmt[ST_REV];
	sqlite3_bind_text(q, 1, op->key, -1, SQLITE_STATIC);
	int src = sqlite3_step(q);
	int64_t rev = src == SQLITE_ROW ? sqlite3_column_int64(q, 0) : CST_REV_ABSENT;
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return fail_sqlite(s, src, "read");
	return rev == op->expect_rev ? CST_OK
	                             : cst_fail(CST_ECONFLICT, "entry changed concurrently");
}

static int apply(sqlite_store *s, const cst_storage_op *op, int64_t rev)
{
	int rc;
	if (op->expect_rev != CST_REV_ANY && (rc = check_rev(s, op)) < 0)
		return rc;
	sqlite3_stmt *q;
	switch (op->kind) {
	case CST_STORAGE_PUT:
		q = s->stmt[ST_PUT];
		sqlite3_bind_text(q, 1, op->key, -1, SQLITE_STATIC);
		sqlite3_bind_blob(q, 2, op->len ? (const void *)op->value : "", (int)op->len,
		                  SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, rev);
		return step_done(s, q, "write");
	case CST_STORAGE_DELETE:
		q = s->stmt[ST_DELETE];
		sqlite3_bind_text(q, 1, op->key, -1, SQLITE_STATIC);
		return step_done(s, q, "delete");
	case CST_STORAGE_CHECK:
		return CST_OK;
	}
	return cst_fail(CST_EINVAL, "unknown storage op");
}

/* The revision every put of this batch gets. */
static int next_rev(sqlite_store *s, int64_t *out)
{
	sqlite3_stmt *q = s->stmt[ST_NEXT_REV];
	int src = sqlite3_step(q);
	if (src == SQLITE_ROW)
		*out = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return src == SQLITE_ROW ? CST_OK : fail_sqlite(s, src, "revision counter");
}

/* Applies one queued batch inside the group's transaction, under a
 * savepoint so a failed revision check undoes that batch alone. */
static void apply_one(sqlite_store *s, pending_batch *b, int64_t rev)
{
	int rc = step_done(s, s->stmt[ST_SAVEPOINT], "savepoint");
	for (size_t i = 0; i < b->n && rc == CST_OK; i++)
		rc = apply(s, &b->ops[i], rev);
	if (rc == CST_OK) {
		rc = step_done(s, s->stmt[ST_RELEASE], "release");
	} else {
		snprintf(b->msg, sizeof(b->msg), "%s", cst_errmsg());
		(void)step_done(s, s->stmt[ST_ROLLBACK_TO], "rollback");
		(void)step_done(s, s->stmt[ST_RELEASE], "release");
	}
	b->rc = rc;
}

static int sync_wal(sqlite_store *s)
{
	if (s->bulk)
		return CST_OK;
	if (s->wal_fd < 0) {
		char wal[4200];
		snprintf(wal, sizeof(wal), "%s-wal", s->path);
		s->wal_fd = open(wal, O_RDONLY | O_CLOEXEC);
		if (s->wal_fd < 0)
			return cst_fail(CST_EIO, "cannot open the write-ahead log: %s", strerror(errno));
	}
	return fdatasync(s->wal_fd) == 0 ? CST_OK
	                                 : cst_fail(CST_EIO, "cannot sync the write-ahead log: %s",
	                                            strerror(errno));
}

/* Commits every batch in the list in one transaction; sets each rc. */
static void commit_group(sqlite_store *s, pending_batch *group)
{
	char msg[256] = "";
	pthread_mutex_lock(&s->lock);
	s->wrote = 1;
	int rc = step_done(s, s->stmt[ST_BEGIN], "begin");
	int64_t rev = 0;
	if (rc == CST_OK)
		rc = next_rev(s, &rev);
	for (pending_batch *b = group; b && rc == CST_OK; b = b->next)
		apply_one(s, b, rev);
	if (rc == CST_OK)
		rc = step_done(s, s->stmt[ST_COMMIT], "commit");
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "%s", cst_errmsg());
		(void)step_done(s, s->stmt[ST_ROLLBACK], "rollback");
	}
	pthread_mutex_unlock(&s->lock);
	if (rc == CST_OK && (rc = sync_wal(s)) < 0)
		snprintf(msg, sizeof(msg), "%s", cst_errmsg());
	/* A failed commit or sync fails every batch of the group, even those
	 * whose own ops were fine: none of them is known to be durable. */
	for (pending_batch *b = group; b; b = b->next)
		if (rc < 0 && b->rc == CST_OK) {
			b->rc = rc;
			snprintf(b->msg, sizeof(b->msg), "%s", msg);
		}
}

static int sq_batch(cst_storage *st, const cst_storage_op *ops, size_t n)
{
	sqlite_store *s = (sqlite_store *)st;
	pending_batch me = {ops, n, CST_OK, 0, "", NULL};
	pthread_mutex_lock(&s->queue_lock);
	me.next = s->queue;
	s->queue = &me;
	while (!me.done) {
		if (s->leader) {
			pthread_cond_wait(&s->queue_done, &s->queue_lock);
			continue;
		}
		/* Lead: take everything queued so far (ours included). */
		s->leader = 1;
		pending_batch *group = s->queue;
		s->queue = NULL;
		pthread_mutex_unlock(&s->queue_lock);
		commit_group(s, group);
		pthread_mutex_lock(&s->queue_lock);
		for (pending_batch *b = group; b; b = b->next)
			b->done = 1;
		s->leader = 0;
		pthread_cond_broadcast(&s->queue_done);
	}
	pthread_mutex_unlock(&s->queue_lock);
	if (me.rc < 0)
		cst_fail(me.rc, "%s", me.msg);
	return me.rc;
}

static int sq_count(cst_storage *st, const char *prefix, uint64_t *out)
{
	sqlite_store *s = (sqlite_store *)st;
	/* Upper bound of the prefix range: the prefix without its trailing 0xff
	 * bytes, with its last byte + 1. An empty or all-0xff prefix has no
	 * upper bound: every key from the prefix on matches. */
	size_t plen = strlen(prefix);
	char *hi = malloc(plen + 1);
	if (hi == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	memcpy(hi, prefix, plen + 1);
	while (plen > 0 && (unsigned char)hi[plen - 1] == 0xff)
		hi[--plen] = '\0';
	if (plen > 0)
		hi[plen - 1] = (char)((unsigned char)hi[plen - 1] + 1);
	int rc = CST_OK;
	pthread_mutex_lock(&s->lock);
	sqlite3_stmt *q = s->stmt[plen > 0 ? ST_COUNT : ST_COUNT_FROM];
	sqlite3_bind_text(q, 1, prefix, -1, SQLITE_STATIC);
	if (plen > 0)
		sqlite3_bind_text(q, 2, hi, -1, SQLITE_STATIC);
	int src = sqlite3_step(q);
	if (src == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(q, 0);
	else
		rc = fail_sqlite(s, src, "count");
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	pthread_mutex_unlock(&s->lock);
	free(hi);
	return rc;
}

const cst_storage_backend cst_storage_sqlite = {
	CST_STORAGE_ABI, "sqlite", sq_open, sq_close, sq_get, sq_list, sq_batch, sq_count,
};
