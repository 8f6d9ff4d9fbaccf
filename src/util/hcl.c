/* hcl.c - a lexer and a depth-bounded recursive-descent parser for the HCL
 * subset of Vault configs and policies, building jansson values directly.
 * Error messages name token kinds and key names, never string contents:
 * config files may hold tokens and passwords. */
#include "util/hcl.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "custos.h"
#include "util/mem.h"
#include "util/utf8.h"

enum tok_type {
	T_EOF,
	T_NL,
	T_IDENT,
	T_STRING,
	T_HEREDOC,
	T_NUMBER,
	T_EQ,
	T_LBRACE,
	T_RBRACE,
	T_LBRACK,
	T_RBRACK,
	T_COMMA,
};

struct tok {
	enum tok_type type;
	int line;
	const char *s; /* T_IDENT, T_NUMBER: the bytes in the input */
	size_t n;      /* their length; T_STRING, T_HEREDOC: decoded length */
	int real;      /* T_NUMBER: has a fraction or exponent */
};

struct parser {
	const char *p, *end; /* the input not yet lexed */
	int line;            /* line of p */
	int depth;           /* JSON nesting of the value being built */
	size_t values;
	const char *what;
	char *scratch; /* owned, input length + 1 bytes: the decoded string of a
	                * T_STRING or T_HEREDOC token; a decoded string is never
	                * longer than its source, so it always fits */
	struct tok tok; /* the current token */
};

/* Block types that may repeat with the same labels at the top level. */
static const char *const repeatable[] = {"listener"};

static int fail(const struct parser *P, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(const struct parser *P, int line, const char *fmt, ...)
{
	char reason[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return cst_fail(CST_EINVAL, "%s: line %d: %s", P->what, line, reason);
}

static int oom(const struct parser *P)
{
	return cst_fail(CST_ENOMEM, "%s: out of memory", P->what);
}

/* A key name fit for a message: at most 32 printable ASCII bytes. */
static const char *shown(char out[40], const char *key)
{
	size_t i = 0;
	for (; key[i] != '\0' && i < 32; i++)
		out[i] = key[i] >= 0x20 && key[i] < 0x7f ? key[i] : '?';
	if (key[i] != '\0')
		memcpy(out + i, "...", 3), i += 3;
	out[i] = '\0';
	return out;
}

static const char *tok_name(enum tok_type t)
{
	switch (t) {
	case T_EOF: return "end of input";
	case T_NL: return "newline";
	case T_IDENT: return "identifier";
	case T_STRING: return "string";
	case T_HEREDOC: return "heredoc";
	case T_NUMBER: return "number";
	case T_EQ: return "'='";
	case T_LBRACE: return "'{'";
	case T_RBRACE: return "'}'";
	case T_LBRACK: return "'['";
	case T_RBRACK: return "']'";
	case T_COMMA: return "','";
	}
	return "token";
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_ident_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_ident_char(char c)
{
	return is_ident_start(c) || is_digit(c) || c == '-' || c == '.';
}

/* Four hex digits at p (before end) into *cp; -1 if there are not. */
static int hex4(const char *p, const char *end, unsigned *cp)
{
	*cp = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		unsigned v;
		if (c >= '0' && c <= '9')
			v = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = (unsigned)(c - 'A' + 10);
		else
			return -1;
		*cp = *cp << 4 | v;
	}
	return 0;
}

/* Checks a decoded string in scratch and makes it the current token. */
static int string_done(struct parser *P, enum tok_type type, int line, size_t n)
{
	if (n > CST_HCL_MAX_STRING)
		return fail(P, line, "%s longer than %d bytes", tok_name(type), CST_HCL_MAX_STRING);
	if (memchr(P->scratch, '\0', n) != NULL)
		return fail(P, line, "NUL byte in %s", tok_name(type));
	if (!cst_utf8_valid((const unsigned char *)P->scratch, n, NULL))
		return fail(P, line, "invalid UTF-8 in %s", tok_name(type));
	P->tok.type = type;
	P->tok.line = line;
	P->tok.n = n;
	return CST_OK;
}

/* "..." starting at p (the opening quote), decoded into scratch. */
static int lex_string(struct parser *P, const char *p)
{
	const char *end = P->end;
	char *out = P->scratch;
	size_t o = 0;
	int line = P->line;
	p++;
	for (;;) {
		if (p == end || *p == '\n')
			return fail(P, line, "unterminated string");
		char c = *p++;
		if (c == '"')
			break;
		if (c != '\\') {
			out[o++] = c;
			continue;
		}
		if (p == end)
			return fail(P, line, "unterminated string");
		switch (*p++) {
		case '"': out[o++] = '"'; break;
		case '\\': out[o++] = '\\'; break;
		case '/': out[o++] = '/'; break;
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 't': out[o++] = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (hex4(p, end, &cp) < 0)
				return fail(P, line, "bad \\u escape in string");
			p += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, end, &lo) < 0 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return fail(P, line, "unpaired surrogate in string");
				p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return fail(P, line, "unpaired surrogate in string");
			}
			if (cp == 0)
				return fail(P, line, "NUL byte in string");
			o += cst_utf8_put(out + o, cp);
			break;
		}
		default:
			return fail(P, line, "bad escape in string");
		}
	}
	P->p = p;
	return string_done(P, T_STRING, line, o);
}

/* <<MARKER or <<-MARKER starting at p, up to the line holding only the
 * marker; the value is every line in between with its newline. */
static int lex_heredoc(struct parser *P, const char *p)
{
	const char *end = P->end;
	int line = P->line, indent = 0;
	p += 2;
	if (p < end && *p == '-')
		indent = 1, p++;
	const char *marker = p;
	if (p == end || !is_ident_start(*p))
		return fail(P, line, "heredoc needs a marker after <<");
	while (p < end && is_ident_char(*p))
		p++;
	size_t mlen = (size_t)(p - marker);
	if (p < end && *p == '\r')
		p++;
	if (p == end || *p != '\n')
		return fail(P, line, "heredoc marker must end its line");
	const char *body = ++p;

	/* Pass 1: find the closing line and the smallest indentation. */
	const char *close = NULL, *close_end = NULL;
	size_t min = SIZE_MAX;
	for (const char *q = body; q < end;) {
		const char *eol = memchr(q, '\n', (size_t)(end - q));
		const char *le = eol ? eol : end, *t = q, *te = le;
		while (t < le && (*t == ' ' || *t == '\t'))
			t++;
		if (te > t && te[-1] == '\r')
			te--;
		if ((size_t)(te - t) == mlen && memcmp(t, marker, mlen) == 0) {
			close = q;
			close_end = le;
			break;
		}
		if (t < te && (size_t)(t - q) < min)
			min = (size_t)(t - q);
		if (eol == NULL)
			break;
		q = eol + 1;
	}
	if (close == NULL)
		return fail(P, line, "unterminated heredoc");

	/* Pass 2: copy the lines, stripping the indentation for <<-. */
	size_t o = 0;
	int lines = 1; /* the marker line's newline */
	for (const char *q = body; q < close;) {
		const char *eol = memchr(q, '\n', (size_t)(close - q));
		size_t n = (size_t)(eol - q) + 1, skip = 0;
		while (indent && skip < min && skip < n && (q[skip] == ' ' || q[skip] == '\t'))
			skip++;
		memcpy(P->scratch + o, q + skip, n - skip);
		o += n - skip;
		lines++;
		q = eol + 1;
	}
	P->p = close_end;
	P->line += lines;
	return string_done(P, T_HEREDOC, line, o);
}

static int lex_number(struct parser *P, const char *p)
{
	const char *s = p, *end = P->end;
	int real = 0;
	if (*p == '-')
		p++;
	if (p == end || !is_digit(*p))
		return fail(P, P->line, "unexpected character '-'");
	if (*p == '0' && p + 1 < end && is_digit(p[1]))
		return fail(P, P->line, "number with a leading zero");
	while (p < end && is_digit(*p))
		p++;
	if (p < end && *p == '.') {
		if (++p == end || !is_digit(*p))
			return fail(P, P->line, "bad number");
		while (p < end && is_digit(*p))
			p++;
		real = 1;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || !is_digit(*p))
			return fail(P, P->line, "bad number");
		while (p < end && is_digit(*p))
			p++;
		real = 1;
	}
	if (p < end && is_ident_char(*p))
		return fail(P, P->line, "bad number");
	P->tok.type = T_NUMBER;
	P->tok.line = P->line;
	P->tok.s = s;
	P->tok.n = (size_t)(p - s);
	P->tok.real = real;
	P->p = p;
	return CST_OK;
}

/* Skips blanks and comments; returns 1 if they held a newline (only a
 * block comment can), 0 if not, or an error. */
static int skip_blank(struct parser *P)
{
	const char *p = P->p, *end = P->end;
	int newline = 0;
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p < end && (*p == '#' || (*p == '/' && p + 1 < end && p[1] == '/'))) {
			while (p < end && *p != '\n')
				p++;
		} else if (p + 1 < end && p[0] == '/' && p[1] == '*') {
			int start = P->line;
			for (p += 2; p + 1 < end && !(p[0] == '*' && p[1] == '/'); p++)
				if (*p == '\n')
					P->line++, newline = 1;
			if (p + 1 >= end) {
				P->p = end;
				return fail(P, start, "unterminated comment");
			}
			p += 2;
		} else {
			break;
		}
	}
	P->p = p;
	return newline;
}

/* Reads the next token into P->tok. */
static int next(struct parser *P)
{
	int rc = skip_blank(P);
	if (rc < 0)
		return rc;
	const char *p = P->p;
	P->tok.line = P->line;
	P->tok.s = p;
	P->tok.n = 0;
	if (rc == 1) {
		P->tok.type = T_NL;
		return CST_OK;
	}
	if (p == P->end) {
		P->tok.type = T_EOF;
		return CST_OK;
	}
	enum tok_type t;
	switch (*p) {
	case '\n':
		P->line++;
		t = T_NL;
		break;
	case '=': t = T_EQ; break;
	case '{': t = T_LBRACE; break;
	case '}': t = T_RBRACE; break;
	case '[': t = T_LBRACK; break;
	case ']': t = T_RBRACK; break;
	case ',': t = T_COMMA; break;
	case '"': return lex_string(P, p);
	case '<':
		if (p + 1 < P->end && p[1] == '<')
			return lex_heredoc(P, p);
		return fail(P, P->line, "unexpected character '<'");
	default:
		if (*p == '-' || is_digit(*p))
			return lex_number(P, p);
		if (is_ident_start(*p)) {
			while (p < P->end && is_ident_char(*p))
				p++;
			if ((size_t)(p - P->p) > CST_HCL_MAX_STRING)
				return fail(P, P->line, "identifier longer than %d bytes", CST_HCL_MAX_STRING);
			P->tok.type = T_IDENT;
			P->tok.n = (size_t)(p - P->p);
			P->p = p;
			return CST_OK;
		}
		if (*p > 0x20 && *p < 0x7f)
			return fail(P, P->line, "unexpected character '%c'", *p);
		return fail(P, P->line, "unexpected byte 0x%02x", (unsigned char)*p);
	}
	P->tok.type = t;
	P->p = p + 1;
	return CST_OK;
}

static int next_skip_nl(struct parser *P)
{
	int rc;
	while ((rc = next(P)) == CST_OK && P->tok.type == T_NL)
		;
	return rc;
}

/* One more value; the count bounds memory whatever the input's shape. */
static int count_value(struct parser *P)
{
	if (++P->values > CST_HCL_MAX_VALUES)
		return fail(P, P->tok.line, "more than %d values", CST_HCL_MAX_VALUES);
	return CST_OK;
}

/* One more level of nesting, or the depth error. */
static int enter(struct parser *P, int levels, int line)
{
	if (P->depth + levels > CST_HCL_MAX_DEPTH)
		return fail(P, line, "nested deeper than %d levels", CST_HCL_MAX_DEPTH);
	P->depth += levels;
	return CST_OK;
}

static int ident_is(const struct parser *P, const char *word)
{
	return P->tok.n == strlen(word) && memcmp(P->tok.s, word, P->tok.n) == 0;
}

static int parse_value(struct parser *P, json_t **out);
static int parse_body(struct parser *P, json_t *obj, int top, int open_line, const char *noun);

static int parse_number(struct parser *P, json_t **out)
{
	char num[64];
	if (P->tok.n >= sizeof(num))
		return fail(P, P->tok.line, "number too long");
	memcpy(num, P->tok.s, P->tok.n);
	num[P->tok.n] = '\0';
	errno = 0;
	if (P->tok.real) {
		double d = strtod(num, NULL);
		if (errno == ERANGE && !isfinite(d))
			return fail(P, P->tok.line, "number out of range");
		*out = json_real(d);
	} else {
		long long v = strtoll(num, NULL, 10);
		if (errno == ERANGE)
			return fail(P, P->tok.line, "number out of range");
		*out = json_integer((json_int_t)v);
	}
	return *out == NULL ? oom(P) : CST_OK;
}

/* [ value, ... ] from the current '['. */
static int parse_list(struct parser *P, json_t **out)
{
	int open = P->tok.line, rc;
	json_t *list = NULL;
	if ((rc = enter(P, 1, open)) < 0)
		return rc;
	if ((list = json_array()) == NULL) {
		rc = oom(P);
		goto done;
	}
	if ((rc = next_skip_nl(P)) < 0)
		goto done;
	while (P->tok.type != T_RBRACK) {
		json_t *v;
		if (P->tok.type == T_EOF) {
			rc = fail(P, open, "unterminated list");
			goto done;
		}
		if ((rc = parse_value(P, &v)) < 0)
			goto done;
		if (json_array_append_new(list, v) < 0) {
			rc = oom(P);
			goto done;
		}
		while (P->tok.type == T_NL)
			if ((rc = next(P)) < 0)
				goto done;
		if (P->tok.type == T_COMMA) {
			if ((rc = next_skip_nl(P)) < 0)
				goto done;
		} else if (P->tok.type == T_EOF) {
			rc = fail(P, open, "unterminated list");
			goto done;
		} else if (P->tok.type != T_RBRACK) {
			rc = fail(P, P->tok.line, "expected ',' or ']' in list, got %s",
			          tok_name(P->tok.type));
			goto done;
		}
	}
	rc = next(P);
done:
	P->depth--;
	if (rc < 0)
		json_decref(list);
	else
		*out = list;
	return rc;
}

/* A value from the current token; on return the token after it is current.
 * *out is the caller's on success and NULL on failure. */
static int parse_value(struct parser *P, json_t **out)
{
	int rc, line = P->tok.line;
	*out = NULL;
	if ((rc = count_value(P)) < 0)
		return rc;
	switch (P->tok.type) {
	case T_STRING:
	case T_HEREDOC:
		if ((*out = json_stringn(P->scratch, P->tok.n)) == NULL)
			return oom(P);
		break;
	case T_NUMBER:
		if ((rc = parse_number(P, out)) < 0)
			return rc;
		break;
	case T_IDENT:
		if (ident_is(P, "true"))
			*out = json_true();
		else if (ident_is(P, "false"))
			*out = json_false();
		else
			return fail(P, line, "unexpected identifier (strings need double quotes)");
		break;
	case T_LBRACK:
		return parse_list(P, out);
	case T_LBRACE: {
		json_t *obj;
		if ((rc = enter(P, 1, line)) < 0)
			return rc;
		if ((obj = json_object()) == NULL)
			rc = oom(P);
		else if ((rc = next(P)) == CST_OK)
			rc = parse_body(P, obj, 0, line, "object");
		P->depth--;
		if (rc < 0)
			json_decref(obj);
		else
			*out = obj;
		return rc;
	}
	case T_EOF:
	case T_NL:
	case T_EQ:
	case T_RBRACE:
	case T_RBRACK:
	case T_COMMA:
		return fail(P, line, "expected a value, got %s", tok_name(P->tok.type));
	}
	if ((rc = next(P)) < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

static int is_repeatable(const char *type)
{
	for (size_t i = 0; i < sizeof(repeatable) / sizeof(repeatable[0]); i++)
		if (strcmp(type, repeatable[i]) == 0)
			return 1;
	return 0;
}

/* Puts a parsed block's body under obj[type][label 0]...[label n-1] by the
 * rules in hcl.h. kinds maps each key of obj to -1 (attribute) or its
 * blocks' label count. Takes the reference to body in all cases. */
static int insert_block(struct parser *P, json_t *obj, json_t *kinds, const char *type,
                        json_t *labels, json_t *body, int top, int line)
{
	char name[40];
	size_t n = json_array_size(labels);
	json_t *kind = json_object_get(kinds, type), *cur = obj, *existing;
	const char *key = type;
	int rc = CST_OK;
	if (kind != NULL && json_integer_value(kind) < 0) {
		rc = fail(P, line, "\"%s\" is both an attribute and a block", shown(name, type));
		goto done;
	}
	if (kind != NULL && (size_t)json_integer_value(kind) != n) {
		rc = fail(P, line, "blocks \"%s\" have different numbers of labels", shown(name, type));
		goto done;
	}
	if (kind == NULL && json_object_set_new(kinds, type, json_integer((json_int_t)n)) < 0) {
		rc = oom(P);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *child = json_object_get(cur, key);
		if (child == NULL) {
			if ((rc = count_value(P)) < 0)
				goto done;
			if (json_object_set_new(cur, key, child = json_object()) < 0) {
				rc = oom(P);
				goto done;
			}
		}
		cur = child;
		key = json_string_value(json_array_get(labels, i));
	}
	existing = json_object_get(cur, key);
	if (existing == NULL) {
		rc = json_object_set(cur, key, body) < 0 ? oom(P) : CST_OK;
	} else if (!top || !is_repeatable(type)) {
		rc = fail(P, line, "duplicate block \"%s\" with the same labels", shown(name, type));
	} else if (json_is_array(existing)) {
		rc = json_array_append(existing, body) < 0 ? oom(P) : CST_OK;
	} else {
		json_t *both = json_pack("[OO]", existing, body);
		rc = json_object_set_new(cur, key, both) < 0 ? oom(P) : CST_OK;
	}
done:
	json_decref(body);
	return rc;
}

/* A block from its type (key) onwards: labels, '{', body, '}'. */
static int parse_block(struct parser *P, json_t *obj, json_t *kinds, const char *type, int top,
                       int line)
{
	json_t *labels = json_array(), *body = NULL;
	int rc = CST_OK, levels = 1, open;
	if (labels == NULL)
		return oom(P);
	while (P->tok.type == T_STRING) {
		if (P->depth + ++levels > CST_HCL_MAX_DEPTH) {
			rc = fail(P, P->tok.line, "nested deeper than %d levels", CST_HCL_MAX_DEPTH);
			goto done;
		}
		if (json_array_append_new(labels, json_stringn(P->scratch, P->tok.n)) < 0) {
			rc = oom(P);
			goto done;
		}
		if ((rc = next(P)) < 0)
			goto done;
	}
	if (P->tok.type != T_LBRACE) {
		rc = fail(P, P->tok.line, "expected '{' after block labels, got %s",
		          tok_name(P->tok.type));
		goto done;
	}
	open = P->tok.line;
	if ((rc = count_value(P)) < 0 || (rc = enter(P, levels, open)) < 0)
		goto done;
	if ((body = json_object()) == NULL)
		rc = oom(P);
	else if ((rc = next(P)) == CST_OK)
		rc = parse_body(P, body, 0, open, "block");
	P->depth -= levels;
	if (rc == CST_OK) {
		rc = insert_block(P, obj, kinds, type, labels, body, top, line);
		body = NULL;
	}
done:
	json_decref(body);
	json_decref(labels);
	return rc;
}

/* key = value, or a block, from the current key token. */
static int parse_item(struct parser *P, json_t *obj, json_t *kinds, int top)
{
	const char *src = P->tok.type == T_IDENT ? P->tok.s : P->scratch;
	int line = P->tok.line, rc;
	char name[40];
	json_t *v = NULL;
	char *key = malloc(P->tok.n + 1);
	if (key == NULL)
		return oom(P);
	memcpy(key, src, P->tok.n);
	key[P->tok.n] = '\0';
	if ((rc = next(P)) < 0)
		goto done;
	switch (P->tok.type) {
	case T_EQ:
		if (json_object_get(kinds, key) != NULL) {
			rc = fail(P, line, "duplicate key \"%s\"", shown(name, key));
			goto done;
		}
		if ((rc = next(P)) < 0 || (rc = parse_value(P, &v)) < 0)
			goto done;
		if (json_object_set_new(kinds, key, json_integer(-1)) < 0 ||
		    json_object_set(obj, key, v) < 0)
			rc = oom(P);
		break;
	case T_STRING:
	case T_LBRACE:
		rc = parse_block(P, obj, kinds, key, top, line);
		break;
	case T_EOF:
	case T_NL:
	case T_IDENT:
	case T_HEREDOC:
	case T_NUMBER:
	case T_RBRACE:
	case T_LBRACK:
	case T_RBRACK:
	case T_COMMA:
		rc = fail(P, P->tok.line, "expected '=' or a block after key \"%s\", got %s",
		          shown(name, key), tok_name(P->tok.type));
		break;
	}
done:
	json_decref(v);
	free(key);
	return rc;
}

/* Items up to the closing '}' (or the end of input when top), into obj. */
static int parse_body(struct parser *P, json_t *obj, int top, int open_line, const char *noun)
{
	json_t *kinds = json_object();
	int rc = CST_OK;
	if (kinds == NULL)
		return oom(P);
	for (;;) {
		while (rc == CST_OK && P->tok.type == T_NL)
			rc = next(P);
		if (rc < 0)
			break;
		if (P->tok.type == T_EOF) {
			if (!top)
				rc = fail(P, open_line, "unterminated %s", noun);
			break;
		}
		if (P->tok.type == T_RBRACE) {
			rc = top ? fail(P, P->tok.line, "unexpected '}'") : next(P);
			break;
		}
		if (P->tok.type != T_IDENT && P->tok.type != T_STRING) {
			rc = fail(P, P->tok.line, "expected a key, got %s", tok_name(P->tok.type));
			break;
		}
		if ((rc = parse_item(P, obj, kinds, top)) < 0)
			break;
		if (P->tok.type == T_COMMA)
			rc = next(P);
		else if (P->tok.type != T_NL && P->tok.type != T_RBRACE && P->tok.type != T_EOF)
			rc = fail(P, P->tok.line, "unexpected %s after an item (missing newline or ',')",
			          tok_name(P->tok.type));
	}
	json_decref(kinds);
	return rc;
}

int cst_hcl_parse(json_t **out, const char *text, size_t len, const char *what)
{
	struct parser P = {0};
	json_t *doc = NULL;
	int rc;
	*out = NULL;
	P.what = what ? what : "hcl";
	if (len > CST_HCL_MAX_INPUT)
		return cst_fail(CST_ENOMEM, "%s: larger than %d bytes", P.what, CST_HCL_MAX_INPUT);
	if (text == NULL)
		text = "", len = 0;
	/* A UTF-8 byte order mark, as some editors write. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3, len -= 3;
	P.p = text;
	P.end = text + len;
	P.line = 1;
	if ((P.scratch = malloc(len + 1)) == NULL || (doc = json_object()) == NULL) {
		rc = oom(&P);
		goto done;
	}
	if ((rc = next(&P)) == CST_OK)
		rc = parse_body(&P, doc, 1, 1, "document");
done:
	if (P.scratch != NULL) {
		cst_wipe(P.scratch, len + 1);
		free(P.scratch);
	}
	if (rc < 0)
		json_decref(doc);
	else
		*out = doc;
	return rc;
}
