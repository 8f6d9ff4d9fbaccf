/* fuzz_names.c - the secret-name grammar (cst_name_check and
 * cst_name_check_prefix) against arbitrary bytes. The input is passed with
 * its size and no NUL terminator, so a read past the end shows up under
 * AddressSanitizer. Both checks are compared with a plain model of the
 * documented grammar; any disagreement abort()s. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/names.h"
#include "custos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const uint8_t *data, size_t size)
{
	fprintf(stderr, "fuzz_names: %s (input of %zu bytes: \"", what, size);
	for (size_t i = 0; i < size && i < 200; i++)
		fprintf(stderr, data[i] >= 0x20 && data[i] < 0x7f ? "%c" : "\\x%02x", data[i]);
	fprintf(stderr, "\")\n");
	abort();
}

static int allowed(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-' || c == '/';
}

/* The documented grammar, written independently of names.c: segments of
 * allowed bytes joined by single '/', none empty, "." or "..". */
static int model_name(const uint8_t *s, size_t n)
{
	if (n == 0 || n > CST_NAME_MAX)
		return 0;
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && !allowed(s[i]))
			return 0;
		if (i == n || s[i] == '/') {
			size_t len = i - start;
			if (len == 0 || (len == 1 && s[start] == '.') ||
			    (len == 2 && s[start] == '.' && s[start + 1] == '.'))
				return 0;
			start = i + 1;
		}
	}
	return 1;
}

/* A prefix is empty, or a name optionally followed by one '/'. */
static int model_prefix(const uint8_t *s, size_t n)
{
	if (n == 0)
		return 1;
	if (n > CST_NAME_MAX)
		return 0;
	return model_name(s, s[n - 1] == '/' ? n - 1 : n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *name = (const char *)data;
	/* A refusal always says why. */
	cst_error_clear();
	int whole = cst_name_check(name, size);
	if (whole != CST_OK && cst_errmsg()[0] == '\0')
		fail("cst_name_check refused without a message", data, size);
	cst_error_clear();
	int prefix = cst_name_check_prefix(name, size);
	if (prefix != CST_OK && cst_errmsg()[0] == '\0')
		fail("cst_name_check_prefix refused without a message", data, size);

	if ((whole != CST_OK && whole != CST_EINVAL) || (prefix != CST_OK && prefix != CST_EINVAL))
		fail("unexpected return code", data, size);
	if (whole == CST_OK && prefix != CST_OK)
		fail("a valid name is not a valid prefix", data, size);
	if (whole == CST_OK) {
		if (size == 0 || size > CST_NAME_MAX)
			fail("accepted a name of bad length", data, size);
		if (data[0] == '/' || data[size - 1] == '/')
			fail("accepted a leading or trailing '/'", data, size);
		for (size_t i = 0; i < size; i++) {
			if (!allowed(data[i]))
				fail("accepted a byte outside [A-Za-z0-9._-/]", data, size);
			if (i + 1 < size && data[i] == '/' && data[i + 1] == '/')
				fail("accepted \"//\"", data, size);
		}
	}
	if ((whole == CST_OK) != model_name(data, size))
		fail(whole == CST_OK ? "cst_name_check accepted what the grammar refuses"
		                     : "cst_name_check refused what the grammar accepts",
		     data, size);
	if ((prefix == CST_OK) != model_prefix(data, size))
		fail(prefix == CST_OK ? "cst_name_check_prefix accepted what the grammar refuses"
		                      : "cst_name_check_prefix refused what the grammar accepts",
		     data, size);
	return 0;
}
