/* sigv4.h - AWS Signature Version 4: the canonical request, the string to
 * sign, the signing key and the signature, for the Authorization header
 * and for query-string (presigned) requests. Checked against the AWS test
 * suites (botocore's aws4_testsuite, aws-c-auth's v4 suite) and the S3
 * presigning examples. */
#ifndef CST_SIGV4_H
#define CST_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* A query parameter or header. Query names and values are decoded (raw
 * bytes; they are percent-encoded here); header names are any case. */
typedef struct cst_sigv4_pair {
	const char *name;
	const char *value;
} cst_sigv4_pair;

typedef struct cst_sigv4_request {
	const char *method;
	const char *path; /* not yet encoded: "/my file.txt" ("" is "/") */
	const cst_sigv4_pair *query;
	size_t n_query;
	const cst_sigv4_pair *headers; /* must include host; a name may repeat */
	size_t n_headers;
	const void *body;
	size_t body_len;
	/* NULL: hex SHA-256 of the body; else as given ("UNSIGNED-PAYLOAD"). */
	const char *payload_hash;
} cst_sigv4_request;

#define CST_SIGV4_NORMALIZE_PATH 0x1u /* remove dot segments and empty segments (not for S3) */
#define CST_SIGV4_CONTENT_SHA256 0x2u /* header mode: add and sign x-amz-content-sha256 */

typedef struct cst_sigv4_signer {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token; /* NULL or "" for long-term keys */
	const char *region;
	const char *service;
	int64_t time;    /* Unix seconds */
	int64_t expires; /* query mode: X-Amz-Expires seconds; 0 leaves it out */
	unsigned flags;  /* CST_SIGV4_* */
} cst_sigv4_signer;

typedef struct cst_sigv4_result {
	cst_buf canonical_request;
	cst_buf string_to_sign;
	cst_buf signed_headers; /* "host;x-amz-date" */
	/* Header mode: the canonical query. Query mode: the query to send, the
	 * canonical query followed by &X-Amz-Signature=... (as boto3 and the
	 * AWS CLI order it). */
	cst_buf query;
	cst_buf authorization; /* header mode: the Authorization header value */
	char amz_date[17];     /* 20150830T123600Z */
	char signature[65];
} cst_sigv4_result;

/* Signs for the Authorization header: X-Amz-Date (unless the request has
 * it), X-Amz-Security-Token (with a session token, unless present) and,
 * with CST_SIGV4_CONTENT_SHA256, x-amz-content-sha256 are signed and must
 * be sent with the request besides Authorization. Returns CST_OK,
 * CST_EINVAL (no host header, bad time, missing credential), CST_ENOMEM. */
int cst_sigv4_sign_headers(cst_sigv4_result *out, const cst_sigv4_request *req,
                           const cst_sigv4_signer *s) __attribute__((warn_unused_result));

/* Signs in the query string: X-Amz-Algorithm, -Credential, -Date, -Expires,
 * -Security-Token and -SignedHeaders join the request's own parameters,
 * all signed, and the request's headers are the signed headers. */
int cst_sigv4_presign(cst_sigv4_result *out, const cst_sigv4_request *req,
                      const cst_sigv4_signer *s) __attribute__((warn_unused_result));

/* Wipes and frees what a sign call filled in. */
void cst_sigv4_result_release(cst_sigv4_result *r);

#endif
