/* template.c - tests of src/util/template.c: custos:// references (names
 * with '/', the field after the last one, what is refused) and templates
 * (op inject's {{ }} syntax, other braces left alone, line numbers). */
#include "testutil.h"

#include "custos.h"
#include "util/template.h"

static void test_refs(void **state)
{
	(void)state;
	cst_ref r;
	const char *ok = "custos://team/openai/prod/api_key";
	assert_int_equal(cst_ref_parse(&r, ok, strlen(ok)), CST_OK);
	assert_string_equal(r.name, "team/openai/prod");
	assert_string_equal(r.field, "api_key");
	static const char *const bad[] = {"custos://", "custos://name", "custos://name/", "custos:///f",
	                                  "custos://a//f", "custos://a b/f", "custos://a/f g",
	                                  "vault://a/f", "custos:/a/f", "custos://../f"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cst_ref_parse(&r, bad[i], strlen(bad[i])) != CST_EINVAL)
			fail_msg("%s parsed", bad[i]);
		if (strlen(bad[i]) > 9) /* never echoed: it may be a value */
			assert_null(strstr(cst_errmsg(), bad[i]));
	}
	assert_true(cst_ref_is("custos://x", 10));
	assert_false(cst_ref_is("custos:/", 8));
}

typedef struct collect {
	char out[1024];
	int refs;
	unsigned lines[8];
} collect;

static int piece(const cst_tpl_piece *p, void *payload)
{
	collect *c = payload;
	if (p->ref == NULL) {
		snprintf(c->out + strlen(c->out), sizeof(c->out) - strlen(c->out), "%.*s", (int)p->len, p->text);
		return 0;
	}
	c->lines[c->refs++] = p->line;
	snprintf(c->out + strlen(c->out), sizeof(c->out) - strlen(c->out), "<%s|%s>", p->ref->name,
	         p->ref->field);
	return 0;
}

static void test_templates(void **state)
{
	(void)state;
	collect c = {"", 0, {0}};
	const char *t = "a: {{ custos://x/y }}\nb: {{custos://p/q/r}} {{ .Values.x }}\n"
	                "{ {{\t custos://m/n \t}} }\n{{ not }}{{";
	assert_int_equal(cst_template_scan(t, strlen(t), piece, &c), CST_OK);
	assert_string_equal(c.out, "a: <x|y>\nb: <p/q|r> {{ .Values.x }}\n{ <m|n> }\n{{ not }}{{");
	assert_int_equal(c.refs, 3);
	assert_int_equal(c.lines[0], 1);
	assert_int_equal(c.lines[1], 2);
	assert_int_equal(c.lines[2], 3);
	static const struct {
		const char *t;
		const char *line;
	} bad[] = {
		{"ok\n{{ custos://a/b", "line 2:"},
		{"\n\n{{ custos://a/b }", "line 3:"},
		{"{{ .x }}\n{{ custos://a/b c }}", "line 2:"},
		{"{{ custos://a//b }}", "line 1:"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		collect d = {"", 0, {0}};
		assert_int_equal(cst_template_scan(bad[i].t, strlen(bad[i].t), piece, &d), CST_EINVAL);
		if (strncmp(cst_errmsg(), bad[i].line, strlen(bad[i].line)) != 0)
			fail_msg("case %zu: %s", i, cst_errmsg());
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_templates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
