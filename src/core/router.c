/* router.c - mount table and dispatch: longest mount prefix wins, then the
 * engine's path table picks the handler. Every request passes here, so
 * this is where authentication, policy and audit hook in. */
#include "core/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/audit.h"
#include "core/error.h"
#include "core/metrics.h"
#include "core/policy.h"
#include "core/tokens.h"
#include "core/vault.h"
#include "crypto/rand.h"
#include "util/timefmt.h"
#include "util/mem.h"

/* Built-in mounts, always present (as in Vault). */
static const cst_mount sys_mount = {"sys/", "system", "sys/", NULL};
static const cst_mount token_mount = {"auth/token/", "token", "sys/token/", NULL};

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

static void table_free(cst_mount_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->count; i++) {
		free(t->mounts[i].path);
		free(t->mounts[i].type);
		free(t->mounts[i].prefix);
	}
	free(t->mounts);
	free(t);
}

cst_mount_table *cst_router_get(cst_router *r)
{
	pthread_mutex_lock(&r->lock);
	cst_mount_table *t = r->table;
	if (t)
		t->refs++;
	pthread_mutex_unlock(&r->lock);
	return t;
}

void cst_router_put(cst_router *r, cst_mount_table *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	int last = --t->refs == 0;
	pthread_mutex_unlock(&r->lock);
	if (last)
		table_free(t);
}

void cst_router_release(cst_router *r)
{
	cst_router_put(r, r->table);
	r->table = NULL;
	pthread_mutex_destroy(&r->lock);
}

static int table_load(cst_mount_table **out, cst_barrier *b)
{
	json_t *doc = NULL;
	cst_mount_table *t = calloc(1, sizeof(*t));
	int rc = t ? cst_barrier_get_json(b, CST_PATH_MOUNTS, &doc, NULL)
	           : cst_fail(CST_ENOMEM, "out of memory");
	if (rc == CST_ENOTFOUND)
		rc = cst_fail(CST_EINTEGRITY, "vault is damaged: its mount table is missing");
	if (rc == CST_OK && (t->mounts = calloc(json_object_size(doc) + 1, sizeof(*t->mounts))) == NULL)
		rc = cst_fail(CST_ENOMEM, "out of memory");
	const char *path;
	json_t *m;
	json_object_foreach(doc, path, m) {
		if (rc < 0)
			break;
		const char *type = json_string_value(json_object_get(m, "type"));
		const char *prefix = json_string_value(json_object_get(m, "prefix"));
		const cst_engine *e = type ? cst_engine_find(type) : NULL;
		if (e == NULL || prefix == NULL) {
			rc = cst_fail(CST_EINTEGRITY, "mount %.64s has an unknown type", path);
			break;
		}
		cst_mount *dst = &t->mounts[t->count++];
		dst->path = strdup(path);
		dst->type = strdup(type);
		dst->prefix = strdup(prefix);
		dst->engine = e;
		if (!dst->path || !dst->type || !dst->prefix)
			rc = cst_fail(CST_ENOMEM, "out of memory");
	}
	json_decref(doc);
	if (rc < 0) {
		table_free(t);
		t = NULL;
	} else {
		t->refs = 1;
	}
	*out = t;
	return rc;
}

int cst_router_load(cst_router *r, cst_barrier *b)
{
	cst_mount_table *t = NULL;
	int rc = table_load(&t, b);
	if (rc < 0)
		return rc;
	if (r->table == NULL) { /* first load: the lock is new too */
		pthread_mutex_init(&r->lock, NULL);
		r->table = t;
		return CST_OK;
	}
	pthread_mutex_lock(&r->lock);
	cst_mount_table *old = r->table;
	r->table = t;
	pthread_mutex_unlock(&r->lock);
	cst_router_put(r, old);
	return CST_OK;
}

static const cst_mount *find_mount(const cst_mount_table *t, const char *path)
{
	const cst_mount *best = NULL;
	size_t best_len = 0;
	static const cst_mount *const builtin[] = {&sys_mount, &token_mount};
	for (size_t i = 0; i < 2; i++)
		if (strncmp(path, builtin[i]->path, strlen(builtin[i]->path)) == 0)
			return builtin[i];
	for (size_t i = 0; i < t->count; i++) {
		size_t n = strlen(t->mounts[i].path);
		if (n > best_len && strncmp(path, t->mounts[i].path, n) == 0) {
			best = &t->mounts[i];
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

/* A path as it may appear in a message: printable ASCII only, at most
 * n - 1 bytes (request paths come from the network). */
static void printable(char *out, size_t n, const char *path)
{
	size_t i = 0;
	for (; path[i] && i + 1 < n; i++)
		out[i] = (path[i] >= 0x20 && path[i] < 0x7f) ? path[i] : '?';
	out[i] = '\0';
}

/* The capability an operation needs. */
static unsigned needed_cap(cst_op op)
{
	switch (op) {
	case CST_OP_READ: return CST_CAP_READ;
	case CST_OP_LIST: return CST_CAP_LIST;
	case CST_OP_CREATE: return CST_CAP_CREATE;
	case CST_OP_UPDATE: return CST_CAP_UPDATE;
	case CST_OP_PATCH: return CST_CAP_PATCH;
	case CST_OP_DELETE: return CST_CAP_DELETE;
	}
	return CST_CAP_DENY;
}

/* Checks the caller's policies for op on the request path; sets
 * ctx->privileged when the token is root or holds sudo there. */
static int authorize(cst_vault *v, cst_engine_ctx *ctx, const cst_route *rt, cst_op op,
                     const char *path)
{
	cst_acl *acl = NULL;
	int rc = cst_acl_get(&acl, v, json_object_get(ctx->caller->entry, "policies"));
	if (rc < 0)
		return rc;
	unsigned caps = cst_acl_capabilities_for(acl, json_object_get(ctx->caller->entry, "identity"),
	                                         path, op == CST_OP_LIST);
	cst_acl_free(acl);
	ctx->privileged = ctx->caller->root || (caps & CST_CAP_SUDO);
	if (!(caps & needed_cap(op)) || (rt->root_protected && !ctx->privileged))
		return cst_fail(CST_EPERM, "permission denied");
	return CST_OK;
}

int cst_router_authorize(cst_vault *v, const char *token, const char *client_addr,
                         const char *path, cst_op op, int need_sudo)
{
	cst_caller caller = {{0}, NULL, 0};
	cst_route rt = {path, 1, 0, NULL, NULL, need_sudo, 0, 0};
	cst_engine_ctx ctx = {v, NULL, "", "", "", &caller, 0};
	int rc = cst_token_authenticate(&caller, v, token, client_addr, 0);
	if (rc == CST_OK)
		rc = authorize(v, &ctx, &rt, op, path);
	if (rc == CST_OK)
		rc = cst_token_use(v, &caller);
	cst_caller_release(&caller);
	return rc;
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The request is allowed (and recorded): a use-limited token's use is
 * taken, then the handler runs. */
static int use_and_handle(cst_vault *v, cst_engine_ctx *ctx, const cst_route *rt,
                          const cst_request *routed, const cst_caller *caller, cst_response *resp)
{
	int rc = cst_token_use(v, caller);
	return rc == CST_OK ? rt->handler(ctx, routed, resp) : rc;
}

/* Runs the handler between the two audit entries (src/core/audit.c): the
 * request entry goes out first, refused or not, and when no device can
 * write it the handler does not run; a response no device can write is
 * an audit failure too. rc is the outcome so far (a refusal). A
 * use-limited token's use is taken just before the handler, as Vault
 * does: a refused or unrecorded request leaves it untouched. */
static int run_audited(cst_vault *v, cst_engine_ctx *ctx, const cst_route *rt,
                       const cst_request *routed, const cst_mount *m, const cst_caller *caller,
                       cst_response *resp, int rc)
{
	cst_audit *audit = cst_audit_get(v);
	if (audit == NULL) /* no device: the fast path */
		return rc == CST_OK ? use_and_handle(v, ctx, rt, routed, caller, resp) : rc;
	char id[CST_UUID_LEN + 1], msg[512];
	if (routed->request_id == NULL)
		cst_rand_uuid(id);
	cst_audit_memo memo = {NULL, "", "", NULL, 0, NULL};
	cst_audit_event ev = {routed, routed->request_id ? routed->request_id : id, routed->op,
	                      m ? m->type : "", m ? m->path : "", caller, cst_now_ns(), &memo};
	/* The entries' own failures must not replace the request's message. */
	snprintf(msg, sizeof(msg), "%s", rc < 0 ? cst_errmsg() : "");
	int arc = cst_audit_request(audit, &ev, rc < 0 ? msg : NULL);
	if (rc < 0)
		cst_fail(rc, "%s", msg);
	else if (arc < 0)
		rc = arc;
	else {
		rc = use_and_handle(v, ctx, rt, routed, caller, resp);
		snprintf(msg, sizeof(msg), "%s", rc < 0 ? cst_errmsg() : "");
		ev.time_ns = cst_now_ns();
		if ((arc = cst_audit_response(audit, &ev, resp, rc < 0 ? msg : NULL)) < 0) {
			cst_response_release(resp);
			rc = arc;
		} else if (rc < 0) {
			cst_fail(rc, "%s", msg);
		}
	}
	free(memo.section);
	cst_audit_put(audit);
	return rc;
}

int cst_router_may_block(cst_router *r, cst_op op, const char *path)
{
	if (op != CST_OP_READ && op != CST_OP_LIST)
		return 1;
	cst_mount_table *table = cst_router_get(r);
	const cst_mount *m = table ? find_mount(table, path) : NULL;
	const cst_engine *e = m ? (m->engine ? m->engine : cst_engine_find(m->type)) : NULL;
	const char *tail = NULL;
	const cst_route *rt = e ? find_route(e, path + strlen(m->path), &tail) : NULL;
	int blocks = rt != NULL && rt->blocks;
	cst_router_put(r, table);
	return blocks;
}

int cst_router_dispatch(cst_router *r, cst_vault *v, cst_barrier *b, const cst_request *req,
                        cst_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	cst_error_clear();
	if (req->path == NULL || req->path[0] == '/')
		return cst_fail(CST_EINVAL, "request path must be relative (secret/data/NAME)");
	if (req->op < CST_OP_READ || req->op > CST_OP_DELETE)
		return cst_fail(CST_EINVAL, "unknown operation");
	int64_t start = mono_ns();
	int remote = (req->flags & CST_REQ_REMOTE) != 0;
	cst_caller caller = {{0}, NULL, 0};
	int rc = CST_OK;
	cst_mount_table *table = cst_router_get(r);
	const cst_mount *m = find_mount(table, req->path);
	const cst_engine *e = m ? (m->engine ? m->engine : cst_engine_find(m->type)) : NULL;
	const char *tail = NULL;
	const cst_route *rt = e ? find_route(e, req->path + strlen(m->path), &tail) : NULL;
	/* Login paths take no token. Every other request authenticates before
	 * its route is looked at, so an unknown path tells an unauthenticated
	 * client nothing (Vault answers 403 there too); a refused token still
	 * gets its audit entry and its count. */
	int open_route = rt && rt->unauthenticated && (rt->ops & CST_OPS(req->op));
	if (remote && !open_route &&
	    (rc = cst_token_authenticate(&caller, v, req->token, req->client_addr,
	                                 (req->flags & CST_REQ_NO_WAIT) != 0)) == CST_EWOULDBLOCK) {
		cst_router_put(r, table); /* nothing done yet: the caller runs it again */
		return rc;
	}
	if (rc < 0)
		cst_metrics_auth_failure(v->metrics, CST_AUTH_FAIL_TOKEN);
	int authenticated = remote && !open_route && rc == CST_OK;
	cst_engine_ctx ctx = {v, b, m ? m->path : "", m ? m->prefix : "", tail,
	                      remote && !open_route ? &caller : NULL, !remote};
	cst_request routed = *req;
	char shown[201];
	printable(shown, sizeof(shown), req->path);
	if (rc < 0)
		; /* the authentication failure stands */
	else if (rt == NULL)
		rc = cst_fail(CST_ENOTFOUND, "no handler for route \"%s\". route entry not found.", shown);
	else if (!(rt->ops & CST_OPS(req->op)))
		rc = cst_fail(CST_EUNSUPPORTED, "unsupported operation on %s", shown);
	/* POST/PUT arrive as update; the existence check makes a write to a
	 * new entry a create, as Vault's ACLs expect. */
	if (rc == CST_OK && rt->exists && (req->op == CST_OP_UPDATE || req->op == CST_OP_CREATE)) {
		int exists = 0;
		if ((rc = rt->exists(&ctx, &exists)) == CST_OK)
			routed.op = exists ? CST_OP_UPDATE : CST_OP_CREATE;
	}
	if (rc == CST_OK && remote && !open_route &&
	    (rc = authorize(v, &ctx, rt, routed.op, req->path)) == CST_EPERM)
		cst_metrics_auth_failure(v->metrics, CST_AUTH_FAIL_DENIED);
	rc = run_audited(v, &ctx, rt, &routed, m, authenticated ? &caller : NULL, resp, rc);
	cst_metrics_request(v->metrics, e, rt, rc, mono_ns() - start);
	cst_router_put(r, table);
	cst_caller_release(&caller);
	return rc;
}

int cst_router_sweep(cst_router *r, cst_vault *v, cst_barrier *b, int64_t now, uint64_t *out_count)
{
	int rc = CST_OK;
	*out_count = 0;
	cst_mount_table *table = cst_router_get(r);
	for (size_t i = 0; rc == CST_OK && table && i < table->count; i++) {
		const cst_mount *m = &table->mounts[i];
		uint64_t n = 0;
		if (m->engine == NULL || m->engine->sweep == NULL)
			continue;
		cst_engine_ctx ctx = {v, b, m->path, m->prefix, "", NULL, 1};
		rc = m->engine->sweep(&ctx, now, &n);
		*out_count += n;
	}
	cst_router_put(r, table);
	return rc;
}
