/* soak.c - a bounded loopback load test of custos-server (make soak).
 *
 * Starts custos-server --config on a free loopback port with sqlite storage
 * in DIR (a real, fsync'd vault file), initialises it (3 shares, threshold
 * 2), unseals it, writes a policy for the soak/ KV paths through
 * sys/policy, creates a non-root token under it and revokes the root
 * token. Then SOAK_CLIENTS (64) threads, each on one HTTP/1.1 keep-alive
 * connection, run SOAK_SECONDS (60) of mixed traffic:
 *
 *   45%  KV reads: own keys (read-your-writes is checked) and other clients'
 *   30%  KV writes: each client owns 16 keys and writes increasing values
 *        into them; every write answered 200 is recorded as acknowledged
 *   10%  LIST of the client's folder, or of soak/
 *   15%  token create + lookup + revoke + lookup (403), and tokens with a
 *        2 s TTL left for the server's expiry sweep, looked up later (403)
 *   and now and then a request with a bogus token (403).
 *
 * Checks (each one line, "ok" or "FAIL"):
 *   - no 5xx, no status outside what each request may answer, no
 *     connection reset, short read or 30 s timeout during the load;
 *   - no stale read: a client reading its own key sees its latest
 *     acknowledged value;
 *   - zero lost acknowledged writes: every key reads back its latest
 *     acknowledged value, and LIST shows every written key;
 *   - RSS and open descriptors stable after warm-up: VmRSS from
 *     /proc/PID/status is sampled every second; with the samples split in
 *     thirds, the highest sample of the last third may exceed the sample at
 *     the end of the first third by at most max(10%, 6 MiB) (6 is
 *     SOAK_RSS_SLACK_MB). The first third is warm-up: SQLite's page cache,
 *     malloc's per-thread arenas and MHD's connection pools fill there, and
 *     after it the server measured flat (21.7 -> 22.1 MiB over 60 s on 2
 *     cores). At ~3,000 req/s the last two thirds are ~130,000 requests, so
 *     a leak of ~50 bytes per request fails. Descriptors may grow by 8.
 *     (Under ASan the quarantine grows RSS by design: raise the slack.)
 *   - drain: with all clients mid-traffic the server gets SIGTERM; every
 *     request whose bytes were sent before the signal gets a complete
 *     response, and the process exits 0 within 20 s;
 *   - durability: the server is started again on the same file, unsealed,
 *     and every acknowledged write (including those of the drain) reads
 *     back; a final SIGTERM on the idle server exits 0.
 *
 * usage: soak SERVER_BINARY DIR     (tests/soak/run.sh makes DIR)
 * Prints "soak: N passed, M failed" with request counts and req/s last;
 * exits 0 only when every check passed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KEYS 16          /* keys owned by each client */
#define MAX_CLIENTS 512
#define IO_TIMEOUT_S 30  /* a request unanswered this long is a hang */
#define DRAIN_LIMIT_S 20 /* SIGTERM to exit; systemd's TimeoutStopSec is 30 */
#define HB 320           /* latency histogram buckets */
#define SWEEP_RING 8

enum { OP_READ, OP_WRITE, OP_LIST, OP_TCREATE, OP_TLOOKUP, OP_TREVOKE, OP_OTHER, OP_N };
static const char *const op_name[OP_N] = {"read", "write", "list", "token-create",
                                          "token-lookup", "token-revoke", "other"};
enum { PH_LOAD, PH_DRAIN };

/* -- globals ------------------------------------------------------------ */

static struct {
	const char *server, *dir;
	char config[4200], log[4200], vault[4200], pidfile[4200];
	int port, clients, seconds;
	pid_t pid;
	char token[128];      /* the soak token (policy "soak") */
	char unseal[3][128];  /* base64 shares */
} g;

static atomic_int stop_flag;
static atomic_ullong total_requests;
static _Atomic double t_term; /* monotonic time SIGTERM was sent; 0 before */
static double t_load;          /* monotonic time the load started */
static int passed, failed;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int detail_lines;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One detail line, on stdout to keep the order; only the first 40 are shown. */
__attribute__((format(printf, 1, 2))) static void detail(const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&log_lock);
	if (detail_lines++ < 40) {
		va_start(ap, fmt);
		fputs("  ! ", stdout);
		vfprintf(stdout, fmt, ap);
		fputc('\n', stdout);
		va_end(ap);
	}
	pthread_mutex_unlock(&log_lock);
}

__attribute__((format(printf, 2, 3))) static void check(int ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s ", ok ? "ok  " : "FAIL");
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	va_end(ap);
	if (ok)
		passed++;
	else
		failed++;
}

__attribute__((format(printf, 1, 2), noreturn)) static void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("soak: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (g.pid > 0)
		kill(g.pid, SIGKILL);
	printf("soak: %d passed, %d failed (setup error)\n", passed, failed + 1);
	exit(1);
}

/* -- a minimal HTTP/1.1 keep-alive client --------------------------------- */

enum { E_OK = 0, E_CONNECT = -1, E_SEND = -2, E_NORESP = -3, E_TRUNC = -4, E_TIMEOUT = -5,
       E_PROTO = -6 };

static const char *err_name(int e)
{
	switch (e) {
	case E_CONNECT: return "connect failed";
	case E_SEND: return "send failed";
	case E_NORESP: return "connection closed with no response";
	case E_TRUNC: return "response cut short";
	case E_TIMEOUT: return "no response in 30 s";
	case E_PROTO: return "malformed response";
	default: return "ok";
	}
}

typedef struct conn {
	int fd;
	size_t in_len;
	char in[16384];
} conn;

typedef struct resp {
	int status;
	char *body;
	size_t len;
} resp;

static void conn_close(conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->in_len = 0;
}

static int conn_open(conn *c)
{
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)g.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return E_CONNECT;
	int one = 1;
	struct timeval tv = {IO_TIMEOUT_S, 0};
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return E_CONNECT;
	}
	c->fd = fd;
	c->in_len = 0;
	return E_OK;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return E_SEND;
		p += w;
		n -= (size_t)w;
	}
	return E_OK;
}

/* recv into buf; E_OK with *got > 0, or the error. */
static int recv_some(int fd, char *buf, size_t cap, size_t *got)
{
	for (;;) {
		ssize_t n = recv(fd, buf, cap, 0);
		if (n > 0)
			return *got = (size_t)n, E_OK;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return E_TIMEOUT;
		return E_NORESP; /* EOF or reset */
	}
}

static int read_response(conn *c, resp *r)
{
	int any = c->in_len > 0, rc;
	char *end;
	size_t got;
	while ((end = memmem(c->in, c->in_len, "\r\n\r\n", 4)) == NULL) {
		if (c->in_len == sizeof(c->in))
			return E_PROTO;
		if ((rc = recv_some(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, &got)) < 0)
			return rc == E_NORESP && any ? E_TRUNC : rc;
		c->in_len += got;
		any = 1;
	}
	size_t head = (size_t)(end - c->in) + 4;
	*end = '\0';
	if (strncmp(c->in, "HTTP/1.", 7) != 0 || strlen(c->in) < 12)
		return E_PROTO;
	r->status = atoi(c->in + 9);
	long long length = -1;
	int closing = c->in[7] == '0';
	for (char *line = strstr(c->in, "\r\n"); line; line = strstr(line, "\r\n")) {
		line += 2;
		if (strncasecmp(line, "Content-Length:", 15) == 0)
			length = atoll(line + 15);
		else if (strncasecmp(line, "Connection:", 11) == 0)
			closing |= strncasecmp(line + 11 + strspn(line + 11, " "), "close", 5) == 0;
		else if (strncasecmp(line, "Transfer-Encoding:", 18) == 0)
			return E_PROTO; /* custos answers with buffers: always a length */
	}
	if (length < 0)
		length = (r->status == 204 || r->status == 304 || r->status < 200) ? 0 : -1;
	if (length < 0 || length > 16 * 1024 * 1024)
		return E_PROTO;
	r->body = malloc((size_t)length + 1);
	if (r->body == NULL)
		return E_PROTO;
	size_t have = c->in_len - head < (size_t)length ? c->in_len - head : (size_t)length;
	memcpy(r->body, c->in + head, have);
	memmove(c->in, c->in + head + have, c->in_len - head - have);
	c->in_len -= head + have;
	while (have < (size_t)length) {
		if ((rc = recv_some(c->fd, r->body + have, (size_t)length - have, &got)) < 0) {
			free(r->body);
			r->body = NULL;
			return rc == E_NORESP ? E_TRUNC : rc;
		}
		have += got;
	}
	r->body[length] = '\0';
	r->len = (size_t)length;
	if (closing)
		conn_close(c);
	return E_OK;
}

/* One request on c (connecting first when needed). *t_sent is when the
 * last byte of the request was handed to the kernel. */
static int http(conn *c, const char *method, const char *path, const char *token,
                const char *body, resp *r, double *t_sent)
{
	char head[1024];
	int rc;
	r->status = 0;
	r->body = NULL;
	r->len = 0;
	if (t_sent)
		*t_sent = 0;
	if (c->fd < 0 && (rc = conn_open(c)) < 0)
		return rc;
	size_t blen = body ? strlen(body) : 0;
	int n = snprintf(head, sizeof(head),
	                 "%s /v1/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s%s%s"
	                 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
	                 method, path, g.port, token ? "X-Vault-Token: " : "", token ? token : "",
	                 token ? "\r\n" : "", blen);
	if (n < 0 || (size_t)n >= sizeof(head))
		return E_PROTO;
	/* One buffer, one send: no Nagle/delayed-ACK stall between the parts. */
	char *req = malloc((size_t)n + blen);
	if (req == NULL)
		return E_SEND;
	memcpy(req, head, (size_t)n);
	if (blen)
		memcpy(req + n, body, blen);
	rc = send_all(c->fd, req, (size_t)n + blen);
	free(req);
	if (t_sent)
		*t_sent = now_s();
	if (rc == E_OK)
		rc = read_response(c, r);
	if (rc < 0)
		conn_close(c);
	return rc;
}

static json_t *resp_json(const resp *r)
{
	return r->body ? json_loadb(r->body, r->len, 0, NULL) : NULL;
}

/* -- the server process --------------------------------------------------- */

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		fatal("cannot find a free port: %s", strerror(errno));
	close(fd);
	return ntohs(sin.sin_port);
}

static void write_config(void)
{
	FILE *f = fopen(g.config, "w");
	if (f == NULL)
		fatal("cannot write %s: %s", g.config, strerror(errno));
	fprintf(f,
	        "storage \"sqlite\" { path = \"%s\" }\n"
	        "listener \"tcp\" {\n"
	        "  address = \"127.0.0.1:%d\"\n"
	        "  tls_disable = true\n"
	        "  max_request_size = 65536\n"
	        "  max_connections = %d\n"
	        "  timeout = \"30s\"\n"
	        "}\n",
	        g.vault, g.port, g.clients + 64);
	fclose(f);
}

static void start_server(void)
{
	pid_t pid = fork();
	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(g.log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(g.server, g.server, "--config", g.config, (char *)NULL);
		_exit(127);
	}
	g.pid = pid;
	/* For run.sh, to kill it should this process itself be killed. */
	FILE *f = fopen(g.pidfile, "w");
	if (f) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
	for (int i = 0; i < 200; i++) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			g.pid = 0;
			fatal("custos-server exited at start (status %d); see %s", status, g.log);
		}
		conn c = {.fd = -1};
		if (conn_open(&c) == E_OK) {
			conn_close(&c);
			return;
		}
		usleep(50 * 1000);
	}
	fatal("custos-server did not listen on port %d within 10 s", g.port);
}

/* SIGTERM, then wait up to DRAIN_LIMIT_S; returns the exit status, or -1
 * (killed after the limit) or -2 (died from a signal). */
static int stop_server(double *took)
{
	double t0 = now_s();
	kill(g.pid, SIGTERM);
	int status = 0;
	for (;;) {
		pid_t w = waitpid(g.pid, &status, WNOHANG);
		if (w == g.pid)
			break;
		if (now_s() - t0 > DRAIN_LIMIT_S) {
			kill(g.pid, SIGKILL);
			waitpid(g.pid, &status, 0);
			g.pid = 0;
			unlink(g.pidfile);
			*took = now_s() - t0;
			return -1;
		}
		usleep(10 * 1000);
	}
	g.pid = 0;
	unlink(g.pidfile);
	*took = now_s() - t0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
}

/* Setup requests: any surprise is fatal. */
static json_t *must(conn *c, const char *method, const char *path, const char *token,
                    const char *body, int want)
{
	resp r;
	int rc = http(c, method, path, token, body, &r, NULL);
	if (rc < 0)
		fatal("%s %s: %s", method, path, err_name(rc));
	if (r.status != want)
		fatal("%s %s: status %d, want %d: %.300s", method, path, r.status, want,
		      r.body ? r.body : "");
	json_t *j = resp_json(&r);
	free(r.body);
	return j;
}

static void unseal(conn *c)
{
	for (int i = 0; i < 2; i++) {
		char body[256];
		snprintf(body, sizeof(body), "{\"key\":\"%s\"}", g.unseal[i]);
		json_t *s = must(c, "PUT", "sys/unseal", NULL, body, 200);
		int sealed = json_is_true(json_object_get(s, "sealed"));
		json_decref(s);
		if (sealed != (i == 0))
			fatal("unseal: sealed=%d after %d of 2 shares", sealed, i + 1);
	}
}

static const char policy[] =
	"{\"policy\":\"path \\\"secret/data/soak/*\\\" { capabilities = [\\\"create\\\", "
	"\\\"read\\\", \\\"update\\\"] }\\n"
	"path \\\"secret/metadata/soak/*\\\" { capabilities = [\\\"list\\\"] }\\n"
	"path \\\"secret/metadata/soak\\\" { capabilities = [\\\"list\\\"] }\\n"
	"path \\\"auth/token/create\\\" { capabilities = [\\\"update\\\"] }\\n"
	"path \\\"auth/token/lookup\\\" { capabilities = [\\\"update\\\"] }\\n"
	"path \\\"auth/token/revoke\\\" { capabilities = [\\\"update\\\"] }\\n\"}";

static void setup(void)
{
	conn c = {.fd = -1};
	json_t *init = must(&c, "PUT", "sys/init", NULL,
	                    "{\"secret_shares\":3,\"secret_threshold\":2}", 200);
	json_t *keys = json_object_get(init, "keys_base64");
	const char *root = json_string_value(json_object_get(init, "root_token"));
	if (json_array_size(keys) != 3 || root == NULL)
		fatal("sys/init: unexpected answer");
	for (size_t i = 0; i < 3; i++)
		snprintf(g.unseal[i], sizeof(g.unseal[i]), "%s",
		         json_string_value(json_array_get(keys, i)));
	char rootbuf[128];
	snprintf(rootbuf, sizeof(rootbuf), "%s", root);
	json_decref(init);
	unseal(&c);
	json_decref(must(&c, "PUT", "sys/policy/soak", rootbuf, policy, 204));
	json_t *tok = must(&c, "POST", "auth/token/create", rootbuf,
	                   "{\"policies\":[\"soak\"],\"ttl\":\"4h\",\"no_parent\":true}", 200);
	const char *t = json_string_value(json_object_get(json_object_get(tok, "auth"), "client_token"));
	if (t == NULL)
		fatal("auth/token/create: no client_token");
	snprintf(g.token, sizeof(g.token), "%s", t);
	json_decref(tok);
	/* The root token is not needed any more: revoke it, as in production. */
	json_decref(must(&c, "POST", "auth/token/revoke-self", rootbuf, "", 204));
	json_decref(must(&c, "GET", "sys/policy/soak", rootbuf, NULL, 403));
	conn_close(&c);
}

/* -- the clients ---------------------------------------------------------- */

typedef struct stats {
	uint64_t n[OP_N];
	uint64_t hist[OP_N][HB];
	uint64_t max_us, over_1s;
	int max_op;
	double max_at; /* seconds into the load */
	uint64_t s5xx, unexpected, transport, stale;
	uint64_t drain_dropped, drain_after, drain_answered;
	uint64_t acked, swept;
} stats;

typedef struct sweep_tok {
	char tok[96];
	double born;
} sweep_tok;

typedef struct client {
	int id, phase;
	pthread_t thread;
	conn c;
	uint64_t rng, seq;
	uint64_t acked[KEYS], attempted[KEYS];
	sweep_tok ring[SWEEP_RING];
	size_t ring_n;
	stats st;
} client;

static client *clients;

static unsigned bucket(uint64_t us)
{
	if (us < 8)
		return (unsigned)us;
	unsigned o = 63u - (unsigned)__builtin_clzll(us);
	unsigned i = (o - 2) * 8 + (unsigned)((us >> (o - 3)) & 7);
	return i < HB ? i : HB - 1;
}

static uint64_t bucket_top(unsigned i)
{
	if (i < 8)
		return i;
	unsigned o = i / 8 + 2;
	return ((uint64_t)(8 + i % 8 + 1) << (o - 3)) - 1;
}

static uint64_t rnd(client *cl)
{
	uint64_t x = cl->rng; /* xorshift64* */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	cl->rng = x;
	return x * 2685821657736338717ULL;
}

/* A request with its allowed statuses (0-terminated). Returns the status,
 * or a negative E_ code. Counts, times and classifies it. */
static int req(client *cl, int op, const char *method, const char *path, const char *token,
               const char *body, resp *r, const int *allowed)
{
	double t_sent, t0 = now_s();
	int rc = http(&cl->c, method, path, token, body, r, &t_sent);
	uint64_t us = (uint64_t)((now_s() - t0) * 1e6);
	atomic_fetch_add_explicit(&total_requests, 1, memory_order_relaxed);
	stats *s = &cl->st;
	s->n[op]++;
	if (rc < 0) {
		if (cl->phase == PH_DRAIN) {
			double tt = atomic_load(&t_term);
			/* Sent before SIGTERM: the drain owes it an answer. */
			if (rc != E_CONNECT && t_sent > 0 && (tt == 0 || t_sent < tt)) {
				s->drain_dropped++;
				detail("drain: %s %s sent %.1f ms before SIGTERM: %s", method, path,
				       tt == 0 ? 0.0 : (tt - t_sent) * 1e3, err_name(rc));
			} else {
				s->drain_after++;
			}
		} else {
			s->transport++;
			detail("%s %s: %s", method, path, err_name(rc));
		}
		return rc;
	}
	s->hist[op][bucket(us)]++;
	if (us > s->max_us) {
		s->max_us = us;
		s->max_op = op;
		s->max_at = t0 - t_load;
	}
	s->over_1s += us >= 1000000;
	if (cl->phase == PH_DRAIN && atomic_load(&t_term) != 0)
		s->drain_answered++;
	if (r->status >= 500) {
		s->s5xx++;
		detail("%s %s: %d %.200s", method, path, r->status, r->body ? r->body : "");
		return r->status;
	}
	for (const int *a = allowed; *a; a++)
		if (*a == r->status)
			return r->status;
	s->unexpected++;
	detail("%s %s: unexpected %d %.200s", method, path, r->status, r->body ? r->body : "");
	return r->status;
}

static const int ok200[] = {200, 0}, ok204[] = {204, 0}, ok403[] = {403, 0},
                 ok200_404[] = {200, 404, 0};

/* The value of data.data.v in a KV read, or -1. */
static long long kv_value(const resp *r)
{
	json_t *j = resp_json(r);
	const char *v = json_string_value(json_object_get(json_object_get(json_object_get(j, "data"),
	                                                                   "data"), "v"));
	long long n = v ? atoll(v) : -1;
	json_decref(j);
	return n;
}

/* A read of client owner's key k, checked against what owner recorded. */
static void check_read(client *cl, const client *owner, int k, const resp *r, const char *path,
                       uint64_t *bad)
{
	if (r->status == 404) {
		if (owner->acked[k] != 0) {
			(*bad)++;
			detail("%s: 404, but value %llu was acknowledged", path,
			       (unsigned long long)owner->acked[k]);
		}
		return;
	}
	long long v = kv_value(r);
	if (v < 0 || (uint64_t)v < owner->acked[k] || (uint64_t)v > owner->attempted[k]) {
		(*bad)++;
		detail("%s: read %lld, acknowledged %llu, last attempted %llu", path, v,
		       (unsigned long long)owner->acked[k], (unsigned long long)owner->attempted[k]);
	}
	(void)cl;
}

static void op_read(client *cl)
{
	char path[128];
	resp r;
	int own = rnd(cl) % 2 == 0;
	int who = own ? cl->id : (int)(rnd(cl) % (uint64_t)g.clients);
	int k = (int)(rnd(cl) % KEYS);
	snprintf(path, sizeof(path), "secret/data/soak/c%03d/k%02d", who, k);
	if (req(cl, OP_READ, "GET", path, g.token, NULL, &r, ok200_404) > 0 && own)
		check_read(cl, cl, k, &r, path, &cl->st.stale);
	free(r.body);
}

static void op_write(client *cl)
{
	char path[128], body[1400], pad[1025];
	resp r;
	int k = (int)(rnd(cl) % KEYS);
	size_t padlen = 16 + rnd(cl) % 1008;
	for (size_t i = 0; i < padlen; i++)
		pad[i] = "0123456789abcdef"[rnd(cl) & 15];
	pad[padlen] = '\0';
	uint64_t seq = ++cl->seq;
	snprintf(path, sizeof(path), "secret/data/soak/c%03d/k%02d", cl->id, k);
	snprintf(body, sizeof(body), "{\"data\":{\"v\":\"%llu\",\"client\":\"c%03d\",\"pad\":\"%s\"}}",
	         (unsigned long long)seq, cl->id, pad);
	cl->attempted[k] = seq;
	if (req(cl, OP_WRITE, "POST", path, g.token, body, &r, ok200) == 200) {
		cl->acked[k] = seq;
		cl->st.acked++;
	}
	free(r.body);
}

static void op_list(client *cl)
{
	char path[128];
	resp r;
	int top = rnd(cl) % 4 == 0, any = 0;
	for (int k = 0; k < KEYS; k++)
		any |= cl->acked[k] != 0;
	if (top)
		snprintf(path, sizeof(path), "secret/metadata/soak/");
	else
		snprintf(path, sizeof(path), "secret/metadata/soak/c%03d/", cl->id);
	int st = req(cl, OP_LIST, "LIST", path, g.token, NULL, &r, ok200_404);
	if (st == 404 && any) {
		cl->st.stale++;
		detail("LIST %s: 404 after acknowledged writes", path);
	}
	free(r.body);
}

static void op_token(client *cl)
{
	resp r;
	char body[256], tok[96];
	int swept = rnd(cl) % 4 == 0;
	/* Expired tokens from earlier: the sweep (or the lookup) revokes them. */
	if (cl->ring_n > 0 && now_s() - cl->ring[0].born > 8) {
		snprintf(body, sizeof(body), "{\"token\":\"%s\"}", cl->ring[0].tok);
		req(cl, OP_TLOOKUP, "POST", "auth/token/lookup", g.token, body, &r, ok403);
		free(r.body);
		memmove(cl->ring, cl->ring + 1, (cl->ring_n - 1) * sizeof(cl->ring[0]));
		cl->ring_n--;
		cl->st.swept++;
		return;
	}
	if (swept && cl->ring_n == SWEEP_RING)
		swept = 0;
	if (req(cl, OP_TCREATE, "POST", "auth/token/create", g.token,
	        swept ? "{\"policies\":[\"default\"],\"ttl\":\"2s\"}"
	              : "{\"policies\":[\"default\"],\"ttl\":\"10m\"}",
	        &r, ok200) != 200) {
		free(r.body);
		return;
	}
	json_t *j = resp_json(&r);
	free(r.body);
	const char *t = json_string_value(json_object_get(json_object_get(j, "auth"), "client_token"));
	snprintf(tok, sizeof(tok), "%s", t ? t : "");
	json_decref(j);
	if (!tok[0]) {
		cl->st.unexpected++;
		detail("auth/token/create: 200 without auth.client_token");
		return;
	}
	if (swept) {
		snprintf(cl->ring[cl->ring_n].tok, sizeof(cl->ring[0].tok), "%s", tok);
		cl->ring[cl->ring_n++].born = now_s();
		return;
	}
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", tok);
	if (atomic_load(&stop_flag))
		return;
	if (req(cl, OP_TLOOKUP, "POST", "auth/token/lookup", g.token, body, &r, ok200) == 200) {
		json_t *l = resp_json(&r);
		const char *id = json_string_value(json_object_get(json_object_get(l, "data"), "id"));
		if (id == NULL || strcmp(id, tok) != 0) {
			cl->st.unexpected++;
			detail("auth/token/lookup: data.id is not the token looked up");
		}
		json_decref(l);
	}
	free(r.body);
	if (atomic_load(&stop_flag))
		return;
	req(cl, OP_TREVOKE, "POST", "auth/token/revoke", g.token, body, &r, ok204);
	free(r.body);
	if (atomic_load(&stop_flag))
		return;
	req(cl, OP_TLOOKUP, "POST", "auth/token/lookup", g.token, body, &r, ok403);
	free(r.body);
}

static void op_bogus(client *cl)
{
	resp r;
	req(cl, OP_OTHER, "GET", "secret/data/soak/c000/k00", "cst.bogus-token", NULL, &r, ok403);
	free(r.body);
}

static void *client_main(void *arg)
{
	client *cl = arg;
	while (!atomic_load(&stop_flag)) {
		unsigned p = (unsigned)(rnd(cl) % 1000);
		if (cl->phase == PH_DRAIN)
			p = p < 700 ? 500 : 0; /* writes and reads: in flight at SIGTERM */
		if (p < 450)
			op_read(cl);
		else if (p < 750)
			op_write(cl);
		else if (p < 850)
			op_list(cl);
		else if (p < 995)
			op_token(cl);
		else
			op_bogus(cl);
		if (cl->phase == PH_DRAIN && cl->c.fd < 0 && atomic_load(&t_term) != 0)
			break; /* closed by the draining server: nothing more to do */
	}
	return NULL;
}

static void run_clients(int phase)
{
	atomic_store(&stop_flag, 0);
	for (int i = 0; i < g.clients; i++) {
		clients[i].phase = phase;
		if (pthread_create(&clients[i].thread, NULL, client_main, &clients[i]) != 0)
			fatal("pthread_create: %s", strerror(errno));
	}
}

static void join_clients(void)
{
	atomic_store(&stop_flag, 1);
	for (int i = 0; i < g.clients; i++) {
		pthread_join(clients[i].thread, NULL);
		conn_close(&clients[i].c);
	}
}

/* -- resource samples ----------------------------------------------------- */

typedef struct sample {
	long rss_kb, fds, threads;
} sample;

static sample samples[4096];
static size_t n_samples;

static sample take_sample(pid_t pid)
{
	sample s = {-1, -1, -1};
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			s.rss_kb = atol(line + 6);
		else if (strncmp(line, "Threads:", 8) == 0)
			s.threads = atol(line + 8);
	}
	if (f)
		fclose(f);
	/* The server is not dumpable, so its fd directory belongs to root:
	 * counted only when readable. */
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (d) {
		s.fds = 0;
		for (struct dirent *e; (e = readdir(d)) != NULL;)
			s.fds += e->d_name[0] != '.';
		closedir(d);
	}
	return s;
}

/* -- verification ---------------------------------------------------------- */

/* Reads back every key of every client and lists every folder; returns the
 * number of acknowledged writes not found (lost or older). */
static uint64_t verify(uint64_t *checked)
{
	client v = {.id = -1, .c = {.fd = -1}, .rng = 1};
	uint64_t bad = 0;
	*checked = 0;
	for (int i = 0; i < g.clients; i++) {
		client *owner = &clients[i];
		int written = 0;
		for (int k = 0; k < KEYS; k++) {
			char path[128];
			resp r;
			snprintf(path, sizeof(path), "secret/data/soak/c%03d/k%02d", i, k);
			int st = req(&v, OP_READ, "GET", path, g.token, NULL, &r, ok200_404);
			if (st == 200 || st == 404)
				check_read(&v, owner, k, &r, path, &bad);
			else
				bad += owner->acked[k] != 0;
			free(r.body);
			(*checked) += owner->acked[k] != 0;
			written |= owner->acked[k] != 0;
		}
		if (!written)
			continue;
		char path[128];
		resp r;
		snprintf(path, sizeof(path), "secret/metadata/soak/c%03d/", i);
		if (req(&v, OP_LIST, "LIST", path, g.token, NULL, &r, ok200) == 200) {
			json_t *j = resp_json(&r);
			json_t *keys = json_object_get(json_object_get(j, "data"), "keys");
			for (int k = 0; k < KEYS; k++) {
				if (owner->acked[k] == 0)
					continue;
				char name[16];
				int found = 0;
				snprintf(name, sizeof(name), "k%02d", k);
				for (size_t x = 0; x < json_array_size(keys); x++)
					found |= strcmp(json_string_value(json_array_get(keys, x)), name) == 0;
				if (!found) {
					bad++;
					detail("LIST %s: %s missing", path, name);
				}
			}
			json_decref(j);
		} else {
			bad++;
		}
		free(r.body);
	}
	conn_close(&v.c);
	bad += v.st.s5xx + v.st.unexpected + v.st.transport;
	return bad;
}

static void sum_stats(stats *t)
{
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < g.clients; i++) {
		const stats *s = &clients[i].st;
		for (int o = 0; o < OP_N; o++) {
			t->n[o] += s->n[o];
			for (int b = 0; b < HB; b++)
				t->hist[o][b] += s->hist[o][b];
		}
		if (s->max_us > t->max_us) {
			t->max_us = s->max_us;
			t->max_op = s->max_op;
			t->max_at = s->max_at;
		}
		t->over_1s += s->over_1s;
		t->s5xx += s->s5xx;
		t->unexpected += s->unexpected;
		t->transport += s->transport;
		t->stale += s->stale;
		t->drain_dropped += s->drain_dropped;
		t->drain_after += s->drain_after;
		t->drain_answered += s->drain_answered;
		t->acked += s->acked;
		t->swept += s->swept;
	}
}

static double pct_ms(const stats *s, int op, double q)
{
	uint64_t n = 0, seen = 0;
	for (int b = 0; b < HB; b++)
		n += s->hist[op][b];
	if (n == 0)
		return 0;
	for (int b = 0; b < HB; b++) {
		seen += s->hist[op][b];
		if ((double)seen >= q * (double)n)
			return (double)bucket_top((unsigned)b) / 1000.0;
	}
	return 0;
}

static uint64_t total_of(const stats *s)
{
	uint64_t n = 0;
	for (int o = 0; o < OP_N; o++)
		n += s->n[o];
	return n;
}

static void reset_stats(void)
{
	for (int i = 0; i < g.clients; i++)
		memset(&clients[i].st, 0, sizeof(clients[i].st));
}

/* -- main -------------------------------------------------------------------- */

static int env_int(const char *name, int dflt, int lo, int hi)
{
	const char *v = getenv(name);
	if (v == NULL || *v == '\0')
		return dflt;
	int n = atoi(v);
	if (n < lo || n > hi)
		fatal("%s must be between %d and %d", name, lo, hi);
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: soak CUSTOS_SERVER DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	g.server = argv[1];
	g.dir = argv[2];
	g.seconds = env_int("SOAK_SECONDS", 60, 3, 86400);
	g.clients = env_int("SOAK_CLIENTS", 64, 1, MAX_CLIENTS);
	snprintf(g.config, sizeof(g.config), "%s/custos.hcl", g.dir);
	snprintf(g.log, sizeof(g.log), "%s/server.log", g.dir);
	snprintf(g.vault, sizeof(g.vault), "%s/vault.db", g.dir);
	snprintf(g.pidfile, sizeof(g.pidfile), "%s/server.pid", g.dir);
	g.port = free_port();
	write_config();
	clients = calloc((size_t)g.clients, sizeof(*clients));
	if (clients == NULL)
		fatal("out of memory");
	for (int i = 0; i < g.clients; i++) {
		clients[i].id = i;
		clients[i].c.fd = -1;
		clients[i].rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1) ^ (uint64_t)time(NULL);
	}

	start_server();
	setup();
	printf("soak: custos-server pid %d on 127.0.0.1:%d, sqlite %s; %d clients for %d s\n",
	       (int)g.pid, g.port, g.vault, g.clients, g.seconds);

	/* 1. load, sampling the server every second */
	sample base = take_sample(g.pid);
	double t0 = t_load = now_s();
	run_clients(PH_LOAD);
	for (int s = 1; s <= g.seconds; s++) {
		double wake = t0 + s;
		while (now_s() < wake)
			usleep((useconds_t)((wake - now_s()) * 1e6) + 100);
		if (n_samples < sizeof(samples) / sizeof(samples[0]))
			samples[n_samples++] = take_sample(g.pid);
		if (s % 10 == 0 || s == g.seconds)
			printf("soak: %3d s  %8llu requests  RSS %6.1f MiB  fds %ld  threads %ld\n", s,
			       (unsigned long long)atomic_load(&total_requests),
			       (double)samples[n_samples - 1].rss_kb / 1024.0, samples[n_samples - 1].fds,
			       samples[n_samples - 1].threads);
	}
	join_clients();
	double elapsed = now_s() - t0;
	stats load;
	sum_stats(&load);
	uint64_t n_load = total_of(&load);

	printf("soak: %llu requests in %.1f s = %.0f req/s; acknowledged writes %llu\n",
	       (unsigned long long)n_load, elapsed, (double)n_load / elapsed,
	       (unsigned long long)load.acked);
	for (int o = 0; o < OP_N; o++)
		if (load.n[o])
			printf("soak:   %-13s %8llu  p50 %7.2f ms  p99 %7.2f ms\n", op_name[o],
			       (unsigned long long)load.n[o], pct_ms(&load, o, 0.50), pct_ms(&load, o, 0.99));
	printf("soak:   slowest request %.1f ms (%s, %.1f s in); %llu over 1 s; expired tokens "
	       "looked up %llu\n",
	       (double)load.max_us / 1000.0, op_name[load.max_op], load.max_at,
	       (unsigned long long)load.over_1s, (unsigned long long)load.swept);

	check(load.s5xx == 0, "no 5xx answers (%llu of %llu)", (unsigned long long)load.s5xx,
	      (unsigned long long)n_load);
	check(load.unexpected == 0, "every answer one the request allows (%llu unexpected)",
	      (unsigned long long)load.unexpected);
	check(load.transport == 0, "no reset, short read or 30 s hang (%llu)",
	      (unsigned long long)load.transport);
	check(load.stale == 0, "read-your-writes on every own-key read and LIST (%llu stale)",
	      (unsigned long long)load.stale);

	/* 2. every acknowledged write reads back, live */
	uint64_t checked, lost = verify(&checked);
	check(lost == 0, "zero lost acknowledged writes, live (%llu keys checked, %llu bad)",
	      (unsigned long long)checked, (unsigned long long)lost);

	/* 3. resources stable after warm-up */
	size_t third = n_samples / 3;
	long at_third = samples[third > 0 ? third - 1 : 0].rss_kb, last_max = 0;
	long fd_third = samples[third > 0 ? third - 1 : 0].fds, fd_max = -1;
	for (size_t i = n_samples - third; i < n_samples; i++) {
		if (samples[i].rss_kb > last_max)
			last_max = samples[i].rss_kb;
		if (samples[i].fds > fd_max)
			fd_max = samples[i].fds;
	}
	long slack = (long)env_int("SOAK_RSS_SLACK_MB", 6, 0, 1 << 20) * 1024;
	long limit = at_third + (at_third / 10 > slack ? at_third / 10 : slack);
	printf("soak: RSS MiB per second:");
	for (size_t i = 0; i < n_samples; i++)
		printf("%s%.1f", i % 15 == 0 ? "\nsoak:   " : " ", (double)samples[i].rss_kb / 1024.0);
	printf("\n");
	check(n_samples >= 3 && at_third > 0 && last_max <= limit,
	      "RSS stable: before load %.1f MiB, end of first third %.1f MiB, max of last third "
	      "%.1f MiB (limit %.1f)",
	      (double)base.rss_kb / 1024.0, (double)at_third / 1024.0, (double)last_max / 1024.0,
	      (double)limit / 1024.0);
	if (fd_third >= 0)
		check(fd_max <= fd_third + 8, "open descriptors stable: %ld at first third, max %ld last third",
		      fd_third, fd_max);

	/* 4. drain: SIGTERM with every client mid-traffic */
	reset_stats();
	run_clients(PH_DRAIN);
	usleep(1000 * 1000);
	atomic_store(&t_term, now_s());
	double took;
	int exit_status = stop_server(&took);
	join_clients();
	stats drain;
	sum_stats(&drain);
	check(drain.drain_dropped == 0 && drain.s5xx == 0 && drain.unexpected == 0,
	      "drain: every request sent before SIGTERM answered (%llu dropped, %llu 5xx; %llu "
	      "answered after the signal, %llu refused or cut after it)",
	      (unsigned long long)drain.drain_dropped, (unsigned long long)drain.s5xx,
	      (unsigned long long)drain.drain_answered, (unsigned long long)drain.drain_after);
	check(exit_status == 0, "SIGTERM under load: exit status %d after %.2f s", exit_status, took);

	/* 5. durability: start again on the same file, unseal, read back */
	start_server();
	conn c = {.fd = -1};
	json_t *s = must(&c, "GET", "sys/seal-status", NULL, NULL, 200);
	int sealed = json_is_true(json_object_get(s, "sealed"));
	json_decref(s);
	if (!sealed)
		fatal("restarted server is not sealed");
	unseal(&c);
	conn_close(&c);
	lost = verify(&checked);
	check(lost == 0, "zero lost acknowledged writes after restart (%llu keys, incl. %llu writes "
	      "acknowledged during the drain)", (unsigned long long)checked,
	      (unsigned long long)drain.acked);
	exit_status = stop_server(&took);
	check(exit_status == 0, "SIGTERM when idle: exit status %d after %.2f s", exit_status, took);

	printf("soak: %d passed, %d failed; %llu requests in %.1f s = %.0f req/s (%llu reads, %llu "
	       "writes, %llu lists, %llu token ops)\n",
	       passed, failed, (unsigned long long)n_load, elapsed, (double)n_load / elapsed,
	       (unsigned long long)load.n[OP_READ], (unsigned long long)load.n[OP_WRITE],
	       (unsigned long long)load.n[OP_LIST],
	       (unsigned long long)(load.n[OP_TCREATE] + load.n[OP_TLOOKUP] + load.n[OP_TREVOKE]));
	free(clients);
	return failed == 0 ? 0 : 1;
}
