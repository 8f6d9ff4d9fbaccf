/* render.c - tests of the report renderers (src/report/render_md.c,
 * render_html.c, svg.c, render_common.c) on a report whose audit log holds
 * names that are markup: markdown cells escape them and keep their column
 * count, the HTML page holds them only escaped and nothing external, the
 * charts sum what they do not draw, and the words for times and spans. */
#include <unistd.h>

#include "report/render_common.h"
#include "report/report.h"
#include "report/svg.h"
#include "util/timefmt.h"

#include "engines/engine_test.h"

#define EVIL "<script>alert('x')</script>"
#define EVIL_TEAM "a|b*c_<i>"

static json_t *hostile_report(void)
{
	char path[] = "/tmp/custos-render-log-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	char log[2048];
	snprintf(log, sizeof(log),
	         "{\"time\":\"2026-01-05T00:00:00Z\",\"type\":\"response\",\"auth\":{},\"request\":{"
	         "\"mount_type\":\"userpass\",\"mount_point\":\"auth/userpass/\",\"path\":"
	         "\"auth/userpass/login/%s\",\"remote_address\":\"10.0.0.1\"},\"error\":\"invalid "
	         "username or password\"}\n"
	         "{\"time\":\"2026-01-05T00:00:00Z\",\"type\":\"request\",\"auth\":{\"display_name\":"
	         "\"token-%s\",\"teams\":[\"%s\"],\"policies\":[\"root\"],\"accessor\":\"hmac-sha256:0\"},"
	         "\"request\":{\"operation\":\"read\",\"mount_type\":\"kv\",\"mount_point\":\"secret/\","
	         "\"path\":\"secret/data/x\"}}\n",
	         EVIL, EVIL, EVIL_TEAM);
	assert_int_equal(write(fd, log, strlen(log)), (ssize_t)strlen(log));
	close(fd);
	ok(CST_OP_UPDATE, "sys/teams/ml", "{}");
	ok(CST_OP_UPDATE, "secret/data/app/old", "{\"data\":{\"k\":\"v\"}}");
	ok(CST_OP_PATCH, "secret/metadata/app/old", "{\"expires_at\":\"2020-01-01T00:00:00Z\",\"owner_team\":\"ml\"}");
	ok(CST_OP_UPDATE, "secret/data/app/new", "{\"data\":{\"k\":\"v\"}}");
	int64_t at = 0;
	assert_int_equal(cst_time_parse(&at, "2026-01-06T00:00:00Z"), CST_OK);
	json_t *p = json_pack("{s:s, s:s}", "audit_file", path, "since", "7d");
	cst_report_opts o;
	json_t *r = NULL;
	assert_int_equal(cst_report_params(&o, p, at), CST_OK);
	assert_int_equal(cst_report_build(&r, vault, &o), CST_OK);
	json_decref(p);
	unlink(path);
	return r;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* Cell separators of a markdown table line: '|' not escaped. */
static size_t pipes(const char *line, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
	return n;
}

static void test_markdown(void **state)
{
	(void)state;
	json_t *r = hostile_report();
	cst_buf b = CST_BUF_INIT;
	assert_int_equal(cst_report_markdown(&b, r), CST_OK);
	const char *md = b.ptr;
	assert_non_null(strstr(md, "# custos report\n"));
	assert_non_null(strstr(md, "| **OVERDUE** | app/old | secret/ | ml | untyped | expired "));
	assert_non_null(strstr(md, "\\<script\\>alert('x')\\</script\\>"));
	assert_non_null(strstr(md, "a\\|b\\*c\\_\\<i\\>"));
	for (const char *p = md; *p; p++) /* no markup left: every < and > escaped */
		if ((*p == '<' || *p == '>') && (p == md || p[-1] != '\\'))
			fail_msg("unescaped %c at %.40s", *p, p);
	/* every row of a table has its head's number of cells */
	size_t cols = 0;
	for (const char *line = md; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len && line[0] == '|') {
			size_t n = pipes(line, len);
			if (cols == 0)
				cols = n;
			else if (n != cols)
				fail_msg("row with %zu separators, head %zu: %.*s", n, cols, (int)len, line);
		} else {
			cols = 0;
		}
		line += len + (end != NULL);
	}
	cst_buf_release(&b);
	json_decref(r);
}

static void test_html(void **state)
{
	(void)state;
	json_t *r = hostile_report();
	cst_buf b = CST_BUF_INIT;
	assert_int_equal(cst_report_html(&b, r), CST_OK);
	const char *h = b.ptr;
	assert_int_equal(strncmp(h, "<!DOCTYPE html>\n<html lang=\"en\">", 32), 0);
	assert_non_null(strstr(h, "</body></html>\n"));
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "<i>"));
	assert_non_null(strstr(h, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
	assert_non_null(strstr(h, "a|b*c_&lt;i&gt;"));
	/* self-contained: no link, script, external URL or import */
	assert_null(strstr(h, "<link"));
	assert_null(strstr(h, "src="));
	assert_null(strstr(h, "url("));
	assert_null(strstr(h, "@import"));
	assert_int_equal(count(h, "href=\"http"), 0);
	/* the parts: every section, the charts, a table per figure */
	static const char *const ids[] = {"attention", "secrets", "teams", "tokens", "access", "about"};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char id[40];
		snprintf(id, sizeof(id), "<section id=\"%s\">", ids[i]);
		assert_non_null(strstr(h, id));
	}
	assert_true(count(h, "<svg ") >= 6); /* no tokens: their three charts say "None." */
	assert_int_equal(count(h, "<svg "), count(h, "</svg>"));
	assert_int_equal(count(h, "<table>"), count(h, "</table>"));
	assert_int_equal(count(h, "<tr>"), count(h, "</tr>"));
	assert_int_equal(count(h, "<section"), count(h, "</section>"));
	/* status in words, not colour alone */
	assert_non_null(strstr(h, "&#9888; overdue</span>"));
	assert_non_null(strstr(h, "needs action"));
	cst_buf_release(&b);
	json_decref(r);
}

static void test_svg(void **state)
{
	(void)state;
	cst_svg_bar bars[20];
	char labels[20][40];
	for (int i = 0; i < 20; i++) {
		snprintf(labels[i], sizeof(labels[i]), "label-%02d", i);
		bars[i] = (cst_svg_bar){labels[i], (uint64_t)(20 - i) * 1000};
	}
	bars[0].label = "a name far too long to fit beside its bar <b>";
	cst_buf b = CST_BUF_INIT;
	assert_int_equal(cst_svg_bars(&b, "t", "Test & chart", bars, 20, "things"), CST_OK);
	/* 14 bars drawn and "others" holding the last 6 (6000 + ... + 1000) */
	assert_int_equal(count(b.ptr, "<rect "), CST_SVG_BARS_MAX);
	assert_non_null(strstr(b.ptr, "others: 21,000 things"));
	assert_non_null(strstr(b.ptr, ">20,000</text>"));
	assert_non_null(strstr(b.ptr, "Test &amp; chart"));
	assert_non_null(strstr(b.ptr, "a name far too long to f\xe2\x80\xa6</text>"));
	assert_non_null(strstr(b.ptr, "its bar &lt;b&gt;: 20,000 things</title>")); /* whole in the tooltip */
	assert_null(strstr(b.ptr, "<b>"));
	cst_buf_release(&b);
	uint64_t counts[2][3] = {{1, 0, 4}, {0, 0, 0}};
	cst_svg_series rows[2] = {{"all", counts[0]}, {"<none>", counts[1]}};
	assert_int_equal(cst_svg_timeline(&b, "tl", "Over time", rows, 2, 3, 1767225600LL * 1000000000LL, 86400),
	                 CST_OK);
	assert_int_equal(count(b.ptr, "<rect "), 2);
	assert_non_null(strstr(b.ptr, "5 in all, peak 4"));
	assert_non_null(strstr(b.ptr, "&lt;none&gt;"));
	assert_non_null(strstr(b.ptr, ">2026-01-01</text>"));
	assert_non_null(strstr(b.ptr, ">2026-01-03</text>"));
	cst_buf_release(&b);
}

static void test_words(void **state)
{
	(void)state;
	char s[64];
	rj_span(s, sizeof(s), 1);
	assert_string_equal(s, "1 second");
	rj_span(s, sizeof(s), 7200);
	assert_string_equal(s, "2 hours");
	rj_span(s, sizeof(s), 86400 * 5 + 3600);
	assert_string_equal(s, "5 days");
	rj_span(s, sizeof(s), 86400LL * 120);
	assert_string_equal(s, "120 days");
	rj_span(s, sizeof(s), 86400LL * 500);
	assert_string_equal(s, "16 months");
	rj_span(s, sizeof(s), 86400LL * 2400);
	assert_string_equal(s, "6 years");
	rj_when(s, sizeof(s), "2026-03-01T10:20:30.5Z");
	assert_string_equal(s, "2026-03-01 10:20 UTC");
	rj_when(s, sizeof(s), NULL);
	assert_string_equal(s, "-");
	rj_num(s, sizeof(s), 1234567);
	assert_string_equal(s, "1,234,567");
	rj_num(s, sizeof(s), -1000);
	assert_string_equal(s, "-1,000");
	rj_count(s, sizeof(s), 1, "secret");
	assert_string_equal(s, "1 secret");
	rj_count(s, sizeof(s), 12000, "request");
	assert_string_equal(s, "12,000 requests");
	json_t *it = json_pack("{s:b, s:b, s:s, s:s, s:I}", "expired", 1, "rotation_overdue", 1,
	                       "expires_at", "2026-01-01T00:00:00Z", "rotation_due", "2026-01-08T00:00:00Z",
	                       "rotate_every_seconds", (json_int_t)(90 * 86400));
	char why[200];
	rj_why(why, sizeof(why), it, (1767225600LL + 10 * 86400) * 1000000000LL);
	assert_string_equal(why, "expired 10 days ago; rotation overdue by 3 days (every 90 days)");
	json_decref(it);
	/* lists of names: joined, "and more", cut between characters */
	json_t *names = json_pack("[s, i, s]", "ml", 7, "ops");
	rj_join(s, sizeof(s), names, 0);
	assert_string_equal(s, "ml, ops");
	rj_join(s, sizeof(s), names, 1);
	assert_string_equal(s, "ml, ops and more");
	json_decref(names);
	rj_join(s, sizeof(s), NULL, 1);
	assert_string_equal(s, "");
	json_t *accented = json_pack("[s, s]", "caf\xc3\xa9", "\xc3\xa9t\xc3\xa9");
	char small[9]; /* "caf\xc3\xa9, " is 7 bytes: the 8th would split the next e-acute */
	rj_join(small, sizeof(small), accented, 0);
	assert_string_equal(small, "caf\xc3\xa9, ");
	json_decref(accented);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_markdown, vault_setup, vault_teardown),
		cmocka_unit_test_setup_teardown(test_html, vault_setup, vault_teardown),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
