/* render_md.c - a report as GitHub-flavoured markdown: a summary, then
 * tables in the order a person acts on them (what needs attention,
 * secrets, teams, tokens, access). The tables both formats show come from
 * render_table.c, drawn here as pipes (md_tables). Every name is escaped for a table cell:
 * markdown punctuation gets a backslash, so a name cannot make a link, an
 * emphasis or a new column, and control characters become spaces. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "report/audit_scan.h"
#include "report/render_common.h"
#include "report/render_table.h"
#include "report/report.h"
#include "util/timefmt.h"

/* Text for a table cell or a line of prose. */
static void text(rw *m, const char *s)
{
	if (s == NULL)
		s = "";
	for (const char *p = s; *p && m->rc == CST_OK; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f)
			m->rc = cst_buf_put(m->b, " ", 1);
		else if (strchr("\\`*_[]<>|~&", c)) {
			char e[2] = {'\\', (char)c};
			m->rc = cst_buf_put(m->b, e, 2);
		} else {
			m->rc = cst_buf_put(m->b, p, 1);
		}
	}
}

static void head(rw *m, const char *const *cols, size_t n)
{
	rw_printf(m, "\n|");
	for (size_t i = 0; i < n; i++)
		rw_printf(m, " %s |", cols[i] + (cols[i][0] == '>'));
	rw_printf(m, "\n|");
	for (size_t i = 0; i < n; i++)
		rw_printf(m, cols[i][0] == '>' ? " ---: |" : " --- |");
	rw_printf(m, "\n");
}

static void cell(rw *m, const char *s)
{
	rw_printf(m, "| ");
	text(m, s);
	rw_printf(m, " ");
}

static void num_cell(rw *m, long long v)
{
	char n[32];
	rj_num(n, sizeof(n), v);
	rw_printf(m, "| %s ", n);
}

static void end_row(rw *m)
{
	rw_printf(m, "|\n");
}

static void md_open(table *t, const char *caption)
{
	(void)caption; /* markdown says it in a heading */
	head(t->w, t->cols, t->ncols);
}

static void md_value(rw *m, const table_cell *c)
{
	char v[48];
	switch (c->kind) {
	case CELL_NUM:
		rj_num(v, sizeof(v), c->n);
		rw_printf(m, "%s", v);
		break;
	case CELL_WHEN:
		rj_when(v, sizeof(v), c->s);
		text(m, v);
		break;
	case CELL_STATUS: {
		status_word sw = report_status_word(c->s);
		if (sw.level == 3) { /* what needs action stands out without colour */
			rw_printf(m, "**");
			for (const char *p = sw.word; *p; p++)
				rw_printf(m, "%c", *p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
			rw_printf(m, "**");
		} else {
			text(m, sw.word);
		}
		break;
	}
	case CELL_NONE:
		rw_printf(m, "-");
		break;
	case CELL_TEXT:
	case CELL_NAME:
	case CELL_REST:
		text(m, c->s);
		break;
	}
	if (c->tag) {
		rw_printf(m, " (");
		text(m, c->tag);
		rw_printf(m, ")");
	}
}

static void md_row(table *t, const table_cell *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rw_printf(t->w, "| ");
		md_value(t->w, &cells[i]);
		rw_printf(t->w, " ");
		for (size_t k = i + 1; cells[i].kind == CELL_REST && k < t->ncols; k++)
			rw_printf(t->w, "| ");
	}
	end_row(t->w);
}

static void md_close(table *t)
{
	(void)t;
}

static const table_sink md_tables = {md_open, md_row, md_close};

static void summary(rw *m, const json_t *r)
{
	const json_t *s = json_object_get(r, "summary");
	const json_t *audit = json_object_get(r, "audit");
	int have_audit = json_is_true(json_object_get(audit, "available"));
	char since[48], until[48], span[48], warn[48], n[32];
	rj_when(since, sizeof(since), rj_str(rj_get(r, "window", NULL), "since"));
	rj_when(until, sizeof(until), rj_str(r, "generated_at"));
	rj_span(span, sizeof(span), rj_int(json_object_get(r, "window"), "seconds"));
	rj_span(warn, sizeof(warn), rj_int(r, "warn_seconds"));
	rw_printf(m, "# custos report\n\nGenerated %s. Audit figures cover the last %s (since %s); "
	       "\"due soon\" means within %s.\n\n## Summary\n",
	    until, span, since, warn);
	static const char *const cols[] = {"What", ">Count"};
	head(m, cols, 2);
	long long overdue = rj_int(s, "overdue"), expiring = rj_int(s, "expiring");
	rj_num(n, sizeof(n), overdue);
	rw_printf(m, overdue ? "| **Overdue credentials (expired, or rotation overdue)** | **%s** |\n"
	               : "| Overdue credentials (expired, or rotation overdue) | %s |\n", n);
	rw_printf(m, "| Credentials due within %s ", warn);
	num_cell(m, expiring);
	end_row(m);
	if (have_audit) {
		rw_printf(m, "| Failed logins in the last %s ", span);
		num_cell(m, rj_int(s, "failed_logins"));
		end_row(m);
		rw_printf(m, "| Requests made with a root token in the last %s ", span);
		num_cell(m, rj_int(s, "root_token_requests"));
		end_row(m);
		rw_printf(m, "| Requests in the last %s ", span);
		num_cell(m, rj_int(s, "requests"));
		end_row(m);
	} else {
		rw_printf(m, "| Failed logins, root-token use, requests | no audit log: see below |\n");
	}
	rw_printf(m, "| Live root tokens ");
	num_cell(m, rj_int(s, "root_tokens"));
	end_row(m);
	rw_printf(m, "| Live tokens (never expiring: %lld) ", rj_int(s, "tokens_without_expiry"));
	num_cell(m, rj_int(s, "live_tokens"));
	end_row(m);
	rw_printf(m, "| Secrets ");
	num_cell(m, rj_int(s, "secrets"));
	end_row(m);
}

static void counted(rw *m, const json_t *rows, const char *key, const char *none, const char *title,
                    const char *noun)
{
	const char *cols[2] = {title, noun};
	if (json_array_size(rows) == 0) {
		rw_printf(m, "\nNone.\n");
		return;
	}
	head(m, cols, 2);
	size_t i;
	json_t *x;
	json_array_foreach(rows, i, x) {
		cell(m, rj_name(x, key, none));
		num_cell(m, rj_int(x, "count"));
		end_row(m);
	}
}

static void secrets(rw *m, const json_t *r, int64_t now)
{
	const json_t *s = json_object_get(r, "secrets");
	const json_t *att = json_object_get(s, "attention");
	char warn[48];
	rj_span(warn, sizeof(warn), rj_int(r, "warn_seconds"));
	rw_printf(m, "\n## Needs attention\n\n");
	if (json_array_size(att) == 0) {
		rw_printf(m, "No credential is overdue or due within %s.\n", warn);
	} else {
		rw_printf(m, "Overdue credentials first, then those due within %s, soonest first.\n", warn);
		table_attention(m, &md_tables, att, now);
		if (rj_int(s, "attention_not_listed"))
			rw_printf(m, "\n%lld more not listed.\n", rj_int(s, "attention_not_listed"));
	}
	char total[48];
	rj_count(total, sizeof(total), rj_int(s, "total"), "secret");
	rw_printf(m, "\n## Secrets\n\n%s in all.\n\n### By type\n", total);
	counted(m, json_object_get(s, "by_type"), "type", "untyped", "Type", ">Secrets");
	rw_printf(m, "\n### By team\n");
	if (json_array_size(json_object_get(s, "by_team")) == 0)
		rw_printf(m, "\nNone.\n");
	else
		table_secrets_by_team(m, &md_tables, json_object_get(s, "by_team"));
	size_t i;
	json_t *x;
	rw_printf(m, "\n### Time since the last rotation\n");
	static const char *const acols[] = {"Current version written", ">Secrets"};
	head(m, acols, 2);
	json_array_foreach(json_object_get(s, "by_rotation_age"), i, x) {
		char label[64];
		snprintf(label, sizeof(label), "%s ago", rj_str(x, "bucket"));
		cell(m, label);
		num_cell(m, rj_int(x, "count"));
		end_row(m);
	}
	const json_t *stale = json_object_get(s, "least_recently_rotated");
	if (json_array_size(stale)) {
		rw_printf(m, "\n### Least recently rotated\n");
		table_least_rotated(m, &md_tables, stale);
	}
}

static void teams(rw *m, const json_t *r)
{
	const json_t *t = json_object_get(r, "teams");
	rw_printf(m, "\n## Teams\n\n");
	if (json_array_size(t) == 0) {
		rw_printf(m, "No teams (custos team create).\n");
		return;
	}
	table_teams(m, &md_tables, t);
}

static void tokens(rw *m, const json_t *r)
{
	const json_t *t = json_object_get(r, "tokens");
	char warn[48];
	rj_span(warn, sizeof(warn), rj_int(r, "warn_seconds"));
	char live[48];
	rj_count(live, sizeof(live), rj_int(t, "live"), "live token");
	rw_printf(m, "\n## Tokens\n\n%s; %lld never expire; %lld expire within %s.\n", live,
	    rj_int(t, "never_expire"), rj_int(t, "expiring_soon"), warn);
	rw_printf(m, "\n### By team\n");
	counted(m, json_object_get(t, "by_team"), "team", "no team", "Team", ">Tokens");
	rw_printf(m, "\n### By policy\n\nA token with several policies counts once for each.\n");
	counted(m, json_object_get(t, "by_policy"), "policy", "-", "Policy", ">Tokens");
	rw_printf(m, "\n### By auth mount\n");
	counted(m, json_object_get(t, "by_mount"), "mount", "-", "Issued by", ">Tokens");
	const json_t *roots = json_object_get(t, "root");
	rw_printf(m, "\n### Live root tokens\n");
	if (json_array_size(roots) == 0) {
		rw_printf(m, "\nNone.\n");
		return;
	}
	table_root_tokens(m, &md_tables, roots);
}

static void access(rw *m, const json_t *r)
{
	const json_t *a = json_object_get(r, "audit");
	char span[48];
	rj_span(span, sizeof(span), rj_int(json_object_get(r, "window"), "seconds"));
	rw_printf(m, "\n## Access in the last %s (from the audit log)\n\n", span);
	if (!json_is_true(json_object_get(a, "available"))) {
		rw_printf(m, "No audit figures: ");
		text(m, rj_str(a, "note") ? rj_str(a, "note") : "no audit log was read");
		rw_printf(m, ".\n");
		return;
	}
	if (rj_str(a, "note")) {
		rw_printf(m, "Note: ");
		text(m, rj_str(a, "note"));
		rw_printf(m, ".\n\n");
	}
	char reqs[48];
	rj_count(reqs, sizeof(reqs), rj_int(a, "requests"), "request");
	rw_printf(m, "%s; %lld ended in an error, %lld of them denied by policy.\n", reqs,
	    rj_int(a, "errors"), rj_int(a, "denied"));
	const json_t *logins = json_object_get(a, "logins");
	rw_printf(m, "\n### Failed logins\n\n%lld failed and %lld successful logins.\n",
	    rj_int(logins, "failed"), rj_int(logins, "succeeded"));
	const json_t *targets = json_object_get(logins, "by_target");
	size_t i;
	json_t *x;
	if (json_array_size(targets))
		table_failed_logins(m, &md_tables, targets);
	const json_t *root = json_object_get(a, "root");
	rw_printf(m, "\n### Root-token use\n\n%lld requests with a root token; %lld by the local key holder "
	       "(the CLI on the vault file, root by holding the key).\n",
	    rj_int(root, "requests"), rj_int(root, "local_requests"));
	if (json_array_size(json_object_get(root, "by_token")))
		table_root_use(m, &md_tables, json_object_get(root, "by_token"));
	rw_printf(m, "\n### Requests per team\n\nA request counts for each team of its token.\n");
	table_access(m, &md_tables, json_object_get(a, "by_team"), 0, 0);
	rw_printf(m, "\n### Requests per principal\n");
	table_access(m, &md_tables, json_object_get(a, "by_principal"), 1, 0);
	if (rj_int(a, "principals_not_listed"))
		rw_printf(m, "\n%lld requests of further principals are not listed.\n",
		    rj_int(a, "principals_not_listed"));
	const json_t *tl = json_object_get(a, "timeline");
	rw_printf(m, "\n### Requests over time\n");
	static const char *const tcols[] = {"From", ">Requests"};
	head(m, tcols, 2);
	long long bucket = rj_int(tl, "bucket_seconds");
	int64_t start = 0;
	const char *st = rj_str(tl, "start");
	if (st == NULL || cst_audit_time_ns(&start, st, strlen(st)) < 0)
		start = 0;
	json_array_foreach(json_object_get(tl, "total"), i, x) {
		char t[48], w[48];
		cst_time_format(t, sizeof(t), start + (int64_t)i * bucket * 1000000000LL);
		rj_when(w, sizeof(w), t);
		cell(m, w);
		num_cell(m, (long long)json_integer_value(x));
		end_row(m);
	}
}

static void sources(rw *m, const json_t *r)
{
	const json_t *a = json_object_get(r, "audit");
	rw_printf(m, "\n## About this report\n\nSecret values never appear here: names, types, teams, "
	       "times and counts only. The audit log's chain is not checked by the report "
	       "(custos audit verify does that).\n");
	const json_t *src = json_object_get(a, "sources");
	if (json_array_size(src) == 0)
		return;
	table_sources(m, &md_tables, src);
}

int cst_report_markdown(cst_buf *out, const json_t *r)
{
	rw m = {out, CST_OK};
	int64_t now = rj_now(r);
	summary(&m, r);
	secrets(&m, r, now);
	teams(&m, r);
	tokens(&m, r);
	access(&m, r);
	sources(&m, r);
	return m.rc;
}
