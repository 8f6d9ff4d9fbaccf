/* error.h - status codes, the thread-local error message, and the two tables
 * that map a code to a CLI exit status and to an HTTP status. */
#ifndef CST_ERROR_H
#define CST_ERROR_H

#include "custos.h"

/* Sets the thread-local detail message (printf-style). Never pass secret
 * material: the message may reach a terminal, a log or an HTTP body.
 * Returns rc so callers can write `return cst_fail(CST_ENOTFOUND, ...)`. */
int cst_fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Puts a prefix before the current detail message ("<prefix>: <detail>"),
 * for callers adding where a failure happened. Returns rc. */
int cst_fail_prefix(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Clears the detail message. */
void cst_error_clear(void);

#endif
