/* login_guard.h - failed-login accounting for the auth methods, kept in
 * the server's memory:
 *
 *  - user lockout, as Vault's: after `threshold` failed logins for one user
 *    of one mount (with no gap longer than `reset` between them) the user
 *    is locked for `duration`; a locked user is refused before the
 *    password is even checked; a successful login clears the count.
 *  - a throttle per client address: more than CST_LIMIT_LOGIN_ADDR_FAILURES
 *    failed logins from one address within CST_LIMIT_LOGIN_ADDR_WINDOW
 *    seconds refuses every login from it until that window ends.
 *
 * Memory is bounded (CST_LIMIT_LOGIN_TRACKED entries per table): when a
 * table is full, entries that no longer matter go first, then the oldest
 * unlocked ones; locked users are kept. A restart forgets everything. */
#ifndef CST_LOGIN_GUARD_H
#define CST_LOGIN_GUARD_H

#include <stdint.h>

typedef struct cst_login_guard cst_login_guard;

typedef struct cst_lockout_cfg {
	int threshold;      /* failures that lock (Vault: lockout_threshold, 5) */
	int64_t duration_s; /* how long a lock lasts (lockout_duration, 15m) */
	int64_t reset_s;    /* quiet time that clears the count (lockout_counter_reset, 15m) */
	int disabled;       /* disable_lockout */
} cst_lockout_cfg;

#define CST_LOCKOUT_DEFAULTS {5, 900, 900, 0}

int cst_login_guard_new(cst_login_guard **out) __attribute__((warn_unused_result));
void cst_login_guard_free(cst_login_guard *g);

/* Before checking credentials. user is "<mount accessor>/<name>" (NULL:
 * no user lockout, e.g. approle), addr the client address (NULL: local).
 * CST_ELIMIT when the address is throttled, CST_EPERM when the user is
 * locked, else CST_OK. */
int cst_login_guard_check(cst_login_guard *g, const char *user, const char *addr,
                          const cst_lockout_cfg *cfg, int64_t now_s)
	__attribute__((warn_unused_result));

/* After a failed login (wrong password, unknown user or secret). */
void cst_login_guard_failed(cst_login_guard *g, const char *user, const char *addr,
                            const cst_lockout_cfg *cfg, int64_t now_s);

/* After a successful login: the user's count starts again. */
void cst_login_guard_succeeded(cst_login_guard *g, const char *user);

#endif
