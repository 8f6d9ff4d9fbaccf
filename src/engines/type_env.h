/* type_env.h - which environment variables a credential becomes (`custos
 * run`, `custos export`) and which variables of an environment are known
 * credentials (`custos import env`):
 *
 *   - provider types use their ecosystem's names: openai api_key is
 *     OPENAI_API_KEY, aws access_key_id AWS_ACCESS_KEY_ID, db_dsn dsn
 *     DATABASE_URL, ...; a field the table does not name is TYPE_FIELD;
 *   - custom credentials (an imported .env) keep their field names as
 *     they are;
 *   - generic types (api_key, bearer_token, http_basic, ssh) and untyped
 *     secrets are NAME_FIELD, upper-cased with other characters as '_'
 *     ("pagerduty" api_key: PAGERDUTY_API_KEY; "docker" http_basic:
 *     DOCKER_USERNAME, DOCKER_PASSWORD), as envconsul names Vault keys. */
#ifndef CST_TYPE_ENV_H
#define CST_TYPE_ENV_H

#include <stddef.h>

#include "core/limits.h"

/* Room for any variable name: NAME_FIELD, '_' added before a digit. */
#define CST_ENV_NAME_MAX (1 + CST_LIMIT_NAME + 1 + CST_LIMIT_FIELD_NAME + 1)

/* The variable for `field` of credential `name` of `type` (NULL: untyped)
 * holding `value` (Slack tokens are named by their kind: xapp- is
 * SLACK_APP_TOKEN, xoxp- SLACK_USER_TOKEN, others SLACK_BOT_TOKEN). out
 * needs CST_ENV_NAME_MAX bytes. */
void cst_env_var_name(char *out, const char *type, const char *name, const char *field,
                      const char *value);

/* A variable `custos import env` recognises. Rows of one credential share
 * secret; the first row of a field wins over its aliases. */
typedef struct cst_env_known {
	const char *var;
	const char *type;
	const char *field;
	const char *secret; /* the name it is stored under */
} cst_env_known;

/* The table, and its length in *n. */
const cst_env_known *cst_env_known_vars(size_t *n);

#endif
