/* fuzz_http.c - the server's request path without the sockets: an HTTP
 * request is translated (server/translate.c), routed through a real
 * in-memory vault with CST_REQ_REMOTE, and answered with the envelope or
 * the error body (server/respond.c), exactly as server/http.c does after
 * libmicrohttpd has parsed the request. The input is a raw request:
 *
 *   METHOD SP URL [SP HTTP/1.1] LF     (CRLF also accepted)
 *   Name: value LF                     (any number; the first one wins)
 *   LF
 *   body
 *
 * The URL is split at '?' and percent-decoded as libmicrohttpd does (the
 * query also turns '+' into a space). Every input gets a fresh vault with
 * a root token "root", a token "reader" (policy: read under secret/data/app/),
 * and secret/data/app/db at version 2 (version 1 deleted), so a crash
 * replays. The token "reader" in a header is swapped for that token's real
 * id, and half of the inputs (by a hash) are sent with the root token
 * whatever their headers say.
 *
 * Invariants, abort() when broken: translation refuses only with 400, 404,
 * 405, 413 or 415 and an {"errors":[...]} body; the token is X-Vault-Token,
 * else Authorization: Bearer; a list path ends in '/'; the final status is
 * one Vault documents for these requests (200, 204, 400, 403, 404, 405,
 * 413, 415; never 401, and no 5xx from a healthy in-memory vault); a
 * request with neither of those two tokens never gets past 403 (or the
 * 400 for a path starting with '/'); 200 carries the full envelope, errors
 * a list of strings, a 404 an empty one or Vault's "no handler for route"
 * one.
 *
 *   make fuzz && build-fuzz/fuzz/fuzz_http /tmp/http fuzz/corpus/fuzz_http \
 *       -dict=fuzz/fuzz_http.dict -max_total_time=120
 *
 * FUZZ_HTTP_TRACE=1 build/fuzz/replay_fuzz_http FILE prints each outcome. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "custos.h"
#include "custos/request.h"
#include "respond.h"
#include "translate.h"
#include "util/mem.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROOT_TOKEN "root"

static const char *current_method, *current_path;
static int trace; /* $FUZZ_HTTP_TRACE set: print each request's outcome */

static void fail(const char *what, int status)
{
	fprintf(stderr, "fuzz_http: %s (status %d, method %.40s, path %.200s)\n", what, status,
	        current_method ? current_method : "-", current_path ? current_path : "-");
	abort();
}

/* A request against v as root (local flags off: a remote request, so the
 * fixture goes through the same checks). */
static int setup_request(cst_vault *v, cst_op op, const char *path, const char *json,
                         cst_response *resp)
{
	json_t *data = json ? json_loads(json, 0, NULL) : NULL;
	cst_request req = {.op = op, .flags = CST_REQ_REMOTE, .path = path, .data = data,
	                   .token = ROOT_TOKEN, .client_addr = "127.0.0.1"};
	int rc = cst_vault_request(v, &req, resp);
	json_decref(data);
	return rc;
}

/* The fixture vault; *reader gets the reader token's id (owned). */
static cst_vault *fresh_vault(char **reader)
{
	cst_open_opts o = {.backend = "memory", .vault_path = ":memory:"};
	cst_vault *v = NULL;
	unsigned char **shares = NULL;
	size_t len = 0;
	json_t *auth = NULL;
	cst_response resp = {0};
	if (cst_vault_init_shamir(&v, &o, 1, 1, &shares, &len) != CST_OK)
		fail("cannot create the in-memory vault", 0);
	if (shares) {
		cst_wipe(shares[0], len);
		free(shares[0]);
		free(shares);
	}
	if (cst_vault_root_token(&auth, v, ROOT_TOKEN) != CST_OK)
		fail("cannot create the root token", 0);
	json_decref(auth);
	static const struct {
		cst_op op;
		const char *path, *json;
	} steps[] = {
		{CST_OP_UPDATE, "secret/data/app/db", "{\"data\":{\"password\":\"hunter2-first\"}}"},
		{CST_OP_UPDATE, "secret/data/app/db",
		 "{\"options\":{\"cas\":1},\"data\":{\"password\":\"hunter2-second\",\"user\":\"u\"}}"},
		{CST_OP_UPDATE, "secret/delete/app/db", "{\"versions\":[1]}"},
		{CST_OP_UPDATE, "sys/policy/reader",
		 "{\"policy\":\"path \\\"secret/data/app/*\\\" { capabilities = [\\\"read\\\"] }\"}"},
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (setup_request(v, steps[i].op, steps[i].path, steps[i].json, &resp) != CST_OK) {
			fprintf(stderr, "fuzz_http: fixture step %s: %s\n", steps[i].path, cst_errmsg());
			fail("cannot build the fixture", 0);
		}
		cst_response_release(&resp);
	}
	if (setup_request(v, CST_OP_UPDATE, "auth/token/create",
	                  "{\"policies\":[\"reader\"],\"no_parent\":true}", &resp) != CST_OK)
		fail("cannot create the reader token", 0);
	const char *id = json_string_value(json_object_get(resp.auth, "client_token"));
	if (id == NULL)
		fail("token create gave no client_token", 0);
	*reader = strdup(id);
	cst_response_release(&resp);
	return v;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	cst_mem_init_json(); /* before any jansson allocation, so frees wipe */
	trace = getenv("FUZZ_HTTP_TRACE") != NULL;
	return 0;
}

/* libmicrohttpd's unescaping: %XX decoded, '+' a space in the query;
 * the result is a C string (an encoded NUL ends it, as for MHD). */
static char *unescape(const char *s, size_t n, int plus)
{
	char *out = malloc(n + 1);
	size_t j = 0;
	if (out == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n && (hi = s[i + 1]) != 0 && (lo = s[i + 2]) != 0 &&
		    strchr("0123456789abcdefABCDEF", hi) && strchr("0123456789abcdefABCDEF", lo)) {
			char hex[3] = {(char)hi, (char)lo, 0};
			out[j++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else if (plus && s[i] == '+') {
			out[j++] = ' ';
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	return out;
}

/* The query string into an object of strings, as http.c's add_query. */
static void parse_query(json_t *q, const char *s, size_t n)
{
	size_t i = 0;
	while (i <= n) {
		size_t end = i;
		while (end < n && s[end] != '&')
			end++;
		if (end > i) {
			const char *eq = memchr(s + i, '=', end - i);
			size_t klen = eq ? (size_t)(eq - (s + i)) : end - i;
			char *k = unescape(s + i, klen, 1);
			char *v = eq ? unescape(eq + 1, (size_t)(s + end - eq - 1), 1) : NULL;
			/* MHD reports every occurrence; the object keeps the last. */
			json_object_set_new(q, k, json_string(v ? v : ""));
			free(k);
			free(v);
		}
		i = end + 1;
	}
}

/* The first header named name (case-insensitive), value trimmed; owned. */
static char *find_header(const char *h, size_t n, const char *name)
{
	size_t nl = strlen(name), i = 0;
	while (i < n) {
		size_t end = i;
		while (end < n && h[end] != '\n')
			end++;
		size_t e = end;
		if (e > i && h[e - 1] == '\r')
			e--;
		if (e - i > nl && strncasecmp(h + i, name, nl) == 0 && h[i + nl] == ':') {
			size_t v = i + nl + 1;
			while (v < e && (h[v] == ' ' || h[v] == '\t'))
				v++;
			while (e > v && (h[e - 1] == ' ' || h[e - 1] == '\t'))
				e--;
			char *out = malloc(e - v + 1);
			if (out == NULL)
				abort();
			memcpy(out, h + v, e - v);
			out[e - v] = '\0';
			return out;
		}
		i = end + 1;
	}
	return NULL;
}

static int errors_ok(const json_t *body, int want_empty)
{
	const json_t *errs = json_object_get(body, "errors");
	size_t i;
	const json_t *e;
	if (!json_is_object(body) || !json_is_array(errs))
		return 0;
	if (want_empty && json_array_size(errs) != 0)
		return 0;
	json_array_foreach(errs, i, e)
		if (!json_is_string(e))
			return 0;
	return 1;
}

static void check_envelope(const json_t *env, int status)
{
	static const char *const keys[] = {"request_id", "lease_id", "renewable", "lease_duration",
	                                   "data", "wrap_info", "warnings", "auth"};
	if (!json_is_object(env))
		fail("the envelope is not an object", status);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_get(env, keys[i]) == NULL)
			fail("the envelope lacks a key", status);
	if (json_object_get(env, "errors") != NULL)
		fail("an envelope carries errors", status);
}

/* Serialises as http.c's send_value does; the text must exist. */
static void dump_ok(json_t *v, int status)
{
	char *text = json_dumps(v, JSON_COMPACT);
	if (text == NULL)
		fail("the response body does not serialise", status);
	free(text);
}

static int allowed_final(int status)
{
	static const int ok[] = {200, 204, 400, 403, 404, 405, 413, 415};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (status == ok[i])
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	/* The request line. */
	size_t eol = 0;
	while (eol < size && in[eol] != '\n')
		eol++;
	size_t line_end = eol > 0 && in[eol - 1] == '\r' ? eol - 1 : eol;
	size_t sp = 0;
	while (sp < line_end && in[sp] != ' ')
		sp++;
	if (sp == 0 || sp == line_end)
		return 0; /* MHD answers a request line without a URL with 400 itself */
	char *method = strndup(in, sp);
	size_t us = sp + 1, ue = us;
	while (ue < line_end && in[ue] != ' ')
		ue++;
	const char *q = memchr(in + us, '?', ue - us);
	char *url = unescape(in + us, q ? (size_t)(q - (in + us)) : ue - us, 0);
	json_t *query = json_object();
	if (q != NULL)
		parse_query(query, q + 1, (size_t)(in + ue - q - 1));
	/* Headers up to an empty line, then the body. */
	size_t hs = eol < size ? eol + 1 : size, he = hs, bs = size;
	while (he < size) {
		size_t end = he;
		while (end < size && in[end] != '\n')
			end++;
		if (end == he || (end == he + 1 && in[he] == '\r')) {
			bs = end < size ? end + 1 : size;
			break;
		}
		he = end < size ? end + 1 : size;
	}
	char *ct = find_header(in + hs, he - hs, "Content-Type");
	char *xvt = find_header(in + hs, he - hs, "X-Vault-Token");
	char *authz = find_header(in + hs, he - hs, "Authorization");

	char *reader = NULL;
	cst_vault *vault = fresh_vault(&reader);
	/* The alias "reader" stands for the reader token's id. */
	if (xvt && strcmp(xvt, "reader") == 0) {
		free(xvt);
		xvt = strdup(reader);
	}
	if (authz && strcmp(authz, "Bearer reader") == 0) {
		free(authz);
		size_t n = strlen(reader) + 8;
		if ((authz = malloc(n)) == NULL)
			abort();
		snprintf(authz, n, "Bearer %s", reader);
	}
	/* Half the inputs go as root, whatever their headers say. */
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	if (h & 1) {
		free(xvt);
		xvt = strdup(ROOT_TOKEN);
	}

	current_method = method;
	current_path = url;
	struct translated t;
	int status = server_translate(&t, method, url, ct, xvt, authz, in + bs, size - bs, query);
	json_decref(query);

	/* The token rule of vault-api.md 1.1. */
	const char *want_token = xvt && *xvt ? xvt
	                         : authz && strncmp(authz, "Bearer ", 7) == 0 ? authz + 7 : NULL;
	if (t.token != want_token && !(status == 404 && t.token == NULL))
		fail("the token is not X-Vault-Token, else Authorization: Bearer", status);

	if (status != 0) {
		if (status != 400 && status != 404 && status != 405 && status != 413 && status != 415)
			fail("translation refused with an undocumented status", status);
		if (!errors_ok(t.error, status == 404 || status == 405))
			fail("translation refused without a proper errors body", status);
		dump_ok(t.error, status);
		if (trace)
			fprintf(stderr, "%.20s %.80s -> %d (translate)\n", method, url, status);
		goto done;
	}
	if (t.path == NULL || t.data == NULL || !json_is_object(t.data) || t.raw_path == NULL ||
	    !json_is_object(t.body) || !json_is_object(t.query))
		fail("translation succeeded without path, body, query or data", 0);
	if (t.op < CST_OP_READ || t.op > CST_OP_DELETE || t.op == CST_OP_CREATE)
		fail("translation gave an impossible operation", 0);
	if (t.op == CST_OP_LIST && t.path[strlen(t.path) - 1] != '/')
		fail("a list path does not end in '/'", 0);
	if (t.op != CST_OP_LIST && strcmp(t.path, t.raw_path) != 0)
		fail("the path changed on a request that is not a list", 0);
	current_path = t.path;
	/* sys/audit writes would create and read files named by the input. */
	if (strncmp(t.path, "sys/audit", 9) == 0 && t.op != CST_OP_READ)
		goto done;

	cst_request req = {.op = t.op, .flags = CST_REQ_REMOTE, .path = t.path, .data = t.data,
	                   .token = t.token ? t.token : "", .client_addr = "127.0.0.1"};
	cst_response resp = {0};
	int rc = cst_vault_request(vault, &req, &resp);
	json_t *body = NULL;
	if (rc == CST_OK) {
		if (resp.data == NULL && resp.auth == NULL && resp.warnings == NULL) {
			status = 204;
		} else {
			status = 200;
			body = server_envelope(&resp, t.path, "00000000-0000-4000-8000-000000000000");
			check_envelope(body, status);
		}
	} else if (rc == CST_ENOTFOUND && resp.data != NULL) {
		status = 404;
		body = server_envelope(&resp, t.path, "00000000-0000-4000-8000-000000000000");
		check_envelope(body, status);
	} else {
		if (rc == CST_OK)
			fail("an error without a code", 0);
		body = server_error_body(rc, &status);
		if (!errors_ok(body, 0))
			fail("an error without a proper errors body", status);
		const char *first = json_string_value(json_array_get(json_object_get(body, "errors"), 0));
		if (rc == CST_ENOTFOUND && first != NULL && strncmp(first, "no handler for route", 20) != 0)
			fail("a 404 with a message other than Vault's no-handler one", status);
		if (status >= 500) {
			fprintf(stderr, "fuzz_http: %s: %s\n", cst_strerror(rc), cst_errmsg());
			fail("a 5xx from a healthy in-memory vault", status);
		}
	}
	if (body != NULL)
		dump_ok(body, status);
	if (trace) {
		char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
		fprintf(stderr, "%.20s %.80s as %s -> %d %.160s\n", method, t.path,
		        t.token == NULL ? "(none)" : strcmp(t.token, ROOT_TOKEN) == 0 ? "root"
		                               : strcmp(t.token, reader) == 0     ? "reader"
		                                                                  : "other",
		        status, text ? text : "");
		free(text);
	}
	if (!allowed_final(status))
		fail("a status Vault does not document for this request", status);
	int root = t.token != NULL && strcmp(t.token, ROOT_TOKEN) == 0;
	int known = root || (t.token != NULL && strcmp(t.token, reader) == 0);
	if (!known && status != 403 && !(status == 400 && t.path[0] == '/'))
		fail("a request without a valid token got past authentication", status);
	if (status == 401)
		fail("401 is never sent", status);
	json_decref(body);
	cst_response_release(&resp);
done:
	server_translated_release(&t);
	cst_vault_close(vault);
	free(reader);
	free(method);
	free(url);
	free(ct);
	free(xvt);
	free(authz);
	current_method = current_path = NULL;
	return 0;
}
