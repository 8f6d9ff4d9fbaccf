/* barrier.h - the encryption barrier between the engines and storage. Every
 * value passing down is sealed under the active data-key term and every
 * value passing up is authenticated before use. The keyring and a canary
 * are sealed under the master key at fixed paths. */
#ifndef CST_BARRIER_H
#define CST_BARRIER_H

#include <pthread.h>
#include <stdint.h>

#include <jansson.h>

#include "core/record_cache.h"
#include "crypto/keyring.h"
#include "custos/storage.h"
#include "util/buf.h"

#define CST_PATH_SEAL "core/seal"       /* plain JSON: key source and KDF parameters */
#define CST_PATH_CANARY "core/canary"   /* proves the master key */
#define CST_PATH_KEYRING "core/keyring" /* data-key terms, sealed under the master key */

typedef struct cst_barrier {
	cst_storage *st;                     /* borrowed */
	unsigned char master[CST_KEY_LEN];   /* wiped on release */
	cst_keyring *kr;                     /* owned */
	uint64_t budget;                     /* seals left in this process's reservation */
	uint32_t budget_term;                /* the term that reservation is under */
	uint64_t reserve;                    /* size of the next reservation */
	cst_record_cache *records;           /* owned; may be NULL */
	pthread_mutex_t lock;
} cst_barrier;

/* A write for cst_barrier_batch: plaintext in, sealed on the way down. */
typedef struct cst_barrier_op {
	cst_storage_op_kind kind;
	const char *key;
	const void *plain; /* PUT only; borrowed */
	size_t len;
	int64_t expect_rev;
} cst_barrier_op;

/* Writes a canary and a new keyring for a new vault, along with `extra`
 * plain storage ops (the seal record) and `sealed` values sealed under the
 * new data key (the mount table), all in one batch. */
int cst_barrier_create(cst_barrier *b, cst_storage *st, const unsigned char *master,
                       const cst_storage_op *extra, size_t n_extra,
                       const cst_barrier_op *sealed, size_t n_sealed)
	__attribute__((warn_unused_result));

/* Proves the master key with the canary and loads the keyring. Returns
 * CST_EINTEGRITY with a clear message for a wrong key or damaged vault. */
int cst_barrier_unseal(cst_barrier *b, cst_storage *st, const unsigned char *master)
	__attribute__((warn_unused_result));

void cst_barrier_release(cst_barrier *b);

/* Reads and opens one value into out. CST_ENOTFOUND, CST_EINTEGRITY. */
int cst_barrier_get(cst_barrier *b, const char *key, cst_buf *out, uint64_t *out_rev)
	__attribute__((warn_unused_result));

/* Reads and opens a value holding a JSON object. CST_ENOTFOUND,
 * CST_EINTEGRITY (also for a value that is not a JSON object). */
int cst_barrier_get_json(cst_barrier *b, const char *key, json_t **out, uint64_t *out_rev)
	__attribute__((warn_unused_result));

/* As cst_barrier_get_json, but the object may be shared with other
 * callers: never change it (json_deep_copy it to). It comes from the
 * record cache when the stored revision is the one cached, saving the
 * decryption and the parse. Only for records that are not secrets. */
int cst_barrier_get_json_shared(cst_barrier *b, const char *key, json_t **out, uint64_t *out_rev)
	__attribute__((warn_unused_result));

/* Calls fn(key, object, payload) for every JSON object stored under
 * prefix, in key order, a page of keys at a time (opened one by one, past
 * the record cache: a walk must not push out what requests use); keys
 * deleted during the walk are skipped. A negative return of fn stops the
 * walk with that code. For whole-store summaries (reports, revocations). */
int cst_barrier_each_json(cst_barrier *b, const char *prefix,
                          int (*fn)(const char *key, const json_t *obj, void *payload), void *payload)
	__attribute__((warn_unused_result));

/* Seals and applies the ops atomically. CST_ECONFLICT on a revision race. */
int cst_barrier_batch(cst_barrier *b, const cst_barrier_op *ops, size_t n)
	__attribute__((warn_unused_result));

/* The same, telling the revision the batch's puts got (for
 * cst_barrier_remember_json). */
int cst_barrier_batch_rev(cst_barrier *b, const cst_barrier_op *ops, size_t n, uint64_t *out_rev)
	__attribute__((warn_unused_result));

/* Turns the record cache on (off by default: a short-lived CLI process
 * would only pay for it). Out of memory leaves it off. */
void cst_barrier_cache_records(cst_barrier *b);

/* Tells the record cache that record is what a batch just stored at key
 * under rev, so the next shared read skips decrypting and parsing it. The
 * cache keeps a reference: never change record afterwards. */
void cst_barrier_remember_json(cst_barrier *b, const char *key, uint64_t rev, json_t *record,
                               size_t stored_len);

/* Adds a data-key term and makes it active. */
int cst_barrier_rotate(cst_barrier *b) __attribute__((warn_unused_result));

/* Re-seals every value not under the active term. progress (may be NULL)
 * is called with (done, total, payload) as keys are visited. */
typedef void (*cst_progress_fn)(uint64_t done, uint64_t total, void *payload);
int cst_barrier_rewrap(cst_barrier *b, uint64_t *out_rewrapped, cst_progress_fn progress,
                       void *payload) __attribute__((warn_unused_result));

/* Counts stored values per term into counts[i] for b->kr->terms[i]. */
int cst_barrier_term_usage(cst_barrier *b, uint64_t *counts) __attribute__((warn_unused_result));

#endif
