/* check.h - checking a credential against its provider: which request
 * proves it (the provider's cheapest authenticated endpoint), and what the
 * answer means. The library builds the request and reads the outcome; the
 * network itself is a transport the program registers (custos-check and
 * custos-server register libcurl and libpq, check/transport.c), so
 * libcustos and the custos CLI never load them.
 *
 * Statuses: "ok" (authenticated), "rejected" (the provider said the
 * credential is wrong: HTTP 401/403, Slack's invalid_auth, a PostgreSQL
 * authentication failure), "unreachable" (DNS, connect, TLS, timeout),
 * "error" (the provider answered something else: 429, 5xx...). */
#ifndef CST_CHECK_H
#define CST_CHECK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/url.h"

#define CST_CHECK_MAX_HEADERS 8
#define CST_CHECK_BODY_MAX 4096         /* bytes of a response body kept for reading */
#define CST_CHECK_DEFAULT_TIMEOUT_MS 10000
#define CST_CHECK_MAX_TIMEOUT_MS 60000

enum { CST_CHECK_HTTP = 1, CST_CHECK_POSTGRES = 2 };

typedef struct cst_check_plan {
	int kind;
	char method[8];
	char url[CST_URL_PATH_MAX + 400];
	char endpoint[CST_URL_PATH_MAX + 400]; /* what reports show: no secret in it */
	char *headers[CST_CHECK_MAX_HEADERS];  /* "Name: value"; owned, wiped */
	size_t n_headers;
	char *body;       /* owned, wiped; NULL for none */
	size_t body_len;
	char *conninfo;   /* PostgreSQL: the DSN; owned, wiped */
	int slack;        /* the answer is Slack's {"ok": ...} */
} cst_check_plan;

typedef struct cst_check_outcome {
	int reached;        /* an answer came back (HTTP) or a server spoke (PostgreSQL) */
	long http_status;
	int auth_failed;    /* PostgreSQL: the server refused the login */
	double latency_ms;
	char detail[256];   /* transport error text; never secret */
	char body[CST_CHECK_BODY_MAX + 1];
	size_t body_len;
} cst_check_outcome;

typedef struct cst_check_transport {
	/* Each fills out and returns CST_OK, or a negative code if it could not
	 * even try. Called from several threads at once. */
	int (*http)(cst_check_outcome *out, const cst_check_plan *plan, long timeout_ms);
	int (*postgres)(cst_check_outcome *out, const cst_check_plan *plan, long timeout_ms);
} cst_check_transport;

/* Sets the process's transport (NULL: checks answer CST_EUNSUPPORTED). */
void cst_check_set_transport(const cst_check_transport *t);

/* Builds the check of a credential. The endpoint is the provider's, or
 * the credential's base_url (url for weaviate and ollama); plain http is
 * refused (CST_EINVAL) unless the host is loopback, so no secret travels
 * in clear. now signs AWS requests. CST_EUNSUPPORTED for a type without a
 * check. */
int cst_check_plan_build(cst_check_plan *out, const char *type, const json_t *data, int64_t now)
	__attribute__((warn_unused_result));
void cst_check_plan_release(cst_check_plan *p);

/* "ok", "rejected", "unreachable" or "error" for an outcome. */
const char *cst_check_classify(const cst_check_plan *p, const cst_check_outcome *o);

/* Plans, runs and reports one check: *out gets {"type", "status",
 * "http_status", "latency_ms", "endpoint", "detail"}, never the secret. */
int cst_check_run(json_t **out, const char *type, const json_t *data, long timeout_ms)
	__attribute__((warn_unused_result));

#endif
