/* password.c - scrypt password hashes with their cost kept alongside, and
 * a counting semaphore so a login storm cannot run more hashes at once
 * than half the machine's cores (at least one): the rest wait their turn,
 * memory stays at (cores / 2) x 32 MiB, and the other half of the machine
 * keeps serving everything else (services reading their secrets). Past
 * CST_LIMIT_LOGIN_QUEUE waiting, a check is refused with CST_ELIMIT (429),
 * so a storm cannot hold all of the server's request threads. */
#include "core/password.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/limits.h"
#include "crypto/kdf.h"
#include "crypto/rand.h"
#include "util/base64.h"
#include "util/mem.h"

#define SALT_LEN 16
#define HASH_LEN 32
#define MAX_SLOTS 8

static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slots_free = PTHREAD_COND_INITIALIZER;
static int slots_busy, slots_max, slots_waiting;

int cst_password_log_n(void)
{
	const char *s = getenv("CUSTOS_PASSWORD_LOG_N");
	int v = s ? atoi(s) : CST_PASSWORD_LOG_N;
	return v >= 10 && v <= 20 ? v : CST_PASSWORD_LOG_N;
}

/* One scrypt run, waiting for a free slot first. */
static int derive(unsigned char out[HASH_LEN], const char *pw, size_t len,
                  const unsigned char *salt, size_t salt_len, int log_n, int r, int p)
{
	pthread_mutex_lock(&slots_lock);
	if (slots_max == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		slots_max = cores >= 2 ? (int)(cores / 2) : 1;
		if (slots_max > MAX_SLOTS)
			slots_max = MAX_SLOTS;
	}
	/* A bounded queue: past it, refuse at once rather than tie up more
	 * of the server's request threads (they serve everything else too). */
	if (slots_busy >= slots_max && slots_waiting >= CST_LIMIT_LOGIN_QUEUE) {
		pthread_mutex_unlock(&slots_lock);
		return cst_fail(CST_ELIMIT, "too many password checks at once: try again shortly");
	}
	slots_waiting++;
	while (slots_busy >= slots_max)
		pthread_cond_wait(&slots_free, &slots_lock);
	slots_waiting--;
	slots_busy++;
	pthread_mutex_unlock(&slots_lock);
	int rc = cst_kdf_scrypt(out, HASH_LEN, pw, len, salt, salt_len, 1ull << log_n,
	                        (uint32_t)r, (uint32_t)p);
	pthread_mutex_lock(&slots_lock);
	slots_busy--;
	pthread_cond_signal(&slots_free);
	pthread_mutex_unlock(&slots_lock);
	return rc;
}

static int check_input(const char *pw, size_t len)
{
	if (pw == NULL || len == 0)
		return cst_fail(CST_EINVAL, "missing password");
	if (len > CST_PASSWORD_MAX)
		return cst_fail(CST_EINVAL, "password longer than %d bytes", CST_PASSWORD_MAX);
	return CST_OK;
}

int cst_password_hash(json_t **out, const char *pw, size_t len)
{
	unsigned char salt[SALT_LEN], hash[HASH_LEN];
	char salt_b64[32], hash_b64[48];
	int log_n = cst_password_log_n();
	*out = NULL;
	int rc = check_input(pw, len);
	if (rc == CST_OK)
		rc = cst_rand_bytes(salt, sizeof(salt));
	if (rc == CST_OK)
		rc = derive(hash, pw, len, salt, sizeof(salt), log_n, CST_PASSWORD_R, CST_PASSWORD_P);
	if (rc == CST_OK) {
		cst_b64_encode(salt_b64, salt, sizeof(salt), CST_B64_STD);
		cst_b64_encode(hash_b64, hash, sizeof(hash), CST_B64_STD);
		*out = json_pack("{s:s, s:i, s:i, s:i, s:s, s:s}", "alg", "scrypt", "log_n", log_n, "r",
		                 CST_PASSWORD_R, "p", CST_PASSWORD_P, "salt", salt_b64, "hash", hash_b64);
		if (*out == NULL)
			rc = cst_fail(CST_ENOMEM, "out of memory");
	}
	cst_wipe(hash, sizeof(hash));
	cst_wipe(hash_b64, sizeof(hash_b64));
	return rc;
}

/* Reads a record's cost, salt and hash; 0 when any is missing or out of
 * the accepted range. */
static int parse_record(const json_t *rec, int *log_n, int *r, int *p, unsigned char *salt,
                        size_t *salt_len, unsigned char *hash)
{
	const char *alg = json_string_value(json_object_get(rec, "alg"));
	const char *s = json_string_value(json_object_get(rec, "salt"));
	const char *h = json_string_value(json_object_get(rec, "hash"));
	json_int_t n = json_integer_value(json_object_get(rec, "log_n"));
	json_int_t rr = json_integer_value(json_object_get(rec, "r"));
	json_int_t pp = json_integer_value(json_object_get(rec, "p"));
	size_t hash_len = 0;
	if (alg == NULL || strcmp(alg, "scrypt") != 0 || s == NULL || h == NULL || n < 10 ||
	    n > 22 || rr < 1 || rr > 32 || pp < 1 || pp > 16 || strlen(s) > 44 || strlen(h) != 44)
		return 0;
	unsigned char hbuf[36];
	if (cst_b64_decode(salt, salt_len, s, strlen(s), CST_B64_STD) < 0 || *salt_len < 8 ||
	    cst_b64_decode(hbuf, &hash_len, h, strlen(h), CST_B64_STD) < 0 || hash_len != HASH_LEN)
		return 0;
	memcpy(hash, hbuf, HASH_LEN);
	cst_wipe(hbuf, sizeof(hbuf));
	*log_n = (int)n;
	*r = (int)rr;
	*p = (int)pp;
	return 1;
}

int cst_password_verify(int *out_ok, const json_t *rec, const char *pw, size_t len)
{
	unsigned char salt[48], want[HASH_LEN], got[HASH_LEN];
	size_t salt_len = SALT_LEN;
	int log_n = cst_password_log_n(), r = CST_PASSWORD_R, p = CST_PASSWORD_P;
	*out_ok = 0;
	int rc = check_input(pw, len);
	if (rc < 0)
		return rc;
	if (rec == NULL) {
		/* Unknown user: the same work against a fixed salt, then no. */
		memset(salt, 0x5a, SALT_LEN);
		memset(want, 0, sizeof(want));
	} else if (!parse_record(rec, &log_n, &r, &p, salt, &salt_len, want)) {
		return cst_fail(CST_EINTEGRITY, "stored password hash is damaged");
	}
	rc = derive(got, pw, len, salt, salt_len, log_n, r, p);
	if (rc == CST_OK)
		*out_ok = rec != NULL && cst_ct_equal(got, want, HASH_LEN);
	cst_wipe(got, sizeof(got));
	cst_wipe(want, sizeof(want));
	return rc;
}

int cst_password_outdated(const json_t *rec)
{
	return json_integer_value(json_object_get(rec, "log_n")) != cst_password_log_n() ||
	       json_integer_value(json_object_get(rec, "r")) != CST_PASSWORD_R ||
	       json_integer_value(json_object_get(rec, "p")) != CST_PASSWORD_P;
}
