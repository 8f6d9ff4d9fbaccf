/* audit_fields.c - the fields a report needs from one audit entry, read
 * in one pass over the line without building a JSON tree: the keys the
 * report knows are decoded, every other value is only checked and
 * skipped (iteratively, so deep nesting costs no stack). The grammar is
 * RFC 8259's (fuzz/fuzz_audit_fields.c checks that whatever jansson reads,
 * this reads the same); numbers are checked for their shape only, so a
 * number out of range, as 1e400, passes here where jansson refuses it. */
#include "report/audit_scan.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "util/utf8.h"

#define MAX_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH */

typedef struct parser {
	const char *s, *end, *base;
	char *w, *w_end; /* scratch writer */
	const char *why; /* the first error */
} parser;

void cst_audit_scratch_release(cst_audit_scratch *s)
{
	free(s->p);
	s->p = NULL;
	s->cap = 0;
}

static int bad(parser *p, const char *why)
{
	if (p->why == NULL)
		p->why = why;
	return -1;
}

static void ws(parser *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
		p->s++;
}

static int hex4(unsigned *out, const char *s)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
		             : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
		             : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
		                                    : 16u;
		if (d == 16)
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* A string at p->s (its opening quote). With out, the decoded text goes
 * to the scratch space, NUL-terminated, and *out points at it; with key
 * (n bytes), into key instead, *key_len its length or n + 1 when it did
 * not fit. */
static int string(parser *p, const char **out, char *key, size_t n, size_t *key_len)
{
	if (p->s >= p->end || *p->s != '"')
		return bad(p, "a string was expected");
	p->s++;
	char *w = out ? p->w : key;
	char *w_end = out ? p->w_end : key ? key + n : NULL;
	size_t len = 0;
	for (;;) {
		/* runs of plain characters */
		const char *run = p->s;
		while (p->s < p->end && (unsigned char)*p->s >= 0x20 && *p->s != '"' && *p->s != '\\')
			p->s++;
		size_t rn = (size_t)(p->s - run);
		if (rn) {
			size_t bad_at;
			/* A run ends at ASCII, which never continues a UTF-8 sequence. */
			if (!cst_utf8_valid((const unsigned char *)run, rn, &bad_at)) {
				p->s = run + bad_at;
				return bad(p, "invalid UTF-8");
			}
			if (w && len + rn <= (size_t)(w_end - w))
				memcpy(w + len, run, rn);
			len += rn;
		}
		if (p->s >= p->end)
			return bad(p, "string not closed");
		char c = *p->s;
		if (c == '"') {
			p->s++;
			break;
		}
		if (c != '\\')
			return bad(p, "control character in a string");
		if (p->s + 1 >= p->end)
			return bad(p, "string not closed");
		char e = p->s[1];
		char one = 0;
		switch (e) {
		case '"': one = '"'; break;
		case '\\': one = '\\'; break;
		case '/': one = '/'; break;
		case 'b': one = '\b'; break;
		case 'f': one = '\f'; break;
		case 'n': one = '\n'; break;
		case 'r': one = '\r'; break;
		case 't': one = '\t'; break;
		case 'u': break;
		default: return bad(p, "invalid escape");
		}
		if (one) {
			if (w && len < (size_t)(w_end - w))
				w[len] = one;
			len++;
			p->s += 2;
			continue;
		}
		unsigned cp;
		if (p->end - p->s < 6 || hex4(&cp, p->s + 2) < 0)
			return bad(p, "invalid \\u escape");
		p->s += 6;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return bad(p, "lone low surrogate");
		if (cp >= 0xd800 && cp <= 0xdbff) {
			unsigned lo;
			if (p->end - p->s < 6 || p->s[0] != '\\' || p->s[1] != 'u' || hex4(&lo, p->s + 2) < 0 ||
			    lo < 0xdc00 || lo > 0xdfff)
				return bad(p, "lone high surrogate");
			p->s += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		if (cp == 0)
			return bad(p, "\\u0000 in a string");
		char enc[4];
		size_t en = cst_utf8_put(enc, cp);
		if (w && len + en <= (size_t)(w_end - w))
			memcpy(w + len, enc, en);
		len += en;
	}
	if (out) {
		/* The scratch space holds every decoded string of the line: each is
		 * no longer than its text and its NUL fits in its quotes. */
		if (len + 1 > (size_t)(p->w_end - p->w))
			return bad(p, "scratch space exhausted");
		p->w[len] = '\0';
		*out = p->w;
		p->w += len + 1;
	} else if (key) {
		*key_len = len <= n ? len : n + 1;
	}
	return 0;
}

static int number(parser *p)
{
	const char *s = p->s;
	if (s < p->end && *s == '-')
		s++;
	if (s >= p->end || *s < '0' || *s > '9')
		return bad(p, "invalid value");
	if (*s == '0')
		s++;
	else
		while (s < p->end && *s >= '0' && *s <= '9')
			s++;
	if (s < p->end && *s == '.') {
		s++;
		if (s >= p->end || *s < '0' || *s > '9')
			return bad(p, "invalid number");
		while (s < p->end && *s >= '0' && *s <= '9')
			s++;
	}
	if (s < p->end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < p->end && (*s == '+' || *s == '-'))
			s++;
		if (s >= p->end || *s < '0' || *s > '9')
			return bad(p, "invalid number");
		while (s < p->end && *s >= '0' && *s <= '9')
			s++;
	}
	p->s = s;
	return 0;
}

static int literal(parser *p, const char *word, size_t n)
{
	if ((size_t)(p->end - p->s) < n || memcmp(p->s, word, n) != 0)
		return bad(p, "invalid value");
	p->s += n;
	return 0;
}

static int scalar(parser *p)
{
	switch (*p->s) {
	case '"': return string(p, NULL, NULL, 0, NULL);
	case 't': return literal(p, "true", 4);
	case 'f': return literal(p, "false", 5);
	case 'n': return literal(p, "null", 4);
	default: return number(p);
	}
}

/* Skips one value at p->s whose container nesting is already `depth`,
 * checking it as it goes: containers on an explicit stack of bits (1 =
 * object), so a hostile line costs no recursion. */
static int skip(parser *p, int depth)
{
	unsigned char stack[MAX_DEPTH / 8 + 1];
	int top = 0; /* containers opened here */
	for (;;) {
		ws(p);
		if (p->s >= p->end)
			return bad(p, "value cut short");
		char c = *p->s;
		if (c == '{' || c == '[') {
			if (depth + top + 1 > MAX_DEPTH)
				return bad(p, "nested too deep");
			int obj = c == '{';
			stack[top / 8] = (unsigned char)(obj ? stack[top / 8] | 1u << (top % 8)
			                                     : stack[top / 8] & ~(1u << (top % 8)));
			top++;
			p->s++;
			ws(p);
			if (p->s < p->end && *p->s == (obj ? '}' : ']')) {
				p->s++;
				top--;
				goto after;
			}
			if (obj) {
				if (string(p, NULL, NULL, 0, NULL) < 0)
					return -1;
				ws(p);
				if (p->s >= p->end || *p->s != ':')
					return bad(p, "':' expected");
				p->s++;
			}
			continue;
		}
		if (scalar(p) < 0)
			return -1;
	after:
		for (;;) {
			if (top == 0)
				return 0;
			int obj = stack[(top - 1) / 8] >> ((top - 1) % 8) & 1;
			ws(p);
			if (p->s >= p->end)
				return bad(p, "value cut short");
			if (*p->s == (obj ? '}' : ']')) {
				p->s++;
				top--;
				continue;
			}
			if (*p->s != ',')
				return bad(p, obj ? "',' or '}' expected" : "',' or ']' expected");
			p->s++;
			if (obj) {
				ws(p);
				if (string(p, NULL, NULL, 0, NULL) < 0)
					return -1;
				ws(p);
				if (p->s >= p->end || *p->s != ':')
					return bad(p, "':' expected");
				p->s++;
			}
			break;
		}
	}
}

/* A value of interest that should be a string: *out the text, or NULL
 * when it is another kind of value (skipped). */
static int want_string(parser *p, const char **out, int depth)
{
	ws(p);
	*out = NULL;
	if (p->s < p->end && *p->s == '"')
		return string(p, out, NULL, 0, NULL);
	return skip(p, depth);
}

/* An array of strings: the strings kept in order (up to max), *all
 * counting every one; other kinds of items are skipped. */
static int want_strings(parser *p, const char **list, size_t *kept, size_t *all, int depth)
{
	*kept = *all = 0;
	ws(p);
	if (p->s >= p->end || *p->s != '[')
		return skip(p, depth);
	if (depth + 1 > MAX_DEPTH)
		return bad(p, "nested too deep");
	p->s++;
	ws(p);
	if (p->s < p->end && *p->s == ']') {
		p->s++;
		return 0;
	}
	for (;;) {
		const char *s = NULL;
		if (want_string(p, &s, depth + 1) < 0)
			return -1;
		if (s) {
			if (*kept < CST_AUDIT_LIST_MAX)
				list[(*kept)++] = s;
			(*all)++;
		}
		ws(p);
		if (p->s < p->end && *p->s == ',') {
			p->s++;
			continue;
		}
		if (p->s < p->end && *p->s == ']') {
			p->s++;
			return 0;
		}
		return bad(p, "',' or ']' expected");
	}
}

/* Walks an object, calling field(p, key, key_len, depth + 1, ctx) for each
 * member with p->s at its value (which field must consume); a value that
 * is not an object is skipped after reset(ctx) -- as when the object is
 * there but empty. */
typedef int (*field_fn)(parser *p, const char *key, size_t key_len, int depth, void *ctx);

static int object(parser *p, int depth, field_fn field, void *ctx)
{
	ws(p);
	if (p->s >= p->end || *p->s != '{')
		return skip(p, depth);
	if (depth + 1 > MAX_DEPTH)
		return bad(p, "nested too deep");
	p->s++;
	ws(p);
	if (p->s < p->end && *p->s == '}') {
		p->s++;
		return 0;
	}
	for (;;) {
		char key[24];
		size_t kl = 0;
		ws(p);
		if (string(p, NULL, key, sizeof(key), &kl) < 0)
			return -1;
		ws(p);
		if (p->s >= p->end || *p->s != ':')
			return bad(p, "':' expected");
		p->s++;
		if (field(p, key, kl <= sizeof(key) ? kl : 0, depth + 1, ctx) < 0)
			return -1;
		ws(p);
		if (p->s < p->end && *p->s == ',') {
			p->s++;
			continue;
		}
		if (p->s < p->end && *p->s == '}') {
			p->s++;
			return 0;
		}
		return bad(p, "',' or '}' expected");
	}
}

#define KEY_IS(lit) (kl == sizeof(lit) - 1 && memcmp(key, lit, kl) == 0)

/* The string fields of each object the report reads, by key. */
typedef struct string_key {
	const char *key;
	size_t len, off;
} string_key;
#define S(k, member) {k, sizeof(k) - 1, offsetof(cst_audit_fields, member)}
static const string_key top_keys[] = {S("time", time), S("type", type), S("error", error)};
static const string_key auth_keys[] = {S("display_name", display_name), S("token_type", token_type),
                                       S("entity_id", entity_id), S("accessor", accessor)};
static const string_key metadata_keys[] = {S("username", username), S("role_name", role_name),
                                           S("local_user", local_user)};
static const string_key request_keys[] = {S("id", id), S("operation", operation),
                                          S("mount_type", mount_type), S("mount_point", mount_point),
                                          S("path", path), S("remote_address", remote_address)};
static const string_key data_keys[] = {S("role_id", role_id)};
#define N(keys) (sizeof(keys) / sizeof(keys[0]))

/* The member's value when key is one of keys; else the value is skipped. */
static int string_or_skip(parser *p, cst_audit_fields *f, const string_key *keys, size_t n,
                          const char *key, size_t kl, int depth)
{
	for (size_t i = 0; i < n; i++)
		if (kl == keys[i].len && memcmp(key, keys[i].key, kl) == 0)
			return want_string(p, (const char **)(void *)((char *)f + keys[i].off), depth);
	return skip(p, depth);
}

static int metadata_field(parser *p, const char *key, size_t kl, int depth, void *ctx)
{
	return string_or_skip(p, ctx, metadata_keys, N(metadata_keys), key, kl, depth);
}

static int auth_field(parser *p, const char *key, size_t kl, int depth, void *ctx)
{
	cst_audit_fields *f = ctx;
	if (KEY_IS("policies"))
		return want_strings(p, f->policies, &f->n_policies, &f->all_policies, depth);
	if (KEY_IS("teams"))
		return want_strings(p, f->teams, &f->n_teams, &f->all_teams, depth);
	if (KEY_IS("metadata")) {
		f->username = f->role_name = f->local_user = NULL;
		return object(p, depth, metadata_field, f);
	}
	return string_or_skip(p, f, auth_keys, N(auth_keys), key, kl, depth);
}

static int data_field(parser *p, const char *key, size_t kl, int depth, void *ctx)
{
	return string_or_skip(p, ctx, data_keys, N(data_keys), key, kl, depth);
}

static int request_field(parser *p, const char *key, size_t kl, int depth, void *ctx)
{
	cst_audit_fields *f = ctx;
	if (KEY_IS("data")) {
		f->role_id = NULL;
		return object(p, depth, data_field, f);
	}
	return string_or_skip(p, f, request_keys, N(request_keys), key, kl, depth);
}

static int response_field(parser *p, const char *key, size_t kl, int depth, void *ctx)
{
	cst_audit_fields *f = ctx;
	if (KEY_IS("auth")) {
		ws(p);
		f->response_auth = p->s < p->end && *p->s == '{';
	}
	return skip(p, depth);
}

static void reset_auth(cst_audit_fields *f)
{
	f->display_name = f->token_type = f->entity_id = f->accessor = NULL;
	f->username = f->role_name = f->local_user = NULL;
	f->n_policies = f->all_policies = f->n_teams = f->all_teams = 0;
}

static void reset_request(cst_audit_fields *f)
{
	f->id = f->operation = f->mount_type = f->mount_point = f->path = f->remote_address = NULL;
	f->role_id = NULL;
}

static int top_field(parser *p, const char *key, size_t kl, int depth, void *ctx)
{
	cst_audit_fields *f = ctx;
	if (KEY_IS("auth")) {
		reset_auth(f);
		return object(p, depth, auth_field, f);
	}
	if (KEY_IS("request")) {
		reset_request(f);
		return object(p, depth, request_field, f);
	}
	if (KEY_IS("response")) {
		f->response_auth = 0;
		return object(p, depth, response_field, f);
	}
	return string_or_skip(p, f, top_keys, N(top_keys), key, kl, depth);
}

int cst_audit_fields_parse(cst_audit_fields *out, cst_audit_scratch *scratch, const char *line,
                           size_t len)
{
	memset(out, 0, sizeof(*out));
	const char *brace = memchr(line, '{', len);
	if (brace == NULL)
		return cst_fail(CST_EINVAL, "not an audit entry: no JSON object");
	/* Decoded strings never outgrow their text, and each one's NUL fits in
	 * the two quotes around it. */
	size_t need = len + 1;
	if (scratch->cap < need) {
		size_t cap = need < 4096 ? 4096 : need + need / 2;
		char *np = malloc(cap);
		if (np == NULL)
			return cst_fail(CST_ENOMEM, "out of memory");
		free(scratch->p);
		scratch->p = np;
		scratch->cap = cap;
	}
	parser p = {brace, line + len, line, scratch->p, scratch->p + scratch->cap, NULL};
	int rc = object(&p, 0, top_field, out);
	if (rc == 0) {
		ws(&p);
		if (p.s != p.end)
			rc = bad(&p, "text after the entry");
	}
	if (rc < 0) {
		memset(out, 0, sizeof(*out));
		return cst_fail(CST_EINVAL, "not an audit entry: %s at byte %zu", p.why,
		                (size_t)(p.s - p.base) + 1);
	}
	if (out->time == NULL || cst_audit_time_ns(&out->time_ns, out->time, strlen(out->time)) < 0)
		out->time_ns = 0;
	return CST_OK;
}

/* --- times ----------------------------------------------------------------- */

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int cst_audit_time_ns(int64_t *out, const char *s, size_t n)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, sec;
	if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    digits(s, 4, &y) < 0 || digits(s + 5, 2, &mo) < 0 || digits(s + 8, 2, &d) < 0 ||
	    digits(s + 11, 2, &h) < 0 || digits(s + 14, 2, &mi) < 0 || digits(s + 17, 2, &sec) < 0)
		return -1;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
	    h > 23 || mi > 59 || sec > 59)
		return -1;
	size_t i = 19;
	int64_t frac = 0;
	if (s[i] == '.') {
		size_t start = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 9)
			frac = frac * 10 + (s[i++] - '0');
		if (i == start)
			return -1;
		for (size_t k = i - start; k < 9; k++)
			frac *= 10;
	}
	if (i + 1 != n || s[i] != 'Z')
		return -1;
	int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	if (secs > INT64_MAX / 1000000000 - 1)
		return -1;
	*out = secs * 1000000000 + frac;
	return 0;
}

int cst_audit_line_time(int64_t *out, const char *line, size_t len)
{
	static const char head[] = "{\"time\":\"";
	size_t hl = sizeof(head) - 1;
	if (len < hl + 21 || memcmp(line, head, hl) != 0)
		return -1;
	const char *q = memchr(line + hl, '"', len - hl < 40 ? len - hl : 40);
	if (q == NULL)
		return -1;
	return cst_audit_time_ns(out, line + hl, (size_t)(q - (line + hl)));
}
