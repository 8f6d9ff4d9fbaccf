/* kv_check.c - secret/check/NAME (custos extension): checks the newest
 * version of a typed credential against its provider and answers
 * {"name", "type", "status", "http_status", "latency_ms", "endpoint",
 * "detail"}, never the secret. A policy can grant read on secret/check/...
 * without read on secret/data/...: a monitor proves credentials work without
 * being able to see them. The network goes through the transport the
 * program registered (src/providers/check.h). */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "core/names.h"
#include "core/vault.h"
#include "engines/kv.h"
#include "providers/check.h"
#include "util/timefmt.h"

/* ?timeout=10s (or milliseconds as a number), capped. */
static int timeout_arg(long *out, const json_t *data)
{
	json_t *t = json_object_get(data, "timeout");
	int64_t secs = 0;
	*out = CST_CHECK_DEFAULT_TIMEOUT_MS;
	if (t == NULL)
		return CST_OK;
	if (json_is_integer(t) && json_integer_value(t) > 0)
		*out = (long)json_integer_value(t);
	else if (json_is_string(t) && cst_duration_parse(&secs, json_string_value(t)) == CST_OK &&
	         secs > 0)
		*out = (long)(secs * 1000);
	else
		return cst_fail(CST_EINVAL, "timeout must be a duration such as 10s");
	if (*out > CST_CHECK_MAX_TIMEOUT_MS)
		*out = CST_CHECK_MAX_TIMEOUT_MS;
	return CST_OK;
}

int kv_check_read(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	long timeout_ms;
	int rc = timeout_arg(&timeout_ms, req->data);
	if (rc < 0)
		return rc;
	if (cst_name_check(ctx->rest, strlen(ctx->rest)) < 0)
		return CST_EINVAL;
	/* The data read is internal: the caller was authorized for check/. */
	char path[CST_LIMIT_NAME + 64];
	snprintf(path, sizeof(path), "%sdata/%s", ctx->mount_path, ctx->rest);
	cst_request inner = {.op = CST_OP_READ, .path = path};
	cst_response data = {0};
	json_t *result = NULL;
	rc = cst_router_dispatch(&ctx->vault->router, ctx->vault, ctx->barrier, &inner, &data);
	if (rc == CST_OK) {
		const char *type = json_string_value(
			json_object_get(json_object_get(data.data, "metadata"), "type"));
		rc = cst_check_run(&result, type, json_object_get(data.data, "data"), timeout_ms);
		if (rc == CST_OK)
			json_object_set_new(result, "name", json_string(ctx->rest));
	}
	cst_response_release(&data);
	if (rc < 0) {
		json_decref(result);
		return rc;
	}
	resp->data = result;
	return CST_OK;
}
