/* metrics.h - counters for sys/metrics, kept lock-free (relaxed atomics):
 * requests and their latency per route of the engines' path tables, by
 * status; authentication failures. Exposed in Prometheus' text format
 * and in Vault's JSON shape (src/engines/sys_audit.c). */
#ifndef CST_METRICS_H
#define CST_METRICS_H

#include <stdint.h>

#include "core/router.h"
#include "util/buf.h"

typedef struct cst_metrics cst_metrics;

cst_metrics *cst_metrics_new(void); /* NULL when out of memory: then nothing is counted */
void cst_metrics_free(cst_metrics *m);

/* One request: its engine and route (NULL: no route matched), its status
 * code, its time in nanoseconds. */
void cst_metrics_request(cst_metrics *m, const cst_engine *e, const cst_route *rt, int rc,
                         int64_t ns);
enum { CST_AUTH_FAIL_TOKEN, CST_AUTH_FAIL_DENIED };
void cst_metrics_auth_failure(cst_metrics *m, int why);

/* Appends the request series in Prometheus' text format (0.0.4). */
int cst_metrics_prometheus(cst_buf *out, const cst_metrics *m) __attribute__((warn_unused_result));

/* Calls fn for each route with requests: labels, count by status, latency. */
typedef struct cst_metrics_route {
	const char *engine, *route;
	uint64_t count, sum_ns;
	const uint64_t *by_code;  /* CST_METRICS_CODES counts */
	const uint64_t *buckets;  /* CST_METRICS_BUCKETS counts (not cumulative) */
} cst_metrics_route;
#define CST_METRICS_CODES 9
#define CST_METRICS_BUCKETS 17
extern const int cst_metrics_code_value[CST_METRICS_CODES];
extern const double cst_metrics_bucket_le[CST_METRICS_BUCKETS]; /* seconds; the last is +Inf */
void cst_metrics_each(const cst_metrics *m, void (*fn)(const cst_metrics_route *r, void *payload),
                      void *payload);
uint64_t cst_metrics_auth_failures(const cst_metrics *m, int why);

#endif
