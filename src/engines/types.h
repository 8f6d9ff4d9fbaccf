/* types.h - credential types (custos extension to KV v2): which fields a
 * type needs, which are secret (masked in tables), and the published shape
 * of provider keys. Validated on every write. */
#ifndef CST_TYPES_H
#define CST_TYPES_H

#include <jansson.h>

/* Validates a version's data for a type. NULL type: Vault's untyped
 * secrets (any JSON values, names checked only). Returns CST_EINVAL with a
 * message naming the field. */
int cst_type_validate(const char *type, const json_t *data) __attribute__((warn_unused_result));

/* Checks a field name: 1 to CST_LIMIT_FIELD_NAME bytes, no space, '=' or
 * control character. Returns CST_OK or CST_EINVAL. */
int cst_type_check_field_name(const char *name) __attribute__((warn_unused_result));

/* 1 if type names a known credential type. */
int cst_type_known(const char *type);

/* 1 if the field holds a secret value for that type (custom and untyped:
 * every field). */
int cst_type_field_secret(const char *type, const char *field);

/* 1 if a metadata key looks like it would hold a secret (password, token,
 * secret, key, ...): such keys are refused in custom_metadata. */
int cst_meta_key_looks_secret(const char *key);

/* [{"name","description","fields":[{"name","required","secret","shape"}]}] */
json_t *cst_types_describe(void);

#endif
