/* dotenv.h - .env files read exactly as python-dotenv reads them (the
 * version Debian 12 ships, 0.21), since `custos import dotenv` is where a
 * team's values move into the vault and other tools lose data:
 *
 *   - lines end in \n, \r\n or \r (Python's universal newlines); a UTF-8
 *     byte order mark at the start is dropped (python-dotenv would keep it
 *     in the first name);
 *   - `export ` before a name; names unquoted (anything but '=', '#' and
 *     white space) or in single quotes; `NAME` alone has no value;
 *   - values unquoted (up to the end of the line, cut at white space
 *     followed by '#', trailing white space removed), in single quotes
 *     (\\ and \' are escapes) or double quotes (\\ \' \" \a \b \f \n \r \t
 *     \v); quoted values may span lines; a quote preceded by a backslash
 *     does not end the value (and when no other quote does, the last such
 *     quote of the file does, as python-dotenv's regular expression finds);
 *   - comments: '#' at the start of a statement, or after white space or a
 *     closing quote;
 *   - white space is Unicode white space (str.isspace), not only ASCII;
 *   - ${NAME} and ${NAME:-default} are expanded in every value (quoted or
 *     not): from names set earlier in the file, then the environment, then
 *     the default, else empty. $NAME without braces is literal.
 *
 * Where python-dotenv skips a statement it cannot parse and goes on, these
 * functions stop with "line N: ..." (the line the statement starts on), so
 * an import never stores a file half read. Messages never quote the text. */
#ifndef CST_DOTENV_H
#define CST_DOTENV_H

#include <jansson.h>
#include <stddef.h>

#include "util/buf.h"

/* One variable of the file, in file order. */
typedef struct cst_dotenv_binding {
	const char *key;   /* not NUL-terminated; borrowed for the callback */
	size_t key_len;
	const char *value; /* decoded, not expanded; NULL when there is no '=' */
	size_t value_len;
	unsigned line;     /* where the statement starts, from 1 */
} cst_dotenv_binding;

typedef int (*cst_dotenv_fn)(const cst_dotenv_binding *b, void *payload);

/* Parses len bytes of text and calls fn for each variable; fn returning
 * non-zero stops the parse with that status. Returns CST_OK, CST_EINVAL
 * ("line N: ..."; also for invalid UTF-8), CST_ENOMEM. */
int cst_dotenv_parse(const char *text, size_t len, cst_dotenv_fn fn, void *payload)
	__attribute__((warn_unused_result));

#define CST_DOTENV_NO_EXPAND 0x1u /* keep ${...} as written */

/* What cst_dotenv_values tells about an expansion (names only). */
enum { CST_DOTENV_FROM_ENV = 1, CST_DOTENV_UNSET = 2, CST_DOTENV_NO_VALUE = 3 };

typedef struct cst_dotenv_opts {
	unsigned flags; /* CST_DOTENV_* */
	/* Looks a name up in the environment; NULL: nothing is. */
	const char *(*lookup)(const char *name, void *payload);
	/* Told when line's ${var} came from the environment or from nothing,
	 * and of a name without '=' (var is then that name). */
	void (*note)(unsigned line, const char *var, int kind, void *payload);
	/* Checks each name (NULL: any); a refusal stops with "line N: " and
	 * the check's message. */
	int (*check)(const char *name, void *payload);
	void *payload;
} cst_dotenv_opts;

/* The values dotenv_values() gives for text: an object of name -> string,
 * or null for a name without '='; a later line setting a name wins. opts
 * may be NULL (expand, no environment). NUL bytes in names or values are
 * refused (they cannot be stored or passed in an environment). Returns
 * CST_OK, CST_EINVAL, CST_ENOMEM (a value over CST_LIMIT_VALUE). */
int cst_dotenv_values(json_t **out, const char *text, size_t len, const cst_dotenv_opts *opts)
	__attribute__((warn_unused_result));

/* Appends value to b written so that python-dotenv (and cst_dotenv_parse)
 * read it back byte for byte: double-quoted with \\ \" \n \r escaped; a
 * value ending in a backslash unquoted (no quoted form of it survives
 * python-dotenv's parser). Returns CST_OK, CST_EINVAL when there is no
 * such form (a multi-line value ending in a backslash, a NUL byte),
 * CST_ENOMEM. Expansion is not escaped (python-dotenv has no escape for
 * it): check cst_dotenv_expands first. */
int cst_dotenv_quote(cst_buf *b, const char *value, size_t len) __attribute__((warn_unused_result));

/* 1 if python-dotenv would expand something in value (a ${...}). */
int cst_dotenv_expands(const char *value, size_t len);

#endif
