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
	/* Guarded by lock: the open file, the chain, the queue. A line is
	 * sealed (its seq and MAC) under the lock, in order, and queued; one
	 * writer at a time takes the whole queue and writes it with one
	 * writev(2) outside the lock while the others wait (group commit). */
	pthread_mutex_t lock;
	pthread_cond_t written_cv;
	int fd;                /* -1: not open (never opened, or the reopen failed) */
	cst_audit_chain chain; /* after the last sealed line */
	cst_audit_chain written; /* after the last line in the file */
	int chain_known;       /* owner: chain holds the position */
	int dirty;             /* owner: moved since the last flush */
	int writing;           /* a writer is outside the lock with a batch */
	struct cst_audit_waiter *queue, **queue_tail;
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
/* Waits until no writer is out with a batch (d->lock held): then the
 * file holds exactly the lines up to d->written. */
void cst_audit_device_quiesce(cst_audit_device *d);
/* Seals body (an entry without its seq) and writes it as one line. A
 * server (owner) may write a response entry (wait = 0) behind: queued in
 * order and written with the next batch; its failure is counted only. */
int cst_audit_device_write(cst_audit_device *d, cst_abuf *body, int wait)
	__attribute__((warn_unused_result));
/* Whether the device records this event (its filter; stdout only in a server). */
int cst_audit_device_wants(const cst_audit_device *d, const cst_audit_event *ev);

#endif
