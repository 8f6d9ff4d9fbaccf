/* utf8.c - UTF-8 validation, encoding and decoding. */
#include "util/utf8.h"

#include <string.h>

int cst_utf8_valid(const unsigned char *s, size_t n, size_t *bad_at)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i], cp, min;
		size_t k;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			k = 1, cp = c & 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			k = 2, cp = c & 0x0f, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			k = 3, cp = c & 0x07, min = 0x10000;
		else
			goto bad;
		if (n - i - 1 < k)
			goto bad;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (s[i + j] & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += k + 1;
	}
	return 1;
bad:
	if (bad_at != NULL)
		*bad_at = i;
	return 0;
}

size_t cst_utf8_put(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t cst_utf8_get(unsigned *cp, const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0;
	unsigned c = s[0];
	size_t k = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : 3;
	if (k >= n)
		k = n - 1; /* not well-formed: take what there is */
	unsigned v = k == 0 ? c : k == 1 ? c & 0x1f : k == 2 ? c & 0x0f : c & 0x07;
	for (size_t j = 1; j <= k; j++)
		v = v << 6 | (s[j] & 0x3fu);
	*cp = v;
	return k + 1;
}

size_t cst_utf8_trim(char *s)
{
	size_t n = strlen(s), bad = n;
	if (!cst_utf8_valid((const unsigned char *)s, n, &bad))
		s[n = bad] = '\0';
	return n;
}

size_t cst_utf8_prefix(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	if (n == max)
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) /* s[n] continues a character */
			n--;
	return n;
}
