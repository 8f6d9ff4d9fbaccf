/* httpmsg.c - HTTP/1.1 requests as text (the SigV4 suites' layout). Every
 * string is copied into one block (m->store) in parse order, so the pairs
 * can point into it. */
#include "util/httpmsg.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "util/url.h"

typedef struct arena {
	char *p;
	size_t used, cap;
} arena;

static char *keep(arena *a, const char *s, size_t n)
{
	if (a->cap - a->used < n + 1)
		return NULL;
	char *d = a->p + a->used;
	memcpy(d, s, n);
	d[n] = '\0';
	a->used += n + 1;
	return d;
}

/* The next line of [*p, end): its length without "\r\n"; *p moves past it. */
static size_t next_line(const char **p, const char *end, const char **line)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *e = nl ? nl : end;
	*line = *p;
	*p = nl ? nl + 1 : end;
	if (e > *line && e[-1] == '\r')
		e--;
	return (size_t)(e - *line);
}

static int split_query(cst_httpmsg *m, arena *a)
{
	const char *q = m->raw_query;
	while (*q) {
		size_t n = strcspn(q, "&");
		if (n) {
			if (m->n_query >= CST_HTTPMSG_MAX_QUERY)
				return cst_fail(CST_EINVAL, "request: more than %d query parameters",
				                CST_HTTPMSG_MAX_QUERY);
			const char *eq = memchr(q, '=', n);
			size_t kn = eq ? (size_t)(eq - q) : n;
			cst_buf k = CST_BUF_INIT, v = CST_BUF_INIT;
			int rc = cst_uri_decode(&k, q, kn);
			if (rc == CST_OK && eq)
				rc = cst_uri_decode(&v, eq + 1, n - kn - 1);
			cst_sigv4_pair *p = &m->query[m->n_query];
			if (rc == CST_OK) {
				p->name = keep(a, k.ptr ? k.ptr : "", k.len);
				p->value = keep(a, v.ptr ? v.ptr : "", v.len);
				if (p->name == NULL || p->value == NULL)
					rc = cst_fail(CST_ENOMEM, "request: out of room");
				else if (strlen(p->name) != k.len || strlen(p->value) != v.len)
					rc = cst_fail(CST_EINVAL, "request: NUL byte in the query");
			}
			cst_buf_release(&k);
			cst_buf_release(&v);
			if (rc < 0)
				return rc;
			m->n_query++;
		}
		q += n;
		if (*q == '&')
			q++;
	}
	return CST_OK;
}

int cst_httpmsg_parse(cst_httpmsg *m, const char *text, size_t len)
{
	memset(m, 0, sizeof(*m));
	if (len > CST_LIMIT_VALUE)
		return cst_fail(CST_EINVAL, "request: larger than %d bytes", CST_LIMIT_VALUE);
	/* Decoding only shrinks; every string gets a NUL: 2x is room enough. */
	arena a = {malloc(2 * len + 16), 0, 2 * len + 16};
	if (a.p == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	m->store = a.p;
	const char *p = text, *end = text + len, *line;
	size_t n = next_line(&p, end, &line);
	const char *sp1 = memchr(line, ' ', n), *sp2 = line + n;
	while (sp2 > line && sp2[-1] != ' ')
		sp2--;
	if (sp1 == NULL || sp2 - 1 <= sp1 || sp1 == line || memchr(line, '\0', n) ||
	    strncmp(sp2, "HTTP/", 5 < (size_t)(line + n - sp2) ? 5 : (size_t)(line + n - sp2)) != 0 ||
	    (size_t)(line + n - sp2) < 5)
		return cst_fail(CST_EINVAL, "request: no request line (METHOD TARGET HTTP/1.1)");
	const char *target = sp1 + 1, *target_end = sp2 - 1;
	const char *qm = memchr(target, '?', (size_t)(target_end - target));
	m->method = keep(&a, line, (size_t)(sp1 - line));
	m->path = keep(&a, target, (size_t)((qm ? qm : target_end) - target));
	m->raw_query = qm ? keep(&a, qm + 1, (size_t)(target_end - qm - 1)) : keep(&a, "", 0);
	int rc = split_query(m, &a);
	while (rc == CST_OK && p < end) {
		n = next_line(&p, end, &line);
		if (n == 0)
			break; /* the body follows */
		if (memchr(line, '\0', n))
			return cst_fail(CST_EINVAL, "request: NUL byte in a header");
		if (m->n_headers >= CST_HTTPMSG_MAX_HEADERS)
			return cst_fail(CST_EINVAL, "request: more than %d headers", CST_HTTPMSG_MAX_HEADERS);
		cst_sigv4_pair *h = &m->headers[m->n_headers];
		if (line[0] == ' ' || line[0] == '\t') {
			/* A folded line: one more value of the header before it. */
			if (m->n_headers == 0)
				return cst_fail(CST_EINVAL, "request: continuation line before any header");
			h->name = m->headers[m->n_headers - 1].name;
			h->value = keep(&a, line, n);
		} else {
			const char *colon = memchr(line, ':', n);
			if (colon == NULL || colon == line)
				return cst_fail(CST_EINVAL, "request: header line without a name and ':'");
			h->name = keep(&a, line, (size_t)(colon - line));
			h->value = keep(&a, colon + 1, (size_t)(line + n - colon - 1));
		}
		m->n_headers++;
	}
	if (rc == CST_OK) {
		m->body_len = (size_t)(end - p);
		m->body = keep(&a, p, m->body_len);
	}
	return rc;
}

void cst_httpmsg_release(cst_httpmsg *m)
{
	free(m->store);
	memset(m, 0, sizeof(*m));
}

void cst_httpmsg_sigv4(cst_sigv4_request *out, const cst_httpmsg *m)
{
	memset(out, 0, sizeof(*out));
	out->method = m->method;
	out->path = m->path;
	out->query = m->query;
	out->n_query = m->n_query;
	out->headers = m->headers;
	out->n_headers = m->n_headers;
	out->body = m->body;
	out->body_len = m->body_len;
}
