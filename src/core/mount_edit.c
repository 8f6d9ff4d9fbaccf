/* mount_edit.c - adding and removing mounts: the stored table is read with
 * its revision, changed, written back under a revision check (a racing
 * change fails with a conflict rather than being lost), then the router
 * reloads it. An unmount erases the engine's data after the mount is gone
 * from the table, so nothing can reach it meanwhile. */
#include "core/mount_edit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/router.h"
#include "core/vault.h"
#include "crypto/rand.h"
#include "storage/storage.h"

/* Mounts every table has without storing them (router.c). */
static const char *const builtin[] = {"sys/", "auth/token/"};

void cst_mount_accessor(char *out, size_t n, const char *type, const char *prefix)
{
	const char *id = strchr(prefix, '/');
	id = id ? id + 1 : prefix;
	int is_auth = strncmp(prefix, "auth/", 5) == 0;
	snprintf(out, n, "%s%s_%.8s", is_auth ? "auth_" : "", type, id);
}

int cst_mount_list(json_t **out, cst_vault *v)
{
	return cst_barrier_get_json(&v->barrier, CST_PATH_MOUNTS, out, NULL);
}

/* 1 when one path is a prefix of the other. */
static int overlaps(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	return strncmp(a, b, la < lb ? la : lb) == 0;
}

static int save_table(cst_vault *v, json_t *doc, uint64_t rev)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	if (text == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	cst_barrier_op op = {CST_STORAGE_PUT, CST_PATH_MOUNTS, text, strlen(text), (int64_t)rev};
	int rc = cst_barrier_batch(&v->barrier, &op, 1);
	free(text);
	if (rc == CST_ECONFLICT)
		rc = cst_fail(CST_ECONFLICT, "the mount table changed meanwhile: try again");
	return rc == CST_OK ? cst_router_load(&v->router, &v->barrier) : rc;
}

int cst_mount_add(cst_vault *v, const char *path, const char *type, const char *description,
                  const json_t *config)
{
	json_t *doc = NULL;
	uint64_t rev = 0;
	size_t len = strlen(path);
	if (len < 2 || path[len - 1] != '/')
		return cst_fail(CST_EINVAL, "mount path must end in '/'");
	if (cst_engine_find(type) == NULL)
		return cst_fail(CST_EINVAL, "unknown engine type \"%.32s\"", type);
	int rc = cst_barrier_get_json(&v->barrier, CST_PATH_MOUNTS, &doc, &rev);
	const char *k;
	json_t *m;
	for (size_t i = 0; rc == CST_OK && i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (overlaps(builtin[i], path))
			rc = cst_fail(CST_EINVAL, "path is already in use at %s", builtin[i]);
	json_object_foreach(doc, k, m) {
		if (rc == CST_OK && overlaps(k, path))
			rc = cst_fail(CST_EINVAL, "path is already in use at %.128s", k);
	}
	unsigned char id[8];
	char prefix[64];
	if (rc == CST_OK)
		rc = cst_rand_bytes(id, sizeof(id));
	if (rc == CST_OK) {
		int is_auth = strncmp(path, "auth/", 5) == 0;
		snprintf(prefix, sizeof(prefix), "%s/%02x%02x%02x%02x%02x%02x%02x%02x/",
		         is_auth ? "auth" : "logical", id[0], id[1], id[2], id[3], id[4], id[5], id[6],
		         id[7]);
		json_t *rec = json_pack("{s:s, s:s, s:s}", "type", type, "prefix", prefix, "description",
		                        description ? description : "");
		if (rec && strcmp(type, "kv") == 0)
			json_object_set_new(rec, "options", json_pack("{s:s}", "version", "2"));
		if (rec && json_is_object(config))
			json_object_set_new(rec, "config", json_deep_copy(config));
		if (rec == NULL || json_object_set_new(doc, path, rec) < 0)
			rc = cst_fail(CST_ENOMEM, "out of memory");
	}
	if (rc == CST_OK)
		rc = save_table(v, doc, rev);
	json_decref(doc);
	return rc;
}

int cst_mount_set_config(cst_vault *v, const char *path, const json_t *config)
{
	json_t *doc = NULL;
	uint64_t rev = 0;
	int rc = cst_barrier_get_json(&v->barrier, CST_PATH_MOUNTS, &doc, &rev);
	json_t *m = rc == CST_OK ? json_object_get(doc, path) : NULL;
	if (rc == CST_OK && m == NULL)
		rc = cst_fail(CST_ENOTFOUND, "nothing is mounted at %.128s", path);
	if (rc == CST_OK) {
		json_object_set_new(m, "config", json_deep_copy(config));
		rc = save_table(v, doc, rev);
	}
	json_decref(doc);
	return rc;
}

/* Erases every storage key under prefix, a page at a time. */
static int erase_prefix(cst_vault *v, const char *prefix)
{
	int rc = CST_OK;
	while (rc == CST_OK) {
		cst_storage_keys page = {0};
		rc = cst_storage_list(v->st, prefix, NULL, 1000, &page);
		cst_barrier_op *ops = page.count ? calloc(page.count, sizeof(*ops)) : NULL;
		for (size_t i = 0; ops && i < page.count; i++)
			ops[i] = (cst_barrier_op){CST_STORAGE_DELETE, page.keys[i], NULL, 0, CST_REV_ANY};
		if (rc == CST_OK && page.count)
			rc = ops ? cst_barrier_batch(&v->barrier, ops, page.count)
			         : cst_fail(CST_ENOMEM, "out of memory");
		size_t got = page.count;
		free(ops);
		cst_storage_keys_release(&page);
		if (got == 0)
			break;
	}
	return rc;
}

int cst_mount_remove(cst_vault *v, const char *path, char *out_type, size_t n)
{
	json_t *doc = NULL;
	uint64_t rev = 0;
	char prefix[128] = "";
	if (out_type && n)
		out_type[0] = '\0';
	int rc = cst_barrier_get_json(&v->barrier, CST_PATH_MOUNTS, &doc, &rev);
	json_t *m = rc == CST_OK ? json_object_get(doc, path) : NULL;
	if (m == NULL) {
		json_decref(doc);
		return rc; /* nothing mounted there: done, as Vault */
	}
	const char *p = json_string_value(json_object_get(m, "prefix"));
	if (p == NULL || strlen(p) >= sizeof(prefix) || strlen(p) < 4)
		rc = cst_fail(CST_EINTEGRITY, "mount %.128s has a damaged record", path);
	else
		snprintf(prefix, sizeof(prefix), "%s", p);
	if (rc == CST_OK && out_type && n)
		snprintf(out_type, n, "%s", json_string_value(json_object_get(m, "type")));
	if (rc == CST_OK) {
		json_object_del(doc, path);
		rc = save_table(v, doc, rev);
	}
	json_decref(doc);
	if (rc == CST_OK)
		rc = erase_prefix(v, prefix);
	return rc;
}
