/* audit_filter.c - which requests a device records: a subset of Vault's
 * filter expressions (go-bexpr), over the fields Vault offers:
 *
 *   expr  = term { "or" term }        term = factor { "and" factor }
 *   factor = "not" factor | "(" expr ")" | FIELD OP VALUE
 *   FIELD = path | operation | mount_type | mount_point | namespace
 *   OP    = "==" | "!=" | "matches" | "not matches"   (POSIX extended
 *           regular expressions, found anywhere in the value as Go's
 *           MatchString does)
 *   VALUE = "double-quoted" (\" and \\ escapes) or a bare word
 *
 * For example: path != "sys/metrics" and not (operation == list). The
 * parser is fuzzed (fuzz/fuzz_audit_filter.c). */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/error.h"

#define MAX_TEXT 2048
#define MAX_DEPTH 32
#define MAX_NODES 256

enum { N_OR, N_AND, N_NOT, N_EQ, N_NE, N_MATCH, N_NOMATCH };
enum { F_PATH, F_OPERATION, F_MOUNT_TYPE, F_MOUNT_POINT, F_NAMESPACE };

typedef struct node {
	int kind;
	int field;
	struct node *a, *b;
	char *value;
	regex_t re;
	int has_re;
} node;

struct cst_audit_filter {
	node *root;
};

typedef struct parser {
	const char *s;
	size_t pos, len;
	int nodes, depth;
} parser;

static void node_free(node *n)
{
	if (n == NULL)
		return;
	node_free(n->a);
	node_free(n->b);
	free(n->value);
	if (n->has_re)
		regfree(&n->re);
	free(n);
}

static void skip_ws(parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n'))
		p->pos++;
}

static int is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '/' || c == '.' || c == '-' || c == '*' || c == '+' || c == ':';
}

/* The next token is the keyword kw (a whole word). */
static int keyword(parser *p, const char *kw)
{
	skip_ws(p);
	size_t n = strlen(kw);
	if (p->pos + n > p->len || strncmp(p->s + p->pos, kw, n) != 0)
		return 0;
	if (p->pos + n < p->len && is_word(p->s[p->pos + n]))
		return 0;
	p->pos += n;
	return 1;
}

static node *new_node(parser *p, int kind)
{
	if (++p->nodes > MAX_NODES) {
		cst_fail(CST_EINVAL, "filter: expression too long");
		return NULL;
	}
	node *n = calloc(1, sizeof(*n));
	if (n == NULL)
		cst_fail(CST_ENOMEM, "out of memory");
	else
		n->kind = kind;
	return n;
}

/* A quoted string or a bare word, into a new NUL-terminated copy. */
static char *value(parser *p)
{
	skip_ws(p);
	if (p->pos >= p->len) {
		cst_fail(CST_EINVAL, "filter: a value is missing at the end");
		return NULL;
	}
	char *out = malloc(p->len - p->pos + 1);
	size_t w = 0;
	if (out == NULL) {
		cst_fail(CST_ENOMEM, "out of memory");
		return NULL;
	}
	if (p->s[p->pos] == '"') {
		p->pos++;
		while (p->pos < p->len && p->s[p->pos] != '"') {
			char c = p->s[p->pos++];
			if (c == '\\') {
				if (p->pos >= p->len || (p->s[p->pos] != '"' && p->s[p->pos] != '\\')) {
					free(out);
					cst_fail(CST_EINVAL, "filter: only \\\" and \\\\ escapes are allowed");
					return NULL;
				}
				c = p->s[p->pos++];
			}
			out[w++] = c;
		}
		if (p->pos >= p->len) {
			free(out);
			cst_fail(CST_EINVAL, "filter: unterminated string");
			return NULL;
		}
		p->pos++;
	} else {
		while (p->pos < p->len && is_word(p->s[p->pos]))
			out[w++] = p->s[p->pos++];
		if (w == 0) {
			free(out);
			cst_fail(CST_EINVAL, "filter: a value is missing at offset %zu", p->pos);
			return NULL;
		}
	}
	out[w] = '\0';
	return out;
}

static node *parse_or(parser *p);

/* glibc's regcomp builds automata whose size multiplies with stacked
 * repetitions ("s+++++..." took gigabytes in the fuzzer): refuse a
 * repetition right after another or after a group, large {n,m} bounds, and
 * long patterns. Filters come from admins, but a server must not fall over
 * on one. */
static int tame_regex(const char *re)
{
	size_t len = strlen(re);
	if (len > 256)
		return 0;
	char prev = 0; /* the last unescaped character, 0 after an escape */
	for (size_t i = 0; i < len; i++) {
		char c = re[i];
		if (c == '\\') {
			if (i + 1 < len && re[i + 1] >= '0' && re[i + 1] <= '9')
				return 0; /* back-references make matching exponential */
			i++;
			prev = 0;
			continue;
		}
		if (c == '[') { /* a bracket expression: its characters are literals */
			size_t j = i + 1;
			if (j < len && re[j] == '^')
				j++;
			if (j < len && re[j] == ']')
				j++;
			while (j < len && re[j] != ']') {
				/* [:alpha:], [=a=], [.a.] hold a ']' of their own: skip
				 * them whole, or what follows would be taken for literals */
				char kind = j + 1 < len && re[j] == '[' ? re[j + 1] : 0;
				if (kind == ':' || kind == '=' || kind == '.') {
					size_t k = j + 2;
					while (k + 1 < len && !(re[k] == kind && re[k + 1] == ']'))
						k++;
					if (k + 1 >= len)
						return 0; /* unterminated: refused, not guessed */
					j = k + 2;
				} else {
					j++;
				}
			}
			i = j;
			prev = ']';
			continue;
		}
		int rep = c == '*' || c == '+' || c == '?' || c == '{';
		if (rep && (prev == '*' || prev == '+' || prev == '?' || prev == '}' || prev == ')'))
			return 0;
		if (c == '{') {
			unsigned long n = 0;
			for (size_t j = i + 1; j < len && re[j] != '}'; j++)
				if (re[j] >= '0' && re[j] <= '9' && (n = n * 10 + (unsigned long)(re[j] - '0')) > 50)
					return 0;
		}
		prev = c;
	}
	return 1;
}

static node *parse_cond(parser *p)
{
	static const char *const fields[] = {"path", "operation", "mount_type", "mount_point",
	                                     "namespace"};
	int field = -1;
	for (int i = 0; i < 5 && field < 0; i++)
		if (keyword(p, fields[i]))
			field = i;
	if (field < 0) {
		cst_fail(CST_EINVAL, "filter: expected path, operation, mount_type, mount_point or "
		                     "namespace at offset %zu", p->pos);
		return NULL;
	}
	skip_ws(p);
	int kind;
	if (p->pos + 2 <= p->len && !strncmp(p->s + p->pos, "==", 2)) {
		kind = N_EQ;
		p->pos += 2;
	} else if (p->pos + 2 <= p->len && !strncmp(p->s + p->pos, "!=", 2)) {
		kind = N_NE;
		p->pos += 2;
	} else if (keyword(p, "matches")) {
		kind = N_MATCH;
	} else if (keyword(p, "not") && keyword(p, "matches")) {
		kind = N_NOMATCH;
	} else {
		cst_fail(CST_EINVAL, "filter: expected ==, !=, matches or not matches at offset %zu", p->pos);
		return NULL;
	}
	node *n = new_node(p, kind);
	if (n == NULL)
		return NULL;
	n->field = field;
	if ((n->value = value(p)) == NULL) {
		node_free(n);
		return NULL;
	}
	if (kind == N_MATCH || kind == N_NOMATCH) {
		if (!tame_regex(n->value)) {
			node_free(n);
			cst_fail(CST_EINVAL, "filter: regular expression too long or with stacked repetitions "
			                     "(a++, (a*)*, a{1,999})");
			return NULL;
		}
		if (regcomp(&n->re, n->value, REG_EXTENDED | REG_NOSUB) != 0) {
			node_free(n);
			cst_fail(CST_EINVAL, "filter: bad regular expression");
			return NULL;
		}
		n->has_re = 1;
	}
	return n;
}

static node *parse_factor(parser *p)
{
	if (++p->depth > MAX_DEPTH) {
		cst_fail(CST_EINVAL, "filter: nested too deeply");
		return NULL;
	}
	node *n = NULL;
	skip_ws(p);
	if (keyword(p, "not")) {
		node *inner = parse_factor(p);
		if (inner != NULL && (n = new_node(p, N_NOT)) != NULL)
			n->a = inner;
		else
			node_free(inner);
	} else if (p->pos < p->len && p->s[p->pos] == '(') {
		p->pos++;
		n = parse_or(p);
		skip_ws(p);
		if (n != NULL && (p->pos >= p->len || p->s[p->pos] != ')')) {
			node_free(n);
			n = NULL;
			cst_fail(CST_EINVAL, "filter: missing ')'");
		} else if (n != NULL) {
			p->pos++;
		}
	} else {
		n = parse_cond(p);
	}
	p->depth--;
	return n;
}

static node *parse_binary(parser *p, int kind)
{
	node *left = kind == N_OR ? parse_binary(p, N_AND) : parse_factor(p);
	while (left != NULL && keyword(p, kind == N_OR ? "or" : "and")) {
		node *right = kind == N_OR ? parse_binary(p, N_AND) : parse_factor(p);
		node *n = right ? new_node(p, kind) : NULL;
		if (n == NULL) {
			node_free(left);
			node_free(right);
			return NULL;
		}
		n->a = left;
		n->b = right;
		left = n;
	}
	return left;
}

static node *parse_or(parser *p)
{
	if (++p->depth > MAX_DEPTH) {
		cst_fail(CST_EINVAL, "filter: nested too deeply");
		return NULL;
	}
	node *n = parse_binary(p, N_OR);
	p->depth--;
	return n;
}

int cst_audit_filter_parse(cst_audit_filter **out, const char *text)
{
	*out = NULL;
	size_t len = strlen(text);
	if (len == 0 || len > MAX_TEXT)
		return cst_fail(CST_EINVAL, "filter must be 1 to %d bytes", MAX_TEXT);
	parser p = {text, 0, len, 0, 0};
	node *root = parse_or(&p);
	if (root == NULL)
		return CST_EINVAL;
	skip_ws(&p);
	if (p.pos != p.len) {
		node_free(root);
		return cst_fail(CST_EINVAL, "filter: unexpected text at offset %zu", p.pos);
	}
	cst_audit_filter *f = malloc(sizeof(*f));
	if (f == NULL) {
		node_free(root);
		return cst_fail(CST_ENOMEM, "out of memory");
	}
	f->root = root;
	*out = f;
	return CST_OK;
}

void cst_audit_filter_free(cst_audit_filter *f)
{
	if (f == NULL)
		return;
	node_free(f->root);
	free(f);
}

static const char *field_value(int field, const cst_audit_event *ev)
{
	switch (field) {
	case F_PATH: return ev->req && ev->req->path ? ev->req->path : "";
	case F_OPERATION: return cst_audit_op_name(ev->op);
	case F_MOUNT_TYPE: return ev->mount_type ? ev->mount_type : "";
	case F_MOUNT_POINT: return ev->mount_point ? ev->mount_point : "";
	case F_NAMESPACE: return "root";
	default: return "";
	}
}

static int eval(const node *n, const cst_audit_event *ev)
{
	switch (n->kind) {
	case N_OR: return eval(n->a, ev) || eval(n->b, ev);
	case N_AND: return eval(n->a, ev) && eval(n->b, ev);
	case N_NOT: return !eval(n->a, ev);
	case N_EQ: return strcmp(field_value(n->field, ev), n->value) == 0;
	case N_NE: return strcmp(field_value(n->field, ev), n->value) != 0;
	case N_MATCH: return regexec(&n->re, field_value(n->field, ev), 0, NULL, 0) == 0;
	case N_NOMATCH: return regexec(&n->re, field_value(n->field, ev), 0, NULL, 0) != 0;
	default: return 1;
	}
}

int cst_audit_filter_match(const cst_audit_filter *f, const cst_audit_event *ev)
{
	return f == NULL || eval(f->root, ev);
}
