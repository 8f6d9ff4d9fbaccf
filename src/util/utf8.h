/* utf8.h - UTF-8 checks and encoding shared by the parsers (HCL, dotenv):
 * jansson stores only well-formed UTF-8, so text is checked on the way in. */
#ifndef CST_UTF8_H
#define CST_UTF8_H

#include <stddef.h>

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF), else 0 with the offset of the first bad byte in
 * *bad_at when bad_at is not NULL. */
int cst_utf8_valid(const unsigned char *s, size_t n, size_t *bad_at);

/* Writes code point cp (at most U+10FFFF) as 1 to 4 bytes; returns how many. */
size_t cst_utf8_put(char *out, unsigned cp);

/* Decodes the character at s[0..n) of well-formed UTF-8 into *cp and
 * returns its length (1 to 4); 0 when n is 0. */
size_t cst_utf8_get(unsigned *cp, const unsigned char *s, size_t n);

#endif
