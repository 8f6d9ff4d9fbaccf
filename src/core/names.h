/* names.h - secret names (paths) and the storage keys derived from them. */
#ifndef CST_NAMES_H
#define CST_NAMES_H

#include <stddef.h>

/* cst_name_check (custos.h) validates a whole name. This variant accepts
 * the empty string and a trailing '/' (a folder prefix for list). */
int cst_name_check_prefix(const char *name, size_t len) __attribute__((warn_unused_result));

#endif
