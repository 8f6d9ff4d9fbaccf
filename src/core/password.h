/* password.h - password hashes for the userpass auth method: scrypt with a
 * random salt per hash, the cost kept with the hash (so the default can
 * change without breaking stored users), a constant-time check, and a
 * bound on how many hashes run at once (each takes 128 * N * r bytes).
 *
 * A hash record is a JSON object:
 *   {"alg":"scrypt","log_n":15,"r":8,"p":1,"salt":"<b64, 16 bytes>",
 *    "hash":"<b64, 32 bytes>"}
 * It is stored inside the user's record, which the barrier seals. */
#ifndef CST_PASSWORD_H
#define CST_PASSWORD_H

#include <jansson.h>
#include <stddef.h>

/* The default cost: N = 2^15, r = 8, p = 1 (32 MiB, see docs/benchmarks.md
 * "userpass login"). $CUSTOS_PASSWORD_LOG_N (10..20) overrides log_n for
 * new hashes, for tests; stored hashes keep their own cost. */
#define CST_PASSWORD_LOG_N 15
#define CST_PASSWORD_R 8
#define CST_PASSWORD_P 1
#define CST_PASSWORD_MAX 1024 /* bytes of one password */

/* The log_n new hashes get (the default or the environment's). */
int cst_password_log_n(void);

/* Hashes a password into a new record (owned by the caller). CST_EINVAL
 * for an empty or over-long password; CST_ELIMIT when too many checks
 * wait already (see password.c). */
int cst_password_hash(json_t **out, const char *password, size_t len)
	__attribute__((warn_unused_result));

/* Checks a password against a record: *out_ok is 1 on a match. A damaged
 * record is CST_EINTEGRITY. With record NULL it still spends the time of
 * a default-cost check (against a fixed salt) and sets *out_ok to 0, so
 * an unknown user takes as long to refuse as a wrong password. */
int cst_password_verify(int *out_ok, const json_t *record, const char *password, size_t len)
	__attribute__((warn_unused_result));

/* 1 when the record's cost differs from what new hashes get (the caller
 * may then rehash after a successful login). */
int cst_password_outdated(const json_t *record);

#endif
