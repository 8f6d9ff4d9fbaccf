/* hcl.h - the subset of HCL that Vault config files and ACL policies use,
 * parsed into the JSON document Vault's own HCL->JSON view gives, so config
 * and policy code read JSON whichever form they were written in.
 *
 * Syntax:
 *   - comments: `# ...` and `// ...` to the end of the line, and C block
 *     comments (slash-star to star-slash, not nested; one spanning lines
 *     separates items as a newline does);
 *   - attributes: `key = value`; a key is an identifier ([A-Za-z_] then
 *     [A-Za-z0-9_.-]) or a quoted string; `key: value` is not accepted;
 *   - values: "strings" with the escapes \" \\ \/ \b \f \n \r \t \uXXXX
 *     (surrogate pairs combined; \u0000, raw NUL bytes and raw newlines
 *     refused; UTF-8 checked); heredocs `<<EOF` ... `EOF` (raw text, each
 *     line keeps its newline) and `<<-EOF` (the smallest indentation of the
 *     non-blank lines, spaces and tabs alike, is removed from every line);
 *     the closing marker is alone on its line, indentation allowed; numbers
 *     (integers, and reals with a fraction or exponent; no leading zeros, so
 *     no octal surprises); true and false; lists `[a, b,]` (commas between
 *     items, a trailing one allowed, newlines anywhere); objects `{ k = v }`;
 *   - blocks: `type "label"... { body }` with zero or more quoted labels;
 *   - items of a body or object are separated by newlines or one comma.
 *
 * JSON mapping:
 *   - `k = v` sets "k": v. A key set twice at the same level is an error.
 *   - `type { body }` sets "type": {body}.
 *   - `type "l1" ... "ln" { body }` sets "type": {"l1": ... {"ln": {body}}}.
 *     Blocks of one type at one level merge into that object, so
 *     `path "a" {..}` and `path "b" {..}` give {"path": {"a": {..}, "b": {..}}}.
 *     Every block of one type at one level must have the same number of
 *     labels, and a key may not be both an attribute and a block type.
 *   - A second block with the same type and labels is an error ("duplicate
 *     block"), except for the repeatable types at the top level of the
 *     document, today only `listener`: Vault servers take several
 *     `listener "tcp"` blocks. The first such block gives an object as above;
 *     from the second on the value becomes an array of the bodies in order:
 *     {"listener": {"tcp": [{..}, {..}]}}. Readers of a repeatable type
 *     accept both shapes.
 *
 * Limits (a hostile input costs bounded time, memory and stack): input
 * CST_HCL_MAX_INPUT bytes, JSON nesting CST_HCL_MAX_DEPTH (a block's labels
 * count as levels), CST_HCL_MAX_STRING bytes per decoded string, key or
 * identifier, CST_HCL_MAX_VALUES values in all. */
#ifndef CST_HCL_H
#define CST_HCL_H

#include <jansson.h>
#include <stddef.h>

#define CST_HCL_MAX_INPUT (1024 * 1024)
#define CST_HCL_MAX_DEPTH 32
#define CST_HCL_MAX_STRING (256 * 1024)
#define CST_HCL_MAX_VALUES (128 * 1024)

/* Parses text (len bytes, need not be NUL-terminated) into a new JSON
 * object owned by the caller. Returns CST_OK; CST_EINVAL with
 * "what: line L: reason" for bad syntax or a limit passed (the reason names
 * the kind of token, never a string's content); CST_ENOMEM for input over
 * CST_HCL_MAX_INPUT or out of memory. *out is NULL on failure. */
int cst_hcl_parse(json_t **out, const char *text, size_t len, const char *what)
	__attribute__((warn_unused_result));

#endif
