/* keysource.h - where the master key comes from: $CUSTOS_MASTER_KEY, a key
 * file, or a passphrase through scrypt (parameters stored in the vault's
 * plain seal record). Also the default paths of vault and key file. */
#ifndef CST_KEYSOURCE_H
#define CST_KEYSOURCE_H

#include <jansson.h>

#include "crypto/keyring.h"
#include "custos.h"

typedef struct cst_keysource {
	unsigned char key[CST_KEY_LEN]; /* wiped by cst_keysource_release */
	char desc[320];                 /* "key file /path", "env CUSTOS_MASTER_KEY", "passphrase" */
} cst_keysource;

/* Fills out with a path under an XDG directory: which is "data" or
 * "config". Returns CST_EINVAL when neither XDG nor HOME is set. */
int cst_default_path(char *out, size_t n, const char *which, const char *file)
	__attribute__((warn_unused_result));

/* The vault path and key-file path that opts (or the environment) select. */
int cst_vault_path(char *out, size_t n, const cst_open_opts *opts) __attribute__((warn_unused_result));
int cst_key_file_path(char *out, size_t n, const cst_open_opts *opts) __attribute__((warn_unused_result));

/* Loads the master key the seal record asks for. CST_ESEALED when a
 * passphrase is needed and none was given; CST_ENOTFOUND for no key file;
 * CST_EPERM for a key file others can read; CST_EINTEGRITY for a bad one. */
int cst_keysource_load(cst_keysource *out, const cst_open_opts *opts, const json_t *seal)
	__attribute__((warn_unused_result));

/* For init: makes a key and the seal record for it (creating the key file
 * when that is the source). *out_seal is owned by the caller;
 * *out_created_file tells whether a key file was written (to undo it). */
int cst_keysource_create(cst_keysource *out, json_t **out_seal, int *out_created_file,
                         const cst_open_opts *opts, unsigned flags)
	__attribute__((warn_unused_result));

void cst_keysource_release(cst_keysource *ks);

#endif
