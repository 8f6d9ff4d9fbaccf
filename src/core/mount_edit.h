/* mount_edit.h - changing the mount table: adding and removing secret
 * engine mounts ("teams/ml/", kv) and auth method mounts ("auth/userpass/")
 * for sys/mounts, sys/auth and sys/teams. Each change writes core/mounts
 * with a revision check and swaps a new table into the router. */
#ifndef CST_MOUNT_EDIT_H
#define CST_MOUNT_EDIT_H

#include <jansson.h>
#include <stddef.h>

#include "custos.h"

/* Adds a mount at path (ending in '/') of an engine type, with a
 * description and a config object kept in its record (both may be NULL).
 * Auth methods live under "auth/" with a storage prefix "auth/<id>/",
 * others under "logical/<id>/". CST_EINVAL "path is already in use at X"
 * when path is, or lies inside or around, another mount (built-in ones
 * included). */
int cst_mount_add(cst_vault *v, const char *path, const char *type, const char *description,
                  const json_t *config) __attribute__((warn_unused_result));

/* Replaces the config object of the mount at path (CST_ENOTFOUND when
 * nothing is mounted there). */
int cst_mount_set_config(cst_vault *v, const char *path, const json_t *config)
	__attribute__((warn_unused_result));

/* Removes the mount at path and erases everything stored under it.
 * *out_type (when not NULL, a buffer of n bytes) gets its type, or ""
 * when nothing was mounted there (not an error, as in Vault). */
int cst_mount_remove(cst_vault *v, const char *path, char *out_type, size_t n)
	__attribute__((warn_unused_result));

/* The mount table as stored ({"path/": {"type","prefix",...}}), owned by
 * the caller. */
int cst_mount_list(json_t **out, cst_vault *v) __attribute__((warn_unused_result));

/* A mount's accessor, as Vault names them ("auth_userpass_1a2b3c4d"),
 * derived from its type and storage prefix so it needs no storage. */
void cst_mount_accessor(char *out, size_t n, const char *type, const char *prefix);

#endif
