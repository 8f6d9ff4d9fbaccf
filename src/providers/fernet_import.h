/* fernet_import.h - reading a file of Fernet tokens made by a Python
 * service (cryptography.fernet) into the fields of one credential. */
#ifndef CST_FERNET_IMPORT_H
#define CST_FERNET_IMPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/fernet.h"

/* Two layouts, told apart by the first non-blank character:
 *
 *   {"FIELD": "gAAAA...", ...}    a JSON object of tokens: FIELD = plaintext
 *   FIELD=gAAAA...                lines (blank lines and # comments skipped):
 *   gAAAA...                      FIELD=TOKEN, or a bare token whose
 *                                 plaintext is itself a FIELD=VALUE line
 *
 * Every token is checked (ttl < 0: no age check, else pyca's TTL rules at
 * `now`) and decrypted; *out gets {"FIELD": "plaintext", ...}, owned by the
 * caller. Nothing is returned unless every token is good. Returns
 * CST_EINVAL (layout, field names, a plaintext that is not UTF-8 text),
 * CST_EINTEGRITY (a bad, expired or wrong-key token: the message names the
 * field or line, never a value), CST_ENOMEM. */
int cst_fernet_import(json_t **out, const unsigned char key[CST_FERNET_KEY_LEN], const char *text,
                      size_t len, int64_t ttl, int64_t now) __attribute__((warn_unused_result));

#endif
