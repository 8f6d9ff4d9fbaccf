/* router.c - mount table and dispatch: longest mount prefix wins, then the
 * engine's path table picks the handler. Every request passes here, so
 * this is where authentication, policy and audit hook in. */
#include "core/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/rand.h"
#include "util/mem.h"

static const cst_mount sys_mount = {"sys/", "system", "sys/", NULL};

json_t *cst_router_default_mounts(void)
{
	unsigned char id[8];
	char prefix[64];
	if (cst_rand_bytes(id, sizeof(id)) < 0)
		return NULL;
	snprintf(prefix, sizeof(prefix), "logical/%02x%02x%02x%02x%02x%02x%02x%02x/", id[0], id[1],
	         id[2], id[3], id[4], id[5], id[6], id[7]);
	return json_pack("{s:{s:s, s:s, s:{s:s}}}", "secret/", "type", "kv", "prefix", prefix,
	                 "options", "version", "2");
}

void cst_router_release(cst_router *r)
{
	for (size_t i = 0; i < r->count; i++) {
		free(r->mounts[i].path);
		free(r->mounts[i].type);
		free(r->mounts[i].prefix);
	}
	free(r->mounts);
	r->mounts = NULL;
	r->count = 0;
}

int cst_router_load(cst_router *r, cst_barrier *b)
{
	cst_buf raw = CST_BUF_INIT;
	json_t *table = NULL;
	memset(r, 0, sizeof(*r));
	int rc = cst_barrier_get(b, CST_PATH_MOUNTS, &raw, NULL);
	if (rc == CST_ENOTFOUND)
		rc = cst_fail(CST_EINTEGRITY, "vault is damaged: its mount table is missing");
	if (rc < 0)
		goto done;
	table = json_loadb(raw.ptr, raw.len, 0, NULL);
	if (!json_is_object(table)) {
		rc = cst_fail(CST_EINTEGRITY, "vault mount table is not valid JSON");
		goto done;
	}
	r->mounts = calloc(json_object_size(table) + 1, sizeof(*r->mounts));
	if (r->mounts == NULL) {
		rc = cst_fail(CST_ENOMEM, "out of memory");
		goto done;
	}
	const char *path;
	json_t *m;
	json_object_foreach(table, path, m) {
		const char *type = json_string_value(json_object_get(m, "type"));
		const char *prefix = json_string_value(json_object_get(m, "prefix"));
		const cst_engine *e = type ? cst_engine_find(type) : NULL;
		if (e == NULL || prefix == NULL) {
			rc = cst_fail(CST_EINTEGRITY, "mount %.64s has an unknown type", path);
			goto done;
		}
		cst_mount *dst = &r->mounts[r->count++];
		dst->path = strdup(path);
		dst->type = strdup(type);
		dst->prefix = strdup(prefix);
		dst->engine = e;
		if (!dst->path || !dst->type || !dst->prefix) {
			rc = cst_fail(CST_ENOMEM, "out of memory");
			goto done;
		}
	}
done:
	json_decref(table);
	cst_buf_release(&raw);
	if (rc < 0)
		cst_router_release(r);
	return rc;
}

static const cst_mount *find_mount(const cst_router *r, const char *path)
{
	const cst_mount *best = NULL;
	size_t best_len = 0;
	if (strncmp(path, sys_mount.path, strlen(sys_mount.path)) == 0)
		return &sys_mount;
	for (size_t i = 0; i < r->count; i++) {
		size_t n = strlen(r->mounts[i].path);
		if (n > best_len && strncmp(path, r->mounts[i].path, n) == 0) {
			best = &r->mounts[i];
			best_len = n;
		}
	}
	return best;
}

static const cst_route *find_route(const cst_engine *e, const char *rest, const char **tail)
{
	for (size_t i = 0; i < e->n_routes; i++) {
		const cst_route *rt = &e->routes[i];
		size_t n = strlen(rt->pattern);
		if (rt->exact ? strcmp(rest, rt->pattern) == 0 : strncmp(rest, rt->pattern, n) == 0) {
			*tail = rest + n;
			return rt;
		}
	}
	return NULL;
}

int cst_router_dispatch(cst_router *r, cst_vault *v, cst_barrier *b, const cst_request *req,
                        cst_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	cst_error_clear();
	if (req->path == NULL || req->path[0] == '/')
		return cst_fail(CST_EINVAL, "request path must be relative (secret/data/NAME)");
	const cst_mount *m = find_mount(r, req->path);
	const cst_engine *e = m == &sys_mount ? cst_engine_find("system") : (m ? m->engine : NULL);
	const char *tail = NULL;
	const cst_route *rt = e ? find_route(e, req->path + strlen(m->path), &tail) : NULL;
	if (rt == NULL)
		return cst_fail(CST_ENOTFOUND, "no handler for route \"%.200s\". route entry not found.",
		                req->path);
	if (!(rt->ops & CST_OPS(req->op)))
		return cst_fail(CST_EUNSUPPORTED, "unsupported operation on %.200s", req->path);
	cst_engine_ctx ctx = {v, b, m->path, m->prefix, tail};
	return rt->handler(&ctx, req, resp);
}
