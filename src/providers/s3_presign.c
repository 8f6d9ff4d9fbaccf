/* s3_presign.c - presigned S3 URLs: the endpoint and addressing style, the
 * object path, the extra parameters and headers, then SigV4 in the query
 * (src/crypto/sigv4.c) with an UNSIGNED-PAYLOAD body hash, as the AWS CLI,
 * boto3 and the SDKs make them. */
#include "providers/s3_presign.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/error.h"
#include "core/limits.h"
#include "crypto/sigv4.h"
#include "custos/request.h"
#include "util/mem.h"
#include "util/url.h"

#define MAX_EXTRA 64

static const char *field(const json_t *data, const char *name)
{
	const char *v = json_string_value(json_object_get(data, name));
	return v && *v ? v : NULL;
}

int cst_s3_creds_from_json(cst_s3_creds *out, const json_t *data, const char *type)
{
	memset(out, 0, sizeof(*out));
	if (type && strcmp(type, "aws") != 0)
		return cst_fail(CST_EINVAL, "credential is of type %.32s, not aws", type);
	out->access_key_id = field(data, "access_key_id");
	out->secret_access_key = field(data, "secret_access_key");
	out->session_token = field(data, "session_token");
	out->region = field(data, "region");
	out->endpoint = field(data, "endpoint");
	if (out->access_key_id == NULL || out->secret_access_key == NULL)
		return cst_fail(CST_EINVAL, "credential has no access_key_id and secret_access_key");
	return CST_OK;
}

/* A bucket that can be a DNS label in front of the endpoint's host. */
static int dns_bucket(const char *b)
{
	size_t n = strlen(b);
	if (n < 3 || n > 63 || !isalnum((unsigned char)b[0]) || !isalnum((unsigned char)b[n - 1]))
		return 0;
	for (const char *p = b; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
			return 0;
	return 1;
}

static int host_is_ip(const cst_url *u)
{
	if (u->ipv6)
		return 1;
	for (const char *p = u->host; *p; p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
			return 0;
	return 1;
}

static int check_opts(const cst_presign_opts *o, const char **method, int64_t *expires)
{
	static const char *const methods[] = {"GET", "PUT", "HEAD", "DELETE"};
	*method = NULL;
	for (size_t i = 0; i < 4; i++)
		if (o->method == NULL ? i == 0 : strcasecmp(o->method, methods[i]) == 0)
			*method = methods[i];
	if (*method == NULL)
		return cst_fail(CST_EINVAL, "method must be GET, PUT, HEAD or DELETE");
	*expires = o->expires ? o->expires : CST_PRESIGN_DEFAULT_EXPIRES;
	if (*expires < 1 || *expires > CST_PRESIGN_MAX_EXPIRES)
		return cst_fail(CST_EINVAL, "expiry must be 1 to %d seconds (7 days)",
		                CST_PRESIGN_MAX_EXPIRES);
	if (o->bucket == NULL || *o->bucket == '\0' || strlen(o->bucket) > 255 ||
	    strpbrk(o->bucket, "/?#% \t\r\n") != NULL)
		return cst_fail(CST_EINVAL, "bad bucket name");
	if (o->key == NULL || *o->key == '\0' || strlen(o->key) > 1024)
		return cst_fail(CST_EINVAL, "object key must be 1 to 1024 bytes");
	if (o->n_params > MAX_EXTRA || o->n_headers > MAX_EXTRA)
		return cst_fail(CST_EINVAL, "at most %d extra parameters and headers", MAX_EXTRA);
	for (size_t i = 0; i < o->n_params; i++)
		if (o->params[i].name == NULL || *o->params[i].name == '\0' ||
		    strncasecmp(o->params[i].name, "X-Amz-Signature", 16) == 0)
			return cst_fail(CST_EINVAL, "bad or reserved query parameter name");
	for (size_t i = 0; i < o->n_headers; i++)
		if (o->headers[i].name == NULL || *o->headers[i].name == '\0' ||
		    strcasecmp(o->headers[i].name, "host") == 0)
			return cst_fail(CST_EINVAL, "bad header name (host is always signed)");
	return CST_OK;
}

int cst_s3_presign_url(cst_buf *out, const cst_s3_creds *c, const cst_presign_opts *o, int64_t now)
{
	const char *method = NULL;
	int64_t expires = 0;
	int rc = check_opts(o, &method, &expires);
	if (rc < 0)
		return rc;
	const char *region = o->region ? o->region : c->region ? c->region : "us-east-1";
	char default_ep[300];
	snprintf(default_ep, sizeof(default_ep), "https://s3.%s.amazonaws.com", region);
	const char *ep = o->endpoint ? o->endpoint : c->endpoint ? c->endpoint : default_ep;
	cst_url u;
	if (cst_url_parse(&u, ep, strlen(ep)) < 0) {
		char msg[200];
		snprintf(msg, sizeof(msg), "%s", cst_errmsg());
		return cst_fail(CST_EINVAL, "endpoint: %s", msg);
	}
	if (u.query[0] != '\0')
		return cst_fail(CST_EINVAL, "endpoint: no query string allowed");
	int virtual_host = !o->path_style && dns_bucket(o->bucket) && !host_is_ip(&u) &&
	                   strcmp(u.host, "localhost") != 0;
	char authority[CST_URL_HOST_MAX + 80], host[CST_URL_HOST_MAX + 140];
	cst_url_authority(authority, sizeof(authority), &u);
	if (virtual_host)
		snprintf(host, sizeof(host), "%s.%s", o->bucket, authority);
	else
		snprintf(host, sizeof(host), "%s", authority);
	/* The endpoint's own path (a store behind a prefix) comes first. */
	size_t base = strlen(u.path);
	while (base && u.path[base - 1] == '/')
		base--;
	cst_buf path = CST_BUF_INIT, url = CST_BUF_INIT;
	rc = cst_buf_printf(&path, "%.*s", (int)base, u.path);
	if (rc == CST_OK && !virtual_host)
		rc = cst_buf_printf(&path, "/%s", o->bucket);
	if (rc == CST_OK)
		rc = cst_buf_printf(&path, "/%s", o->key);
	cst_sigv4_pair q[MAX_EXTRA], h[MAX_EXTRA + 1];
	for (size_t i = 0; i < o->n_params; i++)
		q[i] = (cst_sigv4_pair){o->params[i].name, o->params[i].value ? o->params[i].value : ""};
	h[0] = (cst_sigv4_pair){"host", host};
	for (size_t i = 0; i < o->n_headers; i++)
		h[i + 1] = (cst_sigv4_pair){o->headers[i].name, o->headers[i].value ? o->headers[i].value : ""};
	cst_sigv4_request req = {method, path.ptr, q, o->n_params, h, o->n_headers + 1, NULL, 0,
	                         "UNSIGNED-PAYLOAD"};
	cst_sigv4_signer s = {c->access_key_id, c->secret_access_key, c->session_token, region, "s3",
	                      o->time ? o->time : now, expires, 0};
	cst_sigv4_result r;
	if (rc == CST_OK)
		rc = cst_sigv4_presign(&r, &req, &s);
	if (rc < 0) {
		cst_buf_release(&path);
		return rc;
	}
	rc = cst_buf_printf(&url, "%s://%s", u.tls ? "https" : "http", host);
	if (rc == CST_OK)
		rc = cst_uri_encode(&url, path.ptr, path.len, 1);
	if (rc == CST_OK)
		rc = cst_buf_printf(&url, "?%s", r.query.ptr);
	cst_sigv4_result_release(&r);
	cst_buf_release(&path);
	if (rc == CST_OK) {
		cst_buf_release(out);
		*out = url;
	} else {
		cst_buf_release(&url);
	}
	return rc;
}

int cst_s3_load_creds(json_t **out_data, char **out_type, cst_vault *vault, const char *name)
{
	char path[CST_LIMIT_NAME + 32];
	*out_data = NULL;
	*out_type = NULL;
	if (cst_name_check(name, strlen(name)) < 0)
		return CST_EINVAL;
	snprintf(path, sizeof(path), "secret/data/%s", name);
	cst_request req = {.op = CST_OP_READ, .path = path};
	cst_response resp;
	int rc = cst_vault_request(vault, &req, &resp);
	if (rc == CST_OK) {
		json_t *data = json_object_get(resp.data, "data");
		const char *type =
			json_string_value(json_object_get(json_object_get(resp.data, "metadata"), "type"));
		*out_data = json_incref(data);
		*out_type = type ? cst_strndup(type, strlen(type)) : NULL;
		if (*out_data == NULL)
			rc = cst_fail(CST_EINTEGRITY, "credential %.200s has no data", name);
	}
	cst_response_release(&resp);
	return rc;
}

int cst_presign_s3(char **out_url, int64_t *out_expires_at, cst_vault *vault, const char *cred,
                   const cst_presign_opts *opts)
{
	json_t *data = NULL;
	char *type = NULL;
	cst_s3_creds c;
	cst_buf url = CST_BUF_INIT;
	*out_url = NULL;
	int64_t now = time(NULL);
	int rc = cst_s3_load_creds(&data, &type, vault, cred);
	if (rc == CST_OK)
		rc = cst_s3_creds_from_json(&c, data, type);
	if (rc == CST_OK)
		rc = cst_s3_presign_url(&url, &c, opts, now);
	if (rc == CST_OK) {
		*out_url = cst_buf_detach(&url, NULL);
		if (out_expires_at)
			*out_expires_at = (opts->time ? opts->time : now) +
			                  (opts->expires ? opts->expires : CST_PRESIGN_DEFAULT_EXPIRES);
	}
	cst_buf_release(&url);
	json_decref(data);
	cst_free_wiped(type);
	return rc;
}
