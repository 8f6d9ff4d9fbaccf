/* httpmsg.h - an HTTP/1.1 request written out as text, in the form of the
 * AWS Signature Version 4 test suites (.req and request.txt files): a
 * request line whose target may hold spaces, "Name:value" headers,
 * continuation lines (folded values, kept as further values of the same
 * header), an empty line and the body. The query is split into decoded
 * name/value pairs ready for signing. */
#ifndef CST_HTTPMSG_H
#define CST_HTTPMSG_H

#include <stddef.h>

#include "crypto/sigv4.h"

#define CST_HTTPMSG_MAX_HEADERS 256
#define CST_HTTPMSG_MAX_QUERY 256

typedef struct cst_httpmsg {
	char *method;
	char *path;      /* the target up to '?', as written */
	char *raw_query; /* after '?', as written ("" if none) */
	cst_sigv4_pair query[CST_HTTPMSG_MAX_QUERY];
	size_t n_query;
	cst_sigv4_pair headers[CST_HTTPMSG_MAX_HEADERS];
	size_t n_headers;
	char *body;
	size_t body_len;
	char *store; /* owned: every string above points into it */
} cst_httpmsg;

/* Parses len bytes (LF or CRLF line ends). Returns CST_OK, CST_EINVAL
 * (no request line, a header without ':', a bad %-escape, over a limit),
 * CST_ENOMEM. Release with cst_httpmsg_release in every case. */
int cst_httpmsg_parse(cst_httpmsg *out, const char *text, size_t len)
	__attribute__((warn_unused_result));
void cst_httpmsg_release(cst_httpmsg *m);

/* The request as cst_sigv4_request (pointing into m). */
void cst_httpmsg_sigv4(cst_sigv4_request *out, const cst_httpmsg *m);

#endif
