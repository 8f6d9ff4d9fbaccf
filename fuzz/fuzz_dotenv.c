/* fuzz_dotenv.c - the dotenv parser (src/util/dotenv.c). Any input either
 * parses or is refused with a "line N: ..." message; what parses is
 * written back (names quoted where needed, values with cst_dotenv_quote)
 * and must parse again, unexpanded, to the same object: the round trip
 * `custos export --format dotenv` and `custos import dotenv` rely on. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "util/buf.h"
#include "util/dotenv.h"
#include "util/mem.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_dotenv: %s\n", what);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	cst_mem_init_json();
	return 0;
}

static const char *lookup(const char *name, void *payload)
{
	(void)payload;
	return strcmp(name, "FROM_ENV") == 0 ? "env value" : NULL;
}

static void check_refusal(int rc)
{
	if (rc != CST_EINVAL && rc != CST_ENOMEM)
		fail("an unexpected status");
	if (rc == CST_EINVAL && strncmp(cst_errmsg(), "line ", 5) != 0)
		fail("a refusal without its line number");
}

/* 1 if name can be written unquoted: what the parser reads as one. */
static int plain_name(const char *k)
{
	if (*k == '\'' || *k == '\0')
		return 0;
	for (const unsigned char *c = (const unsigned char *)k; *c; c++)
		if (*c == '=' || *c == '#' || *c <= ' ' || *c >= 0x80)
			return 0;
	return 1;
}

static void round_trip(json_t *values)
{
	cst_buf b = CST_BUF_INIT;
	b.max = 64 * 1024 * 1024;
	json_t *want = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(values, k, v) {
		if (!plain_name(k) && strchr(k, '\'') != NULL)
			continue; /* no way to write this name */
		size_t start = b.len;
		int rc = plain_name(k) ? cst_buf_puts(&b, k) : cst_buf_printf(&b, "'%s'", k);
		if (rc == CST_OK && json_is_string(v)) {
			if (cst_buf_puts(&b, "=") != CST_OK)
				fail("out of memory");
			rc = cst_dotenv_quote(&b, json_string_value(v), json_string_length(v));
			if (rc == CST_EINVAL) { /* no dotenv form: leave it out */
				b.len = start;
				if (b.ptr != NULL)
					b.ptr[b.len] = '\0';
				continue;
			}
		}
		if (rc != CST_OK || cst_buf_puts(&b, "\n") != CST_OK)
			fail("out of memory");
		json_object_set(want, k, v);
	}
	json_t *again = NULL;
	cst_dotenv_opts raw = {CST_DOTENV_NO_EXPAND, NULL, NULL, NULL, NULL};
	if (cst_dotenv_values(&again, b.ptr ? b.ptr : "", b.len, &raw) != CST_OK)
		fail("what was written back does not parse");
	if (!json_equal(again, want))
		fail("what was written back parses to other values");
	json_decref(again);
	json_decref(want);
	cst_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *values = NULL;
	cst_dotenv_opts opts = {0, lookup, NULL, NULL, NULL};
	cst_error_clear();
	int rc = cst_dotenv_values(&values, (const char *)data, size, &opts);
	if (rc != CST_OK) {
		check_refusal(rc);
		if (values != NULL)
			fail("a refusal returned values");
	} else {
		const char *k;
		json_t *v;
		json_object_foreach(values, k, v)
			if (json_is_string(v))
				(void)cst_dotenv_expands(json_string_value(v), json_string_length(v));
		json_decref(values);
	}
	cst_dotenv_opts raw = {CST_DOTENV_NO_EXPAND, NULL, NULL, NULL, NULL};
	rc = cst_dotenv_values(&values, (const char *)data, size, &raw);
	if (rc != CST_OK) {
		check_refusal(rc);
		return 0;
	}
	round_trip(values);
	json_decref(values);
	return 0;
}
