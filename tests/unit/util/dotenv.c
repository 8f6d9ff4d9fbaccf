/* dotenv.c - tests of src/util/dotenv.c: python-dotenv 0.21's readings of
 * the statements where dotenv readers differ (each expected value was
 * printed by Debian 12's python3-dotenv for the same text), refusals with
 * their line numbers, expansion and its notes, and quoting values back. */
#include "testutil.h"

#include <jansson.h>

#include "core/error.h"
#include "custos.h"
#include "util/buf.h"
#include "util/dotenv.h"

/* text -> the JSON python-dotenv's dotenv_values() printed, no environment. */
static const struct {
	const char *text, *json;
} cases[] = {
	{"A=1\nB=two words  \n", "{\"A\":\"1\",\"B\":\"two words\"}"},
	{"export A=1\nexport=2\nexportB=3\n", "{\"A\":\"1\",\"export\":\"2\",\"exportB\":\"3\"}"},
	{"A= #bar\nB=x #c\nC=x#c\nD=#x\n", "{\"A\":\"#bar\",\"B\":\"x\",\"C\":\"x#c\",\"D\":\"#x\"}"},
	{"FOO#bar=1\nBARE\n", "{\"FOO\":null,\"BARE\":null}"},
	{"A=\"a\\\\\"\n", "{\"A\":\"a\\\\\"}"},
	{"A='x\\'\nB=1\n", "{\"A\":\"x\\\\\",\"B\":\"1\"}"},
	{"A=\"\\n\\t\\x41\\u0041\"\n", "{\"A\":\"\\n\\t\\\\x41\\\\u0041\"}"},
	{"A='\\n \\\\ \\''\n", "{\"A\":\"\\\\n \\\\ '\"}"},
	{"A=\"multi\nline\"\nB=after\n", "{\"A\":\"multi\\nline\",\"B\":\"after\"}"},
	{"A=1\r\nB=\"x\r\ny\"\rC=3", "{\"A\":\"1\",\"B\":\"x\\ny\",\"C\":\"3\"}"},
	{"A=\xc2\xa0v\xc2\xa0\nB=v\x0b#c\n", "{\"A\":\"v\",\"B\":\"v\"}"},
	{"'my key'=v\n", "{\"my key\":\"v\"}"},
	{"A=${B:-x}\nB\nC=${B:-y}\nD=${A}${A:bad}\n",
	 "{\"A\":\"x\",\"B\":null,\"C\":\"\",\"D\":\"x${A:bad}\"}"},
	{"A='${NOPE:-dflt}' # single quotes expand too\n", "{\"A\":\"dflt\"}"},
	{"\xef\xbb\xbf" "A=1\n", "{\"A\":\"1\"}"}, /* custos drops the BOM python-dotenv keeps */
	{"\n\n  # only a comment\n\t\n", "{}"},
	{"A=1\nA=2-${A}\n", "{\"A\":\"2-1\"}"},
};

static json_t *values(const char *text, unsigned flags)
{
	json_t *out = NULL;
	cst_dotenv_opts o = {.flags = flags};
	int rc = cst_dotenv_values(&out, text, strlen(text), &o);
	if (rc != CST_OK)
		fail_msg("%s: %s", text, cst_errmsg());
	return out;
}

static void test_python_dotenv_readings(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *got = values(cases[i].text, 0);
		json_t *want = json_loads(cases[i].json, 0, NULL);
		assert_non_null(want);
		if (!json_equal(got, want)) {
			char *g = json_dumps(got, JSON_COMPACT);
			fail_msg("case %zu: got %s, want %s", i, g, cases[i].json);
		}
		json_decref(got);
		json_decref(want);
	}
}

/* Where python-dotenv warns "could not parse statement", custos stops. */
static void test_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		unsigned line;
	} bad[] = {
		{"A=\"x\"y\n", 1},         {"A=1\n=v\n", 2},          {"A=1\nB C\n", 2},
		{"A=1\n\nB=\"open\n", 3},  {"A=1\n'unclosed=1\n", 2}, {"A=1\n''=x\n", 2},
		{"A=1\nB=caf\xe9\n", 2},   {"A=1\r\nB=\"x\"z", 2},    {"export \n", 1},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *out = (json_t *)1;
		assert_int_equal(cst_dotenv_values(&out, bad[i].text, strlen(bad[i].text), NULL), CST_EINVAL);
		assert_null(out);
		char want[32];
		snprintf(want, sizeof(want), "line %u: ", bad[i].line);
		if (strncmp(cst_errmsg(), want, strlen(want)) != 0)
			fail_msg("case %zu: '%s', want it to start with '%s'", i, cst_errmsg(), want);
	}
	/* NUL bytes cannot be stored or put in an environment. */
	json_t *out = NULL;
	assert_int_equal(cst_dotenv_values(&out, "A=1\nB=x\0y\n", 10, NULL), CST_EINVAL);
	assert_non_null(strstr(cst_errmsg(), "line 2"));
}

typedef struct notes {
	char seen[256];
} notes;

static void note(unsigned line, const char *var, int kind, void *payload)
{
	notes *n = payload;
	snprintf(n->seen + strlen(n->seen), sizeof(n->seen) - strlen(n->seen), "%u:%s:%d ", line, var,
	         kind);
}

static const char *lookup(const char *name, void *payload)
{
	(void)payload;
	return strcmp(name, "HOME_DIR") == 0 ? "/home/app" : NULL;
}

static int no_dots(const char *name, void *payload)
{
	(void)payload;
	return strchr(name, '.') ? cst_fail(CST_EINVAL, "no dots") : CST_OK;
}

static void test_expansion(void **state)
{
	(void)state;
	notes n = {""};
	cst_dotenv_opts o = {.lookup = lookup, .note = note, .payload = &n};
	const char *text = "A=${HOME_DIR}/x\nB=${UNSET}\nC=${UNSET:-d}\nD\n";
	json_t *out = NULL;
	assert_int_equal(cst_dotenv_values(&out, text, strlen(text), &o), CST_OK);
	assert_string_equal(json_string_value(json_object_get(out, "A")), "/home/app/x");
	assert_string_equal(json_string_value(json_object_get(out, "B")), "");
	assert_string_equal(json_string_value(json_object_get(out, "C")), "d");
	assert_string_equal(n.seen, "1:HOME_DIR:1 2:UNSET:2 4:D:3 ");
	json_decref(out);
	/* --no-expand keeps the text. */
	json_t *raw = values("A=${HOME_DIR}\n", CST_DOTENV_NO_EXPAND);
	assert_string_equal(json_string_value(json_object_get(raw, "A")), "${HOME_DIR}");
	json_decref(raw);
	/* A name check refuses with the line. */
	cst_dotenv_opts c = {.check = no_dots};
	assert_int_equal(cst_dotenv_values(&out, "A=1\nb.c=2\n", 10, &c), CST_EINVAL);
	assert_string_equal(cst_errmsg(), "line 2: no dots");
	assert_true(cst_dotenv_expands("x ${A} y", 8));
	assert_true(cst_dotenv_expands("${A:-}", 6));
	assert_false(cst_dotenv_expands("$A ${ ${A:b}", 12));
}

/* Every value written by cst_dotenv_quote reads back byte for byte. */
static void test_quote_round_trip(void **state)
{
	(void)state;
	static const char *const v[] = {
		"", "plain", "two words", "  padded  ", "it's \"q\"", "ends\\", "C:\\dir\\",
		"a\\nb", "line1\nline2\n", "cr\rlf", "# hash", "x #y", "\"", "'", "\\\"", "caf\xc3\xa9",
		"\xc2\xa0nbsp\xc2\xa0", "tab\there", "=", "export X=1",
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		cst_buf b = CST_BUF_INIT;
		assert_int_equal(cst_buf_puts(&b, "K="), CST_OK);
		assert_int_equal(cst_dotenv_quote(&b, v[i], strlen(v[i])), CST_OK);
		assert_int_equal(cst_buf_puts(&b, "\nNEXT=1\n"), CST_OK);
		json_t *got = values(b.ptr, CST_DOTENV_NO_EXPAND);
		const char *back = json_string_value(json_object_get(got, "K"));
		if (back == NULL || strcmp(back, v[i]) != 0)
			fail_msg("value %zu written as [%s] read back as [%s]", i, b.ptr, back ? back : "(none)");
		assert_string_equal(json_string_value(json_object_get(got, "NEXT")), "1");
		json_decref(got);
		cst_buf_release(&b);
	}
	/* No form survives for a multi-line value ending in a backslash. */
	cst_buf b = CST_BUF_INIT;
	assert_int_equal(cst_dotenv_quote(&b, "a\nb\\", 4), CST_EINVAL);
	assert_int_equal(cst_dotenv_quote(&b, " lead\\", 6), CST_EINVAL);
	cst_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_python_dotenv_readings),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_expansion),
		cmocka_unit_test(test_quote_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
