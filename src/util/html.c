/* html.c - see html.h. fuzz/fuzz_html_escape.c checks the output has no
 * markup character left, decodes back to the input where the input was
 * fit for HTML, and is well-formed UTF-8. */
#include "util/html.h"

#include <string.h>

#include "core/error.h"
#include "util/utf8.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* Code points HTML's parser reports as errors or that text should not
 * carry: C0 controls but tab, LF and CR; DEL and C1 controls;
 * noncharacters (U+FDD0..U+FDEF and every U+xFFFE, U+xFFFF). */
static int unfit(unsigned cp)
{
	return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7f && cp <= 0x9f) ||
	       (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
}

int cst_html_escape(cst_buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0; /* run: start of the bytes not yet copied */
	int rc = CST_OK;
	while (i < n && rc == CST_OK) {
		const char *ent = NULL;
		size_t len = 1;
		switch (p[i]) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		default: {
			unsigned cp = p[i];
			if (p[i] >= 0x80) {
				/* one well-formed character, else one bad byte */
				size_t need = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : p[i] >= 0xc0 ? 2 : 0;
				if (need == 0 || need > n - i || !cst_utf8_valid(p + i, need, NULL)) {
					ent = REPLACEMENT;
					break;
				}
				len = need;
				cst_utf8_get(&cp, p + i, len);
			}
			if (unfit(cp))
				ent = REPLACEMENT;
		}
		}
		if (ent == NULL) {
			i += len;
			continue;
		}
		if (i > run)
			rc = cst_buf_put(out, s + run, i - run);
		if (rc == CST_OK)
			rc = cst_buf_puts(out, ent);
		i += len;
		run = i;
	}
	if (rc == CST_OK && n > run)
		rc = cst_buf_put(out, s + run, n - run);
	return rc;
}
