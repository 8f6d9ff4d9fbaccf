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

struct kv_walk {
	size_t prefix_len;
	int (*fn)(const char *name, const json_t *meta, void *payload);
	void *payload;
};

static int each_record(const char *key, const json_t *meta, void *payload)
{
	struct kv_walk *w = payload;
	return w->fn(key + w->prefix_len, meta, w->payload);
}

int cst_kv_each(cst_vault *v, const char *storage_prefix,
                int (*fn)(const char *name, const json_t *meta, void *payload), void *payload)
{
	char prefix[CST_LIMIT_STORAGE_KEY + 1];
	int n = snprintf(prefix, sizeof(prefix), "%sm/", storage_prefix);
	if (n <= 0 || (size_t)n >= sizeof(prefix))
		return cst_fail(CST_EINVAL, "storage prefix too long");
	struct kv_walk w = {(size_t)n, fn, payload};
	return cst_barrier_each_json(&v->barrier, prefix, each_record, &w);
}
