/* fuzz_template.c - the {{ custos://NAME/FIELD }} template scanner and the
 * reference parser (src/util/template.c). The pieces of a template put
 * together must give the template back; a reference piece is "{{", blanks,
 * the reference, blanks and "}}", and its name and field parse again; a
 * refusal names its line. Each line of the input is also parsed alone as
 * a reference, as `custos run` parses map files and variables. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "custos.h"
#include "util/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_template: %s\n", what);
	abort();
}

typedef struct acc {
	const char *base;
	size_t at;
	unsigned line;
} acc;

static int piece(const cst_tpl_piece *p, void *payload)
{
	acc *a = payload;
	if (p->text != a->base + a->at)
		fail("pieces are not contiguous");
	if (p->line < a->line)
		fail("line numbers go backwards");
	a->line = p->line;
	if (p->ref != NULL) {
		if (p->len < 4 || memcmp(p->text, "{{", 2) != 0 || memcmp(p->text + p->len - 2, "}}", 2) != 0)
			fail("a reference piece is not {{ ... }}");
		if (memchr(p->text, '\n', p->len) != NULL)
			fail("a reference spans lines");
		if (cst_name_check(p->ref->name, strlen(p->ref->name)) != CST_OK || p->ref->field[0] == '\0')
			fail("a reference with a bad name or no field");
		char again[700];
		int n = snprintf(again, sizeof(again), CST_REF_SCHEME "%s/%s", p->ref->name, p->ref->field);
		cst_ref r2;
		if (cst_ref_parse(&r2, again, (size_t)n) != CST_OK || strcmp(r2.name, p->ref->name) != 0 ||
		    strcmp(r2.field, p->ref->field) != 0)
			fail("a reference does not parse again to itself");
	}
	a->at += p->len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *t = (const char *)data;
	acc a = {t, 0, 1};
	cst_error_clear();
	int rc = cst_template_scan(t, size, piece, &a);
	if (rc == CST_OK && a.at != size)
		fail("the pieces do not cover the template");
	if (rc != CST_OK && (rc != CST_EINVAL || strncmp(cst_errmsg(), "line ", 5) != 0))
		fail("a refusal without its line number");
	for (size_t i = 0; i < size;) {
		const char *nl = memchr(t + i, '\n', size - i);
		size_t end = nl ? (size_t)(nl - t) : size;
		cst_ref r;
		if (cst_ref_parse(&r, t + i, end - i) == CST_OK && !cst_ref_is(t + i, end - i))
			fail("a reference without the scheme parsed");
		i = end + 1;
	}
	return 0;
}
