/* fuzz_audit_line.c - the audit log reader behind `custos audit verify`:
 * cst_audit_parse_line on one line, and cst_audit_verify_buf on the whole
 * input as a log, under a fixed key. The input is used with its size and
 * no NUL, so a read past the end shows under AddressSanitizer.
 * Invariants, abort() when broken: a parsed line ends in "}" with its MAC
 * range inside the line and its seq spelled in it; a refusal says why; a
 * report that is not ok names a line no further than one past the last. */
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
	fprintf(stderr, "fuzz_audit_line: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cst_mac_key *key;
	static const unsigned char k[32] = "fuzz-audit-key-fuzz-audit-key-0";
	if (key == NULL && cst_mac_key_new(&key, k, sizeof(k)) != CST_OK)
		fail("key set-up");
	const char *s = (const char *)data;
	const char *nl = memchr(s, '\n', size);
	size_t len = nl ? (size_t)(nl - s) : size;
	cst_audit_line l;
	cst_error_clear();
	int rc = cst_audit_parse_line(&l, s, len);
	if (rc == CST_OK) {
		if (len < 2 || s[len - 1] != '}' || l.start >= l.mac_end || l.mac_end > len || s[l.start] != '{')
			fail("parsed line out of shape");
		char seq[32];
		int n = snprintf(seq, sizeof(seq), ",\"seq\":%llu,", (unsigned long long)l.seq);
		const char *at = s + l.mac_end;
		if (l.mac_end < (size_t)n - 1 || memcmp(at - (n - 1), seq, (size_t)n - 1) != 0)
			fail("seq not where it was read");
	} else if (rc != CST_EINVAL || cst_errmsg()[0] == '\0') {
		fail("refused without CST_EINVAL and a message");
	}
	cst_audit_report r;
	cst_audit_chain expect = {3, {0}};
	if (cst_audit_verify_buf(&r, key, s, size, size % 2 ? &expect : NULL) != CST_OK)
		fail("verify failed to run");
	size_t lines = 0;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (!r.ok && (r.bad_line == 0 || r.bad_line > lines + 2 || r.reason[0] == '\0'))
		fail("bad report");
	if (r.ok && (r.entries == 0 || r.entries > lines))
		fail("ok report with a wrong count");
	/* Fed in pieces (as verify reads a file), the same report. */
	cst_audit_verifier vf;
	cst_audit_report pieces;
	size_t at = 0, have = 0, step = 1 + size % 7;
	cst_audit_verify_begin(&vf, key);
	while (at < size) {
		size_t take = size - at < step ? size - at : step, used = 0;
		have += take;
		at += take;
		if (cst_audit_verify_lines(&used, &vf, s + at - have, have) != CST_OK)
			fail("verify in pieces failed to run");
		have -= used;
	}
	cst_audit_verify_end(&pieces, &vf, vf.r.ok ? have : 0, size % 2 ? &expect : NULL);
	if (pieces.ok != r.ok || pieces.bad_line != r.bad_line || pieces.entries != r.entries ||
	    strcmp(pieces.reason, r.reason) != 0)
		fail("verify in pieces differs from verify of the whole");
	return 0;
}
