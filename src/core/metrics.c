/* metrics.c - request counters and latency histograms per route, with
 * relaxed atomics only: a request touches three counters of its own route
 * and takes no lock. Routes are those of the registered engines' path
 * tables (bounded: label values never come from request data). */
#include "core/metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

const int cst_metrics_code_value[CST_METRICS_CODES] = {200, 400, 403, 404, 405, 413, 500, 503, 0};
/* Prometheus' conventions, from 100 us: a KV read takes tens of us. */
const double cst_metrics_bucket_le[CST_METRICS_BUCKETS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1,    0.25,    0.5,    1,     2.5,    5,     10,   0 /* +Inf */};

typedef struct slot {
	atomic_uint_fast64_t by_code[CST_METRICS_CODES];
	atomic_uint_fast64_t buckets[CST_METRICS_BUCKETS];
	atomic_uint_fast64_t sum_ns;
} slot;

#define MAX_ENGINES 32

struct cst_metrics {
	size_t nslots;
	slot *slots; /* 0: no route matched; then each engine's routes in order */
	const cst_engine *engines[MAX_ENGINES];
	size_t base[MAX_ENGINES];
	size_t nengines;
	atomic_uint_fast64_t auth_failures[2];
};

cst_metrics *cst_metrics_new(void)
{
	cst_metrics *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	size_t n = 1;
	const cst_engine *e;
	for (size_t i = 0; i < MAX_ENGINES && (e = cst_engine_at(i)) != NULL; i++) {
		m->engines[i] = e;
		m->base[i] = n;
		n += e->n_routes;
		m->nengines = i + 1;
	}
	m->nslots = n;
	/* calloc'ed atomics are zero: C11 lets atomic objects start as zero bytes here */
	m->slots = calloc(n, sizeof(*m->slots));
	if (m->slots == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void cst_metrics_free(cst_metrics *m)
{
	if (m == NULL)
		return;
	free(m->slots);
	free(m);
}

static size_t slot_of(const cst_metrics *m, const cst_engine *e, const cst_route *rt)
{
	if (e == NULL || rt == NULL)
		return 0;
	for (size_t i = 0; i < m->nengines; i++)
		if (m->engines[i] == e && rt >= e->routes && rt < e->routes + e->n_routes)
			return m->base[i] + (size_t)(rt - e->routes);
	return 0;
}

static size_t code_index(int rc)
{
	int code = cst_http_status(rc);
	for (size_t i = 0; i + 1 < CST_METRICS_CODES; i++)
		if (cst_metrics_code_value[i] == code)
			return i;
	return CST_METRICS_CODES - 1;
}

void cst_metrics_request(cst_metrics *m, const cst_engine *e, const cst_route *rt, int rc, int64_t ns)
{
	if (m == NULL)
		return;
	slot *s = &m->slots[slot_of(m, e, rt)];
	size_t b = 0;
	double secs = (double)ns / 1e9;
	while (b + 1 < CST_METRICS_BUCKETS && secs > cst_metrics_bucket_le[b])
		b++;
	atomic_fetch_add_explicit(&s->by_code[code_index(rc)], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_ns, ns > 0 ? (uint64_t)ns : 0, memory_order_relaxed);
}

void cst_metrics_auth_failure(cst_metrics *m, int why)
{
	if (m != NULL && (why == CST_AUTH_FAIL_TOKEN || why == CST_AUTH_FAIL_DENIED))
		atomic_fetch_add_explicit(&m->auth_failures[why], 1, memory_order_relaxed);
}

uint64_t cst_metrics_auth_failures(const cst_metrics *m, int why)
{
	return m && (why == CST_AUTH_FAIL_TOKEN || why == CST_AUTH_FAIL_DENIED)
	               ? atomic_load(&((cst_metrics *)m)->auth_failures[why])
	               : 0;
}

void cst_metrics_each(const cst_metrics *m, void (*fn)(const cst_metrics_route *r, void *payload),
                      void *payload)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nslots; i++) {
		slot *s = &m->slots[i];
		uint64_t codes[CST_METRICS_CODES], buckets[CST_METRICS_BUCKETS], count = 0;
		for (size_t c = 0; c < CST_METRICS_CODES; c++)
			count += codes[c] = atomic_load_explicit(&s->by_code[c], memory_order_relaxed);
		if (count == 0)
			continue;
		for (size_t b = 0; b < CST_METRICS_BUCKETS; b++)
			buckets[b] = atomic_load_explicit(&s->buckets[b], memory_order_relaxed);
		cst_metrics_route r = {"", "unmatched", count,
		                       atomic_load_explicit(&s->sum_ns, memory_order_relaxed), codes, buckets};
		for (size_t e = 0; e < m->nengines; e++)
			if (i >= m->base[e] && i < m->base[e] + m->engines[e]->n_routes) {
				r.engine = m->engines[e]->type;
				r.route = m->engines[e]->routes[i - m->base[e]].pattern;
			}
		fn(&r, payload);
	}
}

typedef struct prom_ctx {
	cst_buf *out;
	int pass; /* 0: counters, 1: histograms */
	int rc;
} prom_ctx;

/* Route patterns are our own ASCII literals: no label escaping needed. */
static void prom_route(const cst_metrics_route *r, void *payload)
{
	prom_ctx *p = payload;
	if (p->rc < 0)
		return;
	if (p->pass == 0) {
		for (size_t c = 0; c < CST_METRICS_CODES && p->rc == 0; c++)
			if (r->by_code[c])
				p->rc = cst_buf_printf(p->out,
				                       "custos_requests_total{engine=\"%s\",route=\"%s\",code=\"%d\"} %llu\n",
				                       r->engine, r->route, cst_metrics_code_value[c],
				                       (unsigned long long)r->by_code[c]);
		return;
	}
	uint64_t cum = 0;
	for (size_t b = 0; b < CST_METRICS_BUCKETS && p->rc == 0; b++) {
		cum += r->buckets[b];
		if (b + 1 < CST_METRICS_BUCKETS)
			p->rc = cst_buf_printf(p->out,
			                       "custos_request_duration_seconds_bucket{engine=\"%s\",route=\"%s\",le=\"%g\"} %llu\n",
			                       r->engine, r->route, cst_metrics_bucket_le[b], (unsigned long long)cum);
		else
			p->rc = cst_buf_printf(p->out,
			                       "custos_request_duration_seconds_bucket{engine=\"%s\",route=\"%s\",le=\"+Inf\"} %llu\n",
			                       r->engine, r->route, (unsigned long long)cum);
	}
	if (p->rc == 0)
		p->rc = cst_buf_printf(p->out,
		                       "custos_request_duration_seconds_sum{engine=\"%s\",route=\"%s\"} %.9f\n"
		                       "custos_request_duration_seconds_count{engine=\"%s\",route=\"%s\"} %llu\n",
		                       r->engine, r->route, (double)r->sum_ns / 1e9, r->engine, r->route,
		                       (unsigned long long)r->count);
}

int cst_metrics_prometheus(cst_buf *out, const cst_metrics *m)
{
	prom_ctx p = {out, 0, 0};
	p.rc = cst_buf_puts(out, "# HELP custos_requests_total Requests through the router, by engine, "
	                         "route and status code.\n# TYPE custos_requests_total counter\n");
	if (p.rc == 0)
		cst_metrics_each(m, prom_route, &p);
	if (p.rc == 0)
		p.rc = cst_buf_puts(out, "# HELP custos_request_duration_seconds Time from routing to the "
		                         "response, audit included.\n"
		                         "# TYPE custos_request_duration_seconds histogram\n");
	p.pass = 1;
	if (p.rc == 0)
		cst_metrics_each(m, prom_route, &p);
	if (p.rc == 0)
		p.rc = cst_buf_printf(out,
		                      "# HELP custos_auth_failures_total Requests refused: a token that did "
		                      "not authenticate, or a policy that denied.\n"
		                      "# TYPE custos_auth_failures_total counter\n"
		                      "custos_auth_failures_total{reason=\"invalid_token\"} %llu\n"
		                      "custos_auth_failures_total{reason=\"permission_denied\"} %llu\n",
		                      (unsigned long long)cst_metrics_auth_failures(m, CST_AUTH_FAIL_TOKEN),
		                      (unsigned long long)cst_metrics_auth_failures(m, CST_AUTH_FAIL_DENIED));
	return p.rc;
}
