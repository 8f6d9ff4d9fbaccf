/* fuzz_url.c - the URL parser (cst_url_parse) and percent-coding against
 * arbitrary bytes. Checks: only CST_OK or CST_EINVAL; an accepted URL has a
 * non-empty host without '@', a port in 1..65535, and its authority, path
 * and query written back out parse to the same thing; decoding an encoded
 * string gives the string back; the encoding uses only unreserved bytes
 * and %XX. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "util/buf.h"
#include "util/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t size)
{
	fprintf(stderr, "fuzz_url: %s (input of %zu bytes)\n", what, size);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cst_url u, v;
	int rc = cst_url_parse(&u, (const char *)data, size);
	if (rc == CST_OK) {
		if (u.host[0] == '\0' || strchr(u.host, '@') || u.port == 0 || u.port > 65535)
			fail("accepted URL breaks the rules", size);
		char auth[300], again[CST_URL_PATH_MAX * 2 + 400];
		cst_url_authority(auth, sizeof(auth), &u);
		snprintf(again, sizeof(again), "%s://%s%s%s%s", u.tls ? "https" : "http", auth, u.path,
		         u.query[0] ? "?" : "", u.query);
		if (cst_url_parse(&v, again, strlen(again)) != CST_OK || strcmp(u.host, v.host) != 0 ||
		    u.port != v.port || strcmp(u.path, v.path) != 0 || strcmp(u.query, v.query) != 0 ||
		    cst_url_is_loopback(&u) != cst_url_is_loopback(&v))
			fail("URL does not survive writing out", size);
	} else if (rc != CST_EINVAL) {
		fail("unexpected status", size);
	}
	cst_buf enc = CST_BUF_INIT, dec = CST_BUF_INIT;
	if (size < 100000 && cst_uri_encode(&enc, (const char *)data, size, size & 1) == CST_OK) {
		for (size_t i = 0; i < enc.len; i++)
			if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~%/",
			            enc.ptr[i]) || (enc.ptr[i] == '/' && !(size & 1)))
				fail("encoding kept a reserved byte", size);
		if (cst_uri_decode(&dec, enc.ptr ? enc.ptr : "", enc.len) != CST_OK || dec.len != size ||
		    (size && memcmp(dec.ptr, data, size) != 0))
			fail("decode(encode(x)) != x", size);
	}
	cst_buf_release(&enc);
	cst_buf_release(&dec);
	cst_buf_reset(&dec);
	if (cst_uri_decode(&dec, (const char *)data, size) != CST_OK && dec.len > size)
		fail("failed decode grew", size);
	cst_buf_release(&dec);
	return 0;
}
