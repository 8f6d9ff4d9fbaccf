/* svg.h - the charts of the HTML report, drawn as inline SVG: horizontal
 * bar charts (one colour; every bar carries its number and label as text,
 * so nothing is told by colour alone) and small multiples of counts over
 * time (one row per team, each bar a day or a few). Labels are escaped. */
#ifndef CST_REPORT_SVG_H
#define CST_REPORT_SVG_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define CST_SVG_BARS_MAX 15 /* bars drawn; the rest are summed into one "others" bar */

typedef struct cst_svg_bar {
	const char *label; /* UTF-8, escaped on output */
	uint64_t value;
} cst_svg_bar;

/* A bar chart titled `title` (its accessible name; the figure's caption
 * is the page's). unit: "secrets", "tokens"... for the description. */
int cst_svg_bars(cst_buf *out, const char *id, const char *title, const cst_svg_bar *bars, size_t n,
                 const char *unit) __attribute__((warn_unused_result));

typedef struct cst_svg_series {
	const char *label;
	const uint64_t *counts; /* n_buckets of them */
} cst_svg_series;

/* Small multiples: a row per series, bars scaled to the row's own peak
 * (printed with the total), dates under the last row (start_ns and
 * bucket_s say when each bar begins). */
int cst_svg_timeline(cst_buf *out, const char *id, const char *title, const cst_svg_series *rows,
                     size_t n_rows, size_t n_buckets, int64_t start_ns, int64_t bucket_s)
	__attribute__((warn_unused_result));

#endif
