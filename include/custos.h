/*
 * custos.h - the public C API of libcustos, an encrypted, versioned vault
 * for credentials.
 *
 * Reading a credential takes four calls:
 *
 *     cst_vault *v = NULL;
 *     char *key = NULL;
 *     if (cst_vault_open(&v, NULL) == CST_OK &&
 *         cst_secret_field(&key, NULL, v, "openai/prod", "api_key") == CST_OK)
 *             use(key);
 *     cst_secret_free(key);
 *     cst_vault_close(v);
 *
 * Every function returning int returns CST_OK (0) or a negative CST_E* code;
 * cst_errmsg() then holds a one-line detail for the calling thread, which
 * never contains secret material. Objects returned through `out` parameters
 * belong to the caller. Functions taking a vault are safe to call from one
 * thread at a time per vault handle.
 */
#ifndef CUSTOS_H
#define CUSTOS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CST_VERSION_STRING "0.1.0"

#if defined(__GNUC__)
#define CST_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define CST_WARN_UNUSED
#endif

/* Status codes. Keep cst_strerror() and the two mapping tables in
 * src/core/error.c in step: the switch there has no default case. */
typedef enum cst_status {
	CST_OK = 0,
	CST_ERROR = -1,      /* anything not covered below */
	CST_EINVAL = -2,     /* bad input: usage error, malformed request */
	CST_ENOTFOUND = -3,  /* no such secret, version, vault or key file */
	CST_EPERM = -4,      /* permission denied */
	CST_EINTEGRITY = -5, /* wrong key, tampered or truncated data */
	CST_ECONFLICT = -6,  /* check-and-set mismatch, already exists */
	CST_ESEALED = -7,    /* vault sealed or locked */
	CST_ENOMEM = -8,     /* out of memory or over a size limit */
	CST_EIO = -9,        /* storage or file system failure */
	CST_EUNSUPPORTED = -10, /* no such operation on that path */
	CST_ELIMIT = -11,    /* too many attempts: try again later (HTTP 429) */
	CST_EWOULDBLOCK = -12 /* with CST_REQ_NO_WAIT: it would wait; run it where waiting is fine */
} cst_status;

/* A static English description of a status code. */
const char *cst_strerror(int rc);

/* The detail message of the last failure on this thread ("" if none). */
const char *cst_errmsg(void);

/* The CLI exit status for a code: 0 ok, 1 other, 2 usage, 3 not found,
 * 4 permission denied, 5 integrity, 6 conflict, 7 sealed or locked (also
 * for CST_ELIMIT: throttled, try again later). */
int cst_exit_status(int rc);

/* The HTTP status for a code (200, 400, 403, 404, 500, 503 ...). */
int cst_http_status(int rc);

typedef struct cst_vault cst_vault;

/* How to open a vault. Zero-initialise and set what differs from the
 * defaults; a NULL options pointer means all defaults. */
typedef struct cst_open_opts {
	/* Vault file; NULL: $CUSTOS_VAULT, else $XDG_DATA_HOME/custos/vault.db. */
	const char *vault_path;
	/* Master key file; NULL: $CUSTOS_KEY_FILE, else
	 * $XDG_CONFIG_HOME/custos/master.key. $CUSTOS_MASTER_KEY (base64 of 32
	 * bytes) takes precedence over any key file. */
	const char *key_file;
	/* For vaults sealed by a passphrase: the passphrase itself
	 * (passphrase_len bytes), or NULL to use passphrase_file. */
	const char *passphrase;
	size_t passphrase_len;
	const char *passphrase_file;
	/* Storage backend name: "sqlite" (default) or "memory". */
	const char *backend;
	/* CST_OPEN_* flags. */
	unsigned flags;
} cst_open_opts;

#define CST_OPEN_READONLY 0x1u /* refuse writes */
#define CST_OPEN_BULK 0x2u     /* skip fsync per write (bulk loads, benches) */
#define CST_OPEN_EXCLUSIVE 0x4u /* this process alone uses the file (a server) */

/* Opens an initialised vault and proves the master key against its canary.
 * The first open (or init) sets jansson's allocator hooks for the whole
 * process so that every freed JSON block is wiped (malloc/free otherwise).
 * Returns CST_ENOTFOUND (no vault or key), CST_EINTEGRITY (wrong key or
 * damaged vault), CST_EIO. */
CST_WARN_UNUSED int cst_vault_open(cst_vault **out, const cst_open_opts *opts);

/* Closes a vault and wipes its keys. NULL is a no-op. */
void cst_vault_close(cst_vault *vault);

/* Reads one field of the newest live version of secret `name`. The value is
 * NUL-terminated; its length goes to *out_len when out_len is not NULL.
 * Free it with cst_secret_free(). Returns CST_ENOTFOUND, CST_EINVAL (bad
 * name), CST_EINTEGRITY. */
CST_WARN_UNUSED int cst_secret_field(char **out, size_t *out_len, cst_vault *vault,
                                     const char *name, const char *field);

/* Wipes and frees a value returned by this library. NULL is a no-op. */
void cst_secret_free(char *value);

/* Checks a secret name: letters, digits and "._-/", no empty, "." or ".."
 * segment, no leading or trailing "/", at most CST_NAME_MAX bytes. */
CST_WARN_UNUSED int cst_name_check(const char *name, size_t len);
#define CST_NAME_MAX 512

/* 1 if `field` of a credential of `type` holds secret material (shown
 * masked); 0 for descriptive fields (username, region, url). An unknown or
 * NULL type counts every field as secret. */
int cst_field_is_secret(const char *type, const char *field);

/* ---- Presigned S3 URLs ------------------------------------------------
 *
 * Temporary access to one object of S3 or an S3-compatible store (MinIO)
 * without handing out keys: a SigV4 query-string signed URL, made from a
 * stored credential of type "aws" (access_key_id, secret_access_key and,
 * for temporary credentials, session_token; its optional region and
 * endpoint fields are the defaults below). The URL is a bearer capability
 * until it expires: treat it as a secret. */

typedef struct cst_presign_pair {
	const char *name;  /* raw, not percent-encoded */
	const char *value;
} cst_presign_pair;

typedef struct cst_presign_opts {
	const char *method;   /* "GET" (NULL), "PUT", "HEAD" or "DELETE" */
	const char *bucket;
	const char *key;      /* the object key, raw ("reports/q3 2024.pdf") */
	int64_t expires;      /* seconds, 1 to 604800 (7 days); 0 means 3600 */
	/* NULL: the credential's region field, else "us-east-1". */
	const char *region;
	/* NULL: the credential's endpoint field, else https://s3.REGION.amazonaws.com.
	 * Virtual-hosted style (BUCKET.host) unless path_style is set, the
	 * bucket name is not a DNS label (dots, capitals, '_') or the host is
	 * an IP address or localhost. */
	const char *endpoint;
	int path_style;
	/* Extra signed query parameters (response-content-disposition,
	 * versionId, ...) and signed headers the client must send with the
	 * request (content-type for an upload). */
	const cst_presign_pair *params;
	size_t n_params;
	const cst_presign_pair *headers;
	size_t n_headers;
	int64_t time; /* signing time, Unix seconds; 0 means now */
} cst_presign_opts;

/* Presigns one request with the "aws" credential `cred` of the vault. The
 * URL (NUL-terminated) belongs to the caller: free it with
 * cst_secret_free(). *out_expires_at (may be NULL) gets the Unix time the
 * URL stops working. Returns CST_ENOTFOUND (no such credential), CST_EINVAL
 * (not an aws credential, bad options), CST_EINTEGRITY. */
CST_WARN_UNUSED int cst_presign_s3(char **out_url, int64_t *out_expires_at, cst_vault *vault,
                                   const char *cred, const cst_presign_opts *opts);

/* A cache of presigned URLs: asking again for the same credential and
 * options returns the URL made before while now < its expiry - margin
 * seconds, and signs a new one after. `clock` returns Unix seconds (NULL:
 * the system clock; tests pass their own) and is also the signing time.
 * Holds up to 256 URLs; safe to share between threads. */
typedef struct cst_presign_cache cst_presign_cache;
typedef int64_t (*cst_clock_fn)(void *payload);

/* NULL when out of memory. The vault must outlive the cache. */
cst_presign_cache *cst_presign_cache_new(cst_vault *vault, int64_t margin_seconds,
                                         cst_clock_fn clock, void *clock_payload);
/* As cst_presign_s3 (opts->time is ignored: the cache's clock signs); the
 * URL is a copy, freed with cst_secret_free(). */
CST_WARN_UNUSED int cst_presign_cache_get(char **out_url, cst_presign_cache *cache,
                                          const char *cred, const cst_presign_opts *opts);
/* Wipes every URL and frees the cache. NULL is a no-op. */
void cst_presign_cache_free(cst_presign_cache *cache);

#ifdef __cplusplus
}
#endif

#endif /* CUSTOS_H */
