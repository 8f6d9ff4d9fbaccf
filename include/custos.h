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
	CST_ELIMIT = -11     /* too many attempts: try again later (HTTP 429) */
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

#ifdef __cplusplus
}
#endif

#endif /* CUSTOS_H */
