/* error.c - status texts, the thread-local detail message, and the tables
 * mapping status codes to CLI exit statuses and HTTP statuses. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char errmsg[512];

const char *cst_strerror(int rc)
{
	/* No default: a new code without text fails -Wswitch-enum. */
	switch ((cst_status)rc) {
	case CST_OK: return "ok";
	case CST_ERROR: return "error";
	case CST_EINVAL: return "invalid input";
	case CST_ENOTFOUND: return "not found";
	case CST_EPERM: return "permission denied";
	case CST_EINTEGRITY: return "integrity check failed";
	case CST_ECONFLICT: return "conflict";
	case CST_ESEALED: return "vault is sealed";
	case CST_ENOMEM: return "out of memory or over a size limit";
	case CST_EIO: return "storage failure";
	case CST_EUNSUPPORTED: return "unsupported operation";
	case CST_ELIMIT: return "too many attempts, try again later";
	case CST_EWOULDBLOCK: return "the request would wait";
	}
	return "unknown error";
}

int cst_exit_status(int rc)
{
	switch ((cst_status)rc) {
	case CST_OK: return 0;
	case CST_ERROR: return 1;
	case CST_EINVAL: return 2;
	case CST_ENOTFOUND: return 3;
	case CST_EPERM: return 4;
	case CST_EINTEGRITY: return 5;
	case CST_ECONFLICT: return 6;
	case CST_ESEALED: return 7;
	case CST_ENOMEM: return 1;
	case CST_EIO: return 1;
	case CST_EUNSUPPORTED: return 2;
	case CST_ELIMIT: return 7;
	case CST_EWOULDBLOCK: return 1;
	}
	return 1;
}

int cst_http_status(int rc)
{
	switch ((cst_status)rc) {
	case CST_OK: return 200;
	case CST_ERROR: return 500;
	case CST_EINVAL: return 400;
	case CST_ENOTFOUND: return 404;
	case CST_EPERM: return 403;
	case CST_EINTEGRITY: return 500;
	case CST_ECONFLICT: return 400;
	case CST_ESEALED: return 503;
	case CST_ENOMEM: return 413;
	case CST_EIO: return 500;
	case CST_EUNSUPPORTED: return 405;
	case CST_ELIMIT: return 429;
	case CST_EWOULDBLOCK: return 500; /* never sent: the server runs the request again */
	}
	return 500;
}

const char *cst_errmsg(void)
{
	return errmsg;
}

void cst_error_clear(void)
{
	errmsg[0] = '\0';
}

int cst_fail(int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	return rc;
}

int cst_fail_prefix(int rc, const char *fmt, ...)
{
	char detail[sizeof(errmsg)];
	snprintf(detail, sizeof(detail), "%s", errmsg); /* it is about to be overwritten */
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	size_t used = n < 0 ? 0 : (size_t)n;
	if (used + 3 < sizeof(errmsg) && detail[0] != '\0') {
		size_t room = sizeof(errmsg) - used - 3, len = strlen(detail);
		memcpy(errmsg + used, ": ", 2);
		memcpy(errmsg + used + 2, detail, len < room ? len : room);
		errmsg[used + 2 + (len < room ? len : room)] = '\0';
	}
	return rc;
}
