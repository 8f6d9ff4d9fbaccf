/* cidr.h - client address ranges for tokens' bound_cidrs ("10.0.0.0/8",
 * "::1/128", or a bare address meaning a single host). */
#ifndef CST_CIDR_H
#define CST_CIDR_H

#include <jansson.h>

/* CST_OK if every element of the JSON array (or "a,b" string) is a valid
 * CIDR; CST_EINVAL naming the bad one otherwise. */
int cst_cidr_check_list(const json_t *list) __attribute__((warn_unused_result));

/* 1 if addr (textual IPv4 or IPv6) lies in any range of the list. */
int cst_cidr_list_contains(const json_t *list, const char *addr);

#endif
