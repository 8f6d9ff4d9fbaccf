/* kv_meta.c - the KV v2 paths around the data: metadata (read, write,
 * patch, delete, list), delete/undelete/destroy of versions, and config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "core/names.h"
#include "engines/kv.h"
#include "storage/storage.h"
#include "engines/types.h"
#include "util/timefmt.h"

static json_t *time_string(int64_t ns)
{
	char t[48];
	cst_time_format(t, sizeof(t), ns);
	return json_string(t);
}

static json_t *duration_string(int64_t secs)
{
	char d[48];
	cst_duration_format(d, sizeof(d), secs);
	return json_string(d);
}

int kv_config_read(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)req;
	json_t *config = NULL;
	int rc = kv_load_config(&config, ctx);
	if (rc == CST_OK)
		resp->data = json_pack(
			"{s:b, s:o, s:I}", "cas_required",
			json_is_true(json_object_get(config, "cas_required")), "delete_version_after",
			duration_string(kv_int(config, "delete_version_after")), "max_versions",
			(json_int_t)kv_int(config, "max_versions"));
	json_decref(config);
	return rc;
}

/* Reads the settings shared by config and metadata writes into target. */
static int apply_settings(json_t *target, const json_t *data)
{
	json_t *v;
	uint64_t n;
	int rc;
	if ((v = json_object_get(data, "max_versions")) != NULL && !json_is_null(v)) {
		if ((rc = kv_weak_uint(&n, v, "max_versions")) < 0)
			return rc;
		if (n > CST_LIMIT_VERSIONS_KEPT)
			return cst_fail(CST_EINVAL, "max_versions may be at most %d",
			                CST_LIMIT_VERSIONS_KEPT);
		json_object_set_new(target, "max_versions", json_integer((json_int_t)n));
	}
	if ((v = json_object_get(data, "cas_required")) != NULL && !json_is_null(v)) {
		if (!json_is_boolean(v))
			return cst_fail(CST_EINVAL, "cas_required must be true or false");
		json_object_set(target, "cas_required", v);
	}
	if ((v = json_object_get(data, "delete_version_after")) != NULL && !json_is_null(v)) {
		int64_t secs = 0;
		if (json_is_integer(v))
			secs = (int64_t)json_integer_value(v);
		else if (!json_is_string(v) ||
		         cst_duration_parse(&secs, json_string_value(v)) < 0)
			return cst_fail(CST_EINVAL, "delete_version_after must be a duration such as 720h");
		if (secs > CST_LIMIT_MAX_DURATION)
			return cst_fail(CST_EINVAL, "delete_version_after may be at most 100 years");
		json_object_set_new(target, "delete_version_after", json_integer(secs < 0 ? 0 : secs));
	}
	return CST_OK;
}

int kv_config_write(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)resp;
	json_t *config = NULL;
	char key[CST_LIMIT_STORAGE_KEY + 1];
	json_t *shared = NULL;
	int rc = kv_load_config(&shared, ctx);
	if (rc == CST_OK && (config = json_deep_copy(shared)) == NULL)
		rc = cst_fail(CST_ENOMEM, "out of memory");
	json_decref(shared);
	if (rc == CST_OK)
		rc = apply_settings(config, req->data);
	char *text = rc == CST_OK ? json_dumps(config, JSON_COMPACT) : NULL;
	if (rc == CST_OK && text == NULL)
		rc = cst_fail(CST_ENOMEM, "out of memory");
	if (rc == CST_OK) {
		snprintf(key, sizeof(key), "%sconfig", ctx->storage_prefix);
		cst_barrier_op op = {CST_STORAGE_PUT, key, text, strlen(text), CST_REV_ANY};
		rc = cst_barrier_batch(ctx->barrier, &op, 1);
	}
	free(text);
	json_decref(config);
	return rc;
}

int kv_check_custom_metadata(const json_t *custom)
{
	if (json_is_null(custom))
		return CST_OK;
	if (!json_is_object(custom))
		return cst_fail(CST_EINVAL, "custom_metadata must be an object of strings");
	if (json_object_size(custom) > CST_LIMIT_CUSTOM_META_KEYS)
		return cst_fail(CST_EINVAL, "custom_metadata validation failed: more than %d keys",
		                CST_LIMIT_CUSTOM_META_KEYS);
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)custom, k, v) {
		size_t kl = strlen(k);
		if (kl == 0 || kl > CST_LIMIT_CUSTOM_META_KEY)
			return cst_fail(CST_EINVAL, "custom_metadata validation failed: key length must "
			                            "be 1 to %d", CST_LIMIT_CUSTOM_META_KEY);
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > CST_LIMIT_CUSTOM_META_VALUE)
			return cst_fail(CST_EINVAL, "custom_metadata validation failed: value of '%.64s' "
			                            "must be a string of 1 to %d bytes", k,
			                CST_LIMIT_CUSTOM_META_VALUE);
		for (const char *p = k; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return cst_fail(CST_EINVAL, "custom_metadata validation failed: key has a "
				                            "control character");
		if (cst_meta_key_looks_secret(k))
			return cst_fail(CST_EINVAL, "custom_metadata key '%.64s' looks like it holds a "
			                            "secret; metadata is not encrypted for display, store "
			                            "it as a field of the secret instead", k);
	}
	return CST_OK;
}

int kv_metadata_read(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)req;
	kv_record rec;
	json_t *config = NULL;
	int rc = kv_load_shared(&rec, ctx, ctx->rest);
	if (rc < 0)
		return rc;
	if (rec.meta == NULL) {
		kv_record_release(&rec);
		return cst_fail(CST_ENOTFOUND, "no secret %.200s", ctx->rest);
	}
	if ((rc = kv_load_config(&config, ctx)) < 0) {
		kv_record_release(&rec);
		return rc;
	}
	json_t *m = rec.meta, *versions = json_object();
	const char *k;
	json_t *info;
	json_object_foreach(json_object_get(m, "versions"), k, info) {
		json_object_set_new(versions, k,
		                    json_pack("{s:o, s:o, s:b}", "created_time",
		                              time_string(kv_int(info, "created")), "deletion_time",
		                              time_string(kv_int(info, "deleted")), "destroyed",
		                              json_is_true(json_object_get(info, "destroyed"))));
	}
	json_t *custom = json_object_get(m, "custom_metadata");
	resp->data = json_pack(
		"{s:b, s:o, s:I, s:O, s:o, s:I, s:I, s:o, s:o}", "cas_required",
		json_is_true(json_object_get(m, "cas_required")), "created_time",
		time_string(kv_int(m, "created")), "current_version", (json_int_t)kv_int(m, "current"),
		"custom_metadata", custom ? custom : json_null(), "delete_version_after",
		duration_string(kv_int(m, "delete_version_after")), "max_versions",
		(json_int_t)kv_int(m, "max_versions"), "oldest_version",
		(json_int_t)kv_int(m, "oldest"), "updated_time", time_string(kv_int(m, "updated")),
		"versions", versions);
	const char *type = json_string_value(json_object_get(m, "type"));
	if (resp->data && type)
		json_object_set_new(resp->data, "type", json_string(type));
	if (resp->data)
		kv_lifecycle_out(resp->data, m);
	json_decref(config);
	kv_record_release(&rec);
	return resp->data ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
}

static int change_metadata(cst_engine_ctx *ctx, kv_record *rec, const cst_request *req,
                           const json_t *config, cst_response *resp)
{
	(void)config;
	(void)resp;
	int patch = req->op == CST_OP_PATCH;
	if (rec->meta == NULL) {
		if (patch)
			return cst_fail(CST_ENOTFOUND, "no secret %.200s", ctx->rest);
		if ((rec->meta = kv_new_meta(cst_now_ns())) == NULL)
			return cst_fail(CST_ENOMEM, "out of memory");
	}
	int rc = apply_settings(rec->meta, req->data);
	if (rc < 0)
		return rc;
	json_t *custom = json_object_get(req->data, "custom_metadata");
	if (custom != NULL) {
		json_t *merged = NULL;
		if (patch && json_is_object(custom)) {
			json_t *old = json_object_get(rec->meta, "custom_metadata");
			merged = json_is_object(old) ? json_deep_copy(old) : json_object();
			kv_merge_patch(merged, custom);
		} else {
			/* A write replaces the whole map, as in Vault. */
			merged = json_incref(custom);
		}
		if ((rc = kv_check_custom_metadata(merged)) == CST_OK)
			json_object_set(rec->meta, "custom_metadata", merged);
		json_decref(merged);
		if (rc < 0)
			return rc;
	}
	json_t *type = json_object_get(req->data, "type");
	if (type != NULL && !json_is_null(type)) {
		if (!json_is_string(type) || !cst_type_known(json_string_value(type)))
			return cst_fail(CST_EINVAL, "unknown credential type (see 'custos types')");
		json_object_set(rec->meta, "type", type);
	}
	if ((rc = kv_apply_lifecycle(ctx, rec->meta, req->data)) < 0)
		return rc;
	json_object_set_new(rec->meta, "updated", json_integer((json_int_t)cst_now_ns()));
	return kv_save(ctx, ctx->rest, rec, NULL, 0);
}

int kv_metadata_write(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	return kv_with_record(ctx, req, resp, change_metadata);
}

/* Deletes the metadata and every version key of a secret, in batches. */
static int change_delete_all(cst_engine_ctx *ctx, kv_record *rec, const cst_request *req,
                             const json_t *config, cst_response *resp)
{
	(void)req;
	(void)config;
	(void)resp;
	if (rec->meta == NULL)
		return CST_OK;
	char prefix[CST_LIMIT_STORAGE_KEY + 1], key[CST_LIMIT_STORAGE_KEY + 1];
	int n = snprintf(prefix, sizeof(prefix), "%sv/%s#", ctx->storage_prefix, ctx->rest);
	if (n <= 0 || (size_t)n >= sizeof(prefix))
		return cst_fail(CST_EINVAL, "name too long");
	int rc = kv_meta_key(key, ctx, ctx->rest);
	cst_storage_keys page = {0};
	/* Every version key and the metadata go in one batch (a secret keeps
	 * at most CST_LIMIT_VERSIONS_KEPT versions), so no reader ever sees
	 * metadata whose versions are gone. A store holding more (left over
	 * from a crash of an older build) is cleared page by page first. */
	for (;;) {
		if (rc == CST_OK)
			rc = cst_storage_list(ctx->barrier->st, prefix, NULL, CST_LIMIT_LIST_PAGE + 1, &page);
		if (rc < 0)
			break;
		int last = page.count <= CST_LIMIT_LIST_PAGE;
		size_t n_ops = page.count + (size_t)last;
		cst_barrier_op *ops = calloc(n_ops ? n_ops : 1, sizeof(*ops));
		if (ops == NULL)
			rc = cst_fail(CST_ENOMEM, "out of memory");
		for (size_t i = 0; ops && i < page.count; i++)
			ops[i] = (cst_barrier_op){CST_STORAGE_DELETE, page.keys[i], NULL, 0, CST_REV_ANY};
		if (ops && last)
			ops[page.count] = (cst_barrier_op){CST_STORAGE_DELETE, key, NULL, 0, (int64_t)rec->rev};
		if (rc == CST_OK)
			rc = cst_barrier_batch(ctx->barrier, ops, n_ops);
		free(ops);
		cst_storage_keys_release(&page);
		if (last || rc < 0)
			break;
	}
	return rc;
}

int kv_metadata_delete(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	return kv_with_record(ctx, req, resp, change_delete_all);
}

/* Lists one folder level: names directly under the folder, and sub-folders
 * once each with a trailing '/', skipping over their contents. */
int kv_metadata_list(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)req;
	char folder[CST_LIMIT_NAME + 2];
	size_t flen = strlen(ctx->rest);
	int rc = cst_name_check_prefix(ctx->rest, flen);
	if (rc < 0)
		return rc;
	snprintf(folder, sizeof(folder), "%s%s", ctx->rest, flen && ctx->rest[flen - 1] != '/' ? "/" : "");
	char prefix[CST_LIMIT_STORAGE_KEY + 1], after[CST_LIMIT_STORAGE_KEY + 2] = "";
	int n = snprintf(prefix, sizeof(prefix), "%sm/%s", ctx->storage_prefix, folder);
	if (n <= 0 || (size_t)n >= sizeof(prefix))
		return cst_fail(CST_EINVAL, "name too long");
	size_t plen = (size_t)n;
	json_t *keys = json_array();
	cst_storage_keys page = {0};
	int more = 1;
	while (rc == CST_OK && more) {
		rc = cst_storage_list(ctx->barrier->st, prefix, after[0] ? after : NULL,
		                      CST_LIMIT_LIST_PAGE, &page);
		more = rc == CST_OK && page.count == CST_LIMIT_LIST_PAGE;
		for (size_t i = 0; rc == CST_OK && i < page.count; i++) {
			const char *rel = page.keys[i] + plen;
			const char *slash = strchr(rel, '/');
			if (slash == NULL) {
				json_array_append_new(keys, json_string(rel));
				snprintf(after, sizeof(after), "%s", page.keys[i]);
				continue;
			}
			/* A sub-folder: name it once, then resume after all of it.
			 * Name bytes are all below 0x7f, so "sub/\x7f" sorts after
			 * every "sub/..." key and before "sub0". */
			json_array_append_new(keys, json_stringn(rel, (size_t)(slash - rel) + 1));
			snprintf(after, sizeof(after), "%.*s\x7f", (int)(plen + (size_t)(slash - rel) + 1),
			         page.keys[i]);
			more = 1;
			break;
		}
		cst_storage_keys_release(&page);
	}
	if (rc == CST_OK && json_array_size(keys) == 0)
		rc = cst_fail(CST_ENOTFOUND, "no secrets under '%.200s'", folder);
	if (rc == CST_OK)
		resp->data = json_pack("{s:o}", "keys", keys);
	else
		json_decref(keys);
	return rc;
}

int kv_metadata_route(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	switch (req->op) {
	case CST_OP_READ: return kv_metadata_read(ctx, req, resp);
	case CST_OP_CREATE:
	case CST_OP_UPDATE:
	case CST_OP_PATCH: return kv_metadata_write(ctx, req, resp);
	case CST_OP_DELETE: return kv_metadata_delete(ctx, req, resp);
	case CST_OP_LIST: return kv_metadata_list(ctx, req, resp);
	}
	return cst_fail(CST_EUNSUPPORTED, "unsupported operation");
}

static int change_versions(cst_engine_ctx *ctx, kv_record *rec, const cst_request *req,
                           int undelete)
{
	uint64_t *versions = NULL;
	size_t n = 0;
	int rc = kv_versions_arg(&versions, &n, req->data);
	if (rc == CST_OK && rec->meta != NULL)
		rc = kv_mark_versions(ctx, rec, versions, n, undelete);
	free(versions);
	return rc;
}

static int change_delete(cst_engine_ctx *ctx, kv_record *rec, const cst_request *req,
                         const json_t *config, cst_response *resp)
{
	(void)config;
	(void)resp;
	return change_versions(ctx, rec, req, 0);
}

static int change_undelete(cst_engine_ctx *ctx, kv_record *rec, const cst_request *req,
                           const json_t *config, cst_response *resp)
{
	(void)config;
	(void)resp;
	return change_versions(ctx, rec, req, 1);
}

/* Destroy removes the version's data for good and marks it destroyed. */
static int change_destroy(cst_engine_ctx *ctx, kv_record *rec, const cst_request *req,
                          const json_t *config, cst_response *resp)
{
	(void)config;
	(void)resp;
	uint64_t *versions = NULL;
	size_t n = 0, n_ops = 0;
	int rc = kv_versions_arg(&versions, &n, req->data);
	if (rc < 0 || rec->meta == NULL) {
		free(versions);
		return rc;
	}
	char (*keys)[CST_LIMIT_STORAGE_KEY + 1] = calloc(n, sizeof(*keys));
	cst_barrier_op *ops = calloc(n, sizeof(*ops));
	if (keys == NULL || ops == NULL)
		rc = cst_fail(CST_ENOMEM, "out of memory");
	for (size_t i = 0; rc == CST_OK && i < n; i++) {
		json_t *info = kv_version_info(rec->meta, versions[i]);
		if (info == NULL || json_is_true(json_object_get(info, "destroyed")))
			continue;
		if ((info = kv_version_info_mut(rec->meta, versions[i])) == NULL) {
			rc = cst_fail(CST_ENOMEM, "out of memory");
			break;
		}
		json_object_set_new(info, "destroyed", json_true());
		if ((rc = kv_version_key(keys[n_ops], ctx, ctx->rest, versions[i])) == CST_OK) {
			ops[n_ops] = (cst_barrier_op){CST_STORAGE_DELETE, keys[n_ops], NULL, 0, CST_REV_ANY};
			n_ops++;
		}
	}
	if (rc == CST_OK && n_ops > 0) {
		json_object_set_new(rec->meta, "updated", json_integer((json_int_t)cst_now_ns()));
		rc = kv_save(ctx, ctx->rest, rec, ops, n_ops);
	}
	free(keys);
	free(ops);
	free(versions);
	return rc;
}

int kv_delete_versions(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	return kv_with_record(ctx, req, resp, change_delete);
}

int kv_undelete_versions(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	return kv_with_record(ctx, req, resp, change_undelete);
}

int kv_destroy_versions(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	return kv_with_record(ctx, req, resp, change_destroy);
}
