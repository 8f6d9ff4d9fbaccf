/* remote.c - the CLI's remote mode: when CUSTOS_ADDR (or VAULT_ADDR) is
 * set, a logical request becomes one HTTP/1.1 request to custos server (or
 * any Vault), and the answer becomes a cst_response again, so commands do
 * not know which mode they run in. TLS through OpenSSL, with
 * CUSTOS_CACERT/VAULT_CACERT for a private CA. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"
#include "core/error.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/mem.h"

#define RESPONSE_MAX (32 * 1024 * 1024)

const char *cli_remote_addr(void)
{
	const char *a = getenv("CUSTOS_ADDR");
	if (a == NULL || *a == '\0')
		a = getenv("VAULT_ADDR");
	return a && *a ? a : NULL;
}

/* The token: CUSTOS_TOKEN, VAULT_TOKEN, then the file `custos login` wrote. */
int cli_remote_token(char *out, size_t n)
{
	const char *t = getenv("CUSTOS_TOKEN");
	if (t == NULL || *t == '\0')
		t = getenv("VAULT_TOKEN");
	if (t && *t) {
		snprintf(out, n, "%s", t);
		return CST_OK;
	}
	char path[4096];
	cst_buf b = CST_BUF_INIT;
	out[0] = '\0';
	if (cli_token_file(path, sizeof(path)) == CST_OK && cst_file_read(&b, path) == CST_OK) {
		size_t len = b.len;
		while (len && (b.ptr[len - 1] == '\n' || b.ptr[len - 1] == '\r'))
			len--;
		snprintf(out, n, "%.*s", (int)len, b.ptr);
	}
	cst_buf_release(&b);
	return CST_OK;
}

typedef struct url {
	int tls;
	char host[256];
	char port[8];
} url;

static int parse_addr(url *u, const char *addr)
{
	const char *rest;
	if (strncmp(addr, "https://", 8) == 0) {
		u->tls = 1;
		rest = addr + 8;
	} else if (strncmp(addr, "http://", 7) == 0) {
		u->tls = 0;
		rest = addr + 7;
	} else {
		return cst_fail(CST_EINVAL, "CUSTOS_ADDR must start with http:// or https://");
	}
	size_t hl = strcspn(rest, ":/");
	if (hl == 0 || hl >= sizeof(u->host))
		return cst_fail(CST_EINVAL, "CUSTOS_ADDR has no host");
	memcpy(u->host, rest, hl);
	u->host[hl] = '\0';
	if (rest[hl] == ':') {
		size_t pl = strcspn(rest + hl + 1, "/");
		if (pl == 0 || pl >= sizeof(u->port))
			return cst_fail(CST_EINVAL, "CUSTOS_ADDR has a bad port");
		memcpy(u->port, rest + hl + 1, pl);
		u->port[pl] = '\0';
	} else {
		snprintf(u->port, sizeof(u->port), "%s", u->tls ? "443" : "80");
	}
	return CST_OK;
}

static int connect_to(const url *u)
{
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	int err = getaddrinfo(u->host, u->port, &hints, &res);
	if (err != 0)
		return cst_fail(CST_EIO, "cannot resolve %s: %s", u->host, gai_strerror(err));
	int fd = -1;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		struct timeval tv = {30, 0};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd >= 0 ? fd : cst_fail(CST_EIO, "cannot connect to %s:%s: %s", u->host, u->port,
	                               strerror(errno));
}

typedef struct conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
} conn;

static int tls_start(conn *c, const url *u)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (c->ctx == NULL)
		return cst_fail(CST_ERROR, "TLS unavailable");
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	const char *ca = getenv("CUSTOS_CACERT");
	if (ca == NULL || *ca == '\0')
		ca = getenv("VAULT_CACERT");
	const char *skip = getenv("VAULT_SKIP_VERIFY");
	int verify = !(skip && (!strcmp(skip, "1") || !strcmp(skip, "true")));
	if (verify) {
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
		if ((ca && *ca) ? SSL_CTX_load_verify_locations(c->ctx, ca, NULL) != 1
		                : SSL_CTX_set_default_verify_paths(c->ctx) != 1)
			return cst_fail(CST_EIO, "cannot load CA certificates%s%s", ca ? " from " : "",
			                ca ? ca : "");
	}
	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL)
		return cst_fail(CST_ERROR, "TLS unavailable");
	unsigned char ip[16];
	int is_ip = inet_pton(AF_INET, u->host, ip) == 1 || inet_pton(AF_INET6, u->host, ip) == 1;
	if (!is_ip) /* SNI carries names only */
		SSL_set_tlsext_host_name(c->ssl, u->host);
	if (verify && is_ip) /* an address is checked against the IP SANs */
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), u->host);
	else if (verify)
		SSL_set1_host(c->ssl, u->host);
	SSL_set_fd(c->ssl, c->fd);
	if (SSL_connect(c->ssl) != 1) {
		long vr = SSL_get_verify_result(c->ssl);
		return cst_fail(CST_EIO, "TLS handshake with %s failed%s%s", u->host,
		                vr != X509_V_OK ? ": " : "",
		                vr != X509_V_OK ? X509_verify_cert_error_string(vr) : "");
	}
	return CST_OK;
}

static int conn_write(conn *c, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = c->ssl ? SSL_write(c->ssl, p, (int)n) : write(c->fd, p, n);
		if (w <= 0) {
			if (!c->ssl && w < 0 && errno == EINTR)
				continue;
			return cst_fail(CST_EIO, "cannot send the request");
		}
		p += w;
		n -= (size_t)w;
	}
	return CST_OK;
}

static int conn_read_all(conn *c, cst_buf *out)
{
	out->max = RESPONSE_MAX;
	for (;;) {
		int rc = cst_buf_grow(out, 16384);
		if (rc < 0)
			return rc;
		ssize_t r = c->ssl ? SSL_read(c->ssl, out->ptr + out->len, 16384)
		                   : read(c->fd, out->ptr + out->len, 16384);
		if (r == 0 || (c->ssl && r < 0 && SSL_get_error(c->ssl, (int)r) == SSL_ERROR_ZERO_RETURN))
			break;
		if (r < 0) {
			if (!c->ssl && errno == EINTR)
				continue;
			if (c->ssl && SSL_get_error(c->ssl, (int)r) == SSL_ERROR_SYSCALL && out->len)
				break; /* peer closed without close_notify after a full answer */
			return cst_fail(CST_EIO, "connection lost while reading the answer");
		}
		out->len += (size_t)r;
		out->ptr[out->len] = '\0';
	}
	return CST_OK;
}

static void conn_close(conn *c)
{
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
}

static int append_query(cst_buf *b, const json_t *data)
{
	int rc = CST_OK;
	const char *k;
	json_t *v;
	int first = 1;
	json_object_foreach((json_t *)data, k, v) {
		char val[64];
		if (json_is_string(v))
			snprintf(val, sizeof(val), "%s", json_string_value(v));
		else if (json_is_integer(v))
			snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
		else if (json_is_boolean(v))
			snprintf(val, sizeof(val), "%s", json_is_true(v) ? "true" : "false");
		else
			continue;
		/* Query values here are numbers and flags; encode the rest. */
		if ((rc = cst_buf_printf(b, "%c%s=", first ? '?' : '&', k)) < 0)
			return rc;
		for (const char *p = val; *p && rc == CST_OK; p++)
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			    *p == '-' || *p == '_' || *p == '.')
				rc = cst_buf_put(b, p, 1);
			else
				rc = cst_buf_printf(b, "%%%02X", (unsigned char)*p);
		first = 0;
	}
	return rc;
}

/* Maps an HTTP answer to a status code and response. */
static int decode(int status, const char *body, size_t len, cst_response *resp)
{
	json_t *doc = len ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *errors = json_object_get(doc, "errors");
	const char *msg = json_string_value(json_array_get(errors, 0));
	int rc = CST_OK;
	if (status == 200 || status == 204) {
		json_t *data = json_object_get(doc, "data");
		resp->data = json_is_null(data) ? NULL : json_incref(data);
		json_t *auth = json_object_get(doc, "auth");
		resp->auth = json_is_null(auth) ? NULL : json_incref(auth);
		json_t *warn = json_object_get(doc, "warnings");
		resp->warnings = json_is_null(warn) ? NULL : json_incref(warn);
		/* Bare answers (sys/init, sys/seal-status) have no "data". */
		if (data == NULL && auth == NULL && doc && json_object_get(doc, "request_id") == NULL)
			resp->data = json_incref(doc);
	} else {
		if (status == 404 && json_is_object(json_object_get(doc, "data")))
			resp->data = json_incref(json_object_get(doc, "data")); /* a deleted version */
		rc = status == 404   ? CST_ENOTFOUND
		     : status == 403 ? CST_EPERM
		     : status == 405 ? CST_EUNSUPPORTED
		     : status == 429 ? CST_ELIMIT
		     : status == 413 ? CST_ENOMEM
		     : status == 503 ? CST_ESEALED
		     : status == 400 ? CST_EINVAL
		                     : CST_EIO;
		if (rc == CST_EINVAL && msg && strstr(msg, "check-and-set parameter did not match"))
			rc = CST_ECONFLICT;
		if (rc == CST_EPERM)
			msg = "permission denied (check the token and its policies)";
		if (msg && *msg)
			cst_fail(rc, "%.400s", msg);
		else if (rc == CST_ENOTFOUND && resp->data)
			cst_fail(rc, "that version is deleted or destroyed");
		else if (rc == CST_ENOTFOUND)
			cst_fail(rc, "not found");
		else
			cst_fail(rc, "server answered HTTP %d", status);
	}
	json_decref(doc);
	return rc;
}

int cli_remote_request(const char *addr, const char *token, cst_op op, const char *path,
                       json_t *data, cst_response *resp)
{
	static const char *const methods[] = {"", "GET", "LIST", "POST", "POST", "PATCH", "DELETE"};
	url u;
	conn c = {-1, NULL, NULL};
	cst_buf req = CST_BUF_INIT, body = CST_BUF_INIT, answer = CST_BUF_INIT;
	memset(resp, 0, sizeof(*resp));
	int rc = parse_addr(&u, addr);
	if (rc < 0)
		return rc;
	int with_body = op == CST_OP_CREATE || op == CST_OP_UPDATE || op == CST_OP_PATCH;
	if (with_body && data) {
		char *text = json_dumps(data, JSON_COMPACT);
		rc = text ? cst_buf_puts(&body, text) : cst_fail(CST_ENOMEM, "out of memory");
		cst_free_wiped(text);
	}
	req.max = RESPONSE_MAX;
	if (rc == CST_OK)
		rc = cst_buf_printf(&req, "%s /v1/%s", methods[op], path);
	if (rc == CST_OK && !with_body && data)
		rc = append_query(&req, data);
	if (rc == CST_OK)
		rc = cst_buf_printf(&req,
		                    " HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: custos/" CST_VERSION_STRING
		                    "\r\nX-Vault-Request: true\r\nConnection: close\r\n"
		                    "Content-Type: %s\r\nContent-Length: %zu\r\n",
		                    u.host, u.port,
		                    op == CST_OP_PATCH ? "application/merge-patch+json" : "application/json",
		                    body.len);
	if (rc == CST_OK && token && *token)
		rc = cst_buf_printf(&req, "X-Vault-Token: %s\r\n", token);
	if (rc == CST_OK && (rc = cst_buf_puts(&req, "\r\n")) == CST_OK && body.len)
		rc = cst_buf_put(&req, body.ptr, body.len);
	if (rc == CST_OK && (c.fd = connect_to(&u)) < 0)
		rc = c.fd;
	if (rc == CST_OK && u.tls)
		rc = tls_start(&c, &u);
	if (rc == CST_OK)
		rc = conn_write(&c, req.ptr, req.len);
	if (rc == CST_OK)
		rc = conn_read_all(&c, &answer);
	conn_close(&c);
	int status = 0;
	char *split = answer.ptr ? strstr(answer.ptr, "\r\n\r\n") : NULL;
	if (rc == CST_OK && (split == NULL || sscanf(answer.ptr, "HTTP/1.%*d %d", &status) != 1))
		rc = cst_fail(CST_EIO, "%s did not answer HTTP", addr);
	if (rc == CST_OK) {
		const char *b = split + 4;
		rc = decode(status, b, answer.len - (size_t)(b - answer.ptr), resp);
	}
	cst_buf_release(&req);
	cst_buf_release(&body);
	cst_buf_release(&answer);
	return rc;
}
