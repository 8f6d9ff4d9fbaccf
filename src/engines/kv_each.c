/* kv_each.c - a walk over every secret of a KV mount, for whole-vault
 * summaries (`custos report`) that must not go through the router once
 * per secret (each request would be audited). The KV engine owns the
 * record layout (kv.h); callers see names and metadata records only,
 * never a secret's data. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "core/vault.h"
#include "engines/kv.h"
#include "storage/storage.h"

int cst_kv_each(cst_vault *v, const char *storage_prefix,
                int (*fn)(const char *name, const json_t *meta, void *payload), void *payload)
{
	char prefix[CST_LIMIT_STORAGE_KEY + 1], after[CST_LIMIT_STORAGE_KEY + 1] = "";
	int n = snprintf(prefix, sizeof(prefix), "%sm/", storage_prefix);
	if (n <= 0 || (size_t)n >= sizeof(prefix))
		return cst_fail(CST_EINVAL, "storage prefix too long");
	cst_storage_keys page = {0};
	int rc = CST_OK;
	for (;;) {
		if ((rc = cst_storage_list(v->st, prefix, after[0] ? after : NULL, CST_LIMIT_LIST_PAGE,
		                           &page)) < 0)
			break;
		for (size_t i = 0; rc == CST_OK && i < page.count; i++) {
			json_t *meta = NULL;
			/* Not through the record cache: a walk would push out what requests use. */
			int lrc = cst_barrier_get_json(&v->barrier, page.keys[i], &meta, NULL);
			if (lrc == CST_ENOTFOUND) { /* deleted meanwhile */
				cst_error_clear();
				continue;
			}
			if ((rc = lrc) == CST_OK)
				rc = fn(page.keys[i] + (size_t)n, meta, payload);
			json_decref(meta);
		}
		size_t got = page.count;
		if (got)
			snprintf(after, sizeof(after), "%s", page.keys[got - 1]);
		cst_storage_keys_release(&page);
		if (rc < 0 || got < CST_LIMIT_LIST_PAGE)
			break;
	}
	return rc;
}
