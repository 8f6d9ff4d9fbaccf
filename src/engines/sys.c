/* sys.c - the system backend mounted at sys/: key status and rotation as
 * in Vault (sys/key-status, sys/rotate), the mount list (sys/mounts), and
 * custos extensions: sys/rewrap (re-seal values under the active term)
 * and sys/vault-status (terms and secret counts). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/vault.h"
#include "storage/storage.h"
#include "util/timefmt.h"

static json_t *term_time(int64_t ns)
{
	char t[48];
	cst_time_format(t, sizeof(t), ns);
	return json_string(t);
}

static int key_status(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)req;
	cst_barrier *b = ctx->barrier;
	pthread_mutex_lock(&b->lock);
	cst_term *t = cst_keyring_active(b->kr);
	resp->data = json_pack("{s:I, s:o, s:I, s:I}", "term", (json_int_t)t->term, "install_time",
	                       term_time(t->created_ns), "encryptions", (json_int_t)t->seals,
	                       "terms", (json_int_t)b->kr->count);
	pthread_mutex_unlock(&b->lock);
	return resp->data ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
}

static int rotate(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)req;
	(void)resp;
	return cst_barrier_rotate(ctx->barrier);
}

static int rewrap(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	uint64_t n = 0;
	int rc = cst_barrier_rewrap(ctx->barrier, &n, req->progress, req->progress_payload);
	if (rc == CST_OK)
		resp->data = json_pack("{s:I}", "rewrapped", (json_int_t)n);
	return rc;
}

/* Terms with the number of stored values each still seals, plus secret
 * counts per mount: what `custos status` and `custos key status` show. */
static int vault_status(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	cst_barrier *b = ctx->barrier;
	cst_vault *v = ctx->vault;
	int with_usage = json_is_true(json_object_get(req->data, "term_usage"));
	uint64_t *usage = calloc(b->kr->count, sizeof(*usage));
	json_t *terms = json_array(), *mounts = json_object();
	int rc = usage ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	if (rc == CST_OK && with_usage)
		rc = cst_barrier_term_usage(b, usage);
	for (size_t i = 0; rc == CST_OK && i < b->kr->count; i++) {
		cst_term *t = &b->kr->terms[i];
		json_t *row = json_pack("{s:I, s:o, s:I, s:b}", "term", (json_int_t)t->term, "created",
		                        term_time(t->created_ns), "encryptions", (json_int_t)t->seals,
		                        "active", t->term == b->kr->active);
		if (with_usage)
			json_object_set_new(row, "values", json_integer((json_int_t)usage[i]));
		json_array_append_new(terms, row);
	}
	for (size_t i = 0; rc == CST_OK && i < v->router.count; i++) {
		char prefix[256];
		uint64_t n = 0;
		snprintf(prefix, sizeof(prefix), "%sm/", v->router.mounts[i].prefix);
		rc = cst_storage_count(b->st, prefix, &n);
		json_object_set_new(mounts, v->router.mounts[i].path,
		                    json_pack("{s:s, s:I}", "type", v->router.mounts[i].type, "secrets",
		                              (json_int_t)n));
	}
	if (rc == CST_OK)
		resp->data = json_pack("{s:I, s:o, s:o}", "active_term", (json_int_t)b->kr->active,
		                       "terms", terms, "mounts", mounts);
	else {
		json_decref(terms);
		json_decref(mounts);
	}
	free(usage);
	return rc;
}

static int mounts(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)req;
	cst_vault *v = ctx->vault;
	json_t *out = json_object();
	for (size_t i = 0; i < v->router.count; i++) {
		const cst_mount *m = &v->router.mounts[i];
		json_object_set_new(out, m->path,
		                    json_pack("{s:s, s:{s:s}}", "type", m->type, "options", "version",
		                              "2"));
	}
	json_object_set_new(out, "sys/", json_pack("{s:s, s:n}", "type", "system", "options"));
	resp->data = out;
	return CST_OK;
}

#define RD CST_OPS(CST_OP_READ)
#define WR (CST_OPS(CST_OP_CREATE) | CST_OPS(CST_OP_UPDATE))

static const cst_route sys_routes[] = {
	{"key-status", 1, RD, key_status},
	{"rotate", 1, WR, rotate},
	{"rewrap", 1, WR, rewrap},
	{"vault-status", 1, RD, vault_status},
	{"mounts", 1, RD, mounts},
};

const cst_engine cst_engine_sys = {1, "system", sys_routes, sizeof(sys_routes) / sizeof(sys_routes[0])};
