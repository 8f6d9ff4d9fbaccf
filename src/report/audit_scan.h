/* audit_scan.h - reading audit logs for reports: a streaming line reader
 * (a fixed buffer, so a log of many gigabytes takes as little memory as a
 * small one) and a parser that picks the fields a report needs out of one
 * entry without building a JSON tree.
 *
 * The log format is docs/audit.md's: one JSON object a line, optionally
 * after a syslog header (text before the first '{'). Values of request
 * and response data are HMAC'd there; what is in clear, and what a report
 * reads: time, type, error, auth.{display_name, token_type, entity_id,
 * accessor (HMAC'd unless hmac_accessor=false), policies, teams,
 * metadata.{username, role_name, local_user}}, request.{id, operation,
 * mount_type, mount_point, path, remote_address, data.role_id (HMAC'd)}
 * and whether the response carries a new token (response.auth). */
#ifndef CST_REPORT_AUDIT_SCAN_H
#define CST_REPORT_AUDIT_SCAN_H

#include <stddef.h>
#include <stdint.h>

/* --- one entry ------------------------------------------------------- */

#define CST_AUDIT_LIST_MAX 32 /* policies or teams kept per entry; the rest only counted */

/* The fields of one entry, decoded (JSON escapes resolved, UTF-8 checked),
 * each NUL-terminated in the parser's scratch space, or NULL when absent
 * or not a string. A key given twice counts as jansson reads it: the
 * last one wins. */
typedef struct cst_audit_fields {
	const char *time, *type, *error;
	int64_t time_ns; /* time as ns since the epoch; 0 when absent or not RFC 3339 UTC */
	/* auth */
	const char *display_name, *token_type, *entity_id, *accessor;
	const char *username, *role_name, *local_user; /* auth.metadata */
	const char *policies[CST_AUDIT_LIST_MAX];
	size_t n_policies;  /* strings kept */
	size_t all_policies; /* strings seen (may exceed CST_AUDIT_LIST_MAX) */
	const char *teams[CST_AUDIT_LIST_MAX];
	size_t n_teams, all_teams;
	/* request */
	const char *id, *operation, *mount_type, *mount_point, *path, *remote_address;
	const char *role_id; /* request.data.role_id (approle logins) */
	int response_auth;   /* response.auth is an object: a login that issued a token */
} cst_audit_fields;

/* Scratch space for decoded strings; grows with the longest line seen
 * (audit lines hold HMACs, never secrets). */
typedef struct cst_audit_scratch {
	char *p;
	size_t cap;
} cst_audit_scratch;

void cst_audit_scratch_release(cst_audit_scratch *s);

/* Parses one line (without its '\n'): the JSON object from the line's
 * first '{' to its end, strictly (RFC 8259: no trailing text, well-formed
 * UTF-8, no \u0000, nesting at most 2048 deep). CST_OK with *out filled,
 * CST_EINVAL "not an audit entry: <why> at byte N", CST_ENOMEM. */
int cst_audit_fields_parse(cst_audit_fields *out, cst_audit_scratch *scratch, const char *line,
                           size_t len) __attribute__((warn_unused_result));

/* The time of an RFC 3339 UTC stamp as audit entries write it
 * ("2026-01-02T03:04:05.123456789Z", fraction optional, years 1970 to
 * 9999): 0 and *out, or -1 for anything else. Fast: every line's time is
 * read, most to be skipped. */
int cst_audit_time_ns(int64_t *out, const char *s, size_t n);

/* The time of a line that starts as custos writes its entries,
 * {"time":"...", without parsing the rest: 0 and *out, or -1 (the line
 * then needs the full parser). */
int cst_audit_line_time(int64_t *out, const char *line, size_t len);

/* --- lines of a file ------------------------------------------------- */

#define CST_AUDIT_LINE_MAX (16u << 20) /* longer lines are skipped and counted */

typedef struct cst_audit_reader {
	int fd;
	uint64_t limit;     /* bytes to read: the file's size when opened */
	uint64_t consumed;  /* bytes read from the file so far */
	char *buf;          /* owned */
	size_t cap, start, end;
	int eof, skipping;  /* skipping: inside a line longer than CST_AUDIT_LINE_MAX */
	uint64_t lines;     /* complete lines handed out or skipped */
	uint64_t too_long;  /* lines skipped for their length */
	int partial_end;    /* the file ended inside a line (a writer mid-line, or cut) */
} cst_audit_reader;

/* Opens a log for reading (a regular file; read up to its size now, so
 * entries written meanwhile, the report's own included, are left for
 * next time; nofollow refuses a symbolic link, for a server's reads).
 * CST_ENOTFOUND, CST_EPERM, CST_EINVAL (not a regular file), CST_EIO,
 * each with a message naming the file. */
int cst_audit_reader_open(cst_audit_reader *r, const char *path, int nofollow)
	__attribute__((warn_unused_result));
/* The next complete line (without '\n'), valid until the next call:
 * 1 and *line, *len; 0 at the end; CST_EIO. */
int cst_audit_reader_next(cst_audit_reader *r, const char **line, size_t *len)
	__attribute__((warn_unused_result));
void cst_audit_reader_close(cst_audit_reader *r);

#endif
