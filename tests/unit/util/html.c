/* html.c - tests of src/util/html.c: markup characters become entities,
 * text fit for HTML passes unchanged (UTF-8 included), and control
 * characters, invalid UTF-8 and noncharacters become U+FFFD. */
#include "testutil.h"

#include "custos.h"
#include "util/html.h"

static void expect(const char *in, size_t n, const char *want)
{
	cst_buf b = CST_BUF_INIT;
	assert_int_equal(cst_html_escape(&b, in, n), CST_OK);
	assert_string_equal(b.ptr ? b.ptr : "", want);
	cst_buf_release(&b);
}

#define E(in, want) expect(in, sizeof(in) - 1, want)
#define FFFD "\xef\xbf\xbd"

static void test_escape(void **state)
{
	(void)state;
	E("", "");
	E("plain text/with.dots-and_ok", "plain text/with.dots-and_ok");
	E("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
	E("a & b \"c\" 'd'", "a &amp; b &quot;c&quot; &#39;d&#39;");
	E("&amp;", "&amp;amp;");
	E("\" onmouseover=\"x", "&quot; onmouseover=&quot;x");
	E("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	E("tab\tnl\ncr\r", "tab\tnl\ncr\r");
	E("nul\0x", "nul" FFFD "x");
	E("bell\a esc\x1b del\x7f", "bell" FFFD " esc" FFFD " del" FFFD);
	E("c1 \xc2\x85 ok", "c1 " FFFD " ok");
	E("bad \xff\xfe end", "bad " FFFD FFFD " end");
	E("cut \xe2\x82", "cut " FFFD FFFD);
	E("overlong \xc0\xaf", "overlong " FFFD FFFD);
	E("surrogate \xed\xa0\x80", "surrogate " FFFD FFFD FFFD);
	E("nonchar \xef\xbf\xbe \xef\xb7\x90", "nonchar " FFFD " " FFFD);
	E("<\xff>", "&lt;" FFFD "&gt;");
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_escape)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
