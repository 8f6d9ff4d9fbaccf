/* audit_tally.h - what a report counts in audit logs within its window:
 * requests per principal and per team (and per team over time), failed
 * and successful logins per auth mount and user or role, requests made
 * with root tokens (per token) and by the local key holder. Entries are
 * fed one at a time (cst_audit_tally_add), so logs of any size take the
 * memory of their distinct names only, and each table is bounded.
 *
 * Who: a request's principal is its token's display_name ("userpass-alice"),
 * with the role for approle ("approle-indexer"), "local: uid 1000 (alice)"
 * for the local key holder, "(no token)" for logins; its teams are the
 * token's teams (auth.teams), else those of its team-<t> policies (older
 * logs). Counted once per request (its request entry); errors from either
 * entry (a request refused before its handler has no response entry). */
#ifndef CST_REPORT_AUDIT_TALLY_H
#define CST_REPORT_AUDIT_TALLY_H

#include <jansson.h>
#include <stdint.h>

#include "report/audit_scan.h"
#include "report/strmap.h"

#define CST_TALLY_PRINCIPALS 10000 /* distinct principals, teams, login targets kept */
#define CST_TALLY_TEAMS 1000
#define CST_TALLY_LOGINS 10000
#define CST_TALLY_ROOT_TOKENS 1000
#define CST_TALLY_BUCKETS 60       /* timeline buckets at most (whole days each) */

typedef struct cst_audit_tally {
	int64_t since_ns, until_ns; /* the window */
	int64_t bucket_ns;          /* timeline: whole days, at most CST_TALLY_BUCKETS of them */
	size_t n_buckets;
	uint64_t entries, requests, errors, denied;
	uint64_t failed_logins, ok_logins, root_requests, local_requests;
	uint64_t other_principals, other_teams, other_logins, other_root; /* past the bounds */
	uint64_t *timeline;         /* owned: all requests per bucket */
	cst_strmap principals, teams, logins, roots;
	cst_strmap role_ids;  /* role_id HMAC (or text) -> "role" name, see _role */
	cst_strmap accessors; /* root token accessor HMAC (or text) -> label, see _root */
} cst_audit_tally;

/* A tally for entries with since_ns <= time <= until_ns. */
int cst_audit_tally_init(cst_audit_tally *t, int64_t since_ns, int64_t until_ns)
	__attribute__((warn_unused_result));
void cst_audit_tally_release(cst_audit_tally *t);

/* Names for what the log holds only as HMACs: an approle mount's role
 * whose role_id shows as `hmac` there, and a live root token whose
 * accessor shows as `hmac` (label: how the report names it). */
int cst_audit_tally_role(cst_audit_tally *t, const char *mount, const char *hmac,
                         const char *role) __attribute__((warn_unused_result));
int cst_audit_tally_root(cst_audit_tally *t, const char *hmac, const char *label)
	__attribute__((warn_unused_result));

/* Counts one entry; entries outside the window (and chain lines) are
 * passed over. Returns 1 when it counted, 0 when not. */
int cst_audit_tally_add(cst_audit_tally *t, const cst_audit_fields *f);

/* The "audit" figures of a report (the caller adds "sources" and
 * "available"): requests, errors, denied, logins, root, by_team,
 * by_principal, timeline. Owned; NULL when out of memory. */
json_t *cst_audit_tally_json(const cst_audit_tally *t);

#endif
