/* buf.h - the one growable byte buffer, with a hard size cap. Growth never
 * uses realloc: the old block is copied and wiped, so secret bytes are not
 * left behind in freed memory. */
#ifndef CST_BUF_H
#define CST_BUF_H

#include <stddef.h>

typedef struct cst_buf {
	char *ptr;   /* owned; always NUL-terminated when not NULL */
	size_t len;
	size_t cap;  /* allocated bytes */
	size_t max;  /* hard cap on len; 0 means CST_LIMIT_STORED */
} cst_buf;

#define CST_BUF_INIT {NULL, 0, 0, 0}

/* Appends bytes. Returns CST_OK, or CST_ENOMEM past the cap. */
int cst_buf_put(cst_buf *b, const void *data, size_t n) __attribute__((warn_unused_result));
int cst_buf_puts(cst_buf *b, const char *s) __attribute__((warn_unused_result));
int cst_buf_printf(cst_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), warn_unused_result));
/* Makes room for n more bytes. */
int cst_buf_grow(cst_buf *b, size_t n) __attribute__((warn_unused_result));
/* Empties without freeing (wipes the old content). */
void cst_buf_reset(cst_buf *b);
/* Wipes and frees; the struct may be reused after. */
void cst_buf_release(cst_buf *b);
/* Hands the bytes to the caller (free with cst_free_wiped) and resets b. */
char *cst_buf_detach(cst_buf *b, size_t *out_len);

#endif
