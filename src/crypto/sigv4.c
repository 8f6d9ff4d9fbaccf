/* sigv4.c - AWS Signature Version 4 (docs.aws.amazon.com/IAM/latest/
 * UserGuide/reference_sigv-create-signed-request.html):
 *
 *   canonical request = method \n canonical URI \n canonical query \n
 *                       canonical headers \n \n signed headers \n payload hash
 *   string to sign    = AWS4-HMAC-SHA256 \n amz-date \n scope \n hex(SHA-256(creq))
 *   signing key       = HMAC chain "AWS4"+secret -> date -> region -> service -> aws4_request
 */
#include "crypto/sigv4.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "crypto/kdf.h"
#include "util/mem.h"
#include "util/url.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define MAX_PAIRS 1024

static void to_hex(char *out, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* An encoded "name=value" and its sort key (the name then the value). */
typedef struct enc_pair {
	char *name;
	char *value;
} enc_pair;

static int cmp_enc(const void *a, const void *b)
{
	const enc_pair *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->value, y->value);
}

/* A header with its name lower-cased and its value trimmed, runs of
 * spaces folded to one (AWS's Trimall). `order` keeps repeated names in
 * their order after sorting. */
typedef struct canon_header {
	char *name;
	char *value;
	size_t order;
} canon_header;

static int cmp_header(const void *a, const void *b)
{
	const canon_header *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static char *dup_lower(const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		d[i] = (char)tolower((unsigned char)s[i]);
	return d;
}

static char *dup_trimall(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s; s++) {
		int space = *s == ' ' || *s == '\t';
		if (space && (o == 0 || d[o - 1] == ' '))
			continue;
		d[o++] = space ? ' ' : *s;
	}
	while (o && d[o - 1] == ' ')
		o--;
	d[o] = '\0';
	return d;
}

/* Path normalization as botocore's remove_dot_segments: "." and empty
 * segments go, ".." removes the one before; a trailing '/' stays. */
static int normalize_path(cst_buf *out, const char *path)
{
	size_t n = strlen(path);
	char **segs = calloc(n / 2 + 2, sizeof(*segs));
	char *copy = cst_strndup(path, n);
	size_t k = 0;
	int rc = segs && copy ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	for (char *save = NULL, *t = rc == CST_OK ? strtok_r(copy, "/", &save) : NULL; t != NULL;
	     t = strtok_r(NULL, "/", &save)) {
		if (strcmp(t, ".") == 0)
			continue;
		if (strcmp(t, "..") == 0) {
			if (k)
				k--;
			continue;
		}
		segs[k++] = t;
	}
	if (rc == CST_OK && n && path[0] == '/')
		rc = cst_buf_puts(out, "/");
	for (size_t i = 0; i < k && rc == CST_OK; i++)
		rc = cst_buf_printf(out, "%s%s", i ? "/" : "", segs[i]);
	if (rc == CST_OK && k && n && path[n - 1] == '/')
		rc = cst_buf_puts(out, "/");
	free(segs);
	cst_free_wiped(copy);
	return rc;
}

static int canonical_uri(cst_buf *out, const char *path, unsigned flags)
{
	cst_buf norm = CST_BUF_INIT;
	int rc = CST_OK;
	if (path == NULL || *path == '\0')
		path = "/";
	if (flags & CST_SIGV4_NORMALIZE_PATH) {
		if ((rc = normalize_path(&norm, path)) == CST_OK && norm.len == 0)
			rc = cst_buf_puts(&norm, "/");
		if (rc == CST_OK)
			path = norm.ptr;
	}
	if (rc == CST_OK)
		rc = cst_uri_encode(out, path, strlen(path), 1);
	cst_buf_release(&norm);
	return rc;
}

/* Encodes, sorts and joins the query pairs (plus extra) into out. */
static int canonical_query(cst_buf *out, const cst_sigv4_pair *q, size_t nq,
                           const cst_sigv4_pair *extra, size_t ne)
{
	size_t n = nq + ne;
	if (n > MAX_PAIRS)
		return cst_fail(CST_EINVAL, "sigv4: more than %d query parameters", MAX_PAIRS);
	enc_pair *p = calloc(n ? n : 1, sizeof(*p));
	int rc = p ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	for (size_t i = 0; i < n && rc == CST_OK; i++) {
		const cst_sigv4_pair *src = i < nq ? &q[i] : &extra[i - nq];
		cst_buf a = CST_BUF_INIT, b = CST_BUF_INIT;
		const char *v = src->value ? src->value : "";
		if ((rc = cst_uri_encode(&a, src->name, strlen(src->name), 0)) == CST_OK &&
		    (rc = cst_uri_encode(&b, v, strlen(v), 0)) == CST_OK) {
			p[i].name = cst_buf_detach(&a, NULL);
			p[i].value = cst_buf_detach(&b, NULL);
			if (p[i].name == NULL)
				p[i].name = cst_strndup("", 0);
			if (p[i].value == NULL)
				p[i].value = cst_strndup("", 0);
			if (p[i].name == NULL || p[i].value == NULL)
				rc = cst_fail(CST_ENOMEM, "out of memory");
		}
		cst_buf_release(&a);
		cst_buf_release(&b);
	}
	if (rc == CST_OK)
		qsort(p, n, sizeof(*p), cmp_enc);
	for (size_t i = 0; i < n && rc == CST_OK; i++)
		rc = cst_buf_printf(out, "%s%s=%s", i ? "&" : "", p[i].name, p[i].value);
	for (size_t i = 0; p && i < n; i++) {
		cst_free_wiped(p[i].name);
		cst_free_wiped(p[i].value);
	}
	free(p);
	return rc;
}

/* Canonical headers block (each "name:value\n", repeated names joined
 * with ',') and the signed-headers list. */
static int canonical_headers(cst_buf *block, cst_buf *signed_list, const cst_sigv4_pair *h,
                             size_t nh, const cst_sigv4_pair *extra, size_t ne)
{
	size_t n = nh + ne;
	if (n > MAX_PAIRS)
		return cst_fail(CST_EINVAL, "sigv4: more than %d headers", MAX_PAIRS);
	canon_header *c = calloc(n ? n : 1, sizeof(*c));
	int rc = c ? CST_OK : cst_fail(CST_ENOMEM, "out of memory"), host = 0;
	for (size_t i = 0; i < n && rc == CST_OK; i++) {
		const cst_sigv4_pair *src = i < nh ? &h[i] : &extra[i - nh];
		c[i].name = dup_lower(src->name);
		c[i].value = dup_trimall(src->value ? src->value : "");
		c[i].order = i;
		if (c[i].name == NULL || c[i].value == NULL)
			rc = cst_fail(CST_ENOMEM, "out of memory");
		else if (c[i].name[0] == '\0' || strpbrk(c[i].name, ":\r\n ") != NULL ||
		         strpbrk(c[i].value, "\r\n") != NULL)
			rc = cst_fail(CST_EINVAL, "sigv4: bad header name or value");
		else if (strcmp(c[i].name, "host") == 0)
			host = 1;
	}
	if (rc == CST_OK && !host)
		rc = cst_fail(CST_EINVAL, "sigv4: the request has no host header");
	if (rc == CST_OK)
		qsort(c, n, sizeof(*c), cmp_header);
	for (size_t i = 0; i < n && rc == CST_OK; i++) {
		int first = i == 0 || strcmp(c[i].name, c[i - 1].name) != 0;
		if (first) {
			if (i)
				rc = cst_buf_puts(block, "\n");
			if (rc == CST_OK)
				rc = cst_buf_printf(block, "%s:%s", c[i].name, c[i].value);
			if (rc == CST_OK)
				rc = cst_buf_printf(signed_list, "%s%s", i ? ";" : "", c[i].name);
		} else {
			rc = cst_buf_printf(block, ",%s", c[i].value);
		}
	}
	if (rc == CST_OK && n)
		rc = cst_buf_puts(block, "\n");
	for (size_t i = 0; c && i < n; i++) {
		cst_free_wiped(c[i].name);
		cst_free_wiped(c[i].value);
	}
	free(c);
	return rc;
}

static int has_header(const cst_sigv4_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_headers; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return 1;
	return 0;
}

static int check_signer(const cst_sigv4_signer *s, char *amz_date, char *date)
{
	if (!s->access_key_id || !*s->access_key_id || !s->secret_access_key ||
	    !*s->secret_access_key || !s->region || !*s->region || !s->service || !*s->service)
		return cst_fail(CST_EINVAL, "sigv4: access key, secret, region and service are required");
	if (strpbrk(s->region, "/ \n") || strpbrk(s->service, "/ \n") ||
	    strpbrk(s->access_key_id, "/ \n"))
		return cst_fail(CST_EINVAL, "sigv4: region, service and key id cannot hold '/' or spaces");
	time_t t = (time_t)s->time;
	struct tm tm;
	if (s->time < 0 || s->time > 253402300799LL || gmtime_r(&t, &tm) == NULL)
		return cst_fail(CST_EINVAL, "sigv4: signing time out of range");
	strftime(amz_date, 17, "%Y%m%dT%H%M%SZ", &tm);
	memcpy(date, amz_date, 8);
	date[8] = '\0';
	return CST_OK;
}

static int payload_hash(char out[65], const cst_sigv4_request *req)
{
	if (req->payload_hash) {
		if (strlen(req->payload_hash) > 64 || strchr(req->payload_hash, '\n'))
			return cst_fail(CST_EINVAL, "sigv4: bad payload hash");
		snprintf(out, 65, "%s", req->payload_hash);
		return CST_OK;
	}
	unsigned char h[CST_SHA256_LEN];
	cst_sha256(h, req->body_len ? req->body : "", req->body_len);
	to_hex(out, h, sizeof(h));
	return CST_OK;
}

/* String to sign and signature from the finished canonical request. */
static int finish(cst_sigv4_result *out, const cst_sigv4_signer *s, const char *date)
{
	unsigned char h[CST_SHA256_LEN], k[CST_SHA256_LEN], sig[CST_SHA256_LEN];
	char hex[65];
	cst_sha256(h, out->canonical_request.ptr, out->canonical_request.len);
	to_hex(hex, h, sizeof(h));
	int rc = cst_buf_printf(&out->string_to_sign, ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s",
	                        out->amz_date, date, s->region, s->service, hex);
	cst_buf secret = CST_BUF_INIT;
	if (rc == CST_OK)
		rc = cst_buf_printf(&secret, "AWS4%s", s->secret_access_key);
	if (rc == CST_OK)
		rc = cst_mac_sha256(k, secret.ptr, secret.len, date, strlen(date));
	if (rc == CST_OK)
		rc = cst_mac_sha256(k, k, sizeof(k), s->region, strlen(s->region));
	if (rc == CST_OK)
		rc = cst_mac_sha256(k, k, sizeof(k), s->service, strlen(s->service));
	if (rc == CST_OK)
		rc = cst_mac_sha256(k, k, sizeof(k), "aws4_request", 12);
	if (rc == CST_OK)
		rc = cst_mac_sha256(sig, k, sizeof(k), out->string_to_sign.ptr, out->string_to_sign.len);
	if (rc == CST_OK)
		to_hex(out->signature, sig, sizeof(sig));
	cst_wipe(k, sizeof(k));
	cst_buf_release(&secret);
	return rc;
}

static int build(cst_sigv4_result *out, const cst_sigv4_request *req, const cst_sigv4_signer *s,
                 int query_mode)
{
	char date[9], hash[65], credential[512], expires[24];
	memset(out, 0, sizeof(*out));
	int rc = check_signer(s, out->amz_date, date);
	if (rc == CST_OK)
		rc = payload_hash(hash, req);
	if (rc < 0)
		return rc;
	int token = s->session_token && *s->session_token;
	cst_sigv4_pair extra_h[3], extra_q[6];
	size_t neh = 0, neq = 0;
	cst_buf creq_headers = CST_BUF_INIT;
	snprintf(credential, sizeof(credential), "%s/%s/%s/%s/aws4_request", s->access_key_id, date,
	         s->region, s->service);
	snprintf(expires, sizeof(expires), "%lld", (long long)s->expires);
	if (!query_mode) {
		if (!has_header(req, "x-amz-date"))
			extra_h[neh++] = (cst_sigv4_pair){"x-amz-date", out->amz_date};
		if (token && !has_header(req, "x-amz-security-token"))
			extra_h[neh++] = (cst_sigv4_pair){"x-amz-security-token", s->session_token};
		if ((s->flags & CST_SIGV4_CONTENT_SHA256) && !has_header(req, "x-amz-content-sha256"))
			extra_h[neh++] = (cst_sigv4_pair){"x-amz-content-sha256", hash};
	}
	rc = canonical_headers(&creq_headers, &out->signed_headers, req->headers, req->n_headers,
	                       extra_h, neh);
	if (rc == CST_OK && query_mode) {
		extra_q[neq++] = (cst_sigv4_pair){"X-Amz-Algorithm", ALGORITHM};
		extra_q[neq++] = (cst_sigv4_pair){"X-Amz-Credential", credential};
		extra_q[neq++] = (cst_sigv4_pair){"X-Amz-Date", out->amz_date};
		if (s->expires > 0)
			extra_q[neq++] = (cst_sigv4_pair){"X-Amz-Expires", expires};
		if (token)
			extra_q[neq++] = (cst_sigv4_pair){"X-Amz-Security-Token", s->session_token};
		extra_q[neq++] = (cst_sigv4_pair){"X-Amz-SignedHeaders", out->signed_headers.ptr};
	}
	if (rc == CST_OK)
		rc = canonical_query(&out->query, req->query, req->n_query, extra_q, neq);
	cst_buf *cr = &out->canonical_request;
	if (rc == CST_OK)
		rc = cst_buf_printf(cr, "%s\n", req->method);
	if (rc == CST_OK)
		rc = canonical_uri(cr, req->path, s->flags);
	if (rc == CST_OK)
		rc = cst_buf_printf(cr, "\n%s\n%s\n%s\n%s", out->query.ptr ? out->query.ptr : "",
		                    creq_headers.ptr ? creq_headers.ptr : "", out->signed_headers.ptr,
		                    hash);
	if (rc == CST_OK)
		rc = finish(out, s, date);
	if (rc == CST_OK && query_mode)
		rc = cst_buf_printf(&out->query, "%sX-Amz-Signature=%s", out->query.len ? "&" : "",
		                    out->signature);
	if (rc == CST_OK && !query_mode)
		rc = cst_buf_printf(&out->authorization,
		                    ALGORITHM " Credential=%s, SignedHeaders=%s, Signature=%s", credential,
		                    out->signed_headers.ptr, out->signature);
	cst_buf_release(&creq_headers);
	if (rc < 0)
		cst_sigv4_result_release(out);
	return rc;
}

int cst_sigv4_sign_headers(cst_sigv4_result *out, const cst_sigv4_request *req,
                           const cst_sigv4_signer *s)
{
	return build(out, req, s, 0);
}

int cst_sigv4_presign(cst_sigv4_result *out, const cst_sigv4_request *req,
                      const cst_sigv4_signer *s)
{
	return build(out, req, s, 1);
}

void cst_sigv4_result_release(cst_sigv4_result *r)
{
	cst_buf_release(&r->canonical_request);
	cst_buf_release(&r->string_to_sign);
	cst_buf_release(&r->signed_headers);
	cst_buf_release(&r->query);
	cst_buf_release(&r->authorization);
	cst_wipe(r->signature, sizeof(r->signature));
}
