/* fuzz_sigv4.c - the request-text parser (src/util/httpmsg.c) and SigV4
 * canonicalization (src/crypto/sigv4.c) against arbitrary bytes. A parsed
 * request is signed in header and query mode; checks: only documented
 * codes; on success the canonical request has exactly its six newlines
 * plus one per signed header, the signature is 64 hex digits, the same
 * request signs the same way twice, and another secret signs differently. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/sigv4.h"
#include "util/httpmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t size)
{
	fprintf(stderr, "fuzz_sigv4: %s (input of %zu bytes)\n", what, size);
	abort();
}

static void sign(const cst_sigv4_request *req, int query, size_t size)
{
	cst_sigv4_signer s = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	                      size & 1 ? "session" : NULL, "us-east-1", "service", 1440938160,
	                      query ? 3600 : 0, size & 2 ? CST_SIGV4_NORMALIZE_PATH : 0};
	cst_sigv4_result a, b, c;
	int rc = query ? cst_sigv4_presign(&a, req, &s) : cst_sigv4_sign_headers(&a, req, &s);
	if (rc != CST_OK) {
		if (rc != CST_EINVAL && rc != CST_ENOMEM)
			fail("unexpected status", size);
		return;
	}
	if (strlen(a.signature) != 64 || strspn(a.signature, "0123456789abcdef") != 64)
		fail("signature is not 64 hex digits", size);
	size_t lines = 0, headers = 1;
	for (size_t i = 0; i < a.canonical_request.len; i++)
		lines += a.canonical_request.ptr[i] == '\n';
	for (const char *p = a.signed_headers.ptr; *p; p++)
		headers += *p == ';';
	if (lines != 5 + headers)
		fail("canonical request has the wrong number of lines", size);
	if ((query ? cst_sigv4_presign(&b, req, &s) : cst_sigv4_sign_headers(&b, req, &s)) != CST_OK ||
	    strcmp(a.signature, b.signature) != 0)
		fail("signing is not deterministic", size);
	s.secret_access_key = "another";
	if ((query ? cst_sigv4_presign(&c, req, &s) : cst_sigv4_sign_headers(&c, req, &s)) != CST_OK ||
	    strcmp(a.signature, c.signature) == 0)
		fail("another secret gave the same signature", size);
	cst_sigv4_result_release(&a);
	cst_sigv4_result_release(&b);
	cst_sigv4_result_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cst_httpmsg m;
	int rc = cst_httpmsg_parse(&m, (const char *)data, size);
	if (rc == CST_OK) {
		if (m.method == NULL || m.path == NULL || m.body_len > size)
			fail("parsed request lacks parts", size);
		cst_sigv4_request req;
		cst_httpmsg_sigv4(&req, &m);
		sign(&req, 0, size);
		sign(&req, 1, size);
	} else if (rc != CST_EINVAL && rc != CST_ENOMEM) {
		fail("unexpected parse status", size);
	}
	cst_httpmsg_release(&m);
	return 0;
}
