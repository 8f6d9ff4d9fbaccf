/* json_dump.c - a compact JSON writer, byte for byte what jansson's
 * json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) writes, at a fraction of
 * its cost: jansson checks for reference loops with a hash table per
 * container and walks strings one code point at a time through a callback,
 * which made serialising a response a tenth of a KV read. Strings jansson
 * holds are valid UTF-8 already, so only '"', '\\' and control bytes need
 * a look. The buffer can hold secrets: it grows by copy and wipe, never
 * realloc (CONVENTIONS), and the caller frees it as jansson's output. */
#include "util/json.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#define MAX_DEPTH 2048 /* as jansson's parser: deeper input cannot come in */

typedef struct out {
	char *p;
	size_t len, cap;
	int failed;
} out;

static int grow(out *o, size_t need)
{
	if (o->failed)
		return -1;
	if (o->len + need < o->cap)
		return 0;
	size_t cap = o->cap ? o->cap : 256;
	while (o->len + need >= cap)
		cap *= 2;
	char *p = malloc(cap);
	if (p == NULL) {
		o->failed = 1;
		return -1;
	}
	if (o->len)
		memcpy(p, o->p, o->len);
	cst_free_wiped(o->p);
	o->p = p;
	o->cap = cap;
	return 0;
}

static void put(out *o, const char *s, size_t n)
{
	if (grow(o, n) == 0) {
		memcpy(o->p + o->len, s, n);
		o->len += n;
	}
}

static void put_string(out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t extra = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == '"' || c == '\\')
			extra += (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' ||
			          c == '\r' || c == '\t')
			                 ? 1
			                 : 5;
	}
	if (grow(o, n + extra + 2) < 0)
		return;
	char *w = o->p + o->len;
	*w++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			*w++ = (char)c;
			continue;
		}
		*w++ = '\\';
		switch (c) {
		case '"': *w++ = '"'; break;
		case '\\': *w++ = '\\'; break;
		case '\b': *w++ = 'b'; break;
		case '\f': *w++ = 'f'; break;
		case '\n': *w++ = 'n'; break;
		case '\r': *w++ = 'r'; break;
		case '\t': *w++ = 't'; break;
		default:
			*w++ = 'u';
			*w++ = '0';
			*w++ = '0';
			*w++ = hex[c >> 4];
			*w++ = hex[c & 0x0f];
		}
	}
	*w++ = '"';
	o->len = (size_t)(w - o->p);
}

/* Decimal, as "%lld" writes it (snprintf was 14 calls per stored
 * metadata record, a third of the writer's time). */
static void put_integer(out *o, json_int_t v)
{
	char buf[24], *w = buf + sizeof(buf);
	/* Negate in unsigned arithmetic: the most negative value has no
	 * positive counterpart. */
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	do {
		*--w = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--w = '-';
	put(o, w, (size_t)(buf + sizeof(buf) - w));
}

static void put_value(out *o, const json_t *v, int depth)
{
	if (o->failed)
		return;
	if (depth > MAX_DEPTH) {
		o->failed = 1;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_NULL: put(o, "null", 4); return;
	case JSON_TRUE: put(o, "true", 4); return;
	case JSON_FALSE: put(o, "false", 5); return;
	case JSON_INTEGER: put_integer(o, json_integer_value(v)); return;
	case JSON_STRING: put_string(o, json_string_value(v), json_string_length(v)); return;
	case JSON_REAL: {
		/* Rare here (no stored record has one): jansson's own formatting,
		 * whose shortest-round-trip rules are not worth repeating. */
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (text == NULL)
			o->failed = 1;
		else
			put(o, text, strlen(text));
		free(text);
		return;
	}
	case JSON_ARRAY: {
		put(o, "[", 1);
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				put(o, ",", 1);
			put_value(o, json_array_get(v, i), depth + 1);
		}
		put(o, "]", 1);
		return;
	}
	case JSON_OBJECT: {
		put(o, "{", 1);
		int first = 1;
		for (void *it = json_object_iter((json_t *)v); it;
		     it = json_object_iter_next((json_t *)v, it)) {
			if (!first)
				put(o, ",", 1);
			first = 0;
			put_string(o, json_object_iter_key(it), json_object_iter_key_len(it));
			put(o, ":", 1);
			put_value(o, json_object_iter_value(it), depth + 1);
		}
		put(o, "}", 1);
		return;
	}
	}
	o->failed = 1;
}

char *cst_json_dump(const json_t *v)
{
	out o = {NULL, 0, 0, 0};
	if (v == NULL)
		return NULL;
	put_value(&o, v, 0);
	if (grow(&o, 1) < 0) {
		cst_free_wiped(o.p);
		return NULL;
	}
	o.p[o.len] = '\0';
	return o.p;
}
