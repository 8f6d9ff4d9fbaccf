/* render_common.c - see render_common.h. */
#include "report/render_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "report/audit_scan.h"
#include "util/html.h"
#include "util/utf8.h"

#define NS 1000000000LL

void rw_printf(rw *w, const char *fmt, ...)
{
	char tmp[512];
	va_list ap, again;
	va_start(ap, fmt);
	va_copy(again, ap);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (w->rc == CST_OK && n > 0 && (size_t)n < sizeof(tmp)) {
		w->rc = cst_buf_put(w->b, tmp, (size_t)n);
	} else if (w->rc == CST_OK && n > 0) {
		char *big = malloc((size_t)n + 1);
		if (big == NULL)
			w->rc = cst_fail(CST_ENOMEM, "out of memory");
		else {
			vsnprintf(big, (size_t)n + 1, fmt, again);
			w->rc = cst_buf_put(w->b, big, (size_t)n);
			free(big);
		}
	}
	va_end(again);
}

void rw_raw(rw *w, const char *s)
{
	if (w->rc == CST_OK && s)
		w->rc = cst_buf_puts(w->b, s);
}

void rw_html(rw *w, const char *s, size_t n)
{
	if (w->rc == CST_OK && s)
		w->rc = cst_html_escape(w->b, s, n);
}

const char *rj_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

long long rj_int(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

const json_t *rj_get(const json_t *o, const char *a, const char *b)
{
	const json_t *x = json_object_get(o, a);
	return b ? json_object_get(x, b) : x;
}

const char *rj_name(const json_t *o, const char *key, const char *none)
{
	const char *s = rj_str(o, key);
	return s ? s : none;
}

void rj_when(char *out, size_t n, const char *t)
{
	/* 2026-03-01T00:00:00...Z -> 2026-03-01 00:00 UTC */
	if (t == NULL || strlen(t) < 16) {
		snprintf(out, n, "-");
		return;
	}
	snprintf(out, n, "%.10s %.5s UTC", t, t + 11);
}

void rj_day(char *out, size_t n, const char *t)
{
	if (t == NULL || strlen(t) < 10)
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%.10s", t);
}

void rj_span(char *out, size_t n, int64_t s)
{
	if (s < 0)
		s = -s;
	static const struct {
		int64_t secs;
		const char *unit;
	} units[] = {{86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}};
	/* long spans in coarse units: the exact date is always beside them */
	if (s >= 730 * 86400LL) {
		snprintf(out, n, "%lld years", (long long)(s / (365 * 86400LL)));
		return;
	}
	if (s >= 400 * 86400LL) {
		snprintf(out, n, "%lld months", (long long)(s / (30 * 86400LL)));
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (s >= units[i].secs || units[i].secs == 1) {
			long long v = (long long)(s / units[i].secs);
			snprintf(out, n, "%lld %s%s", v, units[i].unit, v == 1 ? "" : "s");
			return;
		}
}

static int64_t ns_of(const json_t *item, const char *key)
{
	const char *t = rj_str(item, key);
	int64_t ns = 0;
	if (t == NULL || cst_audit_time_ns(&ns, t, strlen(t)) < 0)
		return 0;
	return ns;
}

static void add(char *out, size_t n, size_t *len, const char *text)
{
	if (*len >= n)
		return;
	int w = snprintf(out + *len, n - *len, "%s%s", *len ? "; " : "", text);
	*len += w > 0 ? (size_t)w : 0;
}

void rj_why(char *out, size_t n, const json_t *item, int64_t now)
{
	char part[160], a[48], b[48];
	size_t len = 0;
	out[0] = '\0';
	int64_t every = rj_int(item, "rotate_every_seconds");
	int64_t exp = ns_of(item, "expires_at"), due = ns_of(item, "rotation_due");
	if (every > 0)
		rj_span(b, sizeof(b), every);
	if (json_is_true(json_object_get(item, "expired"))) {
		rj_span(a, sizeof(a), (now - exp) / NS);
		snprintf(part, sizeof(part), now - exp < 60 * NS ? "expired just now" : "expired %s ago", a);
		add(out, n, &len, part);
	}
	if (json_is_true(json_object_get(item, "rotation_overdue"))) {
		rj_span(a, sizeof(a), (now - due) / NS);
		snprintf(part, sizeof(part), "rotation overdue by %s (every %s)", a, b);
		add(out, n, &len, part);
	}
	if (json_is_true(json_object_get(item, "expires_soon"))) {
		rj_span(a, sizeof(a), (exp - now) / NS);
		snprintf(part, sizeof(part), "expires in %s", a);
		add(out, n, &len, part);
	}
	if (json_is_true(json_object_get(item, "rotation_due_soon"))) {
		rj_span(a, sizeof(a), (due - now) / NS);
		snprintf(part, sizeof(part), "rotation due in %s (every %s)", a, b);
		add(out, n, &len, part);
	}
}

int64_t rj_now(const json_t *report)
{
	return ns_of(report, "generated_at");
}

void rj_count(char *out, size_t n, long long count, const char *noun)
{
	char num[32];
	rj_num(num, sizeof(num), count);
	snprintf(out, n, "%s %s%s", num, noun, count == 1 ? "" : "s");
}

void rj_num(char *out, size_t n, long long v)
{
	char digits[32];
	int len = snprintf(digits, sizeof(digits), "%lld", v < 0 ? -v : v);
	size_t o = 0;
	if (v < 0 && o + 1 < n)
		out[o++] = '-';
	for (int i = 0; i < len && o + 1 < n; i++) {
		if (i > 0 && (len - i) % 3 == 0 && o + 1 < n)
			out[o++] = ',';
		if (o + 1 < n)
			out[o++] = digits[i];
	}
	if (n)
		out[o < n ? o : n - 1] = '\0';
}

void rj_join(char *out, size_t n, const json_t *strings, int more)
{
	size_t o = 0, i;
	json_t *s;
	out[0] = '\0';
	json_array_foreach(strings, i, s) {
		if (json_string_value(s) == NULL)
			continue;
		int w = snprintf(out + o, n - o, "%s%s", o ? ", " : "", json_string_value(s));
		if (w < 0 || (size_t)w >= n - o) {
			cst_utf8_trim(out);
			return;
		}
		o += (size_t)w;
	}
	if (more && o) {
		snprintf(out + o, n - o, " and more");
		cst_utf8_trim(out);
	}
}
