/* cmd_export.c - custos export: credentials as the variables `custos run`
 * would set (same names, same collision rule), written as dotenv (read
 * back byte for byte by python-dotenv and `custos import dotenv`), JSON,
 * shell `export` lines, or one Kubernetes Secret manifest per credential.
 * The output is built in wiped memory, then goes to stdout or, with -o, to
 * a new 0600 file. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "core/limits.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/dotenv.h"
#include "util/file.h"
#include "util/mem.h"

static const char help[] =
	"usage: custos export NAME... [--format dotenv|json|shell|k8s] [--namespace NS]\n"
	"                     [--mask] [-o FILE]\n\n"
	"Writes credentials under the variable names 'custos run' gives them:\n"
	"  dotenv  VAR=\"value\" lines (the default), read back exactly by python-dotenv\n"
	"          and 'custos import dotenv'\n"
	"  json    one object {\"VAR\": \"value\", ...}\n"
	"  shell   export VAR='value' lines, for eval\n"
	"  k8s     a Kubernetes Secret (type Opaque, base64 data) per credential, named\n"
	"          after it (openai/prod: openai-prod), in --namespace NS if given\n"
	"--mask shows secret values masked (sk-…7f3a), for a review. -o FILE writes a new\n"
	"0600 file (replacing FILE whole) instead of standard output.\n";

/* The value as written: itself, or masked like the tables mask it. */
static const char *shown_value(char *tmp, size_t n, const cli_envvar *e, int mask, size_t *len)
{
	if (!mask || !e->secret) {
		*len = e->len;
		return e->value;
	}
	cli_mask(tmp, n, e->value, e->len);
	*len = strlen(tmp);
	return tmp;
}

static int plain_dotenv_name(const char *k)
{
	if (*k == '\'' || *k == '\0')
		return 0;
	for (const unsigned char *c = (const unsigned char *)k; *c; c++)
		if (*c == '=' || *c == '#' || *c <= ' ' || *c == 0x7f || *c >= 0x80)
			return 0;
	return 1;
}

static int shell_name(const char *k)
{
	if (!isalpha((unsigned char)*k) && *k != '_')
		return 0;
	for (const char *c = k; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_')
			return 0;
	return 1;
}

static int write_dotenv(cst_buf *b, const cli_envset *s, int mask)
{
	char tmp[64];
	int rc = CST_OK;
	for (size_t i = 0; rc == CST_OK && i < s->n; i++) {
		const cli_envvar *e = &s->v[i];
		size_t len;
		const char *v = shown_value(tmp, sizeof(tmp), e, mask, &len);
		if (plain_dotenv_name(e->var))
			rc = cst_buf_puts(b, e->var);
		else if (strchr(e->var, '\'') == NULL)
			rc = cst_buf_printf(b, "'%s'", e->var);
		else
			return cst_fail(CST_EINVAL, "a variable name with a quote cannot be written in a "
			                            "dotenv file");
		if (rc == CST_OK)
			rc = cst_buf_puts(b, "=");
		if (rc == CST_OK && (rc = cst_dotenv_quote(b, v, len)) == CST_EINVAL)
			return cst_fail_prefix(rc, "%s", e->var);
		if (rc == CST_OK)
			rc = cst_buf_puts(b, "\n");
		if (rc == CST_OK && cst_dotenv_expands(v, len))
			fprintf(stderr, "custos export: warning: %s holds ${...}, which python-dotenv "
			                "expands; import it back with 'custos import dotenv --no-expand'\n",
			        e->var);
	}
	return rc;
}

static int write_json(cst_buf *b, const cli_envset *s, int mask)
{
	char tmp[64];
	json_t *o = json_object();
	for (size_t i = 0; o && i < s->n; i++) {
		size_t len;
		const char *v = shown_value(tmp, sizeof(tmp), &s->v[i], mask, &len);
		json_t *str = json_stringn(v, len);
		if (str == NULL || json_object_set_new(o, s->v[i].var, str) != 0) {
			json_decref(o);
			return cst_fail(CST_EINVAL, "%s is not valid UTF-8: it cannot be JSON",
			                s->v[i].var);
		}
	}
	char *text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
	json_decref(o);
	int rc = text ? cst_buf_puts(b, text) : cst_fail(CST_ENOMEM, "out of memory");
	if (rc == CST_OK)
		rc = cst_buf_puts(b, "\n");
	cst_free_wiped(text);
	return rc;
}

static int write_shell(cst_buf *b, const cli_envset *s, int mask)
{
	char tmp[64];
	int rc = CST_OK;
	for (size_t i = 0; rc == CST_OK && i < s->n; i++) {
		const cli_envvar *e = &s->v[i];
		if (!shell_name(e->var))
			return cst_fail(CST_EINVAL, "%.128s is not a shell variable name: use --format "
			                            "dotenv or json", e->var);
		size_t len;
		const char *v = shown_value(tmp, sizeof(tmp), e, mask, &len);
		rc = cst_buf_printf(b, "export %s='", e->var);
		for (size_t j = 0, run = 0; rc == CST_OK && j <= len; j++) {
			if (j < len && v[j] != '\'')
				continue;
			rc = cst_buf_put(b, v + run, j - run);
			if (rc == CST_OK && j < len)
				rc = cst_buf_puts(b, "'\\''");
			run = j + 1;
		}
		if (rc == CST_OK)
			rc = cst_buf_puts(b, "'\n");
	}
	return rc;
}

/* A Kubernetes object name (RFC 1123 subdomain) from a credential name:
 * lower case, other characters as '-', alphanumeric at both ends. */
static int k8s_name(char *out, size_t n, const char *name)
{
	size_t o = 0;
	for (const char *c = name; *c && o + 1 < n; c++) {
		char ch = (char)tolower((unsigned char)*c);
		out[o++] = isalnum((unsigned char)ch) || ch == '.' ? ch : '-';
	}
	out[o] = '\0';
	size_t b = 0;
	while (out[b] && !isalnum((unsigned char)out[b]))
		b++;
	memmove(out, out + b, o - b + 1);
	o -= b;
	while (o > 0 && !isalnum((unsigned char)out[o - 1]))
		out[--o] = '\0';
	if (o == 0 || o > 253)
		return cst_fail(CST_EINVAL, "%s gives no Kubernetes object name", name);
	return CST_OK;
}

static int k8s_key(const char *k)
{
	size_t n = 0;
	for (const char *c = k; *c; c++, n++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
			return 0;
	return n > 0 && n <= 253;
}

static int write_k8s(cst_buf *b, const cli_envset *s, int mask, const char *ns, char **names, int n)
{
	char tmp[64];
	int rc = CST_OK;
	json_t *seen = json_object();
	for (int i = 0; rc == CST_OK && i < n; i++) {
		char kname[256];
		if ((rc = k8s_name(kname, sizeof(kname), names[i])) < 0)
			break;
		json_t *other = json_object_get(seen, kname);
		if (other != NULL) {
			rc = cst_fail(CST_EINVAL, "%s and %s both become the Secret %s",
			              json_string_value(other), names[i], kname);
			break;
		}
		json_object_set_new(seen, kname, json_string(names[i]));
		rc = cst_buf_printf(b, "%sapiVersion: v1\nkind: Secret\nmetadata:\n  name: \"%s\"\n",
		                    i ? "---\n" : "", kname);
		if (rc == CST_OK && ns)
			rc = cst_buf_printf(b, "  namespace: \"%s\"\n", ns);
		if (rc == CST_OK)
			rc = cst_buf_printf(b, "  labels:\n    app.kubernetes.io/managed-by: \"custos\"\n"
			                       "  annotations:\n    custos/name: \"%s\"\ntype: Opaque\n"
			                       "data:\n", names[i]);
		int any = 0;
		for (size_t j = 0; rc == CST_OK && j < s->n; j++) {
			const cli_envvar *e = &s->v[j];
			if (strcmp(e->origin, names[i]) != 0)
				continue;
			if (!k8s_key(e->var)) {
				rc = cst_fail(CST_EINVAL, "%.128s is not a Secret key (letters, digits, "
				                          "'-', '_', '.')", e->var);
				break;
			}
			size_t len;
			const char *v = shown_value(tmp, sizeof(tmp), e, mask, &len);
			char *b64 = malloc(cst_b64_encoded_size(len));
			if (b64 == NULL) {
				rc = cst_fail(CST_ENOMEM, "out of memory");
				break;
			}
			size_t bl = cst_b64_encode(b64, v, len, CST_B64_STD);
			rc = cst_buf_printf(b, "  \"%s\": \"", e->var);
			if (rc == CST_OK)
				rc = cst_buf_put(b, b64, bl);
			if (rc == CST_OK)
				rc = cst_buf_puts(b, "\"\n");
			cst_wipe(b64, bl);
			free(b64);
			any = 1;
		}
		if (rc == CST_OK && !any) /* YAML: an empty mapping, not null */
			rc = cst_buf_puts(b, "  {}\n");
	}
	json_decref(seen);
	return rc;
}

static int dns_label(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (const char *c = s; *c; c++)
		if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '-'))
			return 0;
	return 1;
}

int cmd_export(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"format", 'F', 1, 0, {0}}, {"namespace", 0, 1, 0, {0}},
	                  {"mask", 0, 0, 0, {0}},     {"out-file", 'o', 1, 0, {0}},
	                  {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos < 1)
		return cli_usage(ctx, "missing NAME");
	const char *format = cli_value(opts, "format"), *ns = cli_value(opts, "namespace");
	if (format == NULL)
		format = "dotenv";
	if (strcmp(format, "dotenv") && strcmp(format, "json") && strcmp(format, "shell") &&
	    strcmp(format, "k8s"))
		return cli_usage(ctx, "--format must be dotenv, json, shell or k8s");
	if (ns && strcmp(format, "k8s") != 0)
		return cli_usage(ctx, "--namespace goes with --format k8s");
	if (ns && !dns_label(ns))
		return cli_usage(ctx, "--namespace must be a DNS label (a-z, 0-9, '-', at most 63)");
	int mask = cli_flag(opts, "mask");
	cli_envset s = {0};
	cst_buf out = CST_BUF_INIT;
	out.max = CST_LIMIT_FILE;
	int rc = CST_OK;
	for (int i = 0; rc == CST_OK && i < npos; i++)
		rc = cli_envset_add_secret(ctx, &s, argv[i]);
	if (rc == CST_OK && strcmp(format, "dotenv") == 0)
		rc = write_dotenv(&out, &s, mask);
	else if (rc == CST_OK && strcmp(format, "json") == 0)
		rc = write_json(&out, &s, mask);
	else if (rc == CST_OK && strcmp(format, "shell") == 0)
		rc = write_shell(&out, &s, mask);
	else if (rc == CST_OK)
		rc = write_k8s(&out, &s, mask, ns, argv, npos);
	const char *file = cli_value(opts, "out-file");
	if (rc == CST_OK && file != NULL)
		rc = cst_file_replace(file, out.ptr ? out.ptr : "", out.len);
	else if (rc == CST_OK && out.len && fwrite(out.ptr, 1, out.len, stdout) != out.len)
		rc = cst_fail(CST_EIO, "cannot write standard output");
	int status = rc < 0 ? cli_fail(rc) : 0;
	cst_buf_release(&out);
	cli_envset_release(&s);
	return status;
}
