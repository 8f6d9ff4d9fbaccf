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
	/* Guarded by lock: the open file and the chain position. Held while
	 * one line is sealed and written, so lines go out in seq order. */
	pthread_mutex_t lock;
	int fd;                /* -1: not open (never opened, or the reopen failed) */
	cst_audit_chain chain;
	int chain_known;       /* owner: chain holds the position */
	int dirty;             /* owner: moved since the last flush */
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
/* Seals body (an entry without its seq) and writes it as one line. */
int cst_audit_device_write(cst_audit_device *d, cst_abuf *body) __attribute__((warn_unused_result));
/* Whether the device records this event (its filter; stdout only in a server). */
int cst_audit_device_wants(const cst_audit_device *d, const cst_audit_event *ev);

#endif
