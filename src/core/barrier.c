/* barrier.c - sealing on the way down, authenticating on the way up, and
 * the keyring's life: load, nonce-budget reservations, rotation, rewrap.
 *
 * Nonces are random, so a term must retire long before 2^32 seals. Each
 * process reserves a block of seals by bumping the active term's count in
 * the keyring, inside the same batch as the writes that use it; the count
 * is thus an upper bound that survives crashes, and the term rotates by
 * itself when it reaches CST_LIMIT_TERM_SEALS. */
#include "core/barrier.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "core/sealed.h"
#include "storage/storage.h"
#include "util/mem.h"

static const char canary_text[] = "custos canary v1";
#define MASTER_TERM 0u
#define FIRST_RESERVE 4096u
#define MAX_RESERVE (1u << 20)

static int open_blob(cst_buf *out, const unsigned char *key, const char *path,
                     const unsigned char *blob, size_t len, uint32_t want_term)
{
	cst_sealed_view v;
	int rc = cst_sealed_parse(&v, blob, len);
	if (rc < 0)
		return cst_fail_prefix(rc, "stored value at %.200s is damaged", path);
	if (v.term != want_term)
		return cst_fail(CST_EINTEGRITY, "stored value at %.200s has the wrong term", path);
	return cst_sealed_open(out, key, &v, path);
}

/* Replaces b->kr with the stored keyring; its revision goes to *out_rev
 * (may be NULL). Writers of the keyring must take the revision from here,
 * with the keyring they change: a revision read apart from the content
 * would let a stale keyring overwrite another process's reservation or
 * term. */
static int load_keyring(cst_barrier *b, int64_t *out_rev)
{
	unsigned char *blob = NULL;
	size_t len = 0;
	uint64_t rev = 0;
	cst_buf plain = CST_BUF_INIT;
	cst_keyring *kr = NULL;
	int rc = cst_storage_get(b->st, CST_PATH_KEYRING, &blob, &len, &rev);
	if (rc == CST_ENOTFOUND)
		rc = cst_fail(CST_EINTEGRITY, "vault is damaged: its keyring is missing");
	if (rc < 0)
		goto done;
	if ((rc = open_blob(&plain, b->master, CST_PATH_KEYRING, blob, len, MASTER_TERM)) < 0) {
		rc = cst_fail(CST_EINTEGRITY, "vault keyring failed authentication (tampered)");
		goto done;
	}
	if ((rc = cst_keyring_parse(&kr, (unsigned char *)plain.ptr, plain.len)) < 0)
		goto done;
	cst_keyring_free(b->kr);
	b->kr = kr;
	if (out_rev != NULL)
		*out_rev = (int64_t)rev;
done:
	cst_buf_release(&plain);
	free(blob);
	return rc;
}

static void init_fields(cst_barrier *b, cst_storage *st, const unsigned char *master)
{
	memset(b, 0, sizeof(*b));
	b->st = st;
	memcpy(b->master, master, CST_KEY_LEN);
	b->reserve = FIRST_RESERVE;
	pthread_mutex_init(&b->lock, NULL);
}

int cst_barrier_unseal(cst_barrier *b, cst_storage *st, const unsigned char *master)
{
	init_fields(b, st, master);
	unsigned char *blob = NULL;
	size_t len = 0;
	cst_buf plain = CST_BUF_INIT;
	int rc = cst_storage_get(st, CST_PATH_CANARY, &blob, &len, NULL);
	if (rc == CST_ENOTFOUND)
		rc = cst_fail(CST_EINTEGRITY, "vault is damaged or not initialised: no canary");
	if (rc == CST_OK && open_blob(&plain, master, CST_PATH_CANARY, blob, len, MASTER_TERM) < 0)
		rc = cst_fail(CST_EINTEGRITY, "wrong master key or passphrase for this vault");
	if (rc == CST_OK && (plain.len != sizeof(canary_text) - 1 ||
	                     memcmp(plain.ptr, canary_text, plain.len) != 0))
		rc = cst_fail(CST_EINTEGRITY, "vault canary holds unexpected content");
	if (rc == CST_OK)
		rc = load_keyring(b, NULL);
	cst_buf_release(&plain);
	free(blob);
	if (rc < 0)
		cst_barrier_release(b);
	return rc;
}

void cst_barrier_release(cst_barrier *b)
{
	cst_wipe(b->master, sizeof(b->master));
	cst_keyring_free(b->kr);
	b->kr = NULL;
	cst_record_cache_free(b->records);
	b->records = NULL;
	pthread_mutex_destroy(&b->lock);
}

/* Seals the keyring under the master key into out. */
static int seal_keyring(cst_barrier *b, cst_buf *out)
{
	cst_buf plain = CST_BUF_INIT;
	int rc = cst_keyring_serialize(&plain, b->kr);
	if (rc == CST_OK)
		rc = cst_sealed_seal(out, b->master, MASTER_TERM, CST_PATH_KEYRING, plain.ptr, plain.len);
	cst_buf_release(&plain);
	return rc;
}

int cst_barrier_create(cst_barrier *b, cst_storage *st, const unsigned char *master,
                       const cst_storage_op *extra, size_t n_extra,
                       const cst_barrier_op *sealed, size_t n_sealed)
{
	init_fields(b, st, master);
	cst_buf canary = CST_BUF_INIT, ring = CST_BUF_INIT;
	size_t n = 2 + n_extra + n_sealed;
	cst_storage_op *ops = calloc(n, sizeof(*ops));
	cst_buf *bufs = calloc(n_sealed + 1, sizeof(*bufs));
	int rc = ops && bufs ? cst_keyring_new(&b->kr) : cst_fail(CST_ENOMEM, "out of memory");
	if (rc == CST_OK)
		rc = cst_sealed_seal(&canary, master, MASTER_TERM, CST_PATH_CANARY, canary_text,
		                     sizeof(canary_text) - 1);
	/* The first values (the mount table) go in the same batch as the
	 * keyring, counted in its seals, so a crash cannot leave a vault with
	 * keys but no mounts. */
	cst_term *t = rc == CST_OK ? cst_keyring_active(b->kr) : NULL;
	if (t)
		t->seals += n_sealed;
	for (size_t i = 0; rc == CST_OK && i < n_sealed; i++) {
		rc = cst_sealed_seal(&bufs[i], t->key, t->term, sealed[i].key, sealed[i].plain,
		                     sealed[i].len);
		ops[2 + n_extra + i] = (cst_storage_op){CST_STORAGE_PUT, sealed[i].key,
		                                        (unsigned char *)bufs[i].ptr, bufs[i].len,
		                                        sealed[i].expect_rev};
	}
	if (rc == CST_OK)
		rc = seal_keyring(b, &ring);
	if (rc == CST_OK) {
		ops[0] = (cst_storage_op){CST_STORAGE_PUT, CST_PATH_CANARY,
		                          (unsigned char *)canary.ptr, canary.len, CST_REV_ABSENT};
		ops[1] = (cst_storage_op){CST_STORAGE_PUT, CST_PATH_KEYRING, (unsigned char *)ring.ptr,
		                          ring.len, CST_REV_ABSENT};
		if (n_extra)
			memcpy(ops + 2, extra, n_extra * sizeof(*ops));
		rc = cst_storage_batch(st, ops, n);
	}
	for (size_t i = 0; bufs && i < n_sealed; i++)
		cst_buf_release(&bufs[i]);
	free(bufs);
	free(ops);
	cst_buf_release(&canary);
	cst_buf_release(&ring);
	if (rc < 0)
		cst_barrier_release(b);
	return rc;
}

/* Opens a stored blob read from key into out. */
static int open_value(cst_barrier *b, const char *key, const unsigned char *blob, size_t len,
                      cst_buf *out)
{
	cst_sealed_view v;
	int rc = cst_sealed_parse(&v, blob, len);
	if (rc < 0)
		return cst_fail_prefix(rc, "stored value at %.200s is damaged", key);
	pthread_mutex_lock(&b->lock);
	cst_term *t = cst_keyring_find(b->kr, v.term);
	/* Another process may have rotated since we loaded the keyring. */
	if (t == NULL && load_keyring(b, NULL) == CST_OK)
		t = cst_keyring_find(b->kr, v.term);
	/* The key is copied so the lock is not held while decrypting. */
	unsigned char k[CST_KEY_LEN];
	if (t != NULL)
		memcpy(k, t->key, CST_KEY_LEN);
	pthread_mutex_unlock(&b->lock);
	if (t == NULL)
		return cst_fail(CST_EINTEGRITY, "stored value at %.200s names unknown key term %u", key,
		                v.term);
	rc = cst_sealed_open(out, k, &v, key);
	cst_wipe(k, sizeof(k));
	return rc;
}

int cst_barrier_get(cst_barrier *b, const char *key, cst_buf *out, uint64_t *out_rev)
{
	unsigned char *blob = NULL;
	size_t len = 0;
	int rc = cst_storage_get(b->st, key, &blob, &len, out_rev);
	if (rc == CST_OK)
		rc = open_value(b, key, blob, len, out);
	free(blob);
	return rc;
}

static int parse_object(json_t **out, const char *key, const cst_buf *raw)
{
	*out = json_loadb(raw->ptr, raw->len, 0, NULL);
	if (json_is_object(*out))
		return CST_OK;
	json_decref(*out);
	*out = NULL;
	return cst_fail(CST_EINTEGRITY, "stored value at %.200s is not a JSON object", key);
}

int cst_barrier_get_json(cst_barrier *b, const char *key, json_t **out, uint64_t *out_rev)
{
	cst_buf raw = CST_BUF_INIT;
	*out = NULL;
	int rc = cst_barrier_get(b, key, &raw, out_rev);
	if (rc == CST_OK)
		rc = parse_object(out, key, &raw);
	cst_buf_release(&raw);
	return rc;
}

struct json_walk {
	cst_barrier *b;
	int (*fn)(const char *key, const json_t *obj, void *payload);
	void *payload;
};

static int each_json_key(const char *key, void *payload)
{
	struct json_walk *w = payload;
	json_t *obj = NULL;
	int rc = cst_barrier_get_json(w->b, key, &obj, NULL);
	if (rc == CST_ENOTFOUND) { /* deleted meanwhile */
		cst_error_clear();
		return CST_OK;
	}
	if (rc == CST_OK)
		rc = w->fn(key, obj, w->payload);
	json_decref(obj);
	return rc;
}

int cst_barrier_each_json(cst_barrier *b, const char *prefix,
                          int (*fn)(const char *key, const json_t *obj, void *payload), void *payload)
{
	struct json_walk w = {b, fn, payload};
	return cst_storage_each_key(b->st, prefix, each_json_key, &w);
}

int cst_barrier_get_json_shared(cst_barrier *b, const char *key, json_t **out, uint64_t *out_rev)
{
	unsigned char *blob = NULL;
	size_t len = 0;
	uint64_t rev = 0;
	cst_buf raw = CST_BUF_INIT;
	*out = NULL;
	int rc = cst_storage_get(b->st, key, &blob, &len, &rev);
	if (rc == CST_OK && (*out = cst_record_cache_get(b->records, key, rev)) == NULL &&
	    (rc = open_value(b, key, blob, len, &raw)) == CST_OK &&
	    (rc = parse_object(out, key, &raw)) == CST_OK)
		cst_record_cache_put(b->records, key, rev, *out, raw.len);
	if (out_rev != NULL)
		*out_rev = rev;
	cst_buf_release(&raw);
	free(blob);
	return rc;
}

/* Reserves a block of at least `need` seals under the active term
 * (rotating first when the term would pass its limit) and seals the updated
 * keyring into ring. Called with the lock held; the caller writes ring in
 * the same batch as the values that use the reservation. */
static int reserve(cst_barrier *b, uint64_t need, cst_buf *ring, uint64_t *out_block,
                   uint32_t *out_term)
{
	uint64_t block = need > b->reserve ? need : b->reserve;
	cst_term *t = cst_keyring_active(b->kr);
	int rc;
	if (t->seals + block > CST_LIMIT_TERM_SEALS) {
		if ((rc = cst_keyring_rotate(b->kr)) < 0)
			return rc;
		t = cst_keyring_active(b->kr);
	}
	t->seals += block;
	*out_block = block;
	*out_term = t->term;
	return seal_keyring(b, ring);
}

static int keyring_rev(cst_barrier *b, int64_t *out)
{
	unsigned char *blob = NULL;
	size_t len;
	uint64_t rev = 0;
	int rc = cst_storage_get(b->st, CST_PATH_KEYRING, &blob, &len, &rev);
	free(blob);
	*out = (int64_t)rev;
	return rc;
}

/* One attempt at a batch. A reservation's keyring write carries a revision
 * check so it never overwrites another process's reservation; when that
 * check is what failed, *keyring_raced is set and the caller tries again
 * with the reloaded keyring. */
static int batch_once(cst_barrier *b, const cst_barrier_op *ops, size_t n, int *keyring_raced,
                      uint64_t *out_rev)
{
	cst_storage_op *sops = calloc(n + 1, sizeof(*sops));
	cst_buf *sealed = calloc(n + 1, sizeof(*sealed));
	cst_buf ring = CST_BUF_INIT;
	uint64_t puts = 0, block = 0;
	uint32_t block_term = 0;
	int64_t ring_rev = 0;
	int rc = CST_OK, reserving;
	*keyring_raced = 0;
	if (sops == NULL || sealed == NULL) {
		free(sops);
		free(sealed);
		return cst_fail(CST_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		puts += ops[i].kind == CST_STORAGE_PUT;
	pthread_mutex_lock(&b->lock);
	/* A budget is good only under the term it was reserved for: once the
	 * keyring was reloaded with another active term, reserve anew. */
	reserving = b->budget < puts || b->budget_term != b->kr->active;
	cst_term term = {0};
	if (!reserving) {
		/* The common case: take seals from this process's budget and let
		 * go of the lock, so concurrent writers meet in the storage's
		 * group commit instead of queueing here through every fsync. */
		b->budget -= puts;
		term = *cst_keyring_active(b->kr);
		pthread_mutex_unlock(&b->lock);
	} else if ((rc = load_keyring(b, &ring_rev)) == CST_OK &&
	           (rc = reserve(b, puts, &ring, &block, &block_term)) == CST_OK) {
		sops[n] = (cst_storage_op){CST_STORAGE_PUT, CST_PATH_KEYRING,
		                           (unsigned char *)ring.ptr, ring.len, ring_rev};
		term = *cst_keyring_active(b->kr);
	}
	for (size_t i = 0; i < n && rc == CST_OK; i++) {
		sops[i] = (cst_storage_op){ops[i].kind, ops[i].key, NULL, 0, ops[i].expect_rev};
		if (ops[i].kind != CST_STORAGE_PUT)
			continue;
		rc = cst_sealed_seal(&sealed[i], term.key, term.term, ops[i].key, ops[i].plain,
		                     ops[i].len);
		sops[i].value = (unsigned char *)sealed[i].ptr;
		sops[i].len = sealed[i].len;
	}
	if (rc == CST_OK)
		rc = cst_storage_batch_rev(b->st, sops, n + (size_t)reserving, out_rev);
	if (reserving) {
		/* Reservations stay under the lock from start to end: they are
		 * rare (doubling blocks), and keep the keyring in one piece. */
		int64_t now_rev = 0;
		if (rc == CST_ECONFLICT)
			*keyring_raced = keyring_rev(b, &now_rev) == CST_OK && now_rev != ring_rev;
		/* Success or not, resync with the stored keyring: on success it
		 * holds our reservation, on failure someone else's (or none). */
		int lrc = load_keyring(b, NULL);
		if (rc == CST_OK && lrc == CST_OK) {
			b->budget = block - puts;
			b->budget_term = block_term;
			if (b->reserve < MAX_RESERVE)
				b->reserve *= 2;
		}
		if (rc == CST_OK)
			rc = lrc;
		pthread_mutex_unlock(&b->lock);
	}
	cst_wipe(&term, sizeof(term));
	for (size_t i = 0; i < n; i++)
		cst_buf_release(&sealed[i]);
	cst_buf_release(&ring);
	free(sealed);
	free(sops);
	return rc;
}

int cst_barrier_batch_rev(cst_barrier *b, const cst_barrier_op *ops, size_t n, uint64_t *out_rev)
{
	int rc = CST_OK, raced = 1;
	for (int tries = 0; raced && tries < CST_LIMIT_CAS_RETRIES; tries++)
		rc = batch_once(b, ops, n, &raced, out_rev);
	return rc;
}

int cst_barrier_batch(cst_barrier *b, const cst_barrier_op *ops, size_t n)
{
	return cst_barrier_batch_rev(b, ops, n, NULL);
}

void cst_barrier_cache_records(cst_barrier *b)
{
	if (b->records == NULL)
		b->records = cst_record_cache_new();
}

void cst_barrier_remember_json(cst_barrier *b, const char *key, uint64_t rev, json_t *record,
                               size_t stored_len)
{
	cst_record_cache_put(b->records, key, rev, record, stored_len);
}

int cst_barrier_rotate(cst_barrier *b)
{
	cst_buf ring = CST_BUF_INIT;
	int rc = CST_ECONFLICT;
	pthread_mutex_lock(&b->lock);
	/* Writers reserving seals race with us on the keyring's revision:
	 * reload and try again, as a batch does. */
	for (int tries = 0; rc == CST_ECONFLICT && tries < CST_LIMIT_CAS_RETRIES; tries++) {
		int64_t rev = 0;
		rc = load_keyring(b, &rev);
		if (rc == CST_OK && (rc = cst_keyring_rotate(b->kr)) == CST_OK &&
		    (rc = seal_keyring(b, &ring)) == CST_OK) {
			cst_storage_op op = {CST_STORAGE_PUT, CST_PATH_KEYRING, (unsigned char *)ring.ptr,
			                     ring.len, rev};
			rc = cst_storage_batch(b->st, &op, 1);
		}
	}
	if (rc == CST_OK)
		rc = load_keyring(b, NULL);
	else if (load_keyring(b, NULL) < 0) /* back to what is stored; keep rc's message */
		cst_fail(rc, "key rotation failed and the keyring could not be reloaded");
	b->budget = 0; /* the next write reserves under the new term */
	pthread_mutex_unlock(&b->lock);
	cst_buf_release(&ring);
	return rc;
}

/* Keys sealed under the master key, not under a data-key term. */
static int master_sealed(const char *key)
{
	return strcmp(key, CST_PATH_CANARY) == 0 || strcmp(key, CST_PATH_KEYRING) == 0 ||
	       strcmp(key, CST_PATH_SEAL) == 0;
}

/* Calls visit(key, view) for every data-key-sealed value, page by page. */
typedef int (*visit_fn)(cst_barrier *b, const char *key, const cst_sealed_view *v,
                        uint64_t rev, void *payload);

struct value_walk {
	cst_barrier *b;
	visit_fn visit;
	void *payload;
};

static int each_value_key(const char *key, void *payload)
{
	struct value_walk *w = payload;
	if (master_sealed(key))
		return CST_OK;
	unsigned char *blob = NULL;
	size_t len = 0;
	uint64_t rev = 0;
	int rc = cst_storage_get(w->b->st, key, &blob, &len, &rev);
	if (rc == CST_ENOTFOUND) /* deleted while we walked */
		return CST_OK;
	cst_sealed_view v;
	if (rc == CST_OK && (rc = cst_sealed_parse(&v, blob, len)) == CST_OK)
		rc = w->visit(w->b, key, &v, rev, w->payload);
	free(blob);
	return rc;
}

static int each_value(cst_barrier *b, visit_fn visit, void *payload)
{
	struct value_walk w = {b, visit, payload};
	return cst_storage_each_key(b->st, "", each_value_key, &w);
}

typedef struct rewrap_state {
	uint64_t done, total, rewrapped;
	cst_progress_fn progress;
	void *payload;
} rewrap_state;

static int rewrap_one(cst_barrier *b, const char *key, const cst_sealed_view *v, uint64_t rev,
                      void *payload)
{
	rewrap_state *s = payload;
	int rc = CST_OK;
	s->done++;
	if (v->term != b->kr->active) {
		cst_buf plain = CST_BUF_INIT;
		cst_term *t = cst_keyring_find(b->kr, v->term);
		rc = t ? cst_sealed_open(&plain, t->key, v, key)
		       : cst_fail(CST_EINTEGRITY, "value at %.200s names unknown term", key);
		if (rc == CST_OK) {
			cst_barrier_op op = {CST_STORAGE_PUT, key, plain.ptr, plain.len, (int64_t)rev};
			rc = cst_barrier_batch(b, &op, 1);
			/* Rewritten meanwhile: then it is under the active term already. */
			if (rc == CST_ECONFLICT)
				rc = CST_OK;
			else if (rc == CST_OK)
				s->rewrapped++;
		}
		cst_buf_release(&plain);
	}
	if (s->progress)
		s->progress(s->done, s->total, s->payload);
	return rc;
}

int cst_barrier_rewrap(cst_barrier *b, uint64_t *out_rewrapped, cst_progress_fn progress,
                       void *payload)
{
	rewrap_state s = {0, 0, 0, progress, payload};
	int rc = cst_storage_count(b->st, "", &s.total);
	if (rc == CST_OK)
		rc = each_value(b, rewrap_one, &s);
	*out_rewrapped = s.rewrapped;
	return rc;
}

typedef struct usage_state {
	uint64_t *counts;
} usage_state;

static int count_one(cst_barrier *b, const char *key, const cst_sealed_view *v, uint64_t rev,
                     void *payload)
{
	(void)key;
	(void)rev;
	usage_state *s = payload;
	for (size_t i = 0; i < b->kr->count; i++)
		if (b->kr->terms[i].term == v->term)
			s->counts[i]++;
	return CST_OK;
}

int cst_barrier_term_usage(cst_barrier *b, uint64_t *counts)
{
	usage_state s = {counts};
	memset(counts, 0, b->kr->count * sizeof(*counts));
	return each_value(b, count_one, &s);
}
