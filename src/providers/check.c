/* check.c - the provider table of `custos check`: for each credential type
 * the request that proves it at the least cost, and the reading of the
 * answer. AWS's STS GetCallerIdentity is signed with SigV4 here. */
#include "providers/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "crypto/sigv4.h"
#include "custos.h"
#include "util/mem.h"

#define STS_BODY "Action=GetCallerIdentity&Version=2011-06-15"
#define USER_AGENT "User-Agent: custos/" CST_VERSION_STRING

static const cst_check_transport *transport;

void cst_check_set_transport(const cst_check_transport *t)
{
	transport = t;
}

static const char *field(const json_t *data, const char *name)
{
	const char *v = json_string_value(json_object_get(data, name));
	return v && *v ? v : NULL;
}

static int add_header(cst_check_plan *p, const char *name, const char *value)
{
	if (p->n_headers >= CST_CHECK_MAX_HEADERS)
		return cst_fail(CST_ERROR, "check: too many headers");
	if (strpbrk(value, "\r\n") != NULL)
		return cst_fail(CST_EINVAL, "check: a credential field holds a line break");
	cst_buf b = CST_BUF_INIT;
	int rc = cst_buf_printf(&b, "%s: %s", name, value);
	if (rc == CST_OK)
		p->headers[p->n_headers++] = cst_buf_detach(&b, NULL);
	cst_buf_release(&b);
	return rc;
}

/* base + path into p->url, after checking the base: an http(s) URL, https
 * unless the host is loopback. */
static int set_url(cst_check_plan *p, cst_url *u, const char *base, const char *path,
                   const char *what)
{
	if (cst_url_parse(u, base, strlen(base)) < 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "%s", cst_errmsg());
		return cst_fail(CST_EINVAL, "%s: %s", what, msg);
	}
	if (!u->tls && !cst_url_is_loopback(u))
		return cst_fail(CST_EINVAL, "%s is plain http:// to a host that is not loopback; "
		                            "credentials are sent only over https (or to 127.0.0.1)",
		                what);
	if (u->query[0] != '\0')
		return cst_fail(CST_EINVAL, "%s must not have a query string", what);
	size_t n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	snprintf(p->url, sizeof(p->url), "%.*s%s", (int)n, base, path);
	snprintf(p->endpoint, sizeof(p->endpoint), "%s", p->url);
	return CST_OK;
}

static int bearer(cst_check_plan *p, const char *token)
{
	char *h = NULL;
	size_t n = strlen(token) + 8;
	if ((h = malloc(n)) == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	snprintf(h, n, "Bearer %s", token);
	int rc = add_header(p, "Authorization", h);
	cst_wipe(h, n);
	free(h);
	return rc;
}

static int get(cst_check_plan *p, const json_t *data, const char *base_default,
               const char *base_field, const char *path)
{
	cst_url u;
	const char *base = field(data, base_field);
	snprintf(p->method, sizeof(p->method), "GET");
	return set_url(p, &u, base ? base : base_default, path, base_field);
}

static int plan_aws(cst_check_plan *p, const json_t *data, int64_t now)
{
	const char *id = field(data, "access_key_id"), *secret = field(data, "secret_access_key");
	const char *region = field(data, "region") ? field(data, "region") : "us-east-1";
	char def[160], host[CST_URL_HOST_MAX + 16];
	cst_url u;
	if (id == NULL || secret == NULL)
		return cst_fail(CST_EINVAL, "aws credential lacks access_key_id or secret_access_key");
	snprintf(def, sizeof(def), "https://sts.%s.amazonaws.com", region);
	const char *base = field(data, "base_url") ? field(data, "base_url") : def;
	int rc = set_url(p, &u, base, "/", "base_url");
	if (rc < 0)
		return rc;
	snprintf(p->method, sizeof(p->method), "POST");
	cst_url_authority(host, sizeof(host), &u);
	const char *ctype = "application/x-www-form-urlencoded; charset=utf-8";
	cst_sigv4_pair h[] = {{"Content-Type", ctype}, {"Host", host}};
	/* The URL is the base with one '/' added: sign that same path. */
	char path[CST_URL_PATH_MAX + 2];
	size_t pl = strlen(u.path);
	while (pl && u.path[pl - 1] == '/')
		pl--;
	snprintf(path, sizeof(path), "%.*s/", (int)pl, u.path);
	cst_sigv4_request req = {"POST", path, NULL, 0, h, 2, STS_BODY, strlen(STS_BODY), NULL};
	cst_sigv4_signer s = {id, secret, field(data, "session_token"), region, "sts", now, 0, 0};
	cst_sigv4_result r;
	if ((rc = cst_sigv4_sign_headers(&r, &req, &s)) < 0)
		return rc;
	rc = add_header(p, "Content-Type", ctype);
	if (rc == CST_OK)
		rc = add_header(p, "X-Amz-Date", r.amz_date);
	if (rc == CST_OK && s.session_token)
		rc = add_header(p, "X-Amz-Security-Token", s.session_token);
	if (rc == CST_OK)
		rc = add_header(p, "Authorization", r.authorization.ptr);
	cst_sigv4_result_release(&r);
	p->body = cst_strndup(STS_BODY, strlen(STS_BODY));
	p->body_len = strlen(STS_BODY);
	return rc == CST_OK && p->body == NULL ? cst_fail(CST_ENOMEM, "out of memory") : rc;
}

/* postgres://user:secret@host:5432/db -> postgres://user@host:5432/db */
static void dsn_endpoint(char *out, size_t n, const char *dsn)
{
	const char *sep = strstr(dsn, "://");
	const char *rest = sep ? sep + 3 : dsn, *at = strrchr(rest, '@');
	const char *q = strchr(rest, '?');
	if (at && q && at > q)
		at = NULL;
	if (at == NULL) {
		snprintf(out, n, "%.*s", q ? (int)(q - dsn) : (int)strlen(dsn), dsn);
		return;
	}
	const char *colon = memchr(rest, ':', (size_t)(at - rest));
	size_t user = (size_t)((colon ? colon : at) - rest);
	snprintf(out, n, "%.*s%.*s@%.*s", (int)(rest - dsn), dsn, (int)user, rest,
	         q ? (int)(q - at - 1) : (int)strlen(at + 1), at + 1);
}

static int plan_dsn(cst_check_plan *p, const json_t *data)
{
	const char *dsn = field(data, "dsn");
	if (dsn == NULL)
		return cst_fail(CST_EINVAL, "db_dsn credential has no dsn");
	if (strncmp(dsn, "postgres://", 11) != 0 && strncmp(dsn, "postgresql://", 13) != 0)
		return cst_fail(CST_EUNSUPPORTED, "only postgres:// database URLs can be checked");
	p->kind = CST_CHECK_POSTGRES;
	dsn_endpoint(p->endpoint, sizeof(p->endpoint), dsn);
	p->conninfo = cst_strndup(dsn, strlen(dsn));
	return p->conninfo ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
}

static int plan_for(cst_check_plan *p, const char *type, const json_t *data, int64_t now)
{
	const char *t;
	int rc;
	if (strcmp(type, "openai") == 0) {
		if ((rc = get(p, data, "https://api.openai.com/v1", "base_url", "/models")) == CST_OK &&
		    (rc = bearer(p, field(data, "api_key") ? field(data, "api_key") : "")) == CST_OK &&
		    (t = field(data, "organization")) != NULL)
			rc = add_header(p, "OpenAI-Organization", t);
		if (rc == CST_OK && (t = field(data, "project")) != NULL)
			rc = add_header(p, "OpenAI-Project", t);
		return rc;
	}
	if (strcmp(type, "anthropic") == 0) {
		if ((rc = get(p, data, "https://api.anthropic.com", "base_url", "/v1/models")) == CST_OK &&
		    (rc = add_header(p, "x-api-key", field(data, "api_key") ? field(data, "api_key") : "")) == CST_OK)
			rc = add_header(p, "anthropic-version", "2023-06-01");
		return rc;
	}
	if (strcmp(type, "huggingface") == 0) {
		if ((rc = get(p, data, "https://huggingface.co", "base_url", "/api/whoami-v2")) == CST_OK)
			rc = bearer(p, field(data, "token") ? field(data, "token") : "");
		return rc;
	}
	if (strcmp(type, "github") == 0) {
		if ((rc = get(p, data, "https://api.github.com", "base_url", "/user")) == CST_OK &&
		    (rc = bearer(p, field(data, "token") ? field(data, "token") : "")) == CST_OK &&
		    (rc = add_header(p, "Accept", "application/vnd.github+json")) == CST_OK)
			rc = add_header(p, "X-GitHub-Api-Version", "2022-11-28");
		return rc;
	}
	if (strcmp(type, "pinecone") == 0) {
		/* Legacy keys live on a per-environment controller. */
		char legacy[200];
		const char *env = field(data, "environment"), *path = "/indexes";
		const char *def = "https://api.pinecone.io";
		if (env && !field(data, "base_url") && strlen(env) < 100) {
			snprintf(legacy, sizeof(legacy), "https://controller.%s.pinecone.io", env);
			def = legacy;
			path = "/databases";
		}
		if ((rc = get(p, data, def, "base_url", path)) == CST_OK &&
		    (rc = add_header(p, "Api-Key", field(data, "api_key") ? field(data, "api_key") : "")) == CST_OK)
			rc = add_header(p, "X-Pinecone-API-Version", "2024-07");
		return rc;
	}
	if (strcmp(type, "weaviate") == 0 || strcmp(type, "ollama") == 0) {
		int weaviate = type[0] == 'w';
		if (field(data, "url") == NULL)
			return cst_fail(CST_EINVAL, "%s credential has no url", type);
		rc = get(p, data, "", "url", weaviate ? "/v1/meta" : "/api/tags");
		if (rc == CST_OK && (t = field(data, "api_key")) != NULL)
			rc = bearer(p, t);
		return rc;
	}
	if (strcmp(type, "slack") == 0) {
		if ((t = field(data, "token")) == NULL)
			return cst_fail(CST_EUNSUPPORTED, "a Slack webhook cannot be checked without "
			                                  "posting a message; only tokens are checked");
		cst_url u;
		const char *base = field(data, "base_url") ? field(data, "base_url") : "https://slack.com/api";
		if ((rc = set_url(p, &u, base, "/auth.test", "base_url")) < 0)
			return rc;
		snprintf(p->method, sizeof(p->method), "POST");
		p->slack = 1;
		if ((rc = bearer(p, t)) == CST_OK)
			rc = add_header(p, "Content-Type", "application/x-www-form-urlencoded");
		return rc;
	}
	if (strcmp(type, "aws") == 0)
		return plan_aws(p, data, now);
	if (strcmp(type, "db_dsn") == 0)
		return plan_dsn(p, data);
	return cst_fail(CST_EUNSUPPORTED, "credentials of type %.32s have no provider check", type);
}

int cst_check_plan_build(cst_check_plan *p, const char *type, const json_t *data, int64_t now)
{
	memset(p, 0, sizeof(*p));
	p->kind = CST_CHECK_HTTP;
	if (type == NULL)
		return cst_fail(CST_EUNSUPPORTED, "untyped credentials have no provider check");
	int rc = plan_for(p, type, data, now);
	if (rc == CST_OK && p->kind == CST_CHECK_HTTP)
		rc = add_header(p, "User-Agent", "custos/" CST_VERSION_STRING);
	if (rc < 0)
		cst_check_plan_release(p);
	return rc;
}

void cst_check_plan_release(cst_check_plan *p)
{
	for (size_t i = 0; i < p->n_headers; i++)
		cst_free_wiped(p->headers[i]);
	cst_free_wiped(p->body);
	cst_free_wiped(p->conninfo);
	memset(p, 0, sizeof(*p));
}

static int slack_rejected(const cst_check_outcome *o)
{
	static const char *const codes[] = {"invalid_auth", "not_authed", "account_inactive",
	                                    "token_revoked", "token_expired", "not_allowed_token_type"};
	json_t *j = json_loadb(o->body, o->body_len, 0, NULL);
	const char *err = json_string_value(json_object_get(j, "error"));
	int hit = 0;
	for (size_t i = 0; err && i < sizeof(codes) / sizeof(codes[0]); i++)
		hit |= strcmp(err, codes[i]) == 0;
	json_decref(j);
	return hit;
}

static int slack_ok(const cst_check_outcome *o)
{
	json_t *j = json_loadb(o->body, o->body_len, 0, NULL);
	int ok = json_is_true(json_object_get(j, "ok"));
	json_decref(j);
	return ok;
}

const char *cst_check_classify(const cst_check_plan *p, const cst_check_outcome *o)
{
	if (p->kind == CST_CHECK_POSTGRES)
		return o->auth_failed ? "rejected" : o->reached ? "ok" : "unreachable";
	if (!o->reached)
		return "unreachable";
	if (o->http_status == 401 || o->http_status == 403)
		return "rejected";
	if (p->slack && o->http_status == 200)
		return slack_ok(o) ? "ok" : slack_rejected(o) ? "rejected" : "error";
	return o->http_status >= 200 && o->http_status < 300 ? "ok" : "error";
}

int cst_check_run(json_t **out, const char *type, const json_t *data, long timeout_ms)
{
	*out = NULL;
	cst_check_plan p;
	int rc = cst_check_plan_build(&p, type, data, (int64_t)time(NULL));
	if (rc < 0)
		return rc;
	cst_check_outcome *o = calloc(1, sizeof(*o));
	if (o == NULL) {
		cst_check_plan_release(&p);
		return cst_fail(CST_ENOMEM, "out of memory");
	}
	if (transport == NULL || (p.kind == CST_CHECK_HTTP ? !transport->http : !transport->postgres))
		rc = cst_fail(CST_EUNSUPPORTED, "this program cannot make provider checks (run "
		                                "custos check, or ask custos server)");
	else
		rc = p.kind == CST_CHECK_HTTP ? transport->http(o, &p, timeout_ms)
		                              : transport->postgres(o, &p, timeout_ms);
	if (rc == CST_OK) {
		const char *status = cst_check_classify(&p, o);
		char detail[300];
		if (strcmp(status, "ok") == 0)
			detail[0] = '\0';
		else if (o->detail[0])
			snprintf(detail, sizeof(detail), "%s", o->detail);
		else
			snprintf(detail, sizeof(detail), "HTTP %ld", o->http_status);
		*out = json_pack("{s:s, s:s, s:I, s:f, s:s, s:s}", "type", type, "status", status,
		                 "http_status", (json_int_t)o->http_status, "latency_ms",
		                 (double)(long long)(o->latency_ms * 10) / 10.0, "endpoint", p.endpoint,
		                 "detail", detail);
		if (*out == NULL)
			rc = cst_fail(CST_ENOMEM, "out of memory");
	}
	cst_wipe(o, sizeof(*o));
	free(o);
	cst_check_plan_release(&p);
	return rc;
}
