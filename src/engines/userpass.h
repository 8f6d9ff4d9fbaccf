/* userpass.h - the userpass auth method (src/engines/userpass.c): users
 * with scrypt password hashes, policies and teams, at Vault's paths
 * auth/<mount>/users/NAME and auth/<mount>/login/NAME.
 *
 * Storage under the mount's prefix P:
 *   P user/<name>  {"name", "id" (entity id), "password": {scrypt record},
 *                   token settings (auth.h), "teams"}
 *
 * Personal credentials: every userpass login also gets the "personal"
 * policy, which grants each user full access to users/data/<name>/... (and
 * metadata, delete, undelete, destroy) of the kv mount users/, through the
 * {{identity.entity.name}} template, and nothing else there. */
#ifndef CST_ENGINES_USERPASS_H
#define CST_ENGINES_USERPASS_H

#include <jansson.h>

#include "custos.h"

#define CST_PERSONAL_POLICY "personal"
#define CST_PERSONAL_MOUNT "users/"

/* Makes what personal credentials need when a userpass method is enabled:
 * the kv mount users/ and the policy "personal", each only when missing
 * (an existing one is kept, with a warning if it differs). */
int cst_userpass_prepare(cst_vault *v, json_t **warnings) __attribute__((warn_unused_result));

#endif
