/* fernet_import.c - a JSON map or a list of lines of Fernet tokens into the
 * fields of one credential (see fernet_import.h for the layouts). */
#include "providers/fernet_import.h"

#include <ctype.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "util/buf.h"
#include "util/mem.h"

static int field_name_ok(const char *name, size_t n)
{
	if (n == 0 || n > CST_LIMIT_FIELD_NAME)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-' &&
		    name[i] != '.')
			return 0;
	return 1;
}

/* Adds field = value (n bytes of UTF-8) to obj; where names the input spot. */
static int add_field(json_t *obj, const char *field, size_t field_len, const char *value,
                     size_t n, const char *where)
{
	char name[CST_LIMIT_FIELD_NAME + 1];
	if (!field_name_ok(field, field_len))
		return cst_fail(CST_EINVAL, "%s: field names are letters, digits and '_-.', at most %d "
		                            "bytes", where, CST_LIMIT_FIELD_NAME);
	memcpy(name, field, field_len);
	name[field_len] = '\0';
	if (json_object_get(obj, name) != NULL)
		return cst_fail(CST_EINVAL, "%s: field '%s' given twice", where, name);
	if (json_object_size(obj) >= CST_LIMIT_FIELDS)
		return cst_fail(CST_EINVAL, "more than %d fields", CST_LIMIT_FIELDS);
	json_t *s = json_stringn(value, n);
	if (s == NULL)
		return cst_fail(CST_EINVAL, "%s: the plaintext of field '%s' is not UTF-8 text", where,
		                name);
	return json_object_set_new(obj, name, s) == 0 ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
}

/* Decrypts one token into pt, naming where it came from on failure. */
static int open_token(cst_buf *pt, const unsigned char *key, const char *token, size_t n,
                      int64_t ttl, int64_t now, const char *where)
{
	int rc = cst_fernet_decrypt(pt, key, token, n, ttl, now);
	if (rc < 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", cst_errmsg());
		cst_fail(rc, "%s: %s", where, msg);
	}
	return rc;
}

static int import_json(json_t *obj, const unsigned char *key, const char *text, size_t len,
                       int64_t ttl, int64_t now)
{
	json_error_t err;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	cst_buf pt = CST_BUF_INIT;
	int rc = CST_OK;
	if (!json_is_object(root)) {
		rc = root ? cst_fail(CST_EINVAL, "a JSON token file is one object of FIELD: token")
		          : cst_fail(CST_EINVAL, "bad JSON at line %d: %s", err.line, err.text);
		goto done;
	}
	const char *field;
	json_t *v;
	json_object_foreach(root, field, v) {
		char where[CST_LIMIT_FIELD_NAME + 16];
		snprintf(where, sizeof(where), "field '%.*s'", CST_LIMIT_FIELD_NAME, field);
		if (!json_is_string(v)) {
			rc = cst_fail(CST_EINVAL, "%s: a token must be a string", where);
			break;
		}
		if ((rc = open_token(&pt, key, json_string_value(v), json_string_length(v), ttl, now,
		                     where)) < 0 ||
		    (rc = add_field(obj, field, strlen(field), pt.ptr ? pt.ptr : "", pt.len, where)) < 0)
			break;
	}
done:
	cst_buf_release(&pt);
	json_decref(root);
	return rc;
}

/* One line: FIELD=TOKEN, or a bare token (its '=' only trailing padding)
 * whose plaintext is FIELD=VALUE. */
static int import_line(json_t *obj, const unsigned char *key, const char *line, size_t n,
                       int64_t ttl, int64_t now, const char *where)
{
	const char *eq = memchr(line, '=', n);
	size_t after = eq ? n - (size_t)(eq - line) - 1 : 0;
	size_t pad = 0;
	while (pad < after && eq[1 + pad] == '=')
		pad++;
	int named = eq != NULL && pad < after;
	cst_buf pt = CST_BUF_INIT;
	int rc;
	if (named) {
		size_t fl = (size_t)(eq - line);
		while (fl && isspace((unsigned char)line[fl - 1]))
			fl--;
		rc = open_token(&pt, key, eq + 1, after, ttl, now, where);
		if (rc == CST_OK)
			rc = add_field(obj, line, fl, pt.ptr ? pt.ptr : "", pt.len, where);
	} else if ((rc = open_token(&pt, key, line, n, ttl, now, where)) == CST_OK) {
		const char *p = pt.ptr ? pt.ptr : "";
		const char *peq = memchr(p, '=', pt.len);
		if (peq == NULL || peq == p)
			rc = cst_fail(CST_EINVAL, "%s: the token's plaintext is not FIELD=VALUE; write "
			                          "the line as FIELD=TOKEN", where);
		else
			rc = add_field(obj, p, (size_t)(peq - p), peq + 1, pt.len - (size_t)(peq - p) - 1,
			               where);
	}
	cst_buf_release(&pt);
	return rc;
}

static int import_lines(json_t *obj, const unsigned char *key, const char *text, size_t len,
                        int64_t ttl, int64_t now)
{
	size_t lineno = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len, s = i, e = end;
		lineno++;
		i = end + 1;
		while (s < e && isspace((unsigned char)text[s]))
			s++;
		while (e > s && isspace((unsigned char)text[e - 1]))
			e--;
		if (s == e || text[s] == '#')
			continue;
		if (memchr(text + s, '\0', e - s) != NULL)
			return cst_fail(CST_EINVAL, "line %zu: NUL byte", lineno);
		char where[32];
		snprintf(where, sizeof(where), "line %zu", lineno);
		int rc = import_line(obj, key, text + s, e - s, ttl, now, where);
		if (rc < 0)
			return rc;
	}
	return json_object_size(obj) ? CST_OK : cst_fail(CST_EINVAL, "no tokens in the input");
}

int cst_fernet_import(json_t **out, const unsigned char key[CST_FERNET_KEY_LEN], const char *text,
                      size_t len, int64_t ttl, int64_t now)
{
	*out = NULL;
	if (len > CST_LIMIT_FILE)
		return cst_fail(CST_ENOMEM, "token input larger than %d bytes", CST_LIMIT_FILE);
	size_t i = 0;
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	json_t *obj = json_object();
	if (obj == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	int rc = i < len && text[i] == '{' ? import_json(obj, key, text, len, ttl, now)
	                                   : import_lines(obj, key, text, len, ttl, now);
	if (rc < 0) {
		json_decref(obj);
		return rc;
	}
	*out = obj;
	return CST_OK;
}
