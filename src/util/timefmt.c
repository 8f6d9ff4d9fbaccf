/* timefmt.c - timestamps and durations in Vault's (Go's) formats. */
#define _GNU_SOURCE
#include "util/timefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/error.h"

int64_t cst_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void cst_time_format(char *out, size_t n, int64_t ns)
{
	if (ns == 0) {
		if (n)
			out[0] = '\0';
		return;
	}
	time_t secs = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	if (frac < 0) { /* before 1970: the fraction counts up from the second before */
		frac += 1000000000;
		secs--;
	}
	struct tm tm;
	gmtime_r(&secs, &tm);
	char date[32];
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac == 0) {
		snprintf(out, n, "%sZ", date);
		return;
	}
	char f[16];
	snprintf(f, sizeof(f), "%09ld", frac);
	for (int i = 8; i > 0 && f[i] == '0'; i--)
		f[i] = '\0';
	snprintf(out, n, "%s.%sZ", date, f);
}

int cst_time_parse(int64_t *out_ns, const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return cst_fail(CST_EINVAL, "bad time (want RFC 3339, e.g. 2026-01-02T15:04:05Z)");
	int64_t frac = 0;
	if (*p == '.') {
		int digits = 0;
		for (p++; isdigit((unsigned char)*p); p++, digits++)
			if (digits < 9)
				frac = frac * 10 + (*p - '0');
		for (; digits < 9; digits++)
			frac *= 10;
	}
	if (strcmp(p, "Z") != 0)
		return cst_fail(CST_EINVAL, "bad time (want UTC with a trailing Z)");
	int64_t secs = (int64_t)timegm(&tm);
	/* int64 nanoseconds span the years 1677 to 2262. */
	if (secs < INT64_MIN / 1000000000 || secs > INT64_MAX / 1000000000 - 1)
		return cst_fail(CST_EINVAL, "bad time (out of range)");
	*out_ns = secs * 1000000000 + frac;
	return CST_OK;
}

int cst_duration_parse(int64_t *out_seconds, const char *s)
{
	if (*s == '\0')
		return cst_fail(CST_EINVAL, "empty duration");
	const char *p = s;
	int64_t total = 0;
	int all_digits = 1;
	for (const char *q = s; *q; q++)
		all_digits &= isdigit((unsigned char)*q) != 0;
	if (all_digits) {
		if (strlen(s) > 12)
			return cst_fail(CST_EINVAL, "duration too long");
		sscanf(s, "%ld", &total);
		*out_seconds = total;
		return CST_OK;
	}
	while (*p) {
		if (!isdigit((unsigned char)*p))
			return cst_fail(CST_EINVAL, "bad duration '%.32s' (e.g. 720h, 30m, 90s)", s);
		int64_t v = 0;
		int digits = 0;
		for (; isdigit((unsigned char)*p); p++)
			if (++digits > 12)
				return cst_fail(CST_EINVAL, "duration too long");
			else
				v = v * 10 + (*p - '0');
		int64_t unit;
		if (strncmp(p, "ms", 2) == 0) {
			p += 2;
			if (total > INT64_MAX - v / 1000)
				return cst_fail(CST_EINVAL, "duration too long");
			total += v / 1000;
			continue;
		}
		switch (*p) {
		case 'd': unit = 86400; break;
		case 'h': unit = 3600; break;
		case 'm': unit = 60; break;
		case 's': unit = 1; break;
		default: return cst_fail(CST_EINVAL, "bad duration '%.32s' (e.g. 720h, 30m, 90s)", s);
		}
		p++;
		if (total > INT64_MAX - v * unit)
			return cst_fail(CST_EINVAL, "duration too long");
		total += v * unit;
	}
	*out_seconds = total;
	return CST_OK;
}

void cst_duration_format(char *out, size_t n, int64_t seconds)
{
	if (seconds == 0) {
		snprintf(out, n, "0s");
		return;
	}
	int64_t h = seconds / 3600, m = seconds % 3600 / 60, s = seconds % 60;
	if (h)
		snprintf(out, n, "%ldh%ldm%lds", (long)h, (long)m, (long)s);
	else if (m)
		snprintf(out, n, "%ldm%lds", (long)m, (long)s);
	else
		snprintf(out, n, "%lds", (long)s);
}
