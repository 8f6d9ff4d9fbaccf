/* transport.c - libcurl and libpq behind cst_check_transport. Redirects
 * are not followed (a secret header must not go to a host the user did not
 * name), only http and https are spoken, and every call has a timeout.
 * PostgreSQL logins to a host that is not loopback must use TLS. */
#include "check/transport.h"

#include <curl/curl.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "util/mem.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static size_t keep_body(char *p, size_t size, size_t n, void *payload)
{
	cst_check_outcome *o = payload;
	size_t len = size * n, room = CST_CHECK_BODY_MAX - o->body_len;
	memcpy(o->body + o->body_len, p, len < room ? len : room);
	o->body_len += len < room ? len : room;
	o->body[o->body_len] = '\0';
	return len;
}

static int http(cst_check_outcome *o, const cst_check_plan *p, long timeout_ms)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	if (c == NULL)
		return cst_fail(CST_ENOMEM, "check: cannot start libcurl");
	for (size_t i = 0; i < p->n_headers; i++)
		h = curl_slist_append(h, p->headers[i]);
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, p->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, o);
	if (strcmp(p->method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, p->body ? p->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)p->body_len);
	}
	double t0 = now_ms();
	CURLcode rc = curl_easy_perform(c);
	o->latency_ms = now_ms() - t0;
	if (rc == CURLE_OK) {
		o->reached = 1;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &o->http_status);
	} else {
		/* curl's own text names the failure (resolve, connect, TLS,
		 * timeout); it holds no header values. */
		snprintf(o->detail, sizeof(o->detail), "%s", curl_easy_strerror(rc));
	}
	curl_slist_free_all(h); /* the Authorization copies: libcurl frees, cannot wipe */
	curl_easy_cleanup(c);
	return CST_OK;
}

static int is_local_host(const char *host)
{
	return host == NULL || *host == '\0' || host[0] == '/' || strcmp(host, "localhost") == 0 ||
	       strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0;
}

/* Loopback or a Unix socket may log in without TLS; anything else must
 * use sslmode=require or stronger (added when the DSN names none). */
static int tls_policy(const char *conninfo, int *add_require)
{
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &err);
	*add_require = 0;
	if (opts == NULL) {
		PQfreemem(err);
		return cst_fail(CST_EINVAL, "check: the dsn does not parse as a PostgreSQL URL");
	}
	const char *host = NULL, *hostaddr = NULL, *sslmode = NULL;
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			hostaddr = o->val;
		else if (strcmp(o->keyword, "sslmode") == 0)
			sslmode = o->val;
	}
	int local = is_local_host(hostaddr && *hostaddr ? hostaddr : host) &&
	            (host == NULL || strchr(host, ',') == NULL);
	int rc = CST_OK;
	if (!local) {
		if (sslmode == NULL || *sslmode == '\0')
			*add_require = 1;
		else if (strcmp(sslmode, "require") && strcmp(sslmode, "verify-ca") &&
		         strcmp(sslmode, "verify-full"))
			rc = cst_fail(CST_EINVAL, "check: sslmode=%s would send the password in clear to a "
			                          "host that is not loopback",
			              sslmode);
	}
	PQconninfoFree(opts);
	return rc;
}

static int postgres(cst_check_outcome *o, const cst_check_plan *p, long timeout_ms)
{
	int add_require = 0;
	int rc = tls_policy(p->conninfo, &add_require);
	if (rc < 0)
		return rc;
	char timeout[24];
	snprintf(timeout, sizeof(timeout), "%ld", timeout_ms < 2000 ? 2L : timeout_ms / 1000);
	const char *keys[] = {"dbname", "connect_timeout", "sslmode", NULL};
	const char *vals[] = {p->conninfo, timeout, add_require ? "require" : NULL, NULL};
	if (!add_require)
		keys[2] = NULL;
	double t0 = now_ms();
	/* expand_dbname: the URL in dbname is expanded, later keys win. */
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	o->latency_ms = now_ms() - t0;
	if (conn != NULL && PQstatus(conn) == CONNECTION_OK) {
		o->reached = 1;
	} else {
		const char *msg = conn ? PQerrorMessage(conn) : "out of memory";
		/* The server's own words for a refused login (SQLSTATE 28P01 and
		 * 28000, and an unknown role or database). */
		o->auth_failed = strstr(msg, "password authentication failed") != NULL ||
		                 strstr(msg, "authentication failed") != NULL ||
		                 strstr(msg, "no pg_hba.conf entry") != NULL ||
		                 (strstr(msg, "role \"") != NULL && strstr(msg, "does not exist") != NULL) ||
		                 strstr(msg, "no password supplied") != NULL;
		o->reached = o->auth_failed;
		snprintf(o->detail, sizeof(o->detail), "%s", msg);
		for (char *c = o->detail; *c; c++)
			if (*c == '\n')
				*c = ' ';
	}
	PQfinish(conn);
	return CST_OK;
}

static const cst_check_transport curl_and_libpq = {http, postgres};

void check_transport_install(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	cst_check_set_transport(&curl_and_libpq);
}
