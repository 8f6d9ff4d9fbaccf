/* fuzz_html_escape.c - the HTML escaper every name in an HTML report goes
 * through (cst_html_escape). Invariants, abort() when broken: the output
 * is well-formed UTF-8 without <, >, " or ', every & starts one of the
 * five entities written, no control character but tab, LF and CR
 * remains, and decoding the entities gives back the input whenever the
 * input was fit for HTML (valid UTF-8, no such control characters or
 * noncharacters). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "util/html.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_html_escape: %s\n", what);
	abort();
}

static int fit(const unsigned char *s, size_t n)
{
	if (!cst_utf8_valid(s, n, NULL))
		return 0;
	for (size_t i = 0; i < n;) {
		unsigned cp;
		size_t l = cst_utf8_get(&cp, s + i, n - i);
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7f && cp <= 0x9f) ||
		    (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
			return 0;
		i += l;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
	static const char decoded[] = "&<>\"'";
	cst_buf out = CST_BUF_INIT;
	out.max = 64 << 20;
	if (cst_html_escape(&out, (const char *)data, size) != CST_OK)
		fail("escape failed");
	const char *o = out.ptr ? out.ptr : "";
	size_t n = out.len;
	if (!cst_utf8_valid((const unsigned char *)o, n, NULL))
		fail("output not UTF-8");
	char *back = malloc(n + 1);
	size_t bn = 0;
	if (back == NULL)
		fail("out of memory");
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)o[i];
		if (c == '<' || c == '>' || c == '"' || c == '\'')
			fail("markup character in the output");
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			fail("control character in the output");
		if (c == '&') {
			size_t k = 0;
			while (k < 5 && strncmp(o + i, ents[k], strlen(ents[k])) != 0)
				k++;
			if (k == 5)
				fail("an & that starts no entity");
			back[bn++] = decoded[k];
			i += strlen(ents[k]);
			continue;
		}
		back[bn++] = (char)c;
		i++;
	}
	if (fit(data, size) && (bn != size || memcmp(back, data, size) != 0))
		fail("text fit for HTML did not come back");
	free(back);
	cst_buf_release(&out);
	return 0;
}
