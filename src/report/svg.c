/* svg.c - bar charts and small multiples as inline SVG (see svg.h). Sizes
 * are in SVG user units with a viewBox, so the charts scale with the page;
 * text is in the page's font. */
#include "report/svg.h"

#include "report/render_common.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "util/html.h"
#include "util/timefmt.h"

#define BAR_COLOUR "#3d6fb6"
#define TEXT_COLOUR "#1b1f24"
#define MUTED_COLOUR "#57606a"
#define GRID_COLOUR "#d0d7de"
#define LABEL_CHARS 24 /* longer labels are cut, with the whole in a tooltip */

/* At most LABEL_CHARS characters of a label (UTF-8 aware), "…" when cut. */
static void short_label(rw *o, const char *s)
{
	size_t bytes = 0, chars = 0, len = strlen(s);
	while (bytes < len && chars < LABEL_CHARS) {
		bytes++;
		while (bytes < len && ((unsigned char)s[bytes] & 0xc0) == 0x80)
			bytes++;
		chars++;
	}
	rw_html(o, s, bytes);
	if (bytes < len)
		rw_printf(o, "\xe2\x80\xa6");
}

static void number(char *out, size_t n, uint64_t v)
{
	char d[32];
	int len = snprintf(d, sizeof(d), "%llu", (unsigned long long)v);
	size_t k = 0;
	for (int i = 0; i < len && k + 2 < n; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = d[i];
	}
	out[k] = '\0';
}

int cst_svg_bars(cst_buf *out, const char *id, const char *title, const cst_svg_bar *bars, size_t n,
                 const char *unit)
{
	rw o = {out, CST_OK};
	size_t shown = n > CST_SVG_BARS_MAX ? CST_SVG_BARS_MAX - 1 : n;
	uint64_t others = 0, max = 1;
	for (size_t i = 0; i < n; i++) {
		if (i >= shown)
			others += bars[i].value;
		else if (bars[i].value > max)
			max = bars[i].value;
	}
	if (others > max)
		max = others;
	size_t rows = shown + (n > shown);
	const int label_w = 200, bar_w = 290, row_h = 26, width = 580;
	int height = (int)rows * row_h + 8;
	rw_printf(&o, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
	        "height=\"%d\" role=\"img\" aria-labelledby=\"%s-t %s-d\" class=\"chart\">",
	    width, height, width, height, id, id);
	rw_printf(&o, "<title id=\"%s-t\">", id);
	rw_html(&o, title, strlen(title));
	rw_printf(&o, "</title><desc id=\"%s-d\">", id);
	for (size_t i = 0; i < rows; i++) {
		char v[32];
		number(v, sizeof(v), i < shown ? bars[i].value : others);
		const char *label = i < shown ? bars[i].label : "others";
		rw_html(&o, label, strlen(label));
		rw_printf(&o, ": %s %s%s", v, unit, i + 1 < rows ? "; " : "");
	}
	rw_printf(&o, "</desc>");
	for (size_t i = 0; i < rows; i++) {
		uint64_t value = i < shown ? bars[i].value : others;
		const char *label = i < shown ? bars[i].label : "others";
		int y = (int)i * row_h + 4;
		int len = (int)((double)value / (double)max * bar_w + 0.5);
		if (value > 0 && len < 2)
			len = 2;
		char v[32];
		number(v, sizeof(v), value);
		rw_printf(&o, "<g><title>");
		rw_html(&o, label, strlen(label));
		rw_printf(&o, ": %s %s</title>", v, unit);
		rw_printf(&o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"13\" fill=\"%s\">",
		    label_w - 8, y + 17, TEXT_COLOUR);
		short_label(&o, label);
		rw_printf(&o, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"2\" fill=\"%s\"/>",
		    label_w, y + 3, len, row_h - 8, BAR_COLOUR);
		rw_printf(&o, "<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"%s\">%s</text></g>",
		    label_w + len + 6, y + 17, TEXT_COLOUR, v);
	}
	rw_printf(&o, "</svg>");
	return o.rc;
}

int cst_svg_timeline(cst_buf *out, const char *id, const char *title, const cst_svg_series *rows,
                     size_t n_rows, size_t n_buckets, int64_t start_ns, int64_t bucket_s)
{
	rw o = {out, CST_OK};
	const int label_w = 150, plot_w = 270, total_w = 160, row_h = 36, width = label_w + plot_w + total_w;
	int height = (int)n_rows * row_h + 30;
	double slot = n_buckets ? (double)plot_w / (double)n_buckets : plot_w;
	rw_printf(&o, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
	        "height=\"%d\" role=\"img\" aria-labelledby=\"%s-t\" class=\"chart\"><title id=\"%s-t\">",
	    width, height, width, height, id, id);
	rw_html(&o, title, strlen(title));
	rw_printf(&o, "</title>");
	for (size_t r = 0; r < n_rows; r++) {
		uint64_t peak = 0, total = 0;
		for (size_t b = 0; b < n_buckets; b++) {
			total += rows[r].counts[b];
			if (rows[r].counts[b] > peak)
				peak = rows[r].counts[b];
		}
		int top = (int)r * row_h + 4, base = top + row_h - 8;
		char t[32], p[32];
		number(t, sizeof(t), total);
		number(p, sizeof(p), peak);
		rw_printf(&o, "<g><title>");
		rw_html(&o, rows[r].label, strlen(rows[r].label));
		rw_printf(&o, ": %s requests, at most %s in one bar</title>", t, p);
		rw_printf(&o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"13\" fill=\"%s\">",
		    label_w - 8, base - 6, TEXT_COLOUR);
		short_label(&o, rows[r].label);
		rw_printf(&o, "</text><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"/>", label_w,
		    base, label_w + plot_w, base, GRID_COLOUR);
		for (size_t b = 0; b < n_buckets && peak; b++) {
			uint64_t c = rows[r].counts[b];
			if (c == 0)
				continue;
			double h = (double)c / (double)peak * (row_h - 12);
			if (h < 1.5)
				h = 1.5;
			rw_printf(&o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>",
			    label_w + b * slot + 0.5, base - h, slot > 2 ? slot - 1 : slot, h, BAR_COLOUR);
		}
		rw_printf(&o, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"%s\">%s in all, peak %s</text></g>",
		    label_w + plot_w + 8, base - 6, MUTED_COLOUR, t, p);
	}
	/* dates under the rows: the first bar's, the middle one's and the last one's */
	size_t marks[3] = {0, n_buckets / 2, n_buckets ? n_buckets - 1 : 0};
	int y = (int)n_rows * row_h + 18;
	for (int i = 0; i < 3 && n_buckets; i++) {
		if (i > 0 && marks[i] == marks[i - 1])
			continue;
		char d[48];
		cst_time_format(d, sizeof(d), start_ns + (int64_t)marks[i] * bucket_s * 1000000000LL);
		rw_printf(&o, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"%s\" text-anchor=\"%s\">%.10s</text>",
		    label_w + marks[i] * slot + (i == 2 ? slot : 0), y, MUTED_COLOUR,
		    i == 0 ? "start" : i == 1 ? "middle" : "end", d);
	}
	rw_printf(&o, "</svg>");
	return o.rc;
}
