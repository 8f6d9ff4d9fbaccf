/* sys_audit.c - the sys/ routes of audit devices and metrics:
 *   sys/audit                 read: the enabled devices (sudo)
 *   sys/audit/:path           update: enable {type, description, options}; delete: disable (sudo)
 *   sys/audit-hash/:path      update {input}: the device's HMAC of input (sudo)
 *   sys/audit/verify          update {file_path}: check a log's chain (custos extension; sudo)
 *   sys/metrics               read [format=prometheus]: counters and gauges
 * The rows are in sys.c's route table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/error.h"
#include "core/metrics.h"
#include "core/tokens.h"
#include "core/vault.h"
#include "storage/storage.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/timefmt.h"

int cst_sys_audit_list(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int cst_sys_audit_change(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int cst_sys_audit_hash(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int cst_sys_audit_verify(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int cst_sys_metrics(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);

int cst_sys_audit_list(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)req;
	resp->data = cst_audit_list(ctx->vault);
	return resp->data ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
}

int cst_sys_audit_change(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	(void)resp;
	switch (req->op) {
	case CST_OP_DELETE: return cst_audit_disable(ctx->vault, ctx->rest);
	case CST_OP_CREATE:
	case CST_OP_UPDATE: return cst_audit_enable(ctx->vault, ctx->rest, req->data);
	case CST_OP_READ:
	case CST_OP_LIST:
	case CST_OP_PATCH: break;
	}
	return cst_fail(CST_EUNSUPPORTED, "unsupported operation");
}

int cst_sys_audit_hash(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	json_t *in = json_object_get(req->data, "input");
	if (!json_is_string(in) || json_string_length(in) == 0)
		return cst_fail(CST_EINVAL, "the \"input\" parameter is empty");
	char hash[CST_AUDIT_HASH_LEN + 1];
	int rc = cst_audit_hash(hash, ctx->vault, ctx->rest, json_string_value(in), json_string_length(in));
	if (rc == CST_OK && (resp->data = json_pack("{s:s}", "hash", hash)) == NULL)
		rc = cst_fail(CST_ENOMEM, "out of memory");
	return rc;
}

int cst_sys_audit_verify(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	const char *file = json_string_value(json_object_get(req->data, "file_path"));
	if (file == NULL || *file == '\0')
		return cst_fail(CST_EINVAL, "missing file_path");
	return cst_audit_verify_file(&resp->data, ctx->vault, file, ctx->caller != NULL);
}

/* --- metrics -------------------------------------------------------------- */

typedef struct gauge_ctx {
	cst_buf *out;
	json_t *gauges, *counters; /* the JSON form, or NULL */
	int rc;
} gauge_ctx;

static void audit_stat(const char *path, uint64_t entries, uint64_t failures, void *payload)
{
	gauge_ctx *g = payload;
	if (g->counters) {
		json_array_append_new(g->counters, json_pack("{s:s, s:I, s:I, s:{s:s}}", "Name",
		                                             "custos.audit.entries", "Count", (json_int_t)entries,
		                                             "Sum", (json_int_t)entries, "Labels", "device", path));
		json_array_append_new(g->counters, json_pack("{s:s, s:I, s:I, s:{s:s}}", "Name",
		                                             "custos.audit.failures", "Count", (json_int_t)failures,
		                                             "Sum", (json_int_t)failures, "Labels", "device", path));
		return;
	}
	/* device paths are name segments: no label escaping needed */
	if (g->rc == 0)
		g->rc = cst_buf_printf(g->out,
		                       "custos_audit_entries_total{device=\"%s\"} %llu\n"
		                       "custos_audit_failures_total{device=\"%s\"} %llu\n",
		                       path, (unsigned long long)entries, path, (unsigned long long)failures);
}

/* Tokens, secrets per mount and audit counters (the gauges read storage
 * counts, so a scrape costs a few index scans). */
static int gauges(cst_engine_ctx *ctx, gauge_ctx *g)
{
	cst_vault *v = ctx->vault;
	uint64_t tokens = 0;
	int rc = cst_token_count(v, &tokens);
	if (rc < 0)
		return rc;
	if (g->gauges)
		json_array_append_new(g->gauges, json_pack("{s:s, s:I, s:{}}", "Name", "custos.tokens",
		                                           "Value", (json_int_t)tokens, "Labels"));
	else
		rc = cst_buf_printf(g->out,
		                    "# HELP custos_tokens Live tokens.\n# TYPE custos_tokens gauge\n"
		                    "custos_tokens %llu\n"
		                    "# HELP custos_secrets Secrets per mount.\n# TYPE custos_secrets gauge\n",
		                    (unsigned long long)tokens);
	cst_mount_table *table = cst_router_get(&v->router);
	for (size_t i = 0; rc == CST_OK && i < table->count; i++) {
		char prefix[256];
		uint64_t n = 0;
		snprintf(prefix, sizeof(prefix), "%sm/", table->mounts[i].prefix);
		if ((rc = cst_storage_count(ctx->barrier->st, prefix, &n)) < 0)
			break;
		if (g->gauges)
			json_array_append_new(g->gauges, json_pack("{s:s, s:I, s:{s:s}}", "Name", "custos.secrets",
			                                           "Value", (json_int_t)n, "Labels", "mount",
			                                           table->mounts[i].path));
		else
			rc = cst_buf_printf(g->out, "custos_secrets{mount=\"%s\"} %llu\n", table->mounts[i].path,
			                    (unsigned long long)n);
	}
	cst_router_put(&v->router, table);
	if (rc == CST_OK && !g->gauges)
		rc = cst_buf_puts(g->out,
		                  "# HELP custos_audit_entries_total Entries written, by audit device.\n"
		                  "# TYPE custos_audit_entries_total counter\n"
		                  "# HELP custos_audit_failures_total Entries an audit device could not write.\n"
		                  "# TYPE custos_audit_failures_total counter\n");
	if (rc == CST_OK) {
		g->rc = 0;
		cst_audit_stats(v, audit_stat, g);
		rc = g->rc;
	}
	uint64_t refused = cst_audit_refused(v);
	if (rc == CST_OK && g->counters)
		json_array_append_new(g->counters, json_pack("{s:s, s:I, s:I, s:{}}", "Name",
		                                             "custos.audit.refused", "Count", (json_int_t)refused,
		                                             "Sum", (json_int_t)refused, "Labels"));
	else if (rc == CST_OK)
		rc = cst_buf_printf(g->out,
		                    "# HELP custos_audit_refused_total Requests refused because no audit "
		                    "device could record them.\n# TYPE custos_audit_refused_total counter\n"
		                    "custos_audit_refused_total %llu\n",
		                    (unsigned long long)refused);
	return rc;
}

static void json_route(const cst_metrics_route *r, void *payload)
{
	gauge_ctx *g = payload;
	for (size_t c = 0; c < CST_METRICS_CODES; c++) {
		char code[8];
		if (r->by_code[c] == 0)
			continue;
		snprintf(code, sizeof(code), "%d", cst_metrics_code_value[c]);
		json_array_append_new(g->counters,
		                      json_pack("{s:s, s:I, s:I, s:{s:s, s:s, s:s}}", "Name", "custos.requests",
		                                "Count", (json_int_t)r->by_code[c], "Sum",
		                                (json_int_t)r->by_code[c], "Labels", "engine", r->engine,
		                                "route", r->route, "code", code));
	}
	double sum_ms = (double)r->sum_ns / 1e6;
	json_array_append_new(g->gauges /* Samples */,
	                      json_pack("{s:s, s:I, s:f, s:f, s:{s:s, s:s}}", "Name",
	                                "custos.request.duration", "Count", (json_int_t)r->count, "Sum",
	                                sum_ms, "Mean", sum_ms / (double)r->count, "Labels", "engine",
	                                r->engine, "route", r->route));
}

int cst_sys_metrics(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	const char *format = json_string_value(json_object_get(req->data, "format"));
	cst_vault *v = ctx->vault;
	cst_buf out = CST_BUF_INIT;
	out.max = 64 << 20;
	int rc;
	if (format && !strcmp(format, "prometheus")) {
		gauge_ctx g = {&out, NULL, NULL, 0};
		if ((rc = cst_metrics_prometheus(&out, v->metrics)) == CST_OK)
			rc = gauges(ctx, &g);
		resp->raw_type = "text/plain; version=0.0.4";
	} else if (format && *format) {
		return cst_fail(CST_EINVAL, "format must be prometheus, or absent for JSON");
	} else {
		/* Vault's in-memory sink shape; counts are since the server started. */
		json_t *gauges_a = json_array(), *counters = json_array(), *samples = json_array();
		gauge_ctx routes = {&out, samples, counters, 0};
		cst_metrics_each(v->metrics, json_route, &routes);
		gauge_ctx g = {&out, gauges_a, counters, 0};
		rc = gauges(ctx, &g);
		char t[48];
		cst_time_format(t, sizeof(t), cst_now_ns());
		json_t *doc = json_pack("{s:s, s:o, s:o, s:[], s:o}", "Timestamp", t, "Gauges", gauges_a,
		                        "Counters", counters, "Points", "Samples", samples);
		char *text = doc ? cst_json_dump(doc) : NULL;
		json_decref(doc);
		if (rc == CST_OK && (text == NULL || cst_buf_puts(&out, text) < 0))
			rc = cst_fail(CST_ENOMEM, "out of memory");
		free(text);
		resp->raw_type = "application/json";
	}
	if (rc == CST_OK) {
		resp->raw = cst_buf_detach(&out, &resp->raw_len);
		/* the text holds no secret: an ordinary free() is fine for it */
	}
	cst_buf_release(&out);
	return rc;
}
