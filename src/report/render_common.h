/* render_common.h - what the markdown and HTML renderers share: reading a
 * report document and saying its figures in words ("expired 3 days ago",
 * "every 90 days", "2026-03-01 00:00 UTC"). Texts are plain UTF-8; each
 * renderer escapes them for its format. */
#ifndef CST_REPORT_RENDER_COMMON_H
#define CST_REPORT_RENDER_COMMON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* A writer that keeps its first failure: later writes do nothing and rc
 * says what went wrong, so a renderer checks once at the end. */
typedef struct rw {
	cst_buf *b;
	int rc;
} rw;

void rw_printf(rw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rw_raw(rw *w, const char *s);
/* Text escaped for HTML (util/html.h); NULL writes nothing. */
void rw_html(rw *w, const char *s, size_t n);

/* obj.a.b... as a string, integer or array (NULL / 0 when absent). */
const char *rj_str(const json_t *o, const char *key);
long long rj_int(const json_t *o, const char *key);
const json_t *rj_get(const json_t *o, const char *a, const char *b);

/* "2026-03-01 00:00 UTC" from an RFC 3339 time; "-" for none. */
void rj_when(char *out, size_t n, const char *rfc3339);
/* The date alone, "2026-03-01". */
void rj_day(char *out, size_t n, const char *rfc3339);
/* A span in words: "3 days", "5 hours", "1 day", "20 minutes". */
void rj_span(char *out, size_t n, int64_t seconds);
/* Why a secret needs attention, in words: "expired 3 days ago",
 * "rotation overdue by 2 days (every 90 days)", "expires in 5 days",
 * "rotation due in 3 days (every 30 days)"; several joined by "; ". */
void rj_why(char *out, size_t n, const json_t *item, int64_t now_ns);
/* The report's time as ns. */
int64_t rj_now(const json_t *report);
/* "3 secrets", "1 secret": count and noun, the noun's plural with "s". */
void rj_count(char *out, size_t n, long long count, const char *noun);
/* An integer with thousands separators: "18,342". */
void rj_num(char *out, size_t n, long long v);
/* A team or type cell: the name, or the text for none. */
const char *rj_name(const json_t *o, const char *key, const char *none);
/* The strings of an array joined with ", " (" and more" after them when
 * more is set), cut between characters to fit out; "" for none. */
void rj_join(char *out, size_t n, const json_t *strings, int more);

#endif
