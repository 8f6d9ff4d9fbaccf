/* envset.c - credentials resolved into environment variables, for `custos
 * run` and `custos export`: each secret is read once (in local or remote
 * mode alike, through cli_request), its fields get their variable names
 * (src/engines/type_env.c), and explicit entries (a map file, variables
 * of the environment holding custos:// references) take their names over
 * the defaults. Two secrets giving one variable is an error naming both.
 * Values live in wiped memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "core/limits.h"
#include "engines/type_env.h"
#include "util/buf.h"
#include "util/dotenv.h"
#include "util/file.h"
#include "util/mem.h"
#include "util/template.h"

void cli_envset_release(cli_envset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].var);
		cst_free_wiped(s->v[i].value);
		free(s->v[i].origin);
		free(s->v[i].field);
		free(s->v[i].type);
	}
	free(s->v);
	json_decref(s->cache);
	json_decref(s->index);
	json_decref(s->claimed);
	json_decref(s->added);
	memset(s, 0, sizeof(*s));
}

int cli_fetch_secret(cli_ctx *ctx, cli_envset *s, const char *name, json_t **out)
{
	if (s->cache == NULL && (s->cache = json_object()) == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	if ((*out = json_object_get(s->cache, name)) != NULL)
		return CST_OK;
	char path[CLI_KV_PATH_MAX];
	if (cli_kv_path(path, sizeof(path), "data", name, 0) < 0)
		return CST_EINVAL;
	cst_response resp;
	int rc = cli_request(ctx, CST_OP_READ, path, NULL, &resp);
	if (rc == CST_OK && !json_is_object(json_object_get(resp.data, "data")))
		rc = cst_fail(CST_ENOTFOUND, "%s has no data", name);
	if (rc == CST_OK) {
		*out = resp.data;
		json_object_set_new(s->cache, name, resp.data);
		resp.data = NULL;
	} else if (rc == CST_ENOTFOUND && cli_remote_addr() != NULL) {
		rc = cst_fail(CST_ENOTFOUND, "no credential %s", name);
	}
	cst_response_release(&resp);
	return rc;
}

/* The text of a field: strings as they are, other JSON compact. */
static int value_text(char **out, size_t *len, const json_t *v)
{
	if (json_is_string(v)) {
		*len = json_string_length(v);
		*out = cst_strndup(json_string_value(v), *len);
	} else {
		char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		*len = t ? strlen(t) : 0;
		*out = t ? cst_strndup(t, *len) : NULL;
		cst_free_wiped(t);
	}
	if (*out == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	if (memchr(*out, '\0', *len) != NULL) {
		cst_free_wiped(*out);
		*out = NULL;
		return cst_fail(CST_EINVAL, "a value holds a NUL byte: it cannot be an environment "
		                            "variable");
	}
	return CST_OK;
}

static int push(cli_envset *s, const char *var, char *value, size_t len, const char *origin,
                const char *type, const char *field, int secret)
{
	if (s->index == NULL && (s->index = json_object()) == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		cli_envvar *v = realloc(s->v, cap * sizeof(*v)); /* names and pointers only */
		if (v == NULL)
			return cst_fail(CST_ENOMEM, "out of memory");
		s->v = v;
		s->cap = cap;
	}
	cli_envvar *e = &s->v[s->n];
	memset(e, 0, sizeof(*e));
	e->var = strdup(var);
	e->origin = strdup(origin);
	e->field = field ? strdup(field) : NULL;
	e->type = type ? strdup(type) : NULL;
	e->value = value;
	e->len = len;
	e->secret = secret;
	s->n++;
	if (e->var == NULL || e->origin == NULL || (field && !e->field) || (type && !e->type))
		return cst_fail(CST_ENOMEM, "out of memory");
	json_object_set_new(s->index, var, json_integer((json_int_t)(s->n - 1)));
	return CST_OK;
}

/* "NAME\nFIELD": a key for a field taken by an explicit entry. */
static void claim_key(char *out, size_t n, const char *name, const char *field)
{
	snprintf(out, n, "%s\n%s", name, field);
}

int cli_envset_add_secret(cli_ctx *ctx, cli_envset *s, const char *name)
{
	json_t *secret;
	if (s->added == NULL && (s->added = json_object()) == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	if (json_object_get(s->added, name) != NULL)
		return CST_OK; /* named twice */
	int rc = cli_fetch_secret(ctx, s, name, &secret);
	if (rc < 0)
		return rc;
	json_object_set_new(s->added, name, json_true());
	json_t *data = json_object_get(secret, "data");
	const char *type = json_string_value(json_object_get(json_object_get(secret, "metadata"), "type"));
	const char *field;
	json_t *v;
	json_object_foreach(data, field, v) {
		char key[CST_LIMIT_NAME + CST_LIMIT_FIELD_NAME + 2];
		claim_key(key, sizeof(key), name, field);
		if (s->claimed != NULL && json_object_get(s->claimed, key) != NULL)
			continue; /* an explicit entry names this field */
		char var[CST_ENV_NAME_MAX];
		cst_env_var_name(var, type, name, field, json_string_value(v));
		json_t *at = s->index ? json_object_get(s->index, var) : NULL;
		if (at != NULL) {
			const cli_envvar *o = &s->v[json_integer_value(at)];
			if (o->explicit)
				continue; /* the map file or the environment names it: theirs wins */
			if (strcmp(o->origin, name) == 0)
				return cst_fail(CST_EINVAL, "fields '%s' and '%s' of %s both give %s",
				                o->field, field, name, var);
			return cst_fail(CST_EINVAL, "%s is given by both %s and %s: rename one in a map "
			                            "file (--env-file)", var, o->origin, name);
		}
		char *text;
		size_t len;
		if ((rc = value_text(&text, &len, v)) < 0)
			return cst_fail_prefix(rc, "field '%s' of %s", field, name);
		if ((rc = push(s, var, text, len, name, type, field, cst_field_is_secret(type, field))) < 0)
			return rc;
	}
	return CST_OK;
}

static int claim(cli_envset *s, const cst_ref *ref);

int cli_envset_add_ref(cli_ctx *ctx, cli_envset *s, const char *var, const cst_ref *ref,
                       const char *origin)
{
	json_t *secret;
	int rc = cli_fetch_secret(ctx, s, ref->name, &secret);
	if (rc == CST_OK)
		rc = claim(s, ref);
	if (rc < 0)
		return rc;
	const char *type = json_string_value(json_object_get(json_object_get(secret, "metadata"), "type"));
	json_t *v = json_object_get(json_object_get(secret, "data"), ref->field);
	if (v == NULL)
		return cst_fail(CST_ENOTFOUND, "%s: %s has no field '%s'", origin, ref->name, ref->field);
	char *text;
	size_t len;
	if ((rc = value_text(&text, &len, v)) < 0)
		return rc;
	json_t *at = s->index ? json_object_get(s->index, var) : NULL;
	if (at != NULL) { /* a later explicit entry for the same variable wins */
		cli_envvar *o = &s->v[json_integer_value(at)];
		cst_free_wiped(o->value);
		o->value = text;
		o->len = len;
		o->secret = cst_field_is_secret(type, ref->field);
		return CST_OK;
	}
	if ((rc = push(s, var, text, len, origin, type, ref->field, cst_field_is_secret(type, ref->field))) < 0)
		return rc;
	s->v[s->n - 1].explicit = 1;
	return CST_OK;
}

int cli_envset_add_literal(cli_envset *s, const char *var, const char *value, size_t len,
                           const char *origin)
{
	char *text = cst_strndup(value, len);
	if (text == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	json_t *at = s->index ? json_object_get(s->index, var) : NULL;
	if (at != NULL) {
		cli_envvar *o = &s->v[json_integer_value(at)];
		cst_free_wiped(o->value);
		o->value = text;
		o->len = len;
		o->secret = 0;
		return CST_OK;
	}
	int rc = push(s, var, text, len, origin, NULL, NULL, 0);
	if (rc == CST_OK)
		s->v[s->n - 1].explicit = 1;
	return rc;
}

static int claim(cli_envset *s, const cst_ref *ref)
{
	char key[CST_LIMIT_NAME + CST_LIMIT_FIELD_NAME + 2];
	claim_key(key, sizeof(key), ref->name, ref->field);
	if (s->claimed == NULL && (s->claimed = json_object()) == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	return json_object_set_new(s->claimed, key, json_true()) == 0 ? CST_OK
	                                                               : cst_fail(CST_ENOMEM, "out of memory");
}

/* One line of a map file, kept until every line is known. */
typedef struct map_line {
	char *var;
	char *value; /* wiped */
	size_t len;
	unsigned line;
} map_line;

typedef struct map_ctx {
	map_line *l;
	size_t n, cap;
} map_ctx;

static int map_binding(const cst_dotenv_binding *b, void *payload)
{
	map_ctx *m = payload;
	if (b->value == NULL)
		return cst_fail(CST_EINVAL, "line %u: a name without '=': want NAME=" CST_REF_SCHEME
		                            "SECRET/FIELD", b->line);
	if (memchr(b->key, '=', b->key_len) != NULL || memchr(b->key, '\0', b->key_len) != NULL ||
	    memchr(b->value, '\0', b->value_len) != NULL)
		return cst_fail(CST_EINVAL, "line %u: a name with '=' or a NUL byte", b->line);
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		map_line *l = realloc(m->l, cap * sizeof(*l));
		if (l == NULL)
			return cst_fail(CST_ENOMEM, "out of memory");
		m->l = l;
		m->cap = cap;
	}
	map_line *e = &m->l[m->n++];
	e->var = strndup(b->key, b->key_len);
	e->value = cst_strndup(b->value, b->value_len);
	e->len = b->value_len;
	e->line = b->line;
	return e->var && e->value ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
}

int cli_envset_map_file(cli_ctx *ctx, cli_envset *s, const char *path)
{
	cst_buf text = CST_BUF_INIT;
	map_ctx m = {0};
	int rc = cst_file_read(&text, path);
	if (rc == CST_OK)
		rc = cst_dotenv_parse(text.ptr ? text.ptr : "", text.len, map_binding, &m);
	if (rc < 0 && rc != CST_ENOMEM && rc != CST_ENOTFOUND && rc != CST_EIO)
		rc = cst_fail_prefix(rc, "%s", path);
	char origin[4200];
	for (size_t i = 0; rc == CST_OK && i < m.n; i++) {
		snprintf(origin, sizeof(origin), "%s line %u", path, m.l[i].line);
		cst_ref ref;
		if (!cst_ref_is(m.l[i].value, m.l[i].len))
			rc = cli_envset_add_literal(s, m.l[i].var, m.l[i].value, m.l[i].len, origin);
		else if ((rc = cst_ref_parse(&ref, m.l[i].value, m.l[i].len)) < 0)
			rc = cst_fail_prefix(rc, "%s", origin);
		else
			rc = cli_envset_add_ref(ctx, s, m.l[i].var, &ref, origin);
	}
	for (size_t i = 0; i < m.n; i++) {
		free(m.l[i].var);
		cst_free_wiped(m.l[i].value);
	}
	free(m.l);
	cst_buf_release(&text);
	return rc;
}
