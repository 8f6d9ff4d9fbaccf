/* template.h - secret references: `custos://NAME/FIELD`, alone (an
 * environment variable's value, a line of a `custos run --env-file` map)
 * or in a template as `{{ custos://NAME/FIELD }}` (1Password `op inject`
 * syntax; spaces or tabs inside the braces are optional). NAME is a secret
 * name and may hold '/', so the field is what follows the last '/'. Other
 * `{{ ... }}` (Helm, Jinja, Go templates) is left as it is. */
#ifndef CST_TEMPLATE_H
#define CST_TEMPLATE_H

#include <stddef.h>

#define CST_REF_SCHEME "custos://"

/* A parsed reference: name and field, NUL-terminated. */
typedef struct cst_ref {
	char name[512 + 1];   /* CST_LIMIT_NAME */
	char field[128 + 1];  /* CST_LIMIT_FIELD_NAME */
} cst_ref;

/* Parses "custos://NAME/FIELD" (len bytes, the scheme included). Returns
 * CST_OK or CST_EINVAL saying what is wrong (never the text itself, which
 * may be a value mistaken for a reference). */
int cst_ref_parse(cst_ref *out, const char *text, size_t len) __attribute__((warn_unused_result));

/* 1 if text (len bytes) starts with the custos:// scheme. */
int cst_ref_is(const char *text, size_t len);

/* A piece of a template: literal text, or a reference. */
typedef struct cst_tpl_piece {
	const char *text; /* literal bytes, or the whole {{ ... }} */
	size_t len;
	const cst_ref *ref; /* NULL for literal text */
	unsigned line;      /* where the piece starts, from 1 */
} cst_tpl_piece;

typedef int (*cst_tpl_fn)(const cst_tpl_piece *piece, void *payload);

/* Splits a template into pieces, in order: the pieces' texts put together
 * are the template. fn returning non-zero stops with that status. Returns
 * CST_OK, or CST_EINVAL "line N: ..." for a reference that does not parse
 * or is not closed by "}}". */
int cst_template_scan(const char *text, size_t len, cst_tpl_fn fn, void *payload)
	__attribute__((warn_unused_result));

#endif
