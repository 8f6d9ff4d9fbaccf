/* cmd_inject.c - custos inject: a template with {{ custos://NAME/FIELD }}
 * references (1Password `op inject` syntax) filled with the values, into
 * a new 0600 file (or stdout). The output is built whole in wiped memory
 * first: a missing reference stops everything and leaves no file. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/error.h"
#include "core/limits.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/mem.h"
#include "util/template.h"

static const char help[] =
	"usage: custos inject [-i TEMPLATE] [-o FILE]\n\n"
	"Replaces each {{ custos://NAME/FIELD }} in TEMPLATE (default: standard input) with\n"
	"that field's value and writes the result to FILE, created 0600 (replacing the file\n"
	"whole), or to standard output. Other {{ ... }} is left alone. A reference to a\n"
	"missing credential or field is an error (exit 3) and nothing is written.\n";

typedef struct fill {
	cli_ctx *ctx;
	cli_envset secrets; /* only its cache of secrets is used */
	cst_buf out;
	const char *src;
} fill;

static int piece(const cst_tpl_piece *p, void *payload)
{
	fill *f = payload;
	if (p->ref == NULL)
		return cst_buf_put(&f->out, p->text, p->len);
	json_t *secret;
	int rc = cli_fetch_secret(f->ctx, &f->secrets, p->ref->name, &secret);
	if (rc < 0)
		return cst_fail_prefix(rc, "%s line %u", f->src, p->line);
	json_t *v = json_object_get(json_object_get(secret, "data"), p->ref->field);
	if (v == NULL)
		return cst_fail(CST_ENOTFOUND, "%s line %u: %s has no field '%s'", f->src, p->line,
		                p->ref->name, p->ref->field);
	if (json_is_string(v))
		return cst_buf_put(&f->out, json_string_value(v), json_string_length(v));
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	rc = text ? cst_buf_puts(&f->out, text) : cst_fail(CST_ENOMEM, "out of memory");
	cst_free_wiped(text);
	return rc;
}

int cmd_inject(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"in-file", 'i', 1, 0, {0}}, {"out-file", 'o', 1, 0, {0}}, {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos != 0)
		return cli_usage(ctx, "takes no arguments: the template is -i FILE or standard input");
	const char *in = cli_value(opts, "in-file"), *out = cli_value(opts, "out-file");
	fill f = {ctx, {0}, CST_BUF_INIT, in ? in : "the template"};
	f.out.max = CST_LIMIT_FILE;
	cst_buf tpl = CST_BUF_INIT;
	int rc = cst_file_read(&tpl, in ? in : "-");
	if (rc == CST_OK)
		rc = cst_template_scan(tpl.ptr ? tpl.ptr : "", tpl.len, piece, &f);
	if (rc == CST_EINVAL && strncmp(cst_errmsg(), "line ", 5) == 0)
		rc = cst_fail_prefix(rc, "%s", f.src);
	if (rc == CST_OK && out != NULL)
		rc = cst_file_replace(out, f.out.ptr ? f.out.ptr : "", f.out.len);
	else if (rc == CST_OK && f.out.len && fwrite(f.out.ptr, 1, f.out.len, stdout) != f.out.len)
		rc = cst_fail(CST_EIO, "cannot write standard output");
	int status = rc < 0 ? cli_fail(rc) : 0;
	cst_buf_release(&tpl);
	cst_buf_release(&f.out);
	cli_envset_release(&f.secrets);
	return status;
}
