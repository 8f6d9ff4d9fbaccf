/* audit_device.h - one audit device: where its lines go (a file, syslog,
 * standard output) and the position of its chain. Shared by audit.c (the
 * device table) and audit_device.c (the I/O). */
#ifndef CST_AUDIT_DEVICE_H
#define CST_AUDIT_DEVICE_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/audit.h"

enum { CST_SINK_FILE, CST_SINK_SYSLOG, CST_SINK_STDOUT, CST_SINK_DISCARD };

struct cst_audit_device {
	atomic_int refs;
	char path[256];        /* "file/" */
	char uuid[40];
	json_t *record;        /* owned: the stored record, salt included */
	cst_mac_key *salt;     /* owned: HMAC key of entry values */
	cst_mac_key *chain_key; /* owned: the vault's audit key */
	cst_audit_filter *filter; /* owned, or NULL: everything */
	cst_audit_format format;
	int sink;
	char *file_path;       /* owned (file sink) */
	int facility;          /* syslog */
	int owner;             /* this process alone appends (a server) */
	/* Guarded by lock: the open file, the chain and what is not yet in the
	 * file. A line is sealed (its seq and MAC) under the lock, in seq
	 * order, and appended to `pending`. A writer takes all of pending with
	 * the file range after the last one taken (file_end), and writes it
	 * with pwrite(2) outside the lock: writers never wait for each other,
	 * ranges are disjoint and in seq order. Response entries stay pending
	 * for the next writer (one write per request); the last writer out
	 * writes what is left. */
	pthread_mutex_t lock;
	pthread_cond_t idle_cv; /* signalled when inflight drops to 0 */
	int fd;                /* -1: not open (never opened, or the reopen failed) */
	off_t file_end;        /* where the next range starts (file sink) */
	cst_audit_chain chain; /* after the last sealed line */
	int chain_known;       /* owner: chain holds the position */
	int dirty;             /* owner: moved since the last flush */
	char *pending;         /* owned: sealed lines not yet taken */
	atomic_size_t pending_len; /* read without the lock by a writer coming back */
	size_t pending_cap;
	atomic_int inflight;   /* writers outside the lock (changed under it, read without) */
	struct cst_audit_hole *holes; /* ranges whose write failed, kept to retry */
	char last_error[200];
	atomic_uint_fast64_t entries, failures;
};

/* A device from its stored record; nothing is opened yet. */
int cst_audit_device_new(cst_audit_device **out, const char *path, const json_t *record,
                         const unsigned char chain_key[32], int owner, const char *local_user)
	__attribute__((warn_unused_result));
void cst_audit_device_ref(cst_audit_device *d);
void cst_audit_device_unref(cst_audit_device *d);

/* Owner: opens the sink and writes a chain line continuing from the
 * furthest of *stored (may be NULL) and the file's own end. */
int cst_audit_device_start(cst_audit_device *d, const cst_audit_chain *stored, const char *reason)
	__attribute__((warn_unused_result));
/* Closes and reopens a file sink (SIGHUP), with a chain line. */
int cst_audit_device_reopen(cst_audit_device *d) __attribute__((warn_unused_result));
/* Waits for the writers out and writes what is pending (d->lock held):
 * then the file holds every sealed line, up to d->chain. CST_OK, or the
 * write failure (a range could not be written). */
int cst_audit_device_quiesce(cst_audit_device *d);
/* Seals body (an entry without its seq) and writes it as one line. In a
 * server (owner) a response entry (wait = 0) may be written behind, with
 * the next request entry; its failure is then counted only. */
int cst_audit_device_write(cst_audit_device *d, cst_abuf *body, int wait)
	__attribute__((warn_unused_result));
/* Whether the device records this event (its filter; stdout only in a server). */
int cst_audit_device_wants(const cst_audit_device *d, const cst_audit_event *ev);

#endif
