/* dotenv.c - the dotenv parser (python-dotenv 0.21's grammar, statement by
 * statement, as dotenv.h describes), expansion of ${NAME}, and the quoting
 * that writes values back. The text is copied once to normalise newlines;
 * that copy and every decoded value are wiped. */
#include "util/dotenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "util/mem.h"
#include "util/utf8.h"

typedef struct parser {
	const unsigned char *s; /* normalised text: newlines are '\n' only */
	size_t n;
	size_t pos;
	unsigned line;
	cst_buf val; /* the value being decoded */
} parser;

/* Length of the white-space character at s[i] (Python's str.isspace:
 * \t-\r, \x1c-\x20, U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028,
 * U+2029, U+202F, U+205F, U+3000), or 0. The text is valid UTF-8. */
static size_t ws_at(const unsigned char *s, size_t n, size_t i)
{
	unsigned c = s[i];
	if (c < 0x80)
		return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20);
	if (c == 0xc2)
		return i + 1 < n && (s[i + 1] == 0x85 || s[i + 1] == 0xa0) ? 2 : 0;
	if (i + 2 >= n || (c != 0xe1 && c != 0xe2 && c != 0xe3))
		return 0;
	unsigned c1 = s[i + 1], c2 = s[i + 2];
	if (c == 0xe1)
		return c1 == 0x9a && c2 == 0x80 ? 3 : 0;
	if (c == 0xe3)
		return c1 == 0x80 && c2 == 0x80 ? 3 : 0;
	if (c1 == 0x80)
		return (c2 >= 0x80 && c2 <= 0x8a) || c2 == 0xa8 || c2 == 0xa9 || c2 == 0xaf ? 3 : 0;
	return c1 == 0x81 && c2 == 0x9f ? 3 : 0;
}

/* White space other than a newline ([^\S\r\n] in python-dotenv). */
static size_t hws_at(const unsigned char *s, size_t n, size_t i)
{
	return s[i] == '\n' ? 0 : ws_at(s, n, i);
}

static size_t char_len(const unsigned char *s, size_t n, size_t i)
{
	unsigned c = s[i];
	size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
	return k <= n - i ? k : n - i;
}

/* Moves to to, counting the newlines passed. */
static void advance(parser *p, size_t to)
{
	const unsigned char *q = p->s + p->pos, *end = p->s + to;
	while ((q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		p->line++;
		q++;
	}
	p->pos = to;
}

static void skip_hws(parser *p)
{
	size_t k;
	while (p->pos < p->n && (k = hws_at(p->s, p->n, p->pos)) > 0)
		p->pos += k;
}

static int fail_at(unsigned line, const char *what)
{
	return cst_fail(CST_EINVAL, "line %u: %s", line, what);
}

/* Where the quoted value opened at o ends: the first quote not preceded
 * by a backslash; failing that, the last quote of the text (the choice
 * python-dotenv's backtracking regular expression makes). 0 if none. */
static size_t closing_quote(const parser *p, size_t o)
{
	unsigned char q = p->s[o];
	size_t last = 0;
	for (size_t i = o + 1; i < p->n; i++) {
		const unsigned char *hit = memchr(p->s + i, q, p->n - i);
		if (hit == NULL)
			break;
		i = (size_t)(hit - p->s);
		if (p->s[i - 1] != '\\' || i == o + 1)
			return i;
		last = i;
	}
	return last;
}

static int put_byte(parser *p, unsigned char c)
{
	return cst_buf_put(&p->val, &c, 1);
}

/* Decodes a quoted value's content: \\ and \' in single quotes; those,
 * \" and \a \b \f \n \r \t \v in double quotes; other backslashes stay. */
static int decode_quoted(parser *p, size_t b, size_t e, int dquote)
{
	static const char from[] = "\\'\"abfnrtv", to[] = "\\'\"\a\b\f\n\r\t\v";
	size_t run = b;
	int rc = CST_OK;
	for (size_t i = b; i < e && rc == CST_OK; i++) {
		if (p->s[i] != '\\' || i + 1 >= e)
			continue;
		const char *m = memchr(from, p->s[i + 1], dquote ? sizeof(from) - 1 : 2);
		if (m == NULL || p->s[i + 1] == '\0')
			continue;
		if ((rc = cst_buf_put(&p->val, p->s + run, i - run)) == CST_OK)
			rc = put_byte(p, (unsigned char)to[m - from]);
		run = ++i + 1;
	}
	return rc == CST_OK ? cst_buf_put(&p->val, p->s + run, e - run) : rc;
}

/* An unquoted value: the rest of the line, cut where white space is
 * followed by '#', then right-stripped of white space. */
static int unquoted_value(parser *p)
{
	const unsigned char *nl = memchr(p->s + p->pos, '\n', p->n - p->pos);
	size_t b = p->pos, e = nl ? (size_t)(nl - p->s) : p->n, cut = e;
	for (size_t i = b; i < e;) {
		size_t k = ws_at(p->s, e, i);
		if (k == 0) {
			i += char_len(p->s, e, i);
			continue;
		}
		size_t j = i;
		while (j < e && (k = ws_at(p->s, e, j)) > 0)
			j += k;
		if (j < e && p->s[j] == '#') {
			cut = i;
			break;
		}
		i = j;
	}
	while (cut > b) {
		size_t c = cut - 1;
		while (c > b && (p->s[c] & 0xc0) == 0x80)
			c--;
		if (ws_at(p->s, cut, c) != cut - c)
			break;
		cut = c;
	}
	p->pos = e;
	return cst_buf_put(&p->val, p->s + b, cut - b);
}

static int parse_value(parser *p, unsigned line)
{
	if (p->pos >= p->n || p->s[p->pos] == '\n')
		return CST_OK; /* "NAME=": the empty string */
	unsigned char c = p->s[p->pos];
	if (c != '\'' && c != '"')
		return unquoted_value(p);
	size_t close = closing_quote(p, p->pos);
	if (close == 0)
		return fail_at(line, "a quoted value has no closing quote");
	int rc = decode_quoted(p, p->pos + 1, close, c == '"');
	advance(p, close + 1);
	return rc;
}

/* One statement: blank space, then `[export ]NAME[ = VALUE][ # comment]`
 * and the end of the line. Sets *b->key NULL for a comment or the end. */
static int parse_binding(parser *p, cst_dotenv_binding *b)
{
	size_t k;
	memset(b, 0, sizeof(*b));
	while (p->pos < p->n && (k = ws_at(p->s, p->n, p->pos)) > 0)
		advance(p, p->pos + k);
	if (p->pos >= p->n)
		return CST_OK;
	unsigned line = b->line = p->line;
	if (p->n - p->pos > 6 && memcmp(p->s + p->pos, "export", 6) == 0 &&
	    hws_at(p->s, p->n, p->pos + 6) > 0) {
		p->pos += 6;
		skip_hws(p);
	}
	const unsigned char *key = NULL;
	size_t key_len = 0;
	if (p->pos < p->n && p->s[p->pos] == '\'') {
		const unsigned char *q = memchr(p->s + p->pos + 1, '\'', p->n - p->pos - 1);
		if (q == NULL || q == p->s + p->pos + 1)
			return fail_at(line, "a quoted name is empty or has no closing quote");
		key = p->s + p->pos + 1;
		key_len = (size_t)(q - key);
		advance(p, (size_t)(q - p->s) + 1);
	} else if (p->pos >= p->n || p->s[p->pos] != '#') {
		size_t start = p->pos;
		while (p->pos < p->n && p->s[p->pos] != '=' && p->s[p->pos] != '#' &&
		       ws_at(p->s, p->n, p->pos) == 0)
			p->pos += char_len(p->s, p->n, p->pos);
		if (p->pos == start)
			return fail_at(line, "a name is missing before '='");
		key = p->s + start;
		key_len = p->pos - start;
	}
	skip_hws(p);
	int has_value = 0;
	cst_buf_reset(&p->val);
	if (key != NULL && p->pos < p->n && p->s[p->pos] == '=') {
		p->pos++;
		skip_hws(p);
		int rc = parse_value(p, line);
		if (rc < 0)
			return rc;
		has_value = 1;
	}
	size_t before = p->pos;
	skip_hws(p);
	if (p->pos < p->n && p->s[p->pos] == '#') {
		const unsigned char *nl = memchr(p->s + p->pos, '\n', p->n - p->pos);
		p->pos = nl ? (size_t)(nl - p->s) : p->n;
	} else {
		p->pos = before;
	}
	skip_hws(p);
	if (p->pos < p->n && p->s[p->pos] != '\n')
		return fail_at(line, has_value ? "unexpected text after the value"
		                               : "unexpected text after the name (want NAME=VALUE)");
	if (p->pos < p->n)
		advance(p, p->pos + 1);
	b->key = (const char *)key;
	b->key_len = key_len;
	if (has_value) {
		b->value = p->val.ptr ? p->val.ptr : "";
		b->value_len = p->val.len;
	}
	return CST_OK;
}

/* Copies text with \r\n and \r turned into \n and a leading byte order
 * mark dropped, after checking it is UTF-8. */
static int normalise(unsigned char **out, size_t *out_len, const char *text, size_t len)
{
	size_t bad;
	if (!cst_utf8_valid((const unsigned char *)text, len, &bad)) {
		unsigned line = 1;
		for (size_t i = 0; i < bad; i++)
			line += text[i] == '\n' || (text[i] == '\r' && (i + 1 >= len || text[i + 1] != '\n'));
		return fail_at(line, "not valid UTF-8");
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	unsigned char *s = malloc(len + 1);
	if (s == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] != '\r') {
			s[o++] = (unsigned char)text[i];
			continue;
		}
		s[o++] = '\n';
		if (i + 1 < len && text[i + 1] == '\n')
			i++;
	}
	s[o] = '\0';
	*out = s;
	*out_len = o;
	return CST_OK;
}

int cst_dotenv_parse(const char *text, size_t len, cst_dotenv_fn fn, void *payload)
{
	parser p = {0};
	p.line = 1;
	p.val.max = CST_LIMIT_VALUE;
	unsigned char *norm = NULL;
	int rc = normalise(&norm, &p.n, text, len);
	p.s = norm;
	while (rc == CST_OK && p.pos < p.n) {
		cst_dotenv_binding b;
		if ((rc = parse_binding(&p, &b)) < 0)
			break;
		if (b.key != NULL)
			rc = fn(&b, payload);
	}
	if (norm != NULL) {
		cst_wipe(norm, p.n);
		free(norm);
	}
	cst_buf_release(&p.val);
	return rc;
}

/* ${NAME} or ${NAME:-default} at s[i] (python-dotenv's _posix_variable:
 * a name of anything but '}' and ':'). Returns the end, or 0. */
static size_t match_var(const char *s, size_t n, size_t i, size_t nm[2], size_t def[2])
{
	if (i + 1 >= n || s[i] != '$' || s[i + 1] != '{')
		return 0;
	size_t j = i + 2;
	while (j < n && s[j] != '}' && s[j] != ':')
		j++;
	nm[0] = i + 2;
	nm[1] = j;
	def[0] = def[1] = 0;
	if (j < n && s[j] == '}')
		return j + 1;
	if (j + 1 >= n || s[j] != ':' || s[j + 1] != '-')
		return 0;
	size_t k = j + 2;
	while (k < n && s[k] != '}')
		k++;
	if (k >= n)
		return 0;
	def[0] = j + 2;
	def[1] = k;
	return k + 1;
}

int cst_dotenv_expands(const char *value, size_t len)
{
	size_t nm[2], def[2];
	for (const char *d = value; (d = memchr(d, '$', len - (size_t)(d - value))) != NULL; d++)
		if (match_var(value, len, (size_t)(d - value), nm, def) != 0)
			return 1;
	return 0;
}

typedef struct values_ctx {
	json_t *out;
	const cst_dotenv_opts *opts;
	cst_buf exp;
} values_ctx;

/* Names go into messages only when they are plain printable ASCII. */
static const char *shown(const char *name)
{
	for (const char *c = name; *c; c++)
		if (*c < 0x21 || *c > 0x7e)
			return "(a name with unusual characters)";
	return name;
}

static int expand(values_ctx *c, const cst_dotenv_binding *b, const char *key)
{
	const char *v = b->value;
	size_t n = b->value_len, run = 0, nm[2], def[2];
	int rc = CST_OK;
	cst_buf_reset(&c->exp);
	for (size_t i = 0; i < n && rc == CST_OK; i++) {
		size_t end = v[i] == '$' ? match_var(v, n, i, nm, def) : 0;
		if (end == 0)
			continue;
		char *name = cst_strndup(v + nm[0], nm[1] - nm[0]);
		if (name == NULL)
			return cst_fail(CST_ENOMEM, "out of memory");
		/* python-dotenv: the file's earlier names (a name without a value
		 * gives ""), then the environment, then the default, then "". */
		json_t *prev = json_object_get(c->out, name);
		const char *got = "";
		size_t got_len = 0;
		int kind = 0;
		if (prev != NULL) {
			if (json_is_string(prev)) {
				got = json_string_value(prev);
				got_len = json_string_length(prev);
			}
		} else if (c->opts && c->opts->lookup &&
		           (got = c->opts->lookup(name, c->opts->payload)) != NULL) {
			got_len = strlen(got);
			kind = CST_DOTENV_FROM_ENV;
			if (!cst_utf8_valid((const unsigned char *)got, got_len, NULL))
				rc = cst_fail(CST_EINVAL, "line %u: ${%s} in %s comes from the environment "
				                          "and is not valid UTF-8", b->line, shown(name),
				              shown(key));
		} else if (def[0] != 0) {
			got = v + def[0];
			got_len = def[1] - def[0];
		} else {
			got = "";
			kind = CST_DOTENV_UNSET;
		}
		if (rc == CST_OK && (rc = cst_buf_put(&c->exp, v + run, i - run)) == CST_OK)
			rc = cst_buf_put(&c->exp, got, got_len);
		if (kind && rc == CST_OK && c->opts && c->opts->note)
			c->opts->note(b->line, name, kind, c->opts->payload);
		cst_free_wiped(name);
		run = end;
		i = end - 1;
	}
	if (rc == CST_OK)
		rc = cst_buf_put(&c->exp, v + run, n - run);
	if (rc == CST_ENOMEM)
		rc = cst_fail(CST_ENOMEM, "line %u: the value of %s is larger than %d bytes",
		              b->line, shown(key), CST_LIMIT_VALUE);
	return rc;
}

static int add_value(const cst_dotenv_binding *b, void *payload)
{
	values_ctx *c = payload;
	if (memchr(b->key, '\0', b->key_len) != NULL)
		return fail_at(b->line, "a name holds a NUL byte");
	char *key = cst_strndup(b->key, b->key_len);
	if (key == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	int rc = CST_OK;
	json_t *v = NULL;
	if (c->opts && c->opts->check && (rc = c->opts->check(key, c->opts->payload)) != CST_OK) {
		rc = cst_fail_prefix(rc, "line %u", b->line);
	} else if (b->value == NULL) {
		v = json_null();
		if (c->opts && c->opts->note)
			c->opts->note(b->line, key, CST_DOTENV_NO_VALUE, c->opts->payload);
	} else if (memchr(b->value, '\0', b->value_len) != NULL) {
		rc = cst_fail(CST_EINVAL, "line %u: the value of %s holds a NUL byte", b->line,
		              shown(key));
	} else if (c->opts && (c->opts->flags & CST_DOTENV_NO_EXPAND)) {
		v = json_stringn(b->value, b->value_len);
	} else if ((rc = expand(c, b, key)) == CST_OK) {
		v = json_stringn(c->exp.ptr ? c->exp.ptr : "", c->exp.len);
	}
	if (rc == CST_OK && (v == NULL || json_object_set_new(c->out, key, v) != 0))
		rc = cst_fail(CST_ENOMEM, "out of memory");
	cst_free_wiped(key);
	return rc;
}

int cst_dotenv_values(json_t **out, const char *text, size_t len, const cst_dotenv_opts *opts)
{
	values_ctx c = {json_object(), opts, CST_BUF_INIT};
	c.exp.max = CST_LIMIT_VALUE;
	int rc = c.out ? cst_dotenv_parse(text, len, add_value, &c) : cst_fail(CST_ENOMEM, "out of memory");
	cst_buf_release(&c.exp);
	if (rc < 0) {
		json_decref(c.out);
		c.out = NULL;
	}
	*out = c.out;
	return rc;
}

/* A value ending in a backslash has no quoted form python-dotenv reads
 * back (its closing quote would count as escaped); unquoted works when
 * nothing else in it would be cut or stripped. */
static int unquoted_ok(const char *v, size_t n)
{
	const unsigned char *s = (const unsigned char *)v;
	if (n == 0 || s[0] == '\'' || s[0] == '"' || ws_at(s, n, 0) || memchr(v, '\n', n) ||
	    memchr(v, '\r', n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = ws_at(s, n, i);
		if (k == 0)
			continue;
		size_t j = i;
		while (j < n && (k = ws_at(s, n, j)) > 0)
			j += k;
		if (j >= n || s[j] == '#')
			return 0;
		i = j - 1;
	}
	return 1;
}

int cst_dotenv_quote(cst_buf *b, const char *value, size_t len)
{
	if (memchr(value, '\0', len) != NULL)
		return cst_fail(CST_EINVAL, "a value holds a NUL byte");
	if (len > 0 && value[len - 1] == '\\') {
		if (!unquoted_ok(value, len))
			return cst_fail(CST_EINVAL, "a value ending in a backslash can be written in a "
			                            "dotenv file only on one line, without leading or "
			                            "trailing white space");
		return cst_buf_put(b, value, len);
	}
	int rc = cst_buf_put(b, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < len && rc == CST_OK; i++) {
		const char *esc = value[i] == '\\' ? "\\\\" : value[i] == '"' ? "\\\"" :
		                  value[i] == '\n' ? "\\n" : value[i] == '\r' ? "\\r" : NULL;
		if (esc == NULL)
			continue;
		if ((rc = cst_buf_put(b, value + run, i - run)) == CST_OK)
			rc = cst_buf_puts(b, esc);
		run = i + 1;
	}
	if (rc == CST_OK)
		rc = cst_buf_put(b, value + run, len - run);
	return rc == CST_OK ? cst_buf_put(b, "\"", 1) : rc;
}
