/* http.c - the HTTP layer: libmicrohttpd in, logical requests out. It only
 * translates (method -> operation, body and query -> data, headers ->
 * token) and writes Vault's envelopes; every check happens in the library. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/error.h"
#include "server.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/json.h"
#include "util/mem.h"

/* Per-connection request state, kept across MHD's upload callbacks. */
typedef struct pending {
	cst_buf body;
	int too_large;
} pending;

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static enum MHD_Result send_json(struct MHD_Connection *c, int status, char *text)
{
	struct MHD_Response *r;
	if (text == NULL)
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	else
		r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	/* hvac reads errors only when Content-Type is exactly this. */
	if (text != NULL)
		MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_value(struct MHD_Connection *c, int status, json_t *v)
{
	char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
	json_decref(v);
	return send_json(c, status, text);
}

static enum MHD_Result send_error(struct MHD_Connection *c, int rc)
{
	int status;
	json_t *body = server_error_body(rc, &status);
	return send_value(c, status, body);
}

static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
	(void)kind;
	json_object_set_new(cls, key, json_string(value ? value : ""));
	return MHD_YES;
}

/* Go's strconv.ParseBool, which Vault uses for ?list=. */
static int parse_bool(const char *s, int *out)
{
	static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False"};
	for (int i = 0; i < 6; i++) {
		if (strcmp(s, t[i]) == 0)
			return *out = 1, 1;
		if (strcmp(s, f[i]) == 0)
			return *out = 0, 1;
	}
	return 0;
}

static const char *token_of(struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Vault-Token");
	if (t && *t)
		return t;
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (auth && strncmp(auth, "Bearer ", 7) == 0)
		return auth + 7;
	return NULL;
}

static void client_of(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = '\0';
	if (ci == NULL || ci->client_addr == NULL)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
}

/* The body as JSON: empty is fine, a form-encoded empty body too. */
static int parse_body(json_t **out, const cst_buf *body)
{
	size_t i = 0;
	while (i < body->len && (body->ptr[i] == ' ' || body->ptr[i] == '\n' ||
	                         body->ptr[i] == '\r' || body->ptr[i] == '\t'))
		i++;
	if (i == body->len) {
		*out = json_object();
		return CST_OK;
	}
	return cst_json_parse_object(out, body->ptr + i, body->len - i, "request body");
}

static int method_op(const char *method, cst_op *op)
{
	static const struct {
		const char *m;
		cst_op op;
	} map[] = {{"GET", CST_OP_READ},      {"LIST", CST_OP_LIST},     {"POST", CST_OP_UPDATE},
	           {"PUT", CST_OP_UPDATE},    {"PATCH", CST_OP_PATCH},   {"DELETE", CST_OP_DELETE}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(method, map[i].m) == 0)
			return *op = map[i].op, 1;
	return 0;
}

static enum MHD_Result handle(server_state *st, struct MHD_Connection *c, const char *url,
                              const char *method, pending *p)
{
	char client[64];
	if (p->too_large)
		return send_error(c, cst_fail(CST_ENOMEM, "request body too large"));
	if (strncmp(url, "/v1/", 4) != 0)
		return send_error(c, cst_fail(CST_ENOTFOUND, "unsupported path"));
	/* Paths arrive URL-decoded; hvac also collapses "//". */
	char path[2048];
	snprintf(path, sizeof(path), "%s", url + 4);
	json_t *query = json_object(), *body = NULL;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_query, query);
	client_of(c, client, sizeof(client));
	const char *token = token_of(c);
	int rc = parse_body(&body, &p->body);
	if (rc < 0) {
		json_decref(query);
		return send_error(c, rc);
	}
	int status;
	char *special = NULL;
	if (server_sys_special(st, method, path, body, query, token, client, &status, &special)) {
		json_decref(query);
		json_decref(body);
		if (strcmp(method, "HEAD") == 0) { /* no body on HEAD, ever */
			free(special);
			special = NULL;
		}
		return send_json(c, status, special);
	}
	cst_op op;
	if (!method_op(method, &op)) {
		json_decref(query);
		json_decref(body);
		return send_value(c, 405, json_pack("{s:[]}", "errors"));
	}
	const char *list = json_string_value(json_object_get(query, "list"));
	if (list != NULL) {
		int yes;
		if (!parse_bool(list, &yes)) {
			json_decref(query);
			json_decref(body);
			return send_value(c, 400, json_pack("{s:[]}", "errors"));
		}
		json_object_del(query, "list");
		if (yes && op == CST_OP_READ)
			op = CST_OP_LIST;
	}
	if (op == CST_OP_LIST && path[strlen(path) - 1] != '/' && strlen(path) + 1 < sizeof(path))
		strcat(path, "/");
	if (op == CST_OP_PATCH) {
		const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
		if (ct == NULL || strncasecmp(ct, "application/merge-patch+json", 28) != 0) {
			json_decref(query);
			json_decref(body);
			return send_value(c, 415, json_pack("{s:[s]}", "errors",
			                                    "PATCH requires Content-Type of "
			                                    "application/merge-patch+json"));
		}
	}
	/* GET, LIST and DELETE carry their parameters in the query string. */
	json_t *data = body;
	if (op == CST_OP_READ || op == CST_OP_LIST || op == CST_OP_DELETE)
		json_object_update(data, query);
	json_decref(query);
	cst_request req = {.op = op, .flags = CST_REQ_REMOTE, .path = path, .data = data,
	                   .token = token ? token : "", .client_addr = client};
	cst_response resp = {0};
	rc = cst_vault_request(st->vault, &req, &resp);
	json_decref(data);
	enum MHD_Result ret;
	if (rc == CST_OK) {
		if (resp.data == NULL && resp.auth == NULL && resp.warnings == NULL)
			ret = send_json(c, 204, NULL);
		else
			ret = send_value(c, 200, server_envelope(&resp, path));
	} else if (rc == CST_ENOTFOUND && resp.data != NULL) {
		/* KV v2: a deleted or destroyed version is a 404 with the envelope. */
		ret = send_value(c, 404, server_envelope(&resp, path));
	} else {
		ret = send_error(c, rc);
	}
	cst_response_release(&resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
	(void)version;
	server_state *st = cls;
	pending *p = *con_cls;
	if (p == NULL) {
		p = calloc(1, sizeof(*p));
		if (p == NULL)
			return MHD_NO;
		p->body.max = st->cfg.max_body;
		*con_cls = p;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		if (!p->too_large && cst_buf_put(&p->body, upload_data, *upload_size) < 0)
			p->too_large = 1; /* keep reading, answer 413 at the end */
		*upload_size = 0;
		return MHD_YES;
	}
	return handle(st, c, url, method, p);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	pending *p = *con_cls;
	if (p != NULL) {
		cst_buf_release(&p->body); /* wipes: bodies carry secrets */
		free(p);
	}
	*con_cls = NULL;
}

static int parse_listen(const char *addr, struct sockaddr_in *sin)
{
	char host[128];
	const char *colon = strrchr(addr, ':');
	if (colon == NULL || (size_t)(colon - addr) >= sizeof(host))
		return cst_fail(CST_EINVAL, "listen address must be HOST:PORT");
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	long port = strtol(colon + 1, NULL, 10);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	if (port < 0 || port > 65535 ||
	    inet_pton(AF_INET, strcmp(host, "localhost") == 0 ? "127.0.0.1" : host, &sin->sin_addr) != 1)
		return cst_fail(CST_EINVAL, "listen address '%.64s' is not IPv4 HOST:PORT", addr);
	return CST_OK;
}

int server_run(server_state *st)
{
	struct sockaddr_in sin;
	int rc = parse_listen(st->cfg.listen_addr, &sin);
	if (rc < 0)
		return rc;
	cst_buf cert = CST_BUF_INIT, key = CST_BUF_INIT;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
	                 MHD_USE_ITC; /* ITC: needed by MHD_quiesce_daemon for the drain */
	if (st->cfg.tls) {
		if ((rc = cst_file_read(&cert, st->cfg.tls_cert)) < 0 ||
		    (rc = cst_file_read(&key, st->cfg.tls_key)) < 0) {
			cst_buf_release(&cert);
			cst_buf_release(&key);
			return rc;
		}
		flags |= MHD_USE_TLS;
	}
	struct MHD_OptionItem opts[] = {
		{MHD_OPTION_SOCK_ADDR, 0, &sin},
		{MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)st->cfg.threads, NULL},
		{MHD_OPTION_CONNECTION_LIMIT, (intptr_t)st->cfg.max_connections, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)st->cfg.conn_timeout_s, NULL},
		/* Caps the request line and headers (MHD answers 414/431 past it). */
		{MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL},
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, st},
		{st->cfg.tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert.ptr},
		{st->cfg.tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, key.ptr},
		{MHD_OPTION_END, 0, NULL},
	};
	struct MHD_Daemon *d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, st,
	                                        MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	cst_buf_release(&cert);
	cst_buf_release(&key);
	if (d == NULL)
		return cst_fail(CST_EIO, "cannot listen on %s (in use, or bad TLS files)",
		                st->cfg.listen_addr);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "custos server listening on %s://%s\n", st->cfg.tls ? "https" : "http",
	        st->cfg.listen_addr);
	while (!stopping)
		pause();
	/* Drain: stop accepting, let requests in flight finish, then stop. */
	fprintf(stderr, "custos server: shutting down\n");
	MHD_quiesce_daemon(d);
	MHD_stop_daemon(d);
	return CST_OK;
}
