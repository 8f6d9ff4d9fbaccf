/* utf8.h - UTF-8 checks and encoding shared by the parsers (HCL, dotenv):
 * jansson stores only well-formed UTF-8, so text is checked on the way in. */
#ifndef CST_UTF8_H
#define CST_UTF8_H

#include <stddef.h>

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF), else 0 with the offset of the first bad byte in
 * *bad_at when bad_at is not NULL. */
int cst_utf8_valid(const unsigned char *s, size_t n, size_t *bad_at);

/* Cuts the NUL-terminated s before its first ill-formed byte (as a
 * character split by a truncating copy leaves); returns the new length. */
size_t cst_utf8_trim(char *s);

/* The length of the longest prefix of well-formed s that is at most max
 * bytes and ends on a character boundary (for "%.*s"). */
size_t cst_utf8_prefix(const char *s, size_t max);

/* Writes code point cp (at most U+10FFFF) as 1 to 4 bytes; returns how many. */
size_t cst_utf8_put(char *out, unsigned cp);

/* Decodes the character at s[0..n) of well-formed UTF-8 into *cp and
 * returns its length (1 to 4); 0 when n is 0. */
size_t cst_utf8_get(unsigned *cp, const unsigned char *s, size_t n);

#endif
