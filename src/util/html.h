/* html.h - text made safe for HTML (element content and double- or
 * single-quoted attribute values, SVG text included): the five
 * characters with a meaning in markup become entities, and what HTML
 * forbids or a parser would rewrite (control characters other than tab,
 * newline and carriage return, invalid UTF-8, noncharacters) becomes
 * U+FFFD. Names in reports come from users: everything goes through here. */
#ifndef CST_HTML_H
#define CST_HTML_H

#include <stddef.h>

#include "util/buf.h"

/* Appends s[0..n) escaped to out. CST_OK or CST_ENOMEM. */
int cst_html_escape(cst_buf *out, const char *s, size_t n) __attribute__((warn_unused_result));

#endif
