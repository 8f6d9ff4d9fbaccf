/* approle.h - what approle.c offers besides its engine: a walk over a
 * mount's roles with their role_ids (not secret, but kept only here),
 * for reports that name the role behind a login in the audit log. */
#ifndef CST_ENGINES_APPROLE_H
#define CST_ENGINES_APPROLE_H

#include "custos.h"

/* Calls fn(role name, role_id, payload) for every role of the approle
 * mount whose storage prefix is given, in name order; a negative return
 * of fn stops the walk with that code. */
int cst_approle_each_role(cst_vault *v, const char *storage_prefix,
                          int (*fn)(const char *name, const char *role_id, void *payload),
                          void *payload) __attribute__((warn_unused_result));

#endif
