/* url.h - the small URL grammar custos needs for provider endpoints and S3
 * (http or https, a host, an optional port, a path and a raw query), and
 * RFC 3986 percent-encoding as AWS Signature Version 4 defines it. */
#ifndef CST_URL_H
#define CST_URL_H

#include <stddef.h>

#include "util/buf.h"

#define CST_URL_HOST_MAX 255
#define CST_URL_PATH_MAX 2048

typedef struct cst_url {
	int tls;                         /* 1 for https */
	char host[CST_URL_HOST_MAX + 1]; /* lower-cased; an IPv6 address without brackets */
	int ipv6;                        /* host was [bracketed] */
	unsigned port;                   /* as written, or 443 / 80 */
	int port_given;                  /* the URL named a port */
	char path[CST_URL_PATH_MAX + 1]; /* "" or from the first '/' up to '?' or '#' */
	char query[CST_URL_PATH_MAX + 1]; /* after '?' up to '#', raw */
} cst_url;

/* Parses an absolute http(s) URL. User info ("user:pass@") is refused: a
 * credential in a URL ends up in logs. Returns CST_EINVAL with a message
 * that does not repeat the URL. */
int cst_url_parse(cst_url *out, const char *text, size_t len) __attribute__((warn_unused_result));

/* 1 if the host is loopback: "localhost", 127.0.0.0/8 or ::1. */
int cst_url_is_loopback(const cst_url *u);

/* "host" or "host:port" (port only when given and not the default), with
 * brackets for IPv6: what an HTTP Host header carries. */
void cst_url_authority(char *out, size_t n, const cst_url *u);

/* Appends s (n bytes) percent-encoded: RFC 3986 unreserved characters
 * (A-Z a-z 0-9 - _ . ~) as they are, '/' too when keep_slash, every other
 * byte as %XX (upper-case hex). */
int cst_uri_encode(cst_buf *out, const char *s, size_t n, int keep_slash)
	__attribute__((warn_unused_result));

/* Decodes %XX escapes of s (n bytes) into out ('+' stays '+'); a bad
 * escape is CST_EINVAL. */
int cst_uri_decode(cst_buf *out, const char *s, size_t n) __attribute__((warn_unused_result));

#endif
