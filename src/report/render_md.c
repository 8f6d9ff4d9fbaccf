/* render_md.c - a report as GitHub-flavoured markdown: a summary, then
 * tables in the order a person acts on them (what needs attention,
 * secrets, teams, tokens, access). Every name is escaped for a table cell:
 * markdown punctuation gets a backslash, so a name cannot make a link, an
 * emphasis or a new column, and control characters become spaces. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "report/audit_scan.h"
#include "report/render_common.h"
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

static void when_cell(rw *m, const char *t)
{
	char w[48];
	rj_when(w, sizeof(w), t);
	cell(m, w);
}

static const char *status_word(const char *status)
{
	return !strcmp(status, "overdue")    ? "**OVERDUE**"
	       : !strcmp(status, "expiring") ? "due soon"
	       : !strcmp(status, "ok")       ? "ok"
	       : !strcmp(status, "deleted")  ? "deleted"
	       : !strcmp(status, "empty")    ? "no version"
	                                     : "no policy";
}

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

static void secret_row(rw *m, const json_t *it, int64_t now, int with_why)
{
	char why[400], days[32];
	cell(m, rj_str(it, "name"));
	cell(m, rj_str(it, "mount"));
	cell(m, rj_name(it, "team", "-"));
	cell(m, rj_name(it, "type", "untyped"));
	if (with_why) {
		rw_printf(m, "| %s ", status_word(rj_str(it, "status")));
		rj_why(why, sizeof(why), it, now);
		cell(m, why);
		when_cell(m, rj_str(it, "due"));
	} else {
		when_cell(m, rj_str(it, "last_rotation"));
		const json_t *age = json_object_get(it, "rotation_age_days");
		rj_num(days, sizeof(days), (long long)json_integer_value(age));
		cell(m, json_is_integer(age) ? days : "-");
		if (rj_int(it, "rotate_every_seconds") > 0) {
			char every[48], p[64];
			rj_span(every, sizeof(every), rj_int(it, "rotate_every_seconds"));
			snprintf(p, sizeof(p), "every %s", every);
			cell(m, p);
		} else {
			cell(m, "-");
		}
		rw_printf(m, "| %s ", status_word(rj_str(it, "status")));
	}
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
		static const char *const cols[] = {"Secret", "Mount", "Team", "Type", "Status", "Why", "Due"};
		head(m, cols, 7);
		size_t i;
		json_t *x;
		json_array_foreach(att, i, x)
			secret_row(m, x, now, 1);
		if (rj_int(s, "attention_not_listed"))
			rw_printf(m, "\n%lld more not listed.\n", rj_int(s, "attention_not_listed"));
	}
	char total[48];
	rj_count(total, sizeof(total), rj_int(s, "total"), "secret");
	rw_printf(m, "\n## Secrets\n\n%s in all.\n\n### By type\n", total);
	counted(m, json_object_get(s, "by_type"), "type", "untyped", "Type", ">Secrets");
	rw_printf(m, "\n### By team\n");
	static const char *const tcols[] = {"Team", ">Secrets", ">Overdue", ">Due soon", ">No policy"};
	if (json_array_size(json_object_get(s, "by_team")) == 0)
		rw_printf(m, "\nNone.\n");
	else
		head(m, tcols, 5);
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(s, "by_team"), i, x) {
		cell(m, rj_name(x, "team", "no team"));
		num_cell(m, rj_int(x, "count"));
		num_cell(m, rj_int(x, "overdue"));
		num_cell(m, rj_int(x, "expiring"));
		num_cell(m, rj_int(x, "unmanaged"));
		end_row(m);
	}
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
		static const char *const scols[] = {"Secret", "Mount", "Team", "Type", "Last rotation",
		                                    ">Days ago", "Rotation policy", "Status"};
		head(m, scols, 8);
		json_array_foreach(stale, i, x)
			secret_row(m, x, now, 0);
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
	static const char *const cols[] = {"Team", ">Secrets", ">Overdue", ">Due soon", ">Live tokens",
	                                   ">Requests"};
	head(m, cols, 6);
	size_t i;
	json_t *x;
	json_array_foreach(t, i, x) {
		char name[200];
		snprintf(name, sizeof(name), "%s%s", rj_str(x, "team"),
		         json_is_true(json_object_get(x, "exists")) ? "" : " (deleted)");
		cell(m, name);
		num_cell(m, rj_int(x, "secrets"));
		num_cell(m, rj_int(x, "overdue"));
		num_cell(m, rj_int(x, "expiring"));
		num_cell(m, rj_int(x, "live_tokens"));
		if (json_is_integer(json_object_get(x, "requests")))
			num_cell(m, rj_int(x, "requests"));
		else
			cell(m, "-");
		end_row(m);
	}
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
	static const char *const cols[] = {"Display name", "Created", "Expires", "Made by"};
	head(m, cols, 4);
	size_t i;
	json_t *x;
	json_array_foreach(roots, i, x) {
		cell(m, rj_str(x, "display_name"));
		when_cell(m, rj_str(x, "created_time"));
		if (rj_str(x, "expire_time"))
			when_cell(m, rj_str(x, "expire_time"));
		else
			cell(m, "never");
		cell(m, rj_str(x, "path"));
		end_row(m);
	}
}

static void access_counts(rw *m, const json_t *rows, const char *key, int principals)
{
	static const char *const pcols[] = {"Principal", "Teams", ">Requests", ">Secret reads",
	                                    ">Secret writes", ">Errors", ">Denied", "Last seen"};
	static const char *const tcols[] = {"Team", ">Requests", ">Secret reads", ">Secret writes",
	                                    ">Errors", ">Denied", "Last seen"};
	if (principals)
		head(m, pcols, 8);
	else
		head(m, tcols, 7);
	size_t i;
	json_t *x;
	json_array_foreach(rows, i, x) {
		cell(m, rj_name(x, key, "no team"));
		if (principals) {
			char teams[300];
			rj_join(teams, sizeof(teams), json_object_get(x, "teams"), 0);
			cell(m, teams[0] ? teams : "-");
		}
		num_cell(m, rj_int(x, "requests"));
		num_cell(m, rj_int(x, "secret_reads"));
		num_cell(m, rj_int(x, "secret_writes"));
		num_cell(m, rj_int(x, "errors"));
		num_cell(m, rj_int(x, "denied"));
		when_cell(m, rj_str(x, "last_seen"));
		end_row(m);
	}
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
	if (json_array_size(targets)) {
		static const char *const cols[] = {"Method", "Mount", "User or role", ">Failed",
		                                   ">Succeeded", "Last failure", "Last error", "From"};
		head(m, cols, 8);
		json_array_foreach(targets, i, x) {
			cell(m, rj_str(x, "method"));
			cell(m, rj_str(x, "mount"));
			cell(m, rj_str(x, "name"));
			num_cell(m, rj_int(x, "failed"));
			num_cell(m, rj_int(x, "succeeded"));
			when_cell(m, rj_str(x, "last_failure"));
			cell(m, rj_str(x, "last_error"));
			char from[300];
			rj_join(from, sizeof(from), json_object_get(x, "addresses"),
			        json_is_true(json_object_get(x, "more_addresses")));
			cell(m, from);
			end_row(m);
		}
	}
	const json_t *root = json_object_get(a, "root");
	rw_printf(m, "\n### Root-token use\n\n%lld requests with a root token; %lld by the local key holder "
	       "(the CLI on the vault file, root by holding the key).\n",
	    rj_int(root, "requests"), rj_int(root, "local_requests"));
	if (json_array_size(json_object_get(root, "by_token"))) {
		static const char *const cols[] = {"Token", "Accessor (as logged)", ">Requests", "Last used"};
		head(m, cols, 4);
		json_array_foreach(json_object_get(root, "by_token"), i, x) {
			char acc[40];
			snprintf(acc, sizeof(acc), "%.24s...", rj_str(x, "accessor"));
			cell(m, rj_str(x, "token"));
			cell(m, acc);
			num_cell(m, rj_int(x, "requests"));
			when_cell(m, rj_str(x, "last_used"));
			end_row(m);
		}
	}
	rw_printf(m, "\n### Requests per team\n\nA request counts for each team of its token.\n");
	access_counts(m, json_object_get(a, "by_team"), "team", 0);
	rw_printf(m, "\n### Requests per principal\n");
	access_counts(m, json_object_get(a, "by_principal"), "principal", 1);
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
	static const char *const cols[] = {"Audit log", "Device", ">Lines", ">Entries counted",
	                                   ">Unreadable lines", "First entry", "Last entry"};
	head(m, cols, 7);
	size_t i;
	json_t *x;
	json_array_foreach(src, i, x) {
		cell(m, rj_str(x, "path"));
		cell(m, rj_name(x, "device", "-"));
		if (rj_str(x, "error")) {
			cell(m, rj_str(x, "error"));
			rw_printf(m, "| | | | ");
			end_row(m);
			continue;
		}
		num_cell(m, rj_int(x, "lines"));
		num_cell(m, rj_int(x, "entries_counted"));
		num_cell(m, rj_int(x, "unreadable_lines"));
		when_cell(m, rj_str(x, "first_time"));
		when_cell(m, rj_str(x, "last_time"));
		end_row(m);
	}
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
