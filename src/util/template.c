/* template.c - custos:// references and {{ }} templates (template.h). */
#include "util/template.h"

#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "custos.h"

_Static_assert(sizeof(((cst_ref *)0)->name) == CST_LIMIT_NAME + 1, "cst_ref.name size");
_Static_assert(sizeof(((cst_ref *)0)->field) == CST_LIMIT_FIELD_NAME + 1, "cst_ref.field size");

#define SCHEME_LEN (sizeof(CST_REF_SCHEME) - 1)

int cst_ref_is(const char *text, size_t len)
{
	return len >= SCHEME_LEN && memcmp(text, CST_REF_SCHEME, SCHEME_LEN) == 0;
}

int cst_ref_parse(cst_ref *out, const char *text, size_t len)
{
	if (!cst_ref_is(text, len))
		return cst_fail(CST_EINVAL, "a reference must start with " CST_REF_SCHEME);
	const char *p = text + SCHEME_LEN, *end = text + len, *slash = NULL;
	for (const char *c = p; c < end; c++)
		if (*c == '/')
			slash = c;
	if (slash == NULL || slash == p || slash + 1 == end)
		return cst_fail(CST_EINVAL, "a reference is " CST_REF_SCHEME "NAME/FIELD");
	size_t nlen = (size_t)(slash - p), flen = (size_t)(end - slash - 1);
	if (nlen > CST_LIMIT_NAME || cst_name_check(p, nlen) != CST_OK)
		return cst_fail(CST_EINVAL, "a reference names no valid secret (letters, digits and "
		                            "._-/, at most %d bytes)", CST_LIMIT_NAME);
	if (flen > CST_LIMIT_FIELD_NAME)
		return cst_fail(CST_EINVAL, "a reference's field name is longer than %d bytes",
		                CST_LIMIT_FIELD_NAME);
	for (const unsigned char *c = (const unsigned char *)slash + 1; c < (const unsigned char *)end; c++)
		if (*c < 0x21 || *c == 0x7f || *c == '=')
			return cst_fail(CST_EINVAL, "a reference's field name has a space, '=' or control "
			                            "character");
	memcpy(out->name, p, nlen);
	out->name[nlen] = '\0';
	memcpy(out->field, slash + 1, flen);
	out->field[flen] = '\0';
	return CST_OK;
}

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

static unsigned count_lines(const char *p, size_t n)
{
	unsigned lines = 0;
	for (const char *q = p; (q = memchr(q, '\n', n - (size_t)(q - p))) != NULL; q++)
		lines++;
	return lines;
}

int cst_template_scan(const char *text, size_t len, cst_tpl_fn fn, void *payload)
{
	size_t lit = 0, i = 0, lpos = 0; /* line is the line of text[lpos] */
	unsigned line = 1, lit_line = 1;
	int rc = CST_OK;
	cst_ref ref;
	while (rc == CST_OK && i + 1 < len) {
		const char *open = memchr(text + i, '{', len - i - 1);
		if (open == NULL)
			break;
		size_t o = (size_t)(open - text), j = o + 2;
		if (text[o + 1] != '{') {
			i = o + 1;
			continue;
		}
		while (j < len && blank(text[j]))
			j++;
		if (!cst_ref_is(text + j, len - j)) {
			i = o + 2;
			continue;
		}
		unsigned at = line + count_lines(text + lpos, o - lpos);
		line = at;
		lpos = o;
		size_t r = j;
		while (r < len && text[r] != '}' && !blank(text[r]) && text[r] != '\n' && text[r] != '\r')
			r++;
		size_t c = r;
		while (c < len && blank(text[c]))
			c++;
		if (c + 1 >= len || text[c] != '}' || text[c + 1] != '}')
			return cst_fail(CST_EINVAL, "line %u: a " CST_REF_SCHEME " reference is not closed "
			                            "by }}", at);
		if (cst_ref_parse(&ref, text + j, r - j) != CST_OK)
			return cst_fail_prefix(CST_EINVAL, "line %u", at);
		if (o > lit) {
			cst_tpl_piece piece = {text + lit, o - lit, NULL, lit_line};
			if ((rc = fn(&piece, payload)) != CST_OK)
				return rc;
		}
		cst_tpl_piece piece = {text + o, c + 2 - o, &ref, at};
		rc = fn(&piece, payload);
		i = lit = c + 2;
		lit_line = line;
	}
	if (rc == CST_OK && lit < len) {
		cst_tpl_piece piece = {text + lit, len - lit, NULL, lit_line};
		rc = fn(&piece, payload);
	}
	return rc;
}
