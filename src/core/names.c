/* names.c - the secret-name grammar: segments of [A-Za-z0-9._-] joined by
 * '/', no empty, "." or ".." segment, at most CST_NAME_MAX bytes. Names end
 * up in storage keys and file-like listings, so the grammar is strict. */
#include "core/names.h"

#include "core/error.h"
#include "core/limits.h"
#include "custos.h"

static int name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static int check(const char *name, size_t len, int allow_folder)
{
	if (len == 0)
		return allow_folder ? CST_OK : cst_fail(CST_EINVAL, "empty secret name");
	if (len > CST_NAME_MAX)
		return cst_fail(CST_EINVAL, "secret name longer than %d bytes", CST_NAME_MAX);
	if (allow_folder && name[len - 1] == '/')
		len--;
	size_t seg = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || name[i] == '/') {
			size_t n = i - seg;
			if (n == 0)
				return cst_fail(CST_EINVAL, "secret name has an empty segment "
				                            "(leading, trailing or double '/')");
			if ((n == 1 && name[seg] == '.') || (n == 2 && name[seg] == '.' && name[seg + 1] == '.'))
				return cst_fail(CST_EINVAL, "secret name has a '.' or '..' segment");
			seg = i + 1;
			continue;
		}
		if (!name_char((unsigned char)name[i]))
			return cst_fail(CST_EINVAL, "secret name may hold only letters, digits and "
			                            "'._-/' (byte %zu is not allowed)", i + 1);
	}
	return CST_OK;
}

int cst_name_check(const char *name, size_t len)
{
	return check(name, len, 0);
}

int cst_name_check_prefix(const char *name, size_t len)
{
	return check(name, len, 1);
}
