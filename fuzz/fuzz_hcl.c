/* fuzz_hcl.c - the HCL parser (cst_hcl_parse) against arbitrary bytes. The
 * input is passed with its size and no NUL terminator, so a read past the
 * end shows up under AddressSanitizer. A refusal must be CST_EINVAL with a
 * one-line "fuzz: line L: reason" message, L within the input, and *out
 * NULL. An accepted document must be a JSON object no deeper than the
 * limit, and must survive a round trip: written back out as HCL attributes
 * and parsed again, it gives an equal document. Any failure abort()s. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "custos.h"
#include "util/hcl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const uint8_t *data, size_t size)
{
	fprintf(stderr, "fuzz_hcl: %s (input of %zu bytes: \"", what, size);
	for (size_t i = 0; i < size && i < 400; i++)
		fprintf(stderr, data[i] >= 0x20 && data[i] < 0x7f ? "%c" : "\\x%02x", data[i]);
	fprintf(stderr, "\")\n");
	abort();
}

/* A plain growable string; the fuzz inputs hold no secrets. */
struct out {
	char *p;
	size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		while (cap < o->len + n + 1)
			cap *= 2;
		char *p = realloc(o->p, cap);
		if (p == NULL)
			abort();
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_string(struct out *o, const char *s, size_t n)
{
	puts_(o, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		switch (c) {
		case '"': puts_(o, "\\\""); break;
		case '\\': puts_(o, "\\\\"); break;
		case '\n': puts_(o, "\\n"); break;
		case '\t': puts_(o, "\\t"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				puts_(o, esc);
			} else {
				put(o, (const char *)&s[i], 1);
			}
		}
	}
	puts_(o, "\"");
}

static void put_value(struct out *o, const json_t *v);

/* The members of an object as `"key" = value` lines. */
static void put_members(struct out *o, const json_t *obj)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		put_string(o, key, strlen(key));
		puts_(o, " = ");
		put_value(o, v);
		puts_(o, "\n");
	}
}

static void put_value(struct out *o, const json_t *v)
{
	char num[64];
	size_t i;
	json_t *item;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		puts_(o, "{\n");
		put_members(o, v);
		puts_(o, "}");
		break;
	case JSON_ARRAY:
		puts_(o, "[");
		json_array_foreach((json_t *)v, i, item) {
			put_value(o, item);
			puts_(o, ",\n");
		}
		puts_(o, "]");
		break;
	case JSON_STRING:
		put_string(o, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		puts_(o, num);
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		if (strpbrk(num, ".e") == NULL)
			strcat(num, ".0");
		puts_(o, num);
		break;
	case JSON_TRUE: puts_(o, "true"); break;
	case JSON_FALSE: puts_(o, "false"); break;
	case JSON_NULL: puts_(o, "null"); break;
	}
}

static int depth(const json_t *v)
{
	int d = 0, k;
	size_t i;
	const char *key;
	json_t *item;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, item)
			if ((k = depth(item) + 1) > d)
				d = k;
	} else if (json_is_array(v)) {
		json_array_foreach((json_t *)v, i, item)
			if ((k = depth(item) + 1) > d)
				d = k;
	}
	return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = (json_t *)&doc, *again = NULL;
	cst_error_clear();
	int rc = cst_hcl_parse(&doc, (const char *)data, size, "fuzz");
	if (rc != CST_OK) {
		const char *msg = cst_errmsg();
		long line = 0;
		size_t lines = 1;
		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		if (doc != NULL)
			fail("refused but *out is not NULL", data, size);
		if (rc != CST_EINVAL)
			fail("unexpected return code", data, size);
		if (sscanf(msg, "fuzz: line %ld: ", &line) != 1 || line < 1 || (size_t)line > lines)
			fail("message without a line number within the input", data, size);
		if (strchr(msg, '\n') != NULL || strlen(msg) > 200)
			fail("message not one short line", data, size);
		return 0;
	}
	if (!json_is_object(doc))
		fail("accepted, but the result is not an object", data, size);
	if (depth(doc) > CST_HCL_MAX_DEPTH + 1)
		fail("result nested deeper than the limit", data, size);

	struct out o = {NULL, 0, 0};
	puts_(&o, "");
	put_members(&o, doc);
	rc = cst_hcl_parse(&again, o.p, o.len, "again");
	if (rc != CST_OK) {
		fprintf(stderr, "fuzz_hcl: %s\n--- re-emitted:\n%s\n", cst_errmsg(), o.p);
		fail("the re-emitted document does not parse", data, size);
	}
	if (!json_equal(doc, again)) {
		char *a = json_dumps(doc, JSON_ENCODE_ANY), *b = json_dumps(again, JSON_ENCODE_ANY);
		fprintf(stderr, "fuzz_hcl: first  %s\nfuzz_hcl: second %s\n", a, b);
		fail("the round trip changed the document", data, size);
	}
	free(o.p);
	json_decref(doc);
	json_decref(again);
	return 0;
}
