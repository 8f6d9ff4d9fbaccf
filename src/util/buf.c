/* buf.c - growable buffer with a size cap and wiping growth. */
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "util/mem.h"

int cst_buf_grow(cst_buf *b, size_t n)
{
	size_t max = b->max ? b->max : CST_LIMIT_STORED;
	if (n > max || b->len > max - n)
		return cst_fail(CST_ENOMEM, "value larger than %zu bytes", max);
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return CST_OK;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	char *p = malloc(cap);
	if (p == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	if (b->ptr != NULL) {
		memcpy(p, b->ptr, b->len + 1);
		cst_wipe(b->ptr, b->cap);
		free(b->ptr);
	} else {
		p[0] = '\0';
	}
	b->ptr = p;
	b->cap = cap;
	return CST_OK;
}

int cst_buf_put(cst_buf *b, const void *data, size_t n)
{
	int rc = cst_buf_grow(b, n);
	if (rc < 0)
		return rc;
	if (n)
		memcpy(b->ptr + b->len, data, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return CST_OK;
}

int cst_buf_puts(cst_buf *b, const char *s)
{
	return cst_buf_put(b, s, strlen(s));
}

int cst_buf_printf(cst_buf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	int rc = n < 0 ? cst_fail(CST_ERROR, "format error") : cst_buf_grow(b, (size_t)n);
	if (rc == CST_OK) {
		vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap2);
		b->len += (size_t)n;
	}
	va_end(ap2);
	return rc;
}

void cst_buf_reset(cst_buf *b)
{
	if (b->ptr != NULL) {
		cst_wipe(b->ptr, b->cap);
		b->ptr[0] = '\0';
	}
	b->len = 0;
}

void cst_buf_release(cst_buf *b)
{
	if (b->ptr != NULL) {
		cst_wipe(b->ptr, b->cap);
		free(b->ptr);
	}
	b->ptr = NULL;
	b->len = b->cap = 0;
}

char *cst_buf_detach(cst_buf *b, size_t *out_len)
{
	char *p = b->ptr;
	if (p == NULL)
		p = calloc(1, 1);
	if (out_len != NULL)
		*out_len = b->len;
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}
