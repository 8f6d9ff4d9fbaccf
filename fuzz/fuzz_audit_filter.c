/* fuzz_audit_filter.c - the audit filter language (cst_audit_filter_parse)
 * against arbitrary text, and the evaluation of what parses on a few
 * requests. Invariants, abort() when broken: a refusal is CST_EINVAL with
 * a message and no filter; "not (F)" matches exactly when F does not. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_audit_filter: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *text = malloc(size + 1), *negated = malloc(size + 8);
	if (text == NULL || negated == NULL)
		fail("out of memory");
	memcpy(text, data, size);
	text[size] = '\0';
	snprintf(negated, size + 8, "not (%s)", text);
	cst_audit_filter *f = NULL, *nf = NULL;
	cst_error_clear();
	int rc = cst_audit_filter_parse(&f, text);
	if (rc != CST_OK && (rc != CST_EINVAL || f != NULL || cst_errmsg()[0] == '\0'))
		fail("refused without CST_EINVAL and a message");
	if (rc == CST_OK && strlen(text) == size && cst_audit_filter_parse(&nf, negated) == CST_OK) {
		static const char *const paths[] = {"secret/data/a", "sys/metrics", "", "auth/token/create"};
		for (size_t i = 0; i < 4; i++) {
			cst_request req = {.op = (cst_op)(i + 1), .path = paths[i]};
			cst_audit_event ev = {&req, "id", (cst_op)(i + 1), i ? "kv" : "system", "secret/", NULL, 0, NULL};
			if (cst_audit_filter_match(f, &ev) == cst_audit_filter_match(nf, &ev))
				fail("not (F) agrees with F");
		}
	}
	cst_audit_filter_free(f);
	cst_audit_filter_free(nf);
	free(text);
	free(negated);
	return 0;
}
