/* cidr.c - parsing and matching address ranges with inet_pton. */
#include "util/cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

typedef struct range {
	int family;
	unsigned char addr[16];
	int bits;
} range;

static int parse_addr(int *family, unsigned char *out, const char *text)
{
	if (inet_pton(AF_INET, text, out) == 1) {
		*family = AF_INET;
		return 1;
	}
	if (inet_pton(AF_INET6, text, out) == 1) {
		*family = AF_INET6;
		return 1;
	}
	return 0;
}

static int parse_range(range *r, const char *text)
{
	char buf[64];
	if (strlen(text) >= sizeof(buf))
		return 0;
	strcpy(buf, text);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (!parse_addr(&r->family, r->addr, buf))
		return 0;
	int max = r->family == AF_INET ? 32 : 128;
	r->bits = max;
	if (slash) {
		char *end = NULL;
		long b = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || b < 0 || b > max)
			return 0;
		r->bits = (int)b;
	}
	return 1;
}

static int contains(const range *r, int family, const unsigned char *a)
{
	if (family != r->family)
		return 0;
	int full = r->bits / 8, rest = r->bits % 8;
	if (memcmp(r->addr, a, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (r->addr[full] & mask) == (a[full] & mask);
}

int cst_cidr_check_list(const json_t *list)
{
	size_t i;
	json_t *v;
	if (!json_is_array(list))
		return cst_fail(CST_EINVAL, "bound_cidrs must be a list of CIDR blocks");
	json_array_foreach(list, i, v) {
		range r;
		if (!json_is_string(v) || !parse_range(&r, json_string_value(v)))
			return cst_fail(CST_EINVAL, "bound_cidrs: '%.64s' is not a CIDR block",
			                json_is_string(v) ? json_string_value(v) : "?");
	}
	return CST_OK;
}

int cst_cidr_list_contains(const json_t *list, const char *addr)
{
	unsigned char a[16];
	int family;
	size_t i;
	json_t *v;
	if (addr == NULL || !parse_addr(&family, a, addr))
		return 0;
	/* An IPv4 client seen through an IPv6 socket: ::ffff:a.b.c.d */
	if (family == AF_INET6 && memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memmove(a, a + 12, 4);
		family = AF_INET;
	}
	json_array_foreach(list, i, v) {
		range r;
		if (json_is_string(v) && parse_range(&r, json_string_value(v)) && contains(&r, family, a))
			return 1;
	}
	return 0;
}
