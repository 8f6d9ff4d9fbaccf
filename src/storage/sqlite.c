/* sqlite.c - the default storage backend: one SQLite file in WAL mode; a
 * batch returns only once it is durable (sqlite_write.c). One table,
 * kv(key, value, rev), WITHOUT ROWID so lookups and prefix scans walk one
 * b-tree. Statements are prepared once per connection.
 *
 * Who may use the file at once: any number of CLI processes (each holds
 * <path>-lock shared), or one server alone (it holds it exclusively), so
 * the server may cache what it reads. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/error.h"
#include "storage/sqlite_store.h"

static const char *const sql_text[ST_MAX] = {
	[ST_GET] = "SELECT value, rev FROM kv WHERE key = ?1",
	[ST_LIST] = "SELECT key FROM kv WHERE key >= ?1 ORDER BY key LIMIT ?2",
	[ST_LIST_AFTER] = "SELECT key FROM kv WHERE key > ?1 ORDER BY key LIMIT ?2",
	[ST_COUNT] = "SELECT count(*) FROM kv WHERE key >= ?1 AND key < ?2",
	[ST_COUNT_FROM] = "SELECT count(*) FROM kv WHERE key >= ?1",
	/* Parenthesised: clang's -Wstring-concatenation takes a split literal in
	 * an array initialiser for a missing comma. */
	[ST_PUT] = ("INSERT INTO kv(key, value, rev) VALUES(?1, ?2, ?3) ON CONFLICT(key) DO UPDATE "
	            "SET value = excluded.value, rev = excluded.rev"),
	[ST_DELETE] = "DELETE FROM kv WHERE key = ?1",
	[ST_REV] = "SELECT rev FROM kv WHERE key = ?1",
	/* One store-wide counter: a key deleted and created again never gets a
	 * revision it had before, so a stale compare-on-revision cannot pass. */
	[ST_SEQ_GET] = "SELECT n FROM seq",
	/* Not "UPDATE ... RETURNING": SQLite answers RETURNING through an
	 * ephemeral table, a pager and 150 KiB of allocations per commit. */
	[ST_SEQ_SET] = "UPDATE seq SET n = ?1",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
};

/* Read connections a server opens at most; more readers wait for one. */
#define POOL_MAX 8
/* The read cache of a server: entries and bytes (ciphertext). */
#define CACHE_ENTRIES 16384
#define CACHE_BYTES (16u << 20)

int sq_fail(sqlite3 *db, int src, const char *what)
{
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(src);
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

static int exec(sqlite3 *db, const char *sql)
{
	int src = sqlite3_exec(db, sql, NULL, NULL, NULL);
	return src == SQLITE_OK ? CST_OK : sq_fail(db, src, "setup");
}

static void conn_close(sq_conn *c)
{
	for (int i = 0; i < ST_MAX; i++)
		sqlite3_finalize(c->stmt[i]);
	sqlite3_close_v2(c->db);
	c->db = NULL;
}

/* Prepares the first n statements on c. */
static int conn_prepare(sqlite_store *s, sq_conn *c, int n)
{
	for (int i = 0; i < n; i++) {
		int src = sqlite3_prepare_v3(c->db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT,
		                             &c->stmt[i], NULL);
		if (src != SQLITE_OK)
			/* A file without our table is not a vault (or was truncated). */
			return src == SQLITE_ERROR
			               ? cst_fail(CST_EINTEGRITY, "%s is damaged or not a custos vault",
			                          s->path)
			               : sq_fail(c->db, src, "prepare");
	}
	return CST_OK;
}

static void sq_close(cst_storage *st)
{
	sqlite_store *s = (sqlite_store *)st;
	if (s == NULL)
		return;
	sq_checkpointer_stop(s);
	while (s->pool_free) {
		sq_conn *c = s->pool_free;
		s->pool_free = c->next_free;
		conn_close(c);
		free(c);
	}
	/* A process that wrote checkpoints and removes the WAL at close, so a
	 * copy of the vault file alone taken afterwards holds every write. */
	if (s->wrote && s->main.db)
		sqlite3_db_config(s->main.db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, (int *)NULL);
	conn_close(&s->main);
	cst_readcache_free(s->cache);
	if (s->wal_fd >= 0)
		close(s->wal_fd);
	/* Only now: closing any descriptor of a file drops the process's
	 * fcntl locks on it, and SQLite's connections are gone. The lock file
	 * is another file, but keep the order obvious. */
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->queue_lock);
	pthread_mutex_destroy(&s->pool_lock);
	pthread_cond_destroy(&s->pool_cond);
	pthread_mutex_destroy(&s->ckpt_lock);
	pthread_cond_destroy(&s->ckpt_cond);
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

/* Takes <path>-lock: exclusively for a server, shared otherwise. A
 * read-only open of a vault whose lock file cannot be made goes without. */
static int take_file_lock(sqlite_store *s, unsigned flags)
{
	char lock[4200];
	snprintf(lock, sizeof(lock), "%s-lock", s->path);
	int readonly = (flags & CST_STORAGE_READONLY) != 0;
	s->lock_fd = open(lock, (readonly ? O_RDONLY : O_RDWR | O_CREAT) | O_CLOEXEC | O_NOFOLLOW,
	                  0600);
	if (s->lock_fd < 0)
		return readonly ? CST_OK
		                : cst_fail(CST_EIO, "cannot open the lock file %s: %s", lock,
		                           strerror(errno));
	int exclusive = (flags & CST_STORAGE_EXCLUSIVE) != 0;
	while (flock(s->lock_fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		return errno == EWOULDBLOCK
		               ? cst_fail(CST_ESEALED, "vault is locked by another process (%s)",
		                          exclusive ? "in use" : "a server holds it")
		               : cst_fail(CST_EIO, "cannot lock %s: %s", lock, strerror(errno));
	}
	return CST_OK;
}

static int open_conn(sqlite_store *s, sq_conn *c, int readonly)
{
	int oflags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	int src = sqlite3_open_v2(s->path, &c->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
	if (src != SQLITE_OK)
		return sq_fail(c->db, src, "open");
	sqlite3_busy_timeout(c->db, 10000);
	/* A process that only read (`custos get`) does not checkpoint and
	 * delete the WAL at close: that was an fsync and two file re-creations
	 * per read. One that wrote does (sq_close). */
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	return CST_OK;
}

static int sq_open(cst_storage **out, const char *path, unsigned flags)
{
	int rc;
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
	pthread_mutex_init(&s->pool_lock, NULL);
	pthread_cond_init(&s->pool_cond, NULL);
	pthread_mutex_init(&s->ckpt_lock, NULL);
	pthread_cond_init(&s->ckpt_cond, NULL);
	s->wal_fd = s->lock_fd = -1;
	s->bulk = (flags & CST_STORAGE_BULK) != 0;
	s->readonly = (flags & CST_STORAGE_READONLY) != 0;
	s->pooled = (flags & CST_STORAGE_EXCLUSIVE) && !s->readonly;
	/* The file's real name: SQLite follows symlinks, so the lock file
	 * and the WAL must be named after where the vault really is, or a CLI
	 * going through a link would lock another file than the server. */
	s->path = realpath(path, NULL);
	if (s->path == NULL) {
		rc = errno == ENOMEM ? cst_fail(CST_ENOMEM, "out of memory")
		                     : cst_fail(CST_ENOTFOUND, "cannot resolve the vault path %s: %s",
		                                path, strerror(errno));
		goto done;
	}
	if ((rc = take_file_lock(s, flags)) < 0 ||
	    (rc = open_conn(s, &s->main, s->readonly)) < 0)
		goto done;
	sqlite3 *db = s->main.db;
	if (flags & CST_STORAGE_CREATE) {
		if ((rc = exec(db, "PRAGMA journal_mode=WAL")) < 0 ||
		    (rc = exec(db, "CREATE TABLE seq(n INTEGER NOT NULL); INSERT INTO seq VALUES(0); "
		                      "CREATE TABLE kv(key TEXT PRIMARY KEY, value BLOB NOT NULL, "
		                      "rev INTEGER NOT NULL) WITHOUT ROWID")) < 0)
			goto done;
	}
	/* NORMAL: SQLite does not fsync at commit; sq_batch fsyncs the WAL
	 * itself, after the commit and outside the statement lock, so readers
	 * are not held up by the disk and one fsync covers a whole group of
	 * batches. A batch is acknowledged only after that fsync. */
	rc = exec(db, s->bulk ? "PRAGMA synchronous=OFF" : "PRAGMA synchronous=NORMAL");
	/* Deleted rows (destroyed versions, old seals) are zeroed in the file,
	 * not left in free pages. */
	if (rc == CST_OK)
		rc = exec(db, "PRAGMA secure_delete=ON");
	if (rc == CST_OK)
		rc = conn_prepare(s, &s->main, s->readonly ? ST_READS : ST_MAX);
	if (rc == CST_OK && s->pooled) {
		s->cache = cst_readcache_new(CACHE_ENTRIES, CACHE_BYTES);
		rc = sq_checkpointer_start(s);
	}
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

/* A connection for one read: main (under its lock) unless the store is
 * pooled; give it back with put_reader. */
static int get_reader(sqlite_store *s, sq_conn **out)
{
	if (!s->pooled) {
		pthread_mutex_lock(&s->lock);
		*out = &s->main;
		return CST_OK;
	}
	pthread_mutex_lock(&s->pool_lock);
	while (s->pool_free == NULL && s->pool_open >= POOL_MAX)
		pthread_cond_wait(&s->pool_cond, &s->pool_lock);
	sq_conn *c = s->pool_free;
	if (c != NULL) {
		s->pool_free = c->next_free;
		pthread_mutex_unlock(&s->pool_lock);
		*out = c;
		return CST_OK;
	}
	s->pool_open++;
	pthread_mutex_unlock(&s->pool_lock);
	c = calloc(1, sizeof(*c));
	int rc = c ? open_conn(s, c, 1) : cst_fail(CST_ENOMEM, "out of memory");
	if (rc == CST_OK)
		rc = conn_prepare(s, c, ST_READS);
	if (rc < 0) {
		if (c)
			conn_close(c);
		free(c);
		pthread_mutex_lock(&s->pool_lock);
		s->pool_open--;
		pthread_cond_signal(&s->pool_cond);
		pthread_mutex_unlock(&s->pool_lock);
		return rc;
	}
	*out = c;
	return CST_OK;
}

static void put_reader(sqlite_store *s, sq_conn *c)
{
	if (!s->pooled) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	pthread_mutex_lock(&s->pool_lock);
	c->next_free = s->pool_free;
	s->pool_free = c;
	pthread_cond_signal(&s->pool_cond);
	pthread_mutex_unlock(&s->pool_lock);
}

static void done_with(sqlite3_stmt *q)
{
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
}

static int read_entry(sqlite_store *s, const char *key, unsigned char **out_value,
                      size_t *out_len, uint64_t *out_rev)
{
	sq_conn *c;
	int rc = get_reader(s, &c);
	if (rc < 0)
		return rc;
	sqlite3_stmt *q = c->stmt[ST_GET];
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
		}
	} else if (src == SQLITE_DONE) {
		rc = cst_fail(CST_ENOTFOUND, "no entry");
	} else {
		rc = sq_fail(c->db, src, "read");
	}
	done_with(q);
	put_reader(s, c);
	return rc;
}

static int sq_get(cst_storage *st, const char *key, unsigned char **out_value, size_t *out_len,
                  uint64_t *out_rev)
{
	sqlite_store *s = (sqlite_store *)st;
	if (s->cache == NULL)
		return read_entry(s, key, out_value, out_len, out_rev);
	int absent = 0;
	uint64_t ticket = 0;
	if (cst_readcache_get(s->cache, key, out_value, out_len, out_rev, &absent, &ticket))
		return absent ? cst_fail(CST_ENOTFOUND, "no entry") : CST_OK;
	int rc = read_entry(s, key, out_value, out_len, out_rev);
	if (rc == CST_OK || rc == CST_ENOTFOUND)
		cst_readcache_fill(s->cache, key, *out_value, *out_len, *out_rev, rc == CST_ENOTFOUND,
		                   ticket);
	return rc;
}

static int sq_list(cst_storage *st, const char *prefix, const char *after, size_t limit,
                   cst_storage_keys *out)
{
	sqlite_store *s = (sqlite_store *)st;
	size_t plen = strlen(prefix);
	int use_after = after != NULL && strcmp(after, prefix) >= 0;
	sq_conn *c;
	int rc = get_reader(s, &c);
	if (rc < 0)
		return rc;
	sqlite3_stmt *q = c->stmt[use_after ? ST_LIST_AFTER : ST_LIST];
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
		rc = sq_fail(c->db, src, "list");
	done_with(q);
	put_reader(s, c);
	return rc;
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
	sq_conn *c;
	int rc = get_reader(s, &c);
	if (rc < 0) {
		free(hi);
		return rc;
	}
	sqlite3_stmt *q = c->stmt[plen > 0 ? ST_COUNT : ST_COUNT_FROM];
	sqlite3_bind_text(q, 1, prefix, -1, SQLITE_STATIC);
	if (plen > 0)
		sqlite3_bind_text(q, 2, hi, -1, SQLITE_STATIC);
	int src = sqlite3_step(q);
	if (src == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(q, 0);
	else
		rc = sq_fail(c->db, src, "count");
	done_with(q);
	put_reader(s, c);
	free(hi);
	return rc;
}

const cst_storage_backend cst_storage_sqlite = {
	CST_STORAGE_ABI, "sqlite", sq_open, sq_close, sq_get, sq_list, sq_batch, sq_count,
};
