/* url.c - absolute http(s) URLs and RFC 3986 percent-encoding. */
#include "util/url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

static int copy_part(char *out, size_t cap, const char *s, size_t n, const char *what)
{
	if (n >= cap)
		return cst_fail(CST_EINVAL, "URL %s too long", what);
	memcpy(out, s, n);
	out[n] = '\0';
	return CST_OK;
}

static int host_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

int cst_url_parse(cst_url *u, const char *text, size_t len)
{
	memset(u, 0, sizeof(*u));
	const char *p = text, *end = text + len;
	if (memchr(text, '\0', len) != NULL)
		return cst_fail(CST_EINVAL, "URL holds a NUL byte");
	for (const char *c = text; c < end; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return cst_fail(CST_EINVAL, "URL holds a space, control or non-ASCII character");
	if (len >= 8 && strncasecmp(p, "https://", 8) == 0) {
		u->tls = 1;
		p += 8;
	} else if (len >= 7 && strncasecmp(p, "http://", 7) == 0) {
		p += 7;
	} else {
		return cst_fail(CST_EINVAL, "URL must start with https:// or http://");
	}
	const char *auth_end = p;
	while (auth_end < end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#')
		auth_end++;
	if (memchr(p, '@', (size_t)(auth_end - p)) != NULL)
		return cst_fail(CST_EINVAL, "URL must not hold a user name or password");
	const char *host = p, *host_end;
	if (p < auth_end && *p == '[') {
		host_end = memchr(p, ']', (size_t)(auth_end - p));
		if (host_end == NULL)
			return cst_fail(CST_EINVAL, "URL has an unclosed [IPv6] host");
		host++;
		u->ipv6 = 1;
		p = host_end + 1;
	} else {
		host_end = p;
		while (host_end < auth_end && *host_end != ':')
			host_end++;
		p = host_end;
		for (const char *c = host; c < host_end; c++)
			if (!host_char_ok(*c))
				return cst_fail(CST_EINVAL, "URL host has a character hosts cannot have");
	}
	if (host_end == host)
		return cst_fail(CST_EINVAL, "URL has no host");
	if (copy_part(u->host, sizeof(u->host), host, (size_t)(host_end - host), "host") < 0)
		return CST_EINVAL;
	for (char *c = u->host; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (u->ipv6) {
		unsigned char a[16];
		if (inet_pton(AF_INET6, u->host, a) != 1)
			return cst_fail(CST_EINVAL, "URL has a bad IPv6 address");
	}
	u->port = u->tls ? 443 : 80;
	if (p < auth_end) {
		if (*p != ':' || p + 1 == auth_end)
			return cst_fail(CST_EINVAL, "URL has a bad port");
		unsigned port = 0;
		for (p++; p < auth_end; p++) {
			if (!isdigit((unsigned char)*p) || (port = port * 10 + (unsigned)(*p - '0')) > 65535)
				return cst_fail(CST_EINVAL, "URL port must be 1-65535");
		}
		if (port == 0)
			return cst_fail(CST_EINVAL, "URL port must be 1-65535");
		u->port = port;
		u->port_given = 1;
	}
	p = auth_end;
	const char *q = p;
	while (q < end && *q != '?' && *q != '#')
		q++;
	if (copy_part(u->path, sizeof(u->path), p, (size_t)(q - p), "path") < 0)
		return CST_EINVAL;
	if (q < end && *q == '?') {
		const char *f = ++q;
		while (f < end && *f != '#')
			f++;
		if (copy_part(u->query, sizeof(u->query), q, (size_t)(f - q), "query") < 0)
			return CST_EINVAL;
	}
	return CST_OK;
}

int cst_url_is_loopback(const cst_url *u)
{
	unsigned char a[16];
	if (strcmp(u->host, "localhost") == 0)
		return 1;
	if (u->ipv6)
		return inet_pton(AF_INET6, u->host, a) == 1 && memcmp(a, in6addr_loopback.s6_addr, 16) == 0;
	/* inet_pton takes only the dotted-quad form, so 127.1 or 0x7f.1 is not
	 * taken for loopback (a resolver might read it otherwise). */
	return inet_pton(AF_INET, u->host, a) == 1 && a[0] == 127;
}

void cst_url_authority(char *out, size_t n, const cst_url *u)
{
	const char *l = u->ipv6 ? "[" : "", *r = u->ipv6 ? "]" : "";
	if (u->port_given && u->port != (u->tls ? 443u : 80u))
		snprintf(out, n, "%s%s%s:%u", l, u->host, r, u->port);
	else
		snprintf(out, n, "%s%s%s", l, u->host, r);
}

int cst_uri_encode(cst_buf *out, const char *s, size_t n, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = cst_buf_grow(out, n);
	for (size_t i = 0; i < n && rc == CST_OK; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
			rc = cst_buf_put(out, &s[i], 1);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			rc = cst_buf_put(out, e, 3);
		}
	}
	return rc;
}

static int hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0'
	       : isxdigit((unsigned char)c) ? tolower((unsigned char)c) - 'a' + 10 : -1;
}

int cst_uri_decode(cst_buf *out, const char *s, size_t n)
{
	int rc = CST_OK;
	for (size_t i = 0; i < n && rc == CST_OK; i++) {
		if (s[i] != '%') {
			rc = cst_buf_put(out, &s[i], 1);
			continue;
		}
		int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
		int lo = hi >= 0 ? hexval(s[i + 2]) : -1;
		if (hi < 0 || lo < 0)
			return cst_fail(CST_EINVAL, "bad %%-escape");
		char c = (char)(hi << 4 | lo);
		rc = cst_buf_put(out, &c, 1);
		i += 2;
	}
	return rc;
}
