/* report.h - `custos report`: a whole-vault account for people who answer
 * for it (docs/report.md has the JSON, field by field). The library
 * computes the figures behind the custos-extension route sys/report
 * (sudo), as one JSON document; renderers turn that document into
 * GitHub-flavoured markdown or one self-contained HTML page, so the CLI
 * renders the same way from a local vault and from a server.
 *
 * Sources: the metadata of every KV secret (never a value), the token
 * store, the team records, and audit logs read line by line. Figures are
 * names, types, teams, times and counts only. */
#ifndef CST_REPORT_H
#define CST_REPORT_H

#include <jansson.h>
#include <stdint.h>

#include "custos.h"
#include "util/buf.h"

#define CST_REPORT_VERSION 1
#define CST_REPORT_DEFAULT_SINCE (30LL * 86400)  /* seconds */
#define CST_REPORT_DEFAULT_WARN (14LL * 86400)
#define CST_REPORT_MAX_FILES 32                  /* audit files one report reads */
#define CST_REPORT_ITEMS 10000                   /* secrets listed one by one in the JSON */
#define CST_REPORT_ATTENTION 10000               /* overdue and expiring secrets listed */
#define CST_REPORT_STALEST 25                    /* least recently rotated, listed */

typedef struct cst_report_opts {
	int64_t now_ns;   /* when the report is made (0: the clock) */
	int64_t since_ns; /* the window's start (audit figures) */
	int64_t warn_s;   /* "soon": expiry or rotation due within this many seconds */
	const char *audit_files[CST_REPORT_MAX_FILES]; /* borrowed; none: the vault's file devices */
	size_t n_audit_files;
	int remote;       /* asked over the network: audit files only from device directories */
} cst_report_opts;

/* Reads sys/report's parameters: since ("30d", "720h" or an RFC 3339
 * time; default 30 days), warn (a duration; default 14 days) and
 * audit_file (a path, or an array of paths). opts borrows from data.
 * CST_EINVAL naming the parameter. */
int cst_report_params(cst_report_opts *opts, const json_t *data, int64_t now_ns)
	__attribute__((warn_unused_result));

/* The report. CST_EINVAL / CST_ENOTFOUND for an audit file that was named
 * and cannot be read, CST_EPERM for one a remote caller may not have
 * read; other sources failing fail the report. */
int cst_report_build(json_t **out, cst_vault *v, const cst_report_opts *opts)
	__attribute__((warn_unused_result));

/* The parts (report_secrets.c, report_tokens.c, report_audit.c). */
int cst_report_secrets(json_t **out, cst_vault *v, const cst_report_opts *opts)
	__attribute__((warn_unused_result));
/* roots: filled with [{"accessor", "label"}] of the live root tokens,
 * for naming them in the audit figures (the accessors stay out of the
 * report). */
int cst_report_tokens(json_t **out, json_t *roots, cst_vault *v, const cst_report_opts *opts)
	__attribute__((warn_unused_result));
int cst_report_audit(json_t **out, cst_vault *v, const cst_report_opts *opts, const json_t *roots)
	__attribute__((warn_unused_result));

/* Renderers (render_md.c, render_html.c): the text of a report document,
 * appended to out. CST_ENOMEM. */
int cst_report_markdown(cst_buf *out, const json_t *report) __attribute__((warn_unused_result));
int cst_report_html(cst_buf *out, const json_t *report) __attribute__((warn_unused_result));

#endif
