/* report_tokens.c - the tokens part of a report: live tokens by team, by
 * policy and by the auth mount that issued them, those that never expire,
 * and the live root tokens (described, never with their accessors: those
 * only go to the audit part, to name the tokens behind root requests). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/tokens.h"
#include "report/report.h"
#include "report/strmap.h"
#include "util/timefmt.h"
#include "util/utf8.h"

#define NS 1000000000LL

typedef struct walk {
	int64_t now_s, warn_s;
	uint64_t live, never_expire, expiring_soon;
	cst_strmap teams, policies, mounts;
	json_t *roots, *root_accessors;
} walk;

static json_t *time_or_null(int64_t secs)
{
	if (secs <= 0)
		return json_null();
	char t[48];
	cst_time_format(t, sizeof(t), secs * NS);
	return json_string(t);
}

static int bump(cst_strmap *m, const char *key)
{
	uint64_t *n = cst_strmap_get(m, key, 1, NULL);
	if (n == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	(*n)++;
	return CST_OK;
}

static int one_token(const char *hash, const json_t *e, void *payload)
{
	(void)hash;
	walk *w = payload;
	int64_t expire = json_integer_value(json_object_get(e, "expire_time"));
	if (expire && expire <= w->now_s)
		return CST_OK; /* expired, not swept yet: no longer usable */
	w->live++;
	if (expire == 0)
		w->never_expire++;
	else if (expire - w->now_s <= w->warn_s)
		w->expiring_soon++;
	const json_t *identity = json_object_get(e, "identity");
	const json_t *teams = json_object_get(identity, "teams");
	size_t i;
	json_t *x;
	int rc = CST_OK;
	json_array_foreach(teams, i, x)
		if (rc == CST_OK && json_is_string(x))
			rc = bump(&w->teams, json_string_value(x));
	if (rc == CST_OK && json_array_size(teams) == 0)
		rc = bump(&w->teams, "");
	int root = 0;
	json_array_foreach(json_object_get(e, "policies"), i, x) {
		const char *p = json_string_value(x);
		if (p && rc == CST_OK)
			rc = bump(&w->policies, p);
		root |= p && strcmp(p, "root") == 0;
	}
	const char *mount = json_string_value(json_object_get(identity, "mount_path"));
	if (rc == CST_OK)
		rc = bump(&w->mounts, mount ? mount : "auth/token/");
	if (rc == CST_OK && root) {
		const char *dn = json_string_value(json_object_get(e, "display_name"));
		const char *path = json_string_value(json_object_get(e, "path"));
		const char *acc = json_string_value(json_object_get(e, "accessor"));
		int64_t created = json_integer_value(json_object_get(e, "creation_time"));
		char when[48], label[200];
		cst_time_format(when, sizeof(when), created * NS);
		dn = dn ? dn : "";
		snprintf(label, sizeof(label), "root token \"%.*s\" created %s", (int)cst_utf8_prefix(dn, 60),
		         dn, when);
		json_array_append_new(w->roots,
		                      json_pack("{s:s, s:o, s:o, s:s}", "display_name", dn,
		                                "created_time", time_or_null(created), "expire_time",
		                                time_or_null(expire), "path", path ? path : ""));
		if (acc)
			json_array_append_new(w->root_accessors,
			                      json_pack("{s:s, s:s}", "accessor", acc, "label", label));
	}
	return rc;
}

static uint64_t count_of(const void *it)
{
	return *(const uint64_t *)it;
}

/* [{key: name or null, "count"}], most first. */
static json_t *ranked(const cst_strmap *m, const char *key)
{
	size_t *order = cst_strmap_ranked(m, count_of);
	json_t *a = order ? json_array() : NULL;
	for (size_t i = 0; a && i < m->count; i++) {
		const char *name = cst_strmap_key(m, order[i]);
		json_array_append_new(a, json_pack("{s:o, s:I}", key, *name ? json_string(name) : json_null(),
		                                   "count", (json_int_t)count_of(cst_strmap_item(m, order[i]))));
	}
	free(order);
	return a;
}

int cst_report_tokens(json_t **out, json_t *roots, cst_vault *v, const cst_report_opts *o)
{
	walk w;
	memset(&w, 0, sizeof(w));
	w.now_s = o->now_ns / NS;
	w.warn_s = o->warn_s;
	w.roots = json_array();
	w.root_accessors = roots;
	cst_strmap_init(&w.teams, sizeof(uint64_t), 100000);
	cst_strmap_init(&w.policies, sizeof(uint64_t), 100000);
	cst_strmap_init(&w.mounts, sizeof(uint64_t), 100000);
	*out = NULL;
	int rc = w.roots ? cst_token_each(v, one_token, &w) : cst_fail(CST_ENOMEM, "out of memory");
	if (rc == CST_OK) {
		json_t *by_team = ranked(&w.teams, "team"), *by_policy = ranked(&w.policies, "policy"),
		       *by_mount = ranked(&w.mounts, "mount");
		if (by_team && by_policy && by_mount) /* json_pack takes the "o" references, also on failure */
			*out = json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:O}", "live", (json_int_t)w.live,
			                 "never_expire", (json_int_t)w.never_expire, "expiring_soon",
			                 (json_int_t)w.expiring_soon, "by_team", by_team, "by_policy", by_policy,
			                 "by_mount", by_mount, "root", w.roots);
		else {
			json_decref(by_team);
			json_decref(by_policy);
			json_decref(by_mount);
		}
		if (*out == NULL)
			rc = cst_fail(CST_ENOMEM, "out of memory");
	}
	json_decref(w.roots);
	cst_strmap_release(&w.teams);
	cst_strmap_release(&w.policies);
	cst_strmap_release(&w.mounts);
	return rc;
}
