/* http.c - the HTTP layer: libmicrohttpd in, logical requests out. The
 * translation (method -> operation, body and query -> data, headers ->
 * token) is translate.c's; this file feeds it from the connection and
 * writes Vault's envelopes. Every check happens in the library. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/error.h"
#include "crypto/rand.h"
#include "server.h"
#include "translate.h"
#include "workers.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/json.h"
#include "util/mem.h"

/* What a request is answered with: an HTTP status and a body (NULL for
 * none), made by answer_of on an HTTP thread or a worker. */
typedef struct answer {
	int status;
	char *text; /* malloc'd */
	const char *type; /* static Content-Type of a raw body (sys/metrics); NULL: JSON */
} answer;

/* Per-request state, kept across MHD's upload callbacks and, for a
 * request handed to a worker, across the connection's suspension. */
typedef struct pending {
	cst_buf body;
	int too_large;
	int answered;  /* the 413 went out before the upload */
	int translated; /* t holds a translation to release */
	struct translated t;
	int translate_status;
	char client[64];
	/* A request run by a worker (see handle): */
	server_job job;
	server_state *st;
	struct MHD_Connection *conn;
	char method[8];
	atomic_int state; /* 0, or RUNNING, then DONE once result is set */
	answer result;
} pending;

enum { RUNNING = 1, DONE = 2 };

/* Set once SIGTERM/SIGINT arrived: answers then carry "Connection: close". */
static atomic_int stopping;
/* Requests between their first callback and their completion (answer sent,
 * or connection gone): the drain waits for this to reach zero. */
static atomic_int in_flight;
/* Open connections, counted by MHD's connection notifications, for the
 * accept policy that enforces max_connections. */
static atomic_uint open_conns;

/* The longest the drain waits for requests in flight; under systemd's
 * TimeoutStopSec=30 with room to spare. */
#define DRAIN_MAX_MS 15000

static enum MHD_Result send_typed(struct MHD_Connection *c, int status, char *text,
                                  const char *type)
{
	struct MHD_Response *r;
	if (text == NULL)
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	else /* bodies carry secrets (and sys/init's unseal keys): wiped when freed */
		r = MHD_create_response_from_buffer_with_free_callback(strlen(text), text,
		                                                       cst_free_wiped);
	if (r == NULL) {
		cst_free_wiped(text);
		return MHD_NO;
	}
	/* hvac reads errors only when Content-Type is exactly this. */
	if (text != NULL)
		MHD_add_response_header(r, "Content-Type", type ? type : "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	/* Draining: this is the connection's last answer, so keep-alive
	 * clients reconnect (and find the listener closed) instead of sending
	 * their next request into a connection about to be cut. */
	if (atomic_load(&stopping))
		MHD_add_response_header(r, "Connection", "close");
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_answer(struct MHD_Connection *c, answer a)
{
	return send_typed(c, a.status, a.text, a.type);
}

static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
	(void)kind;
	json_object_set_new(cls, key, json_string(value ? value : ""));
	return MHD_YES;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
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

static answer value_answer(int status, json_t *v)
{
	answer a = {status, v ? cst_json_dump(v) : NULL, NULL};
	json_decref(v);
	if (v != NULL && a.text == NULL) { /* out of memory: never a 200 with no body */
		static const char oom[] = "{\"errors\":[\"out of memory\"]}";
		a.status = 500;
		a.text = malloc(sizeof(oom));
		if (a.text != NULL)
			memcpy(a.text, oom, sizeof(oom));
	}
	return a;
}

static answer error_answer(int rc)
{
	int status;
	json_t *body = server_error_body(rc, &status);
	return value_answer(status, body);
}

static enum MHD_Result send_error(struct MHD_Connection *c, int rc)
{
	answer a = error_answer(rc);
	return send_answer(c, a);
}

/* answer.status of a request an HTTP thread must hand to a worker. */
#define WOULD_WAIT (-1)

/* Answers a translated request: the sys routes that answer bare JSON
 * first, whatever the method (they send their own 405s), once the path and
 * body are understood; then the vault. May block (a write waits for its
 * fsync): HTTP threads call it only for requests that read, with
 * CST_REQ_NO_WAIT, and get WOULD_WAIT for one that would write anyway
 * (a use-limited token). */
static answer answer_of(server_state *st, const char *method, struct translated *t,
                        int status, const char *client, unsigned flags)
{
	answer a = {0, NULL, NULL};
	if (t->raw_path != NULL && server_sys_special(st, method, t->raw_path, t->body, t->query,
	                                              t->token, client, &a.status, &a.text)) {
		if (strcmp(method, "HEAD") == 0) { /* no body on HEAD, ever */
			free(a.text);
			a.text = NULL;
		}
		return a;
	}
	if (status != 0) {
		json_t *error = t->error;
		t->error = NULL;
		return value_answer(status, error);
	}
	/* One id for the audit entries and the response's request_id. */
	char id[CST_UUID_LEN + 1];
	cst_rand_uuid(id);
	cst_request req = {.op = t->op, .flags = CST_REQ_REMOTE | flags, .path = t->path, .data = t->data,
	                   .token = t->token ? t->token : "", .client_addr = client,
	                   .request_id = id};
	cst_response resp = {0};
	int rc = cst_vault_request(st->vault, &req, &resp);
	if (rc == CST_EWOULDBLOCK) {
		cst_error_clear();
		a.status = WOULD_WAIT;
	} else if (rc == CST_OK && resp.raw != NULL) {
		a = (answer){200, resp.raw, resp.raw_type};
		resp.raw = NULL;
	} else if (rc == CST_OK) {
		if (resp.data == NULL && resp.auth == NULL && resp.warnings == NULL)
			a.status = 204;
		else
			a = value_answer(200, server_envelope(&resp, t->path, id));
	} else if (rc == CST_ENOTFOUND && resp.data != NULL) {
		/* KV v2: a deleted or destroyed version is a 404 with the envelope. */
		a = value_answer(404, server_envelope(&resp, t->path, id));
	} else {
		a = error_answer(rc);
	}
	cst_response_release(&resp);
	return a;
}

static void run_on_worker(server_job *job)
{
	pending *p = (pending *)(void *)((char *)job - offsetof(pending, job));
	p->result = answer_of(p->st, p->method, &p->t, p->translate_status, p->client, 0);
	atomic_store(&p->state, DONE);
	MHD_resume_connection(p->conn);
}

/* Requests that may wait long: every method but GET, HEAD and LIST (they
 * may write, and a write waits for its commit's fsync; sys/init and
 * sys/unseal are POSTs too), and reads of routes that call out. */
static int may_block(server_state *st, const char *method, const pending *p)
{
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 && strcmp(method, "LIST") != 0)
		return 1;
	return p->translate_status == 0 && st->vault != NULL &&
	       cst_vault_may_block(st->vault, p->t.op, p->t.path);
}

/* Translates the request, then answers it here (reads) or suspends the
 * connection and hands it to a worker (writes): a handful of HTTP threads
 * serve every connection without ever waiting for the disk, and reads
 * never queue behind writes. */
static enum MHD_Result handle(server_state *st, struct MHD_Connection *c, const char *url,
                              const char *method, pending *p)
{
	if (p->too_large)
		return send_error(c, cst_fail(CST_ENOMEM, "request body too large"));
	client_of(c, p->client, sizeof(p->client));
	json_t *query = json_object();
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_query, query);
	p->translate_status = server_translate(&p->t, method, url, header(c, "Content-Type"),
	                                       header(c, "X-Vault-Token"),
	                                       header(c, "Authorization"), p->body.ptr, p->body.len,
	                                       query);
	p->translated = 1;
	json_decref(query);
	if (!may_block(st, method, p)) {
		answer a = answer_of(st, method, &p->t, p->translate_status, p->client, CST_REQ_NO_WAIT);
		if (a.status != WOULD_WAIT)
			return send_answer(c, a);
	}
	snprintf(p->method, sizeof(p->method), "%s", method);
	p->st = st;
	p->conn = c;
	p->job.run = run_on_worker;
	atomic_store(&p->state, RUNNING);
	MHD_suspend_connection(c);
	if (server_workers_submit(&p->job) < 0) {
		/* Shutting down, the pool is gone: refuse it unrun, so a write
		 * never commits without its answer being able to go out. */
		p->result = error_answer(cst_fail(CST_ESEALED, "server is shutting down"));
		atomic_store(&p->state, DONE);
		MHD_resume_connection(c);
	}
	return MHD_YES;
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
		atomic_fetch_add(&in_flight, 1);
		/* A body declared over the cap: 413 now, before MHD's "100
		 * Continue" and the upload (MHD then closes the connection). */
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl != NULL && *cl >= '0' && *cl <= '9' &&
		    strtoull(cl, NULL, 10) > (unsigned long long)st->cfg.max_body) {
			p->too_large = p->answered = 1;
			return send_error(c, cst_fail(CST_ENOMEM, "request body too large"));
		}
		return MHD_YES;
	}
	if (*upload_size != 0) {
		if (!p->too_large && cst_buf_put(&p->body, upload_data, *upload_size) < 0)
			p->too_large = 1; /* keep reading, answer 413 at the end */
		*upload_size = 0;
		return MHD_YES;
	}
	if (p->answered)
		return MHD_YES;
	if (atomic_load(&p->state) == DONE) { /* a worker's answer, on resumption */
		answer a = p->result;
		p->result.text = NULL;
		return send_answer(c, a);
	}
	if (atomic_load(&p->state) == RUNNING) /* woken before the worker is done */
		return MHD_YES;
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
		if (p->translated)
			server_translated_release(&p->t);
		cst_free_wiped(p->result.text); /* an answer never sent (connection gone) */
		free(p);
		atomic_fetch_sub(&in_flight, 1);
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

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	(void)c;
	(void)socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&open_conns, 1);
	else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
		atomic_fetch_sub(&open_conns, 1);
}

/* max_connections: a connection past it is closed as soon as it is
 * accepted, so its client learns at once. MHD's own limit (set higher, see
 * server_run) would instead stop accepting and leave new clients waiting
 * in the kernel's backlog, unanswered, until an idle connection times out.
 * Workers accepting at the same instant may let in one more each. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
	const server_state *st = cls;
	(void)addr;
	(void)len;
	return atomic_load(&open_conns) < st->cfg.max_connections ? MHD_YES : MHD_NO;
}

/* One fewer than the cores, 1 to 8 (see server_run). */
static unsigned default_http_threads(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores <= 2)
		return 1;
	return cores > 9 ? 8 : (unsigned)cores - 1;
}

int server_run(server_state *st)
{
	struct sockaddr_in sin;
	int rc = parse_listen(st->cfg.listen_addr, &sin);
	if (rc < 0)
		return rc;
	cst_buf cert = CST_BUF_INIT, key = CST_BUF_INIT;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
	                 MHD_USE_ITC | /* ITC: needed by MHD_quiesce_daemon for the drain */
	                 MHD_ALLOW_SUSPEND_RESUME; /* requests handed to workers */
	if (st->cfg.tls) {
		if ((rc = cst_file_read(&cert, st->cfg.tls_cert)) < 0 ||
		    (rc = cst_file_read(&key, st->cfg.tls_key)) < 0) {
			cst_buf_release(&cert);
			cst_buf_release(&key);
			return rc;
		}
		flags |= MHD_USE_TLS;
	}
	/* HTTP threads only read and answer; requests that may block go to
	 * the workers (cfg.threads of them). By default one fewer than the
	 * cores (1 to 8): the last core is left to the workers, the kernel's
	 * network work and clients on the same machine. With as many event
	 * loops as cores, any third busy thread (a worker, a local client)
	 * makes one loop wait a scheduler slice with its connections: on 2
	 * cores the read p99 went from ~1 ms to ~4.4 ms in half the rounds
	 * (docs/benchmarks-server.md). The listener's http_threads sets it. */
	unsigned threads = st->cfg.http_threads ? st->cfg.http_threads : default_http_threads();
	unsigned mhd_limit = st->cfg.max_connections > UINT_MAX / (threads + 1)
	                             ? UINT_MAX
	                             : st->cfg.max_connections * (threads + 1);
	if ((rc = server_workers_start(st->cfg.threads ? st->cfg.threads : 1)) < 0) {
		cst_buf_release(&cert);
		cst_buf_release(&key);
		return rc;
	}
	struct MHD_OptionItem opts[] = {
		{MHD_OPTION_SOCK_ADDR, 0, &sin},
		{MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL},
		/* MHD splits its limit between the workers and a worker at its
		 * share stops accepting: high enough that one worker could hold
		 * every connection on_accept lets in, and more, so that with one
		 * thread it is on_accept that turns the next one away (closing
		 * it), not MHD's limit (leaving it unanswered in the backlog). */
		{MHD_OPTION_CONNECTION_LIMIT, (intptr_t)mhd_limit, NULL},
		{MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)st->cfg.conn_timeout_s, NULL},
		/* Caps the request line and headers (MHD answers 414/431 past
		 * it): 32 KiB, nginx's default total. MHD zeroes this pool after
		 * every request, so a larger one costs every request (64 KiB was
		 * ~8% of a KV read's CPU). Bodies stream past it (max_body). */
		{MHD_OPTION_CONNECTION_MEMORY_LIMIT, 32 * 1024, NULL},
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, st},
		{st->cfg.tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert.ptr},
		{st->cfg.tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, key.ptr},
		{MHD_OPTION_END, 0, NULL},
	};
	server_block_signals(); /* before MHD's threads: they inherit the mask */
	struct MHD_Daemon *d = MHD_start_daemon(flags, 0, on_accept, st, on_request, st,
	                                        MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	cst_buf_release(&cert);
	cst_buf_release(&key);
	if (d == NULL) {
		server_workers_stop();
		return cst_fail(CST_EIO, "cannot listen on %s (in use, or bad TLS files)",
		                st->cfg.listen_addr);
	}
	fprintf(stderr, "custos server listening on %s://%s\n", st->cfg.tls ? "https" : "http",
	        st->cfg.listen_addr);
	/* SIGTERM and SIGINT are blocked in every thread (server_block_signals,
	 * before any thread starts): this one takes them here, with no window
	 * between a check and a wait for one to be lost in. */
	sigset_t set;
	int sig = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* SIGHUP: reopen the audit files (logrotate moved them away). */
	while (sigwait(&set, &sig) != 0 || sig == SIGHUP) {
		if (sig == SIGHUP && st->vault != NULL) {
			fprintf(stderr, "custos server: SIGHUP: reopening audit files\n");
			cst_vault_audit_reopen(st->vault);
		}
		sig = 0;
	}
	atomic_store(&stopping, 1);
	/* Drain: stop accepting, let the requests in flight finish and their
	 * answers go out, then stop. Requests already read but not yet handled
	 * count as in flight; one sent but not yet read has 100 ms of quiet to
	 * be. The quiesced listening socket is ours, but may be closed only
	 * after MHD_stop_daemon; shut down now, it refuses new connections at
	 * once instead of completing handshakes nobody will answer. */
	fprintf(stderr, "custos server: shutting down\n");
	MHD_socket ls = MHD_quiesce_daemon(d);
	if (ls != MHD_INVALID_SOCKET)
		shutdown(ls, SHUT_RDWR);
	int quiet = 0;
	for (int ms = 0; ms < DRAIN_MAX_MS && quiet < 2; ms += 50) {
		quiet = atomic_load(&in_flight) == 0 ? quiet + 1 : 0;
		usleep(50 * 1000);
	}
	if (quiet < 2)
		fprintf(stderr, "custos server: %d requests still in flight after %d s; closing them\n",
		        atomic_load(&in_flight), DRAIN_MAX_MS / 1000);
	/* Every queued request runs and resumes its connection while the
	 * daemon still exists; only then may it go. */
	server_workers_stop();
	/* The jobs the pool ran last resumed their connections: let those
	 * answers go out before MHD closes every connection. */
	for (int ms = 0; ms < 2000 && atomic_load(&in_flight) > 0; ms += 10)
		usleep(10 * 1000);
	MHD_stop_daemon(d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	return CST_OK;
}

void server_block_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}
