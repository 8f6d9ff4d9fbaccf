/* kv.c - the KV v2 engine: the data/ paths (read, write, patch, soft
 * delete of the latest version), the shared record helpers, and the path
 * table. Semantics follow Vault's KV v2 (see docs/internals/kv.md). */
#include "engines/kv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "core/names.h"
#include "engines/types.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timefmt.h"

int kv_meta_key(char *out, const cst_engine_ctx *ctx, const char *name)
{
	int n = snprintf(out, CST_LIMIT_STORAGE_KEY + 1, "%sm/%s", ctx->storage_prefix, name);
	return n > 0 && n <= CST_LIMIT_STORAGE_KEY ? CST_OK : cst_fail(CST_EINVAL, "name too long");
}

int kv_version_key(char *out, const cst_engine_ctx *ctx, const char *name, uint64_t version)
{
	int n = snprintf(out, CST_LIMIT_STORAGE_KEY + 1, "%sv/%s#%010llu", ctx->storage_prefix, name,
	                 (unsigned long long)version);
	return n > 0 && n <= CST_LIMIT_STORAGE_KEY ? CST_OK : cst_fail(CST_EINVAL, "name too long");
}

int64_t kv_int(const json_t *obj, const char *field)
{
	return (int64_t)json_integer_value(json_object_get(obj, field));
}

/* A version's key in the metadata's "versions" map: its number. */
typedef struct version_name {
	char s[24];
} version_name;

static version_name name_of(uint64_t version)
{
	version_name n;
	snprintf(n.s, sizeof(n.s), "%llu", (unsigned long long)version);
	return n;
}

json_t *kv_version_info(const json_t *meta, uint64_t version)
{
	return json_object_get(json_object_get(meta, "versions"), name_of(version).s);
}

json_t *kv_version_info_mut(json_t *meta, uint64_t version)
{
	version_name name = name_of(version);
	const char *k = name.s;
	json_t *versions = json_object_get(meta, "versions");
	json_t *own = json_copy(json_object_get(versions, k)); /* an entry holds only scalars */
	if (own == NULL || json_object_set_new(versions, k, own) < 0)
		return NULL;
	return own;
}

/* The copy kv_load gives: the top object and its "versions" map are new,
 * their values shared (jansson's reference counts are atomic). A deep copy
 * of every version's entry, then freeing it, was a fifth of a durable
 * write's CPU; writers change the map and at most a few entries, which
 * kv_version_info_mut copies first. */
static json_t *meta_copy(json_t *shared)
{
	json_t *top = json_copy(shared);
	json_t *versions = json_object_get(shared, "versions");
	if (top != NULL && json_is_object(versions) &&
	    json_object_set_new(top, "versions", json_copy(versions)) < 0) {
		json_decref(top);
		return NULL;
	}
	return top;
}

json_t *kv_new_meta(int64_t now)
{
	return json_pack("{s:I, s:I, s:i, s:i, s:i, s:b, s:i, s:n, s:{}}", "created", (json_int_t)now,
	                 "updated", (json_int_t)now, "current", 0, "oldest", 0, "max_versions", 0,
	                 "cas_required", 0, "delete_version_after", 0, "custom_metadata", "versions");
}

static int load_meta(kv_record *rec, cst_engine_ctx *ctx, const char *name, int shared)
{
	char key[CST_LIMIT_STORAGE_KEY + 1];
	json_t *meta = NULL;
	rec->meta = NULL;
	rec->rev = 0;
	int rc = cst_name_check(name, strlen(name));
	if (rc == CST_OK)
		rc = kv_meta_key(key, ctx, name);
	if (rc == CST_OK)
		rc = cst_barrier_get_json_shared(ctx->barrier, key, &meta, &rec->rev);
	if (rc == CST_ENOTFOUND) {
		cst_error_clear();
		rec->rev = 0;
		return CST_OK;
	}
	if (rc < 0)
		return rc;
	if (shared) {
		rec->meta = meta;
		return CST_OK;
	}
	rec->meta = meta_copy(meta);
	json_decref(meta);
	return rec->meta ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
}

int kv_load(kv_record *rec, cst_engine_ctx *ctx, const char *name)
{
	return load_meta(rec, ctx, name, 0);
}

int kv_load_shared(kv_record *rec, cst_engine_ctx *ctx, const char *name)
{
	return load_meta(rec, ctx, name, 1);
}

void kv_record_release(kv_record *rec)
{
	json_decref(rec->meta);
	rec->meta = NULL;
}

int kv_load_config(json_t **out, cst_engine_ctx *ctx)
{
	char key[CST_LIMIT_STORAGE_KEY + 1];
	snprintf(key, sizeof(key), "%sconfig", ctx->storage_prefix);
	*out = NULL;
	int rc = cst_barrier_get_json_shared(ctx->barrier, key, out, NULL);
	if (rc == CST_ENOTFOUND) {
		cst_error_clear();
		rc = CST_OK;
		*out = json_pack("{s:i, s:b, s:i}", "max_versions", 0, "cas_required", 0,
		                 "delete_version_after", 0);
	}
	return rc;
}

uint64_t kv_max_versions(const json_t *meta, const json_t *config)
{
	int64_t m = kv_int(meta, "max_versions");
	if (m <= 0)
		m = kv_int(config, "max_versions");
	return m > 0 ? (uint64_t)m : CST_LIMIT_DEFAULT_VERSIONS;
}

int kv_save(cst_engine_ctx *ctx, const char *name, const kv_record *rec,
            const cst_barrier_op *extra, size_t n_extra)
{
	char key[CST_LIMIT_STORAGE_KEY + 1];
	char *text = cst_json_dump(rec->meta);
	cst_barrier_op *ops = calloc(n_extra + 1, sizeof(*ops));
	int rc = text && ops ? kv_meta_key(key, ctx, name) : cst_fail(CST_ENOMEM, "out of memory");
	if (rc == CST_OK) {
		ops[0] = (cst_barrier_op){CST_STORAGE_PUT, key, text, strlen(text),
		                          rec->rev ? (int64_t)rec->rev : CST_REV_ABSENT};
		if (n_extra)
			memcpy(ops + 1, extra, n_extra * sizeof(*ops));
		uint64_t rev = 0;
		rc = cst_barrier_batch_rev(ctx->barrier, ops, n_extra + 1, &rev);
		/* The next request on this secret (often the client's read of
		 * what it wrote) then finds the record decoded already. */
		if (rc == CST_OK)
			cst_barrier_remember_json(ctx->barrier, key, rev, rec->meta, strlen(text));
	}
	free(ops);
	free(text);
	return rc;
}

static json_t *time_string(int64_t ns)
{
	char t[48];
	cst_time_format(t, sizeof(t), ns);
	return json_string(t);
}

json_t *kv_version_summary(const json_t *meta, uint64_t version)
{
	json_t *info = kv_version_info(meta, version);
	json_t *custom = json_object_get(meta, "custom_metadata");
	json_t *out = json_pack("{s:o, s:o, s:b, s:I, s:O}", "created_time",
	                        time_string(kv_int(info, "created")), "deletion_time",
	                        time_string(kv_int(info, "deleted")), "destroyed",
	                        json_is_true(json_object_get(info, "destroyed")), "version",
	                        (json_int_t)version, "custom_metadata", custom ? custom : json_null());
	const char *type = json_string_value(json_object_get(meta, "type"));
	if (out && type)
		json_object_set_new(out, "type", json_string(type));
	return out;
}

int kv_weak_uint(uint64_t *out, const json_t *v, const char *what)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return CST_OK;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end = NULL;
		unsigned long long n = strtoull(s, &end, 10);
		if (*s >= '0' && *s <= '9' && *end == '\0' && strlen(s) <= 18) {
			*out = n;
			return CST_OK;
		}
	}
	return cst_fail(CST_EINVAL, "error parsing %s", what);
}

int kv_versions_arg(uint64_t **out, size_t *n, const json_t *data)
{
	json_t *list = json_object_get(data, "versions");
	*out = NULL;
	*n = 0;
	if (json_is_string(list) || json_is_integer(list)) { /* "1,2" or 3, as Vault's CLI sends */
		json_t *arr = json_array();
		if (json_is_integer(list)) {
			json_array_append(arr, list);
		} else {
			char *copy = strdup(json_string_value(list));
			for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save))
				json_array_append_new(arr, json_string(tok));
			free(copy);
		}
		int rc = json_array_size(arr) ? CST_OK : cst_fail(CST_EINVAL, "no version number provided");
		if (rc == CST_OK) {
			json_t *wrap = json_pack("{s:o}", "versions", arr);
			rc = kv_versions_arg(out, n, wrap);
			json_decref(wrap);
		} else {
			json_decref(arr);
		}
		return rc;
	}
	if (!json_is_array(list) || json_array_size(list) == 0)
		return cst_fail(CST_EINVAL, "no version number provided");
	*out = calloc(json_array_size(list), sizeof(**out));
	if (*out == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		int rc = kv_weak_uint(&(*out)[i], v, "version number");
		if (rc < 0) {
			free(*out);
			*out = NULL;
			return rc;
		}
	}
	*n = json_array_size(list);
	return CST_OK;
}

int kv_merge_patch(json_t *target, const json_t *patch)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)patch, k, v) {
		if (json_is_null(v)) {
			json_object_del(target, k);
		} else if (json_is_object(v)) {
			json_t *t = json_object_get(target, k);
			if (!json_is_object(t)) {
				t = json_object();
				json_object_set_new(target, k, t);
			}
			kv_merge_patch(t, v);
		} else {
			json_object_set(target, k, v);
		}
	}
	return CST_OK;
}

/* 1 if version info says the version cannot be read: destroyed, or its
 * deletion time has passed. */
static int version_gone(const json_t *info, int64_t now)
{
	int64_t deleted = kv_int(info, "deleted");
	return json_is_true(json_object_get(info, "destroyed")) || (deleted != 0 && deleted <= now);
}

static int data_read(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	kv_record rec;
	cst_buf raw = CST_BUF_INIT;
	char key[CST_LIMIT_STORAGE_KEY + 1];
	uint64_t version = 0;
	json_t *qv = json_object_get(req->data, "version");
	int rc = qv ? kv_weak_uint(&version, qv, "version") : CST_OK;
	if (rc < 0 || (rc = kv_load_shared(&rec, ctx, ctx->rest)) < 0)
		return rc;
	if (rec.meta == NULL) {
		rc = cst_fail(CST_ENOTFOUND, "no secret %.200s", ctx->rest);
		goto done;
	}
	if (version == 0)
		version = (uint64_t)kv_int(rec.meta, "current");
	json_t *info = kv_version_info(rec.meta, version);
	if (info == NULL) {
		rc = cst_fail(CST_ENOTFOUND, "secret %.200s has no version %llu", ctx->rest,
		              (unsigned long long)version);
		goto done;
	}
	json_t *summary = kv_version_summary(rec.meta, version);
	if (version_gone(info, cst_now_ns())) {
		resp->data = json_pack("{s:n, s:o}", "data", "metadata", summary);
		rc = cst_fail(CST_ENOTFOUND, "version %llu of %.200s is %s", (unsigned long long)version,
		              ctx->rest,
		              json_is_true(json_object_get(info, "destroyed")) ? "destroyed" : "deleted");
		goto done;
	}
	if ((rc = kv_version_key(key, ctx, ctx->rest, version)) == CST_OK)
		rc = cst_barrier_get(ctx->barrier, key, &raw, NULL);
	if (rc == CST_ENOTFOUND) {
		/* Trimmed, destroyed or deleted by a writer since we read the
		 * metadata: then it is simply gone. Only a version missing under
		 * unchanged metadata means the store lost data. */
		kv_record again;
		int moved = kv_load_shared(&again, ctx, ctx->rest) == CST_OK && again.rev != rec.rev;
		kv_record_release(&again);
		rc = moved ? cst_fail(CST_ENOTFOUND, "version %llu of %.200s no longer exists",
		                      (unsigned long long)version, ctx->rest)
		           : cst_fail(CST_EINTEGRITY, "version %llu of %.200s is missing from storage",
		                      (unsigned long long)version, ctx->rest);
		json_decref(summary);
		goto done;
	}
	json_t *data = rc == CST_OK ? json_loadb(raw.ptr, raw.len, 0, NULL) : NULL;
	if (rc == CST_OK && !json_is_object(data))
		rc = cst_fail(CST_EINTEGRITY, "version %llu of %.200s is damaged",
		              (unsigned long long)version, ctx->rest);
	if (rc == CST_OK) {
		resp->data = json_pack("{s:o, s:o}", "data", data, "metadata", summary);
	} else {
		json_decref(data);
		json_decref(summary);
	}
done:
	cst_buf_release(&raw);
	kv_record_release(&rec);
	return rc;
}

/* Versions below current - max + 1 are trimmed: their data deleted and
 * their entries dropped, as Vault does once current - oldest >= max. */
static int trim_ops(cst_engine_ctx *ctx, json_t *meta, const json_t *config, char (*keys)[CST_LIMIT_STORAGE_KEY + 1],
                    cst_barrier_op *ops, size_t *n_ops, size_t cap)
{
	uint64_t current = (uint64_t)kv_int(meta, "current");
	uint64_t oldest = (uint64_t)kv_int(meta, "oldest");
	uint64_t max = kv_max_versions(meta, config);
	if (current - oldest < max)
		return CST_OK;
	uint64_t keep_from = current - max + 1;
	json_t *versions = json_object_get(meta, "versions");
	uint64_t v = oldest;
	/* A batch holds at most cap ops; what is left is trimmed next time,
	 * since "oldest" then still points at it. */
	for (; v < keep_from && *n_ops < cap; v++) {
		if (json_object_del(versions, name_of(v).s) < 0)
			continue; /* not there */
		int rc = kv_version_key(keys[*n_ops], ctx, ctx->rest, v);
		if (rc < 0)
			return rc;
		ops[*n_ops] = (cst_barrier_op){CST_STORAGE_DELETE, keys[*n_ops], NULL, 0, CST_REV_ANY};
		(*n_ops)++;
	}
	keep_from = v;
	json_object_set_new(meta, "oldest", json_integer((json_int_t)keep_from));
	return CST_OK;
}

#define TRIM_BATCH 64

static int write_version_into(cst_engine_ctx *ctx, kv_record *rec, json_t *data, int64_t cas,
                              const char *type, const json_t *config, cst_response *resp,
                              char (*keys)[CST_LIMIT_STORAGE_KEY + 1], cst_barrier_op *ops,
                              size_t *n_ops_io, int64_t now, size_t cap);

/* Writes `data` as a new version of rec's secret and answers with its
 * summary. cas (or -1) is checked against the current version. */
static int write_version(cst_engine_ctx *ctx, kv_record *rec, json_t *data, int64_t cas,
                         const char *type, const json_t *config, cst_response *resp)
{
	cst_barrier_op ops[TRIM_BATCH + 1];
	size_t n_ops = 1;
	int64_t now = cst_now_ns();
	int rc;
	if (rec->meta == NULL && (rec->meta = kv_new_meta(now)) == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	/* Room for the new version's key and the versions it pushes out: a
	 * key is 1 KiB, and 65 of them on every write (64 KiB malloc'd and
	 * freed) made glibc trim its heap, and each trim interrupts every
	 * other core. */
	uint64_t next = (uint64_t)kv_int(rec->meta, "current") + 1;
	uint64_t oldest = (uint64_t)kv_int(rec->meta, "oldest");
	uint64_t max = kv_max_versions(rec->meta, config);
	uint64_t trims = next - oldest >= max ? next - max + 1 - oldest : 0;
	size_t cap = 1 + (size_t)(trims < TRIM_BATCH ? trims : TRIM_BATCH);
	char (*keys)[CST_LIMIT_STORAGE_KEY + 1] = malloc(cap * sizeof(*keys));
	if (keys == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	rc = write_version_into(ctx, rec, data, cas, type, config, resp, keys, ops, &n_ops, now, cap);
	free(keys);
	return rc;
}

static int write_version_into(cst_engine_ctx *ctx, kv_record *rec, json_t *data, int64_t cas,
                              const char *type, const json_t *config, cst_response *resp,
                              char (*keys)[CST_LIMIT_STORAGE_KEY + 1], cst_barrier_op *ops,
                              size_t *n_ops_io, int64_t now, size_t cap)
{
	size_t n_ops = *n_ops_io;
	int rc;
	json_t *meta = rec->meta;
	uint64_t current = (uint64_t)kv_int(meta, "current");
	int cas_required = json_is_true(json_object_get(meta, "cas_required")) ||
	                   json_is_true(json_object_get(config, "cas_required"));
	if (cas < 0 && cas_required)
		return cst_fail(CST_EINVAL, "check-and-set parameter required for this call");
	if (cas >= 0 && (uint64_t)cas != current)
		return cst_fail(CST_ECONFLICT, "check-and-set parameter did not match the current "
		                               "version (%llu)", (unsigned long long)current);
	if (type == NULL)
		type = json_string_value(json_object_get(meta, "type"));
	if ((rc = cst_type_validate(type, data)) < 0)
		return rc;
	char *text = cst_json_dump(data);
	if (text == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	if (strlen(text) > CST_LIMIT_VALUE) {
		cst_free_wiped(text);
		return cst_fail(CST_ENOMEM, "secret data larger than %d bytes", CST_LIMIT_VALUE);
	}
	uint64_t version = current + 1;
	int64_t dva = kv_int(meta, "delete_version_after");
	int64_t cfg_dva = kv_int(config, "delete_version_after");
	if (cfg_dva > 0 && (dva <= 0 || cfg_dva < dva))
		dva = cfg_dva;
	if (dva > CST_LIMIT_MAX_DURATION) /* stored before the limit: clamp, never overflow */
		dva = CST_LIMIT_MAX_DURATION;
	json_object_set_new(json_object_get(meta, "versions"), name_of(version).s,
	                    json_pack("{s:I, s:I, s:b}", "created", (json_int_t)now, "deleted",
	                              (json_int_t)(dva > 0 ? now + dva * 1000000000LL : 0),
	                              "destroyed", 0));
	json_object_set_new(meta, "current", json_integer((json_int_t)version));
	json_object_set_new(meta, "updated", json_integer((json_int_t)now));
	if (type != NULL)
		json_object_set_new(meta, "type", json_string(type));
	rc = kv_version_key(keys[0], ctx, ctx->rest, version);
	ops[0] = (cst_barrier_op){CST_STORAGE_PUT, keys[0], text, strlen(text), CST_REV_ANY};
	if (rc == CST_OK)
		rc = trim_ops(ctx, meta, config, keys, ops, &n_ops, cap);
	if (rc == CST_OK)
		rc = kv_save(ctx, ctx->rest, rec, ops, n_ops);
	cst_free_wiped(text); /* the secret's plaintext */
	if (rc == CST_OK)
		resp->data = kv_version_summary(meta, version);
	return rc;
}

/* Runs one read-modify-write of a record, retrying when another writer
 * changed it in between (storage conflict, not a failed cas). */
static int with_record(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp,
                       kv_change_fn change)
{
	json_t *config = NULL;
	int rc = kv_load_config(&config, ctx);
	for (int tries = 0; rc == CST_OK && tries < CST_LIMIT_CAS_RETRIES; tries++) {
		kv_record rec;
		if ((rc = kv_load(&rec, ctx, ctx->rest)) < 0)
			break;
		uint64_t seen_rev = rec.rev;
		rc = change(ctx, &rec, req, config, resp);
		kv_record_release(&rec);
		if (rc != CST_ECONFLICT)
			break;
		/* A cas mismatch is the caller's; a moved revision is a race. */
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", cst_errmsg());
		kv_record again;
		if (kv_load_shared(&again, ctx, ctx->rest) < 0)
			break;
		int raced = again.rev != seen_rev;
		kv_record_release(&again);
		if (!raced) {
			cst_fail(rc, "%s", msg);
			break;
		}
		json_decref(resp->data);
		resp->data = NULL;
		rc = CST_OK;
	}
	json_decref(config);
	return rc;
}

static int parse_write_body(const cst_request *req, json_t **data, int64_t *cas,
                            const char **type)
{
	*data = json_object_get(req->data, "data");
	*cas = -1;
	*type = json_string_value(json_object_get(req->data, "type"));
	json_t *t = json_object_get(req->data, "type");
	if (t != NULL && !json_is_string(t))
		return cst_fail(CST_EINVAL, "type must be a string");
	if (!json_is_object(*data))
		return cst_fail(CST_EINVAL, "no data provided");
	json_t *c = json_object_get(json_object_get(req->data, "options"), "cas");
	if (c != NULL && !json_is_null(c)) {
		uint64_t v;
		if (kv_weak_uint(&v, c, "check-and-set parameter") < 0)
			return CST_EINVAL;
		*cas = (int64_t)v;
	}
	return CST_OK;
}

static int change_write(cst_engine_ctx *ctx, kv_record *rec, const cst_request *req,
                        const json_t *config, cst_response *resp)
{
	json_t *data;
	int64_t cas;
	const char *type;
	int rc = parse_write_body(req, &data, &cas, &type);
	return rc < 0 ? rc : write_version(ctx, rec, data, cas, type, config, resp);
}

static int change_patch(cst_engine_ctx *ctx, kv_record *rec, const cst_request *req,
                        const json_t *config, cst_response *resp)
{
	json_t *patch;
	int64_t cas;
	const char *type;
	int rc = parse_write_body(req, &patch, &cas, &type);
	if (rc < 0)
		return rc;
	if (rec->meta == NULL)
		return cst_fail(CST_ENOTFOUND, "no secret %.200s to patch", ctx->rest);
	uint64_t current = (uint64_t)kv_int(rec->meta, "current");
	json_t *info = kv_version_info(rec->meta, current);
	if (info == NULL || version_gone(info, cst_now_ns())) {
		resp->data = kv_version_summary(rec->meta, current);
		return cst_fail(CST_ENOTFOUND, "latest version of %.200s is deleted or destroyed",
		                ctx->rest);
	}
	char key[CST_LIMIT_STORAGE_KEY + 1];
	cst_buf raw = CST_BUF_INIT;
	json_t *data = NULL;
	if ((rc = kv_version_key(key, ctx, ctx->rest, current)) == CST_OK &&
	    (rc = cst_barrier_get(ctx->barrier, key, &raw, NULL)) == CST_OK) {
		data = json_loadb(raw.ptr, raw.len, 0, NULL);
		if (!json_is_object(data))
			rc = cst_fail(CST_EINTEGRITY, "version %llu of %.200s is damaged",
			              (unsigned long long)current, ctx->rest);
	}
	cst_buf_release(&raw);
	if (rc == CST_OK) {
		kv_merge_patch(data, patch);
		rc = write_version(ctx, rec, data, cas, type, config, resp);
	}
	json_decref(data);
	return rc;
}

/* Sets (or clears) deletion times on versions: the shared part of
 * DELETE data/, delete/ and undelete/. */
int kv_mark_versions(cst_engine_ctx *ctx, kv_record *rec, const uint64_t *versions, size_t n,
                     int undelete)
{
	int64_t now = cst_now_ns();
	int changed = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *info = kv_version_info(rec->meta, versions[i]);
		if (info == NULL || json_is_true(json_object_get(info, "destroyed")))
			continue;
		int64_t deleted = kv_int(info, "deleted");
		int64_t want = undelete ? 0 : deleted == 0 || deleted > now ? now : deleted;
		if (want == deleted)
			continue;
		if ((info = kv_version_info_mut(rec->meta, versions[i])) == NULL)
			return cst_fail(CST_ENOMEM, "out of memory");
		json_object_set_new(info, "deleted", json_integer((json_int_t)want));
		changed = 1;
	}
	if (!changed)
		return CST_OK;
	json_object_set_new(rec->meta, "updated", json_integer((json_int_t)now));
	return kv_save(ctx, ctx->rest, rec, NULL, 0);
}

static int change_delete_latest(cst_engine_ctx *ctx, kv_record *rec, const cst_request *req,
                                const json_t *config, cst_response *resp)
{
	(void)req;
	(void)config;
	(void)resp;
	if (rec->meta == NULL)
		return CST_OK; /* Vault answers 204 here too */
	uint64_t current = (uint64_t)kv_int(rec->meta, "current");
	return kv_mark_versions(ctx, rec, &current, 1, 0);
}

static int data_write(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	return with_record(ctx, req, resp, change_write);
}

static int data_patch(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	return with_record(ctx, req, resp, change_patch);
}

static int data_delete(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	return with_record(ctx, req, resp, change_delete_latest);
}

int kv_with_record(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp,
                   kv_change_fn change)
{
	return with_record(ctx, req, resp, change);
}

static int types_read(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)ctx;
	(void)req;
	resp->data = json_pack("{s:o}", "types", cst_types_describe());
	return resp->data ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
}

/* The existence check for data/ and metadata/: does the secret exist? */
static int secret_exists(cst_engine_ctx *ctx, int *out)
{
	kv_record rec;
	*out = 0;
	if (cst_name_check(ctx->rest, strlen(ctx->rest)) < 0)
		return CST_OK; /* the handler reports the bad name */
	/* Through the record cache: the handler's own load right after is then
	 * a cache hit instead of a second decryption and parse. */
	int rc = kv_load_shared(&rec, ctx, ctx->rest);
	*out = rc == CST_OK && rec.meta != NULL;
	kv_record_release(&rec);
	return rc;
}

static int data_route(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	switch (req->op) {
	case CST_OP_READ: return data_read(ctx, req, resp);
	case CST_OP_CREATE:
	case CST_OP_UPDATE: return data_write(ctx, req, resp);
	case CST_OP_PATCH: return data_patch(ctx, req, resp);
	case CST_OP_DELETE: return data_delete(ctx, req, resp);
	case CST_OP_LIST: break;
	}
	return cst_fail(CST_EUNSUPPORTED, "unsupported operation");
}

static int config_route(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	return req->op == CST_OP_READ ? kv_config_read(ctx, req, resp)
	                              : kv_config_write(ctx, req, resp);
}

static const cst_route kv_routes[] = {
	{"data/", 0, CST_RD | CST_WR | CST_OPS(CST_OP_PATCH) | CST_OPS(CST_OP_DELETE), data_route,
	 secret_exists, 0, 0, 0},
	{"metadata/", 0,
	 CST_RD | CST_WR | CST_OPS(CST_OP_PATCH) | CST_OPS(CST_OP_DELETE) | CST_OPS(CST_OP_LIST),
	 kv_metadata_route, secret_exists, 0, 0, 0},
	{"metadata", 1, CST_OPS(CST_OP_LIST), kv_metadata_route, NULL, 0, 0, 0},
	{"delete/", 0, CST_WR, kv_delete_versions, NULL, 0, 0, 0},
	{"undelete/", 0, CST_WR, kv_undelete_versions, NULL, 0, 0, 0},
	{"destroy/", 0, CST_WR, kv_destroy_versions, NULL, 0, 0, 0},
	{"config", 1, CST_RD | CST_WR, config_route, NULL, 0, 0, 0},
	{"types", 1, CST_RD, types_read, NULL, 0, 0, 0},
	{"check/", 0, CST_RD, kv_check_read, NULL, 0, 0, 1}, /* calls the provider */
};

const cst_engine cst_engine_kv = {1, "kv", kv_routes, sizeof(kv_routes) / sizeof(kv_routes[0]), NULL};
