/* audit_entry.c - the text of audit entries, in Vault's layout
 * (vault-api.md section 8): time, type, auth, request, response, error.
 * Token ids, accessors and every string inside request and response data
 * are written as "hmac-sha256:<hex>" under the device's salt, strings that
 * are RFC 3339 times excepted, as Vault; map keys, paths, policies,
 * metadata and errors are written as they are. Each entry is built in one
 * buffer with a direct JSON writer: no jansson tree, no json_dumps. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/tokens.h"
#include "util/base64.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timefmt.h"

void cst_abuf_init(cst_abuf *b)
{
	b->p = b->stack;
	b->len = 0;
	b->cap = sizeof(b->stack);
	b->failed = 0;
}

void cst_abuf_release(cst_abuf *b)
{
	if (b->p != b->stack)
		free(b->p);
	b->p = b->stack;
	b->len = 0;
	b->cap = sizeof(b->stack);
}

/* Room for n more bytes. */
static int need(cst_abuf *b, size_t n)
{
	if (b->failed)
		return -1;
	if (b->len + n <= b->cap)
		return 0;
	size_t cap = b->cap * 2;
	while (cap < b->len + n)
		cap *= 2;
	if (cap > (size_t)64 << 20) { /* no entry is this large: refuse, not crash */
		b->failed = 1;
		return -1;
	}
	char *p = malloc(cap);
	if (p == NULL) {
		b->failed = 1;
		return -1;
	}
	memcpy(p, b->p, b->len);
	if (b->p != b->stack)
		free(b->p);
	b->p = p;
	b->cap = cap;
	return 0;
}

void cst_abuf_put(cst_abuf *b, const char *s, size_t n)
{
	if (need(b, n) == 0) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

#define PUT(b, lit) cst_abuf_put((b), (lit), sizeof(lit) - 1)

/* Length of the valid UTF-8 prefix of s (n bytes). */
static size_t utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
		if (k == 0 || i + k >= n)
			return i;
		for (size_t j = 1; j <= k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return i;
		if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f) ||
		    (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] > 0x8f))
			return i;
		i += k + 1;
	}
	return n;
}

/* A JSON string of bytes that may not be UTF-8 (paths and messages from
 * the network): invalid bytes become U+FFFD, so every line stays JSON. */
static void put_text(cst_abuf *b, const char *s, size_t n)
{
	size_t ok = utf8_valid((const unsigned char *)s, n);
	if (ok == n) {
		if (need(b, cst_json_quoted_len(s, n)) == 0)
			b->len = (size_t)(cst_json_quote(b->p + b->len, s, n) - b->p);
		return;
	}
	char *clean = malloc(n * 3 + 1);
	if (clean == NULL) {
		b->failed = 1;
		return;
	}
	size_t w = 0, i = 0;
	while (i < n) {
		size_t run = utf8_valid((const unsigned char *)s + i, n - i);
		memcpy(clean + w, s + i, run);
		w += run;
		i += run;
		if (i < n) {
			memcpy(clean + w, "\xef\xbf\xbd", 3);
			w += 3;
			i++;
		}
	}
	if (need(b, cst_json_quoted_len(clean, w)) == 0)
		b->len = (size_t)(cst_json_quote(b->p + b->len, clean, w) - b->p);
	free(clean);
}

static void put_cstr(cst_abuf *b, const char *s)
{
	put_text(b, s ? s : "", s ? strlen(s) : 0);
}

static void put_int(cst_abuf *b, long long v)
{
	char t[24], *w = t + sizeof(t);
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	do {
		*--w = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--w = '-';
	cst_abuf_put(b, w, (size_t)(t + sizeof(t) - w));
}

/* cst_time_format's text (RFC 3339, Go's RFC3339Nano) without its
 * gmtime and strftime on every entry: the seconds part is kept per thread. */
static void put_time(cst_abuf *b, int64_t ns)
{
	/* two seconds kept: an entry's own time and its token's issue time */
	static _Thread_local int64_t sec_cached[2] = {INT64_MIN, INT64_MIN};
	static _Thread_local char sec_text[2][24];
	static _Thread_local unsigned next;
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	unsigned slot = sec_cached[0] == sec ? 0 : sec_cached[1] == sec ? 1 : 2;
	if (slot == 2) {
		char t[48];
		cst_time_format(t, sizeof(t), sec * 1000000000);
		if (ns == 0 || strlen(t) != 20) { /* outside 0000-9999: the slow way */
			cst_time_format(t, sizeof(t), ns);
			cst_abuf_put(b, t, strlen(t));
			return;
		}
		slot = next++ & 1;
		memcpy(sec_text[slot], t, 19);
		sec_cached[slot] = sec;
	}
	char f[11];
	size_t n = 0;
	if (frac) {
		f[n++] = '.';
		for (int64_t d = 100000000; d && frac; d /= 10) {
			f[n++] = (char)('0' + frac / d);
			frac %= d;
		}
	}
	cst_abuf_put(b, sec_text[slot], 19);
	cst_abuf_put(b, f, n);
	cst_abuf_put(b, "Z", 1);
}

int cst_audit_hmac(char *out, const cst_mac_key *salt, const char *s, size_t n)
{
	unsigned char mac[CST_SHA256_LEN];
	int rc = cst_mac_key_sha256(mac, salt, s, n);
	if (rc == CST_OK) {
		memcpy(out, "hmac-sha256:", 12);
		cst_hex_encode(out + 12, mac, sizeof(mac));
	}
	return rc;
}

static void put_hash_text(cst_abuf *b, const char *h)
{
	if (need(b, CST_AUDIT_HASH_LEN + 2) == 0) {
		b->p[b->len++] = '"';
		memcpy(b->p + b->len, h, CST_AUDIT_HASH_LEN);
		b->len += CST_AUDIT_HASH_LEN;
		b->p[b->len++] = '"';
	}
}

static void put_hmac(cst_abuf *b, const cst_audit_format *f, const char *s, size_t n)
{
	char h[CST_AUDIT_HASH_LEN + 1];
	if (cst_audit_hmac(h, f->salt, s, n) < 0)
		b->failed = 1;
	else
		put_hash_text(b, h);
}

/* The caller's token (which = 0) or accessor (1), HMAC'd once per request
 * and device through the event's memo. */
static void put_caller_hmac(cst_abuf *b, const cst_audit_format *f, const cst_audit_event *ev,
                            int which, const char *s)
{
	cst_audit_memo *m = ev->memo;
	if (m == NULL) {
		put_hmac(b, f, s, strlen(s));
		return;
	}
	if (m->salt != f->salt) {
		m->token[0] = m->accessor[0] = '\0';
		m->salt = f->salt;
	}
	char *slot = which ? m->accessor : m->token;
	if (slot[0] == '\0' && cst_audit_hmac(slot, f->salt, s, strlen(s)) < 0) {
		slot[0] = '\0';
		b->failed = 1;
		return;
	}
	put_hash_text(b, slot);
}

/* Vault leaves strings that parse as RFC 3339 times in clear:
 * 2006-01-02T15:04:05[.frac](Z|+hh:mm|-hh:mm). */
static int is_rfc3339(const char *s, size_t n)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	if (n < 20)
		return 0;
	for (size_t i = 0; i < 19; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return 0;
	size_t i = 19;
	if (s[i] == '.') {
		size_t d = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	if (i + 1 == n && s[i] == 'Z')
		return 1;
	return i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 1] >= '0' && s[i + 1] <= '9' &&
	       s[i + 2] >= '0' && s[i + 2] <= '9' && s[i + 3] == ':' && s[i + 4] >= '0' &&
	       s[i + 4] <= '9' && s[i + 5] >= '0' && s[i + 5] <= '9';
}

/* A JSON value with every string HMAC'd (hmac = 1) or as it is. */
static void put_value(cst_abuf *b, const cst_audit_format *f, const json_t *v, int hmac, int depth)
{
	if (depth > 64) { /* deeper than any request the parser lets in */
		PUT(b, "null");
		return;
	}
	switch (json_typeof(v)) {
	case JSON_NULL: PUT(b, "null"); return;
	case JSON_TRUE: PUT(b, "true"); return;
	case JSON_FALSE: PUT(b, "false"); return;
	case JSON_INTEGER: put_int(b, (long long)json_integer_value(v)); return;
	case JSON_REAL: {
		char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		if (t)
			cst_abuf_put(b, t, strlen(t));
		else
			b->failed = 1;
		free(t);
		return;
	}
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		if (hmac && !is_rfc3339(s, n))
			put_hmac(b, f, s, n);
		else if (need(b, cst_json_quoted_len(s, n)) == 0)
			b->len = (size_t)(cst_json_quote(b->p + b->len, s, n) - b->p);
		return;
	}
	case JSON_ARRAY:
		PUT(b, "[");
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				PUT(b, ",");
			put_value(b, f, json_array_get(v, i), hmac, depth + 1);
		}
		PUT(b, "]");
		return;
	case JSON_OBJECT: {
		PUT(b, "{");
		int first = 1;
		for (void *it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it)) {
			if (!first)
				PUT(b, ",");
			first = 0;
			const char *k = json_object_iter_key(it);
			size_t kn = json_object_iter_key_len(it);
			if (need(b, cst_json_quoted_len(k, kn) + 1) == 0) {
				b->len = (size_t)(cst_json_quote(b->p + b->len, k, kn) - b->p);
				b->p[b->len++] = ':';
			}
			put_value(b, f, json_object_iter_value(it), hmac, depth + 1);
		}
		PUT(b, "}");
		return;
	}
	}
}

const char *cst_audit_op_name(cst_op op)
{
	switch (op) {
	case CST_OP_READ: return "read";
	case CST_OP_LIST: return "list";
	case CST_OP_CREATE: return "create";
	case CST_OP_UPDATE: return "update";
	case CST_OP_PATCH: return "patch";
	case CST_OP_DELETE: return "delete";
	}
	return "unknown";
}

static void put_head(cst_abuf *b, const cst_audit_event *ev, const char *type)
{
	PUT(b, "{\"time\":\"");
	put_time(b, ev->time_ns);
	PUT(b, "\",\"type\":\"");
	cst_abuf_put(b, type, strlen(type));
	PUT(b, "\"");
}

/* "auth": the caller's token (HMAC'd id and accessor, policies, ...), the
 * local key holder, or only the HMAC of a token that did not authenticate. */
static void put_auth(cst_abuf *b, const cst_audit_format *f, const cst_audit_event *ev)
{
	const cst_request *req = ev->req;
	const struct cst_caller *c = ev->caller;
	int remote = (req->flags & CST_REQ_REMOTE) != 0;
	PUT(b, ",\"auth\":{");
	if (!remote) {
		PUT(b, "\"display_name\":\"local\",\"policies\":[\"root\"],\"token_policies\":[\"root\"],"
		       "\"metadata\":{\"local_user\":");
		put_cstr(b, f->local_user);
		PUT(b, "},\"entity_id\":\"\",\"token_type\":\"local\"}");
		return;
	}
	const char *token = req->token ? req->token : "";
	if (*token) {
		PUT(b, "\"client_token\":");
		put_caller_hmac(b, f, ev, 0, token);
	}
	if (c == NULL || c->entry == NULL) {
		PUT(b, "}");
		return;
	}
	const json_t *e = c->entry;
	const char *acc = json_string_value(json_object_get(e, "accessor"));
	if (*token)
		PUT(b, ",");
	PUT(b, "\"accessor\":");
	if (f->hmac_accessor)
		put_caller_hmac(b, f, ev, 1, acc ? acc : "");
	else
		put_cstr(b, acc);
	PUT(b, ",\"display_name\":");
	put_cstr(b, json_string_value(json_object_get(e, "display_name")));
	const json_t *pol = json_object_get(e, "policies");
	PUT(b, ",\"policies\":");
	put_value(b, f, pol ? pol : json_null(), 0, 0);
	PUT(b, ",\"token_policies\":");
	put_value(b, f, pol ? pol : json_null(), 0, 0);
	const json_t *meta = json_object_get(e, "meta");
	if (json_is_object(meta) && json_object_size(meta)) {
		PUT(b, ",\"metadata\":");
		put_value(b, f, meta, 0, 0);
	}
	/* A login's identity: its entity (as Vault writes it) and, a custos
	 * extension, the teams it was issued with, so a report can count
	 * accesses per team from the log alone. */
	const json_t *identity = json_object_get(e, "identity");
	const char *entity = json_string_value(json_object_get(identity, "entity_id"));
	PUT(b, ",\"entity_id\":");
	put_cstr(b, entity ? entity : "");
	PUT(b, ",\"token_type\":\"service\",\"token_ttl\":");
	put_int(b, (long long)json_integer_value(json_object_get(e, "creation_ttl")));
	int64_t issued = json_integer_value(json_object_get(e, "creation_time"));
	if (issued > 0 && issued < INT64_MAX / 1000000000) {
		PUT(b, ",\"token_issue_time\":\"");
		put_time(b, issued * 1000000000LL);
		PUT(b, "\"");
	}
	const json_t *teams = json_object_get(identity, "teams");
	if (json_is_array(teams) && json_array_size(teams)) {
		PUT(b, ",\"teams\":");
		put_value(b, f, teams, 0, 0);
	}
	PUT(b, "}");
}

static void put_request(cst_abuf *b, const cst_audit_format *f, const cst_audit_event *ev)
{
	const cst_request *req = ev->req;
	PUT(b, ",\"request\":{\"id\":");
	put_cstr(b, ev->id);
	PUT(b, ",\"operation\":\"");
	const char *op = cst_audit_op_name(ev->op);
	cst_abuf_put(b, op, strlen(op));
	PUT(b, "\"");
	if (ev->mount_type && *ev->mount_type) {
		PUT(b, ",\"mount_type\":");
		put_cstr(b, ev->mount_type);
		PUT(b, ",\"mount_point\":");
		put_cstr(b, ev->mount_point);
	}
	const char *token = req->token ? req->token : "";
	if ((req->flags & CST_REQ_REMOTE) && *token) {
		PUT(b, ",\"client_token\":");
		put_caller_hmac(b, f, ev, 0, token);
		const char *acc = ev->caller && ev->caller->entry
		                          ? json_string_value(json_object_get(ev->caller->entry, "accessor"))
		                          : NULL;
		if (acc) {
			PUT(b, ",\"client_token_accessor\":");
			if (f->hmac_accessor)
				put_caller_hmac(b, f, ev, 1, acc);
			else
				put_cstr(b, acc);
		}
	}
	PUT(b, ",\"namespace\":{\"id\":\"root\"},\"path\":");
	put_cstr(b, req->path);
	if (json_is_object(req->data) && json_object_size(req->data)) {
		PUT(b, ",\"data\":");
		put_value(b, f, req->data, 1, 0);
	}
	if (req->client_addr && *req->client_addr) {
		PUT(b, ",\"remote_address\":");
		put_cstr(b, req->client_addr);
	}
	PUT(b, "}");
}

static void put_error(cst_abuf *b, const char *error)
{
	if (error && *error) {
		PUT(b, ",\"error\":");
		put_cstr(b, error);
	}
}

static int finish(cst_abuf *b)
{
	return b->failed ? CST_ENOMEM : CST_OK;
}

int cst_audit_format_request(cst_abuf *b, const cst_audit_format *f, const cst_audit_event *ev,
                             const char *error)
{
	put_head(b, ev, "request");
	size_t from = b->len;
	put_auth(b, f, ev);
	put_request(b, f, ev);
	cst_audit_memo *m = ev->memo;
	if (m != NULL && m->section == NULL && !b->failed && (m->section = malloc(b->len - from)) != NULL) {
		memcpy(m->section, b->p + from, b->len - from);
		m->section_len = b->len - from;
		m->section_salt = f->salt;
	}
	put_error(b, error);
	return finish(b);
}

/* A new token in a response: its id and accessor HMAC'd, the rest (policies,
 * TTLs, metadata) as it is, as Vault's response.auth. */
static void put_response_auth(cst_abuf *b, const cst_audit_format *f, const json_t *auth)
{
	PUT(b, "\"auth\":{");
	int first = 1;
	for (void *it = json_object_iter((json_t *)auth); it; it = json_object_iter_next((json_t *)auth, it)) {
		const char *k = json_object_iter_key(it);
		const json_t *v = json_object_iter_value(it);
		if (!first)
			PUT(b, ",");
		first = 0;
		put_cstr(b, k);
		PUT(b, ":");
		int secret = !strcmp(k, "client_token") || (!strcmp(k, "accessor") && f->hmac_accessor);
		put_value(b, f, v, secret && json_is_string(v), 0);
	}
	PUT(b, "}");
}

int cst_audit_format_response(cst_abuf *b, const cst_audit_format *f, const cst_audit_event *ev,
                              const cst_response *resp, const char *error)
{
	put_head(b, ev, "response");
	const cst_audit_memo *m = ev->memo;
	if (m != NULL && m->section != NULL && m->section_salt == f->salt) {
		cst_abuf_put(b, m->section, m->section_len);
	} else {
		put_auth(b, f, ev);
		put_request(b, f, ev);
	}
	PUT(b, ",\"response\":{");
	int first = 1;
	if (ev->mount_type && *ev->mount_type) {
		PUT(b, "\"mount_type\":");
		put_cstr(b, ev->mount_type);
		PUT(b, ",\"mount_point\":");
		put_cstr(b, ev->mount_point);
		first = 0;
	}
	if (resp && json_is_object(resp->auth)) {
		if (!first)
			PUT(b, ",");
		first = 0;
		put_response_auth(b, f, resp->auth);
	}
	if (resp && resp->data) {
		if (!first)
			PUT(b, ",");
		first = 0;
		PUT(b, "\"data\":");
		put_value(b, f, resp->data, 1, 0);
	}
	if (resp && json_array_size(resp->warnings)) {
		if (!first)
			PUT(b, ",");
		PUT(b, "\"warnings\":");
		put_value(b, f, resp->warnings, 0, 0);
	}
	PUT(b, "}");
	put_error(b, error);
	return finish(b);
}
