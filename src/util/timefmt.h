/* timefmt.h - clock, RFC 3339 timestamps and Go-style durations ("720h",
 * "3h25m19s"), as Vault writes and reads them. */
#ifndef CST_TIMEFMT_H
#define CST_TIMEFMT_H

#include <stdint.h>
#include <stddef.h>

/* Nanoseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t cst_now_ns(void);

/* Writes "2018-03-22T02:24:06.945319214Z" (trailing zeros of the fraction
 * dropped, as Go's RFC3339Nano) into out (at least 40 bytes). ns == 0
 * gives "" (Vault's unset time). */
void cst_time_format(char *out, size_t n, int64_t ns);

/* Parses "2013-05-24T00:00:00Z" with an optional fraction. */
int cst_time_parse(int64_t *out_ns, const char *s) __attribute__((warn_unused_result));

/* Parses a duration: an integer (seconds) or Go units h, m, s, ms
 * ("1h30m", "720h", "90s"), plus "d" for days. Returns CST_EINVAL. */
int cst_duration_parse(int64_t *out_seconds, const char *s) __attribute__((warn_unused_result));

/* Formats seconds the way Go's time.Duration prints: "0s", "1h30m0s". */
void cst_duration_format(char *out, size_t n, int64_t seconds);

#endif
