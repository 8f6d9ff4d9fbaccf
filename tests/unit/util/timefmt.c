/* timefmt.c - tests of src/util/timefmt.c: RFC 3339 timestamps written the
 * way Go's RFC3339Nano writes them (trailing zeros of the fraction dropped,
 * 0 -> "") and read back, and Go-style durations ("720h", "3h25m19s") both
 * ways, with the inputs each parser must refuse. */
#include "testutil.h"

#include "custos.h"
#include "util/timefmt.h"

#define NS 1000000000LL

/* Seconds (from Python's calendar.timegm) and the text Go prints for them. */
static const struct {
	int64_t ns;
	const char *text;
} times[] = {
	{1521685446945319214LL, "2018-03-22T02:24:06.945319214Z"},
	{1521685446945319200LL, "2018-03-22T02:24:06.9453192Z"},
	{1521685446500000000LL, "2018-03-22T02:24:06.5Z"},
	{1521685446000000000LL, "2018-03-22T02:24:06Z"},
	{1521685446000000010LL, "2018-03-22T02:24:06.00000001Z"},
	{1369353600LL * NS, "2013-05-24T00:00:00Z"},
	{1709208000LL * NS, "2024-02-29T12:00:00Z"},
	{946684799LL * NS + 999000000, "1999-12-31T23:59:59.999Z"},
	{2147483648LL * NS, "2038-01-19T03:14:08Z"},
	{1, "1970-01-01T00:00:00.000000001Z"},
	{-14182940LL * NS, "1969-07-20T20:17:40Z"},
	{-500000000LL, "1969-12-31T23:59:59.5Z"},
	{9223372035999999999LL, "2262-04-11T23:47:15.999999999Z"},
};
#define N_TIMES (sizeof(times) / sizeof(times[0]))

static void test_time_format(void **state)
{
	(void)state;
	char out[64];
	for (size_t i = 0; i < N_TIMES; i++) {
		cst_time_format(out, sizeof(out), times[i].ns);
		assert_string_equal(out, times[i].text);
	}
	/* Vault's unset time. */
	memset(out, 'x', sizeof(out));
	cst_time_format(out, sizeof(out), 0);
	assert_string_equal(out, "");
}

static void test_time_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_TIMES; i++) {
		int64_t ns = 0;
		assert_int_equal(cst_time_parse(&ns, times[i].text), CST_OK);
		if (ns != times[i].ns)
			fail_msg("\"%s\" parsed to %lld, want %lld", times[i].text, (long long)ns,
			         (long long)times[i].ns);
	}
	/* Fractions of any length; digits past nanoseconds are dropped. */
	static const struct {
		const char *text;
		int64_t ns;
	} frac[] = {
		{"2013-05-24T00:00:00.1Z", 1369353600LL * NS + 100000000},
		{"2013-05-24T00:00:00.000Z", 1369353600LL * NS},
		{"2013-05-24T00:00:00.1234567891Z", 1369353600LL * NS + 123456789},
	};
	for (size_t i = 0; i < sizeof(frac) / sizeof(frac[0]); i++) {
		int64_t ns = 0;
		assert_int_equal(cst_time_parse(&ns, frac[i].text), CST_OK);
		assert_int_equal(ns, frac[i].ns);
	}
}

static void test_time_parse_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "now", "2013-05-24", "2013-05-24T00:00:00", "2013-05-24T00:00:00+02:00",
		"2013-05-24T00:00:00-00:00", "2013-05-24 00:00:00Z", "2013-05-24T00:00:00Zjunk",
		"2013-05-24T00:00:00ZZ", "2013-05-24T00:00:00.5", "2013-13-01T00:00:00Z",
		"2013-05-24T25:00:00Z", "24/05/2013",
		/* outside what int64 nanoseconds hold, Go's zero time included */
		"0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1600-01-01T00:00:00Z",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t ns = 0;
		if (cst_time_parse(&ns, bad[i]) != CST_EINVAL)
			fail_msg("time \"%s\" accepted, want CST_EINVAL", bad[i]);
	}
}

/* ---- durations --------------------------------------------------------- */

static void test_duration_parse(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int64_t seconds;
	} ok[] = {
		{"720h", 2592000}, {"3h25m19s", 12319}, {"90", 90},    {"1d", 86400},
		{"0", 0},          {"0s", 0},           {"90s", 90},   {"30m", 1800},
		{"1h30m", 5400},   {"1h0m0s", 3600},    {"2d12h", 216000},
		{"1500ms", 1},     {"1m500ms", 60},     {"999999999999", 999999999999LL},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t s = -1;
		if (cst_duration_parse(&s, ok[i].text) != CST_OK)
			fail_msg("duration \"%s\" refused", ok[i].text);
		if (s != ok[i].seconds)
			fail_msg("duration \"%s\" parsed to %lld, want %lld", ok[i].text, (long long)s,
			         (long long)ok[i].seconds);
	}
}

static void test_duration_parse_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "h", "5x", "1h30", "-5s", "+5s", " 5s", "5s ", "5 s", "s5", "5hh", "1y", "5S",
		"9999999999999", "9999999999999s",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t s = 0;
		if (cst_duration_parse(&s, bad[i]) != CST_EINVAL)
			fail_msg("duration \"%s\" accepted, want CST_EINVAL", bad[i]);
	}
}

/* Many maximal components add up past int64: refused, not wrapped. */
static void test_duration_overflow(void **state)
{
	(void)state;
	static const char unit[] = "999999999999d";
	char big[200 * sizeof(unit)];
	size_t len = 0;
	for (int i = 0; i < 200; i++, len += sizeof(unit) - 1)
		memcpy(big + len, unit, sizeof(unit));
	int64_t s = 0;
	assert_int_equal(cst_duration_parse(&s, big), CST_EINVAL);
}

static void test_duration_format(void **state)
{
	(void)state;
	static const struct {
		int64_t seconds;
		const char *text;
	} v[] = {
		{0, "0s"},         {1, "1s"},           {59, "59s"},         {60, "1m0s"},
		{90, "1m30s"},     {3600, "1h0m0s"},    {5400, "1h30m0s"},   {12319, "3h25m19s"},
		{86400, "24h0m0s"}, {2592000, "720h0m0s"}, {3599, "59m59s"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char out[32];
		int64_t back = -1;
		cst_duration_format(out, sizeof(out), v[i].seconds);
		assert_string_equal(out, v[i].text);
		assert_int_equal(cst_duration_parse(&back, out), CST_OK);
		assert_int_equal(back, v[i].seconds);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_time_parse_rejects),
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_duration_parse_rejects),
		cmocka_unit_test(test_duration_overflow),
		cmocka_unit_test(test_duration_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
