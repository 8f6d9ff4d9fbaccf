/* audit.h - audit devices as in Vault: every request through the router
 * is written, before its handler runs, as one JSON line ("type":"request")
 * and, after it, as another ("type":"response"), on every enabled device
 * (file, syslog, stdout). Token ids, accessors and every string of request
 * and response data are HMAC-SHA256'd with the device's own salt
 * ("hmac-sha256:<hex>"); sys/audit-hash finds a value.
 *
 * custos adds tamper evidence: each line ends with "seq" (the device's
 * entry number) and "chain", an HMAC under the vault's audit key of the
 * previous line's chain value, the digest of this line's body and its seq. A "type":"chain"
 * line starts every file a device opens and names the previous seq and
 * chain, so a rotated file verifies alone and a gap between files shows.
 *
 * Fail closed: when devices would record a request and none of them can,
 * the request is refused (CST_EIO "audit failure") before anything
 * changes; a response no device could record is an error too. A device's
 * filter ("path != \"sys/metrics\"") leaves requests out; a request left
 * out by every device needs no device.
 *
 * Storage (sealed): core/audit the device table {path: {type, description,
 * options, local, uuid, salt}}; core/audit-key the chain key (32 bytes);
 * core/audit-state {uuid: {seq, chain}} the chain positions a server wrote
 * last (cst_vault_audit_flush). */
#ifndef CST_AUDIT_H
#define CST_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "crypto/kdf.h"
#include "custos/request.h"

#define CST_PATH_AUDIT "core/audit"
#define CST_PATH_AUDIT_KEY "core/audit-key"
#define CST_PATH_AUDIT_STATE "core/audit-state"

struct cst_caller;
typedef struct cst_audit cst_audit;
typedef struct cst_audit_device cst_audit_device;

/* The HMACs of the caller's token and accessor under one device's salt,
 * kept between a request's two entries (they appear four times each). */
typedef struct cst_audit_memo {
	const void *salt; /* whose HMACs these are; NULL: none yet */
	char token[12 + 64 + 1], accessor[12 + 64 + 1];
	/* The request entry's "auth" and "request" text, which the response
	 * entry repeats (Vault's layout): written once. Owned (free). */
	char *section;
	size_t section_len;
	const void *section_salt;
} cst_audit_memo;

/* What one request looks like to its audit entries. */
typedef struct cst_audit_event {
	const cst_request *req;
	const char *id;                  /* request id */
	cst_op op;                       /* after the existence check */
	const char *mount_type;          /* "" without a route */
	const char *mount_point;
	const struct cst_caller *caller; /* the authenticated token; NULL otherwise */
	int64_t time_ns;
	cst_audit_memo *memo;            /* may be NULL */
} cst_audit_event;

/* --- the vault's devices (audit.c) ---------------------------------- */

/* Loads the device table at unseal (owner: this process alone appends to
 * the files, a server; it opens them now and starts their chains). */
int cst_audit_open(cst_vault *v, int owner) __attribute__((warn_unused_result));
/* Writes the chain positions (owner only) and closes every device. */
void cst_audit_close(cst_vault *v);

/* The current device set with a reference, or NULL when none is enabled
 * (the fast path: no entry is built). Give it back with cst_audit_put. */
cst_audit *cst_audit_get(cst_vault *v);
void cst_audit_put(cst_audit *a);

/* Writes the request entry (error: why it was refused, or NULL). CST_OK,
 * or CST_EIO "audit failure" when devices took the request and none could
 * write it. */
int cst_audit_request(cst_audit *a, const cst_audit_event *ev, const char *error)
	__attribute__((warn_unused_result));
/* Writes the response entry; same rule. */
int cst_audit_response(cst_audit *a, const cst_audit_event *ev, const cst_response *resp,
                       const char *error) __attribute__((warn_unused_result));

/* sys/audit handlers' helpers. */
json_t *cst_audit_list(cst_vault *v);  /* {"file/": {type, description, options, local, path}} */
int cst_audit_enable(cst_vault *v, const char *path, const json_t *body)
	__attribute__((warn_unused_result));
int cst_audit_disable(cst_vault *v, const char *path) __attribute__((warn_unused_result));
/* "hmac-sha256:<hex>" of input under device path's salt (out: 78 bytes). */
int cst_audit_hash(char *out, cst_vault *v, const char *path, const char *input, size_t len)
	__attribute__((warn_unused_result));
/* Verifies a log file (see audit_verify.c); *out is the report object. */
int cst_audit_verify_file(json_t **out, cst_vault *v, const char *file, int remote)
	__attribute__((warn_unused_result));
/* 1 when a remote caller may have the server read file: it is in the
 * directory of an enabled file device (its current file or a rotated
 * sibling), as sys/audit/verify allows. */
int cst_audit_file_allowed(cst_vault *v, const char *file);
/* The files of the enabled file devices: [{"device", "path", "filtered"}]
 * (owned). */
json_t *cst_audit_files(cst_vault *v);
/* Calls fn with input's "hmac-sha256:<hex>" under each enabled device's
 * salt: how a value the caller knows (a role_id, an accessor) shows in
 * the logs of every device. */
int cst_audit_hash_each(cst_vault *v, const char *input, size_t len,
                        void (*fn)(const char *hash, void *payload), void *payload)
	__attribute__((warn_unused_result));
/* Reopens every file device (SIGHUP, after logrotate moved the files). */
void cst_audit_reopen(cst_vault *v);
/* Stores the chain positions that moved since the last flush (owner). */
int cst_audit_flush(cst_vault *v) __attribute__((warn_unused_result));

/* Per-device counters for sys/metrics: calls fn for each device. */
typedef void (*cst_audit_stat_cb)(const char *path, uint64_t entries, uint64_t failures,
                                  void *payload);
void cst_audit_stats(cst_vault *v, cst_audit_stat_cb fn, void *payload);
uint64_t cst_audit_refused(cst_vault *v); /* requests refused: no device could record them */

/* --- entry text (audit_entry.c) --------------------------------------- */

/* A growable line buffer: a stack area first, the heap past it. Entries
 * hold HMACs, never secret values, so it grows with realloc-free copies
 * only to keep one rule for every buffer. */
typedef struct cst_abuf {
	char *p;
	size_t len, cap;
	int failed;
	char stack[4096];
} cst_abuf;

void cst_abuf_init(cst_abuf *b);
void cst_abuf_release(cst_abuf *b);
void cst_abuf_put(cst_abuf *b, const char *s, size_t n);

typedef struct cst_audit_format {
	const cst_mac_key *salt; /* the device's HMAC key */
	int hmac_accessor;       /* HMAC accessors too (Vault's default) */
	const char *local_user;  /* "uid 1000 (alice)" for local requests */
} cst_audit_format;

/* The entry up to (not including) its ",\"seq\"" suffix. */
int cst_audit_format_request(cst_abuf *out, const cst_audit_format *f, const cst_audit_event *ev,
                             const char *error) __attribute__((warn_unused_result));
int cst_audit_format_response(cst_abuf *out, const cst_audit_format *f,
                              const cst_audit_event *ev, const cst_response *resp,
                              const char *error) __attribute__((warn_unused_result));
/* "hmac-sha256:" + hex into out (CST_AUDIT_HASH_LEN + 1 bytes). */
#define CST_AUDIT_HASH_LEN (12 + 64)
int cst_audit_hmac(char *out, const cst_mac_key *salt, const char *s, size_t n)
	__attribute__((warn_unused_result));

/* --- the chain (audit_chain.c) ---------------------------------------- */

typedef struct cst_audit_chain {
	uint64_t seq;                       /* last entry's seq (0: none yet) */
	unsigned char mac[CST_SHA256_LEN];  /* last entry's chain MAC (zeros before the first) */
} cst_audit_chain;

/* Appends ,"seq":N,"chain":"hmac-sha256:..."}\n to a line body and moves
 * the chain on (the caller writes the line, and keeps *next only if the
 * write succeeds). chain = HMAC-SHA256(key, previous chain (32 bytes) ||
 * SHA-256(body) || ",\"seq\":N"): the body's digest may be computed
 * beforehand, outside the device's lock (digest; NULL: computed here). */
int cst_audit_seal_line(cst_abuf *line, const cst_mac_key *key, const cst_audit_chain *prev,
                        cst_audit_chain *next, const unsigned char *digest)
	__attribute__((warn_unused_result));
void cst_audit_body_digest(unsigned char out[CST_SHA256_LEN], const cst_abuf *body);
/* A chain line's body: {"time","type":"chain","device","reason","prev_seq","prev_chain". */
void cst_audit_chain_body(cst_abuf *out, int64_t now_ns, const char *device, const char *reason,
                          const cst_audit_chain *prev);

/* One log line, as verify reads it (the parser is fuzzed). */
typedef struct cst_audit_line {
	size_t start;      /* offset of the '{' (text before it, a syslog header, is not covered) */
	size_t body_end;   /* where ,"seq": starts: the body is [start, body_end) */
	size_t mac_end;    /* where ,"chain": starts: the MAC covers [start, mac_end) */
	uint64_t seq;
	unsigned char mac[CST_SHA256_LEN];
	int is_chain;      /* a "type":"chain" line */
	uint64_t prev_seq; /* chain lines: where the previous file ended */
	unsigned char prev_mac[CST_SHA256_LEN];
} cst_audit_line;

/* Parses one line (without its '\n'). CST_EINVAL with the reason. */
int cst_audit_parse_line(cst_audit_line *out, const char *line, size_t len)
	__attribute__((warn_unused_result));

/* The chain position a file ends at, from its last complete line (for a
 * device that continues a file): CST_ENOTFOUND for an empty file,
 * CST_EINVAL when the last line is not an entry. *ends_newline says whether
 * the file ends with '\n'. */
int cst_audit_file_tail(cst_audit_chain *out, int *ends_newline, int fd)
	__attribute__((warn_unused_result));

/* Verifies the first size bytes of a log (see audit_chain.c for what is
 * reported). expect: the live device's position when the file is its
 * current one (tail truncation is then found), else NULL. */
typedef struct cst_audit_report {
	int ok;
	uint64_t entries, first_seq, last_seq;
	uint64_t bad_line;  /* 1-based; 0 when ok */
	char reason[256];
} cst_audit_report;

int cst_audit_verify_buf(cst_audit_report *out, const cst_mac_key *key, const char *data,
                         size_t size, const cst_audit_chain *expect)
	__attribute__((warn_unused_result));

/* The same, fed in pieces (a file read in chunks): begin; lines, as often
 * as needed, each time with the bytes from the first line not yet used
 * (*used says how many were; a partial line at the end is not); end, with
 * the length of a partial line left at the end of the file (0: none). */
typedef struct cst_audit_verifier {
	cst_audit_report r;
	cst_audit_chain at; /* after the last good line */
	uint64_t lines;
	const cst_mac_key *key;
} cst_audit_verifier;

void cst_audit_verify_begin(cst_audit_verifier *vf, const cst_mac_key *key);
int cst_audit_verify_lines(size_t *used, cst_audit_verifier *vf, const char *data, size_t size)
	__attribute__((warn_unused_result));
void cst_audit_verify_end(cst_audit_report *out, cst_audit_verifier *vf, size_t partial,
                          const cst_audit_chain *expect);

/* --- filters (audit_filter.c) ----------------------------------------- */

typedef struct cst_audit_filter cst_audit_filter;
/* Vault's filter expressions, a subset: FIELD == "v", !=, matches "regex",
 * not matches, joined by and / or / not and parentheses; FIELD is path,
 * operation, mount_type, mount_point or namespace. */
int cst_audit_filter_parse(cst_audit_filter **out, const char *text)
	__attribute__((warn_unused_result));
void cst_audit_filter_free(cst_audit_filter *f);
/* 1 when the event is to be recorded. */
int cst_audit_filter_match(const cst_audit_filter *f, const cst_audit_event *ev);

const char *cst_audit_op_name(cst_op op);

#endif
