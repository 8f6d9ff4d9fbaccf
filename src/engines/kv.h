/* kv.h - what the two halves of the KV v2 engine share: the stored
 * metadata record, storage keys, and the batch that saves a change.
 *
 * Storage layout under the mount's prefix P:
 *   P config             engine settings {max_versions, cas_required, delete_version_after}
 *   P m/<name>           metadata record (JSON, below)
 *   P v/<name>#<version> one version's data (JSON object), version zero-padded to 10
 *
 * Metadata record: {"created", "updated" (ns), "current", "oldest",
 * "max_versions", "cas_required", "delete_version_after" (s),
 * "custom_metadata" (object|null), "type" (custos extension, optional),
 * "owner_team", "expires_at" (ns), "rotate_every" (s) (custos lifecycle
 * extensions, kv_lifecycle.c; each optional),
 * "versions": {"N": {"created", "deleted" (ns, 0 = live), "destroyed"}}}. */
#ifndef CST_KV_H
#define CST_KV_H

#include <jansson.h>
#include <stdint.h>

#include "core/router.h"

typedef struct kv_record {
	json_t *meta;  /* owned; NULL when the secret does not exist */
	uint64_t rev;  /* storage revision of the metadata entry (0: absent) */
} kv_record;

/* Storage keys for a name. out must hold CST_LIMIT_STORAGE_KEY + 1 bytes. */
int kv_meta_key(char *out, const cst_engine_ctx *ctx, const char *name);
int kv_version_key(char *out, const cst_engine_ctx *ctx, const char *name, uint64_t version);

/* Loads the metadata record of rest-of-path `name` (validated). A missing
 * record is not an error: rec->meta is NULL. kv_load gives a copy to
 * change: its top object and "versions" map are its own, each version's
 * entry is still shared (change one through kv_version_info_mut);
 * kv_load_shared one that may be shared with other requests through the
 * record cache: read only. */
int kv_load(kv_record *rec, cst_engine_ctx *ctx, const char *name);
int kv_load_shared(kv_record *rec, cst_engine_ctx *ctx, const char *name);
void kv_record_release(kv_record *rec);

/* The engine config, with defaults filled in; a reference the caller
 * releases, possibly shared: read only (json_deep_copy it to change). */
int kv_load_config(json_t **out, cst_engine_ctx *ctx);

/* A fresh metadata record for a new secret. */
json_t *kv_new_meta(int64_t now);

/* Adds the metadata write (with a revision check against rec->rev) to ops
 * and applies ops plus extra in one batch. On success rec->meta is shared
 * with the record cache: do not change it afterwards. */
int kv_save(cst_engine_ctx *ctx, const char *name, const kv_record *rec,
            const cst_barrier_op *extra, size_t n_extra);

/* Field accessors of the record. */
int64_t kv_int(const json_t *obj, const char *field);
json_t *kv_version_info(const json_t *meta, uint64_t version);
/* The same entry made rec's own (copied into meta's "versions" map) so it
 * can be changed; meta must come from kv_load. NULL if there is none. */
json_t *kv_version_info_mut(json_t *meta, uint64_t version);

/* {"created_time","deletion_time","destroyed","version","custom_metadata"}
 * as Vault's data/ responses show them. */
json_t *kv_version_summary(const json_t *meta, uint64_t version);

/* Parses a version list ({"versions":[1,"2"]}) into out (caller frees).
 * Returns CST_EINVAL "no version number provided" when empty. */
int kv_versions_arg(uint64_t **out, size_t *n, const json_t *data);

/* Parses an integer field that Vault decodes weakly (42 or "42"). */
int kv_weak_uint(uint64_t *out, const json_t *v, const char *what);

/* Effective max_versions for a record under a config. */
uint64_t kv_max_versions(const json_t *meta, const json_t *config);

/* Validates custom_metadata (Vault's limits plus custos's refusal of
 * secret-looking keys). */
int kv_check_custom_metadata(const json_t *custom);

/* RFC 7386 JSON merge patch of patch onto target (modified in place). */
int kv_merge_patch(json_t *target, const json_t *patch);

/* A read-modify-write step on a record; kv_with_record loads the record
 * and config, runs it, and runs it again when another writer raced it. */
typedef int (*kv_change_fn)(cst_engine_ctx *ctx, kv_record *rec, const cst_request *req,
                            const json_t *config, cst_response *resp);
int kv_with_record(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp,
                   kv_change_fn change);

/* Sets (undelete = 0) or clears deletion times of versions and saves. */
int kv_mark_versions(cst_engine_ctx *ctx, kv_record *rec, const uint64_t *versions, size_t n,
                     int undelete);

/* Handlers in kv_meta.c. */
int kv_config_read(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int kv_config_write(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int kv_metadata_read(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int kv_metadata_write(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int kv_metadata_delete(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int kv_metadata_list(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int kv_metadata_route(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int kv_delete_versions(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int kv_undelete_versions(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int kv_destroy_versions(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);

/* Lifecycle settings (kv_lifecycle.c): applies owner_team, expires_at and
 * rotate_every of a metadata write to meta (CST_EINVAL naming the field);
 * writes them into a metadata read's out as the API shows them. */
int kv_apply_lifecycle(cst_engine_ctx *ctx, json_t *meta, const json_t *data)
	__attribute__((warn_unused_result));
void kv_lifecycle_out(json_t *out, const json_t *meta);
/* 1 and the team's name in out when mount_path is a team's own mount
 * ("teams/<team>/"), else 0. */
int kv_mount_team(char *out, size_t n, const char *mount_path);

/* Calls fn(name, metadata record, payload) for every secret of the KV
 * mount whose storage prefix is given, in name order (kv_each.c). A
 * negative return of fn stops the walk with that code. */
int cst_kv_each(cst_vault *v, const char *storage_prefix,
                int (*fn)(const char *name, const json_t *meta, void *payload), void *payload)
	__attribute__((warn_unused_result));

/* secret/check/NAME (kv_check.c): a provider check of the credential. */
int kv_check_read(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);

#endif
