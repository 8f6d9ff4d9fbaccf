/* render_html.c - a report as one self-contained HTML page (no external
 * style, script, font or image): a summary that says what needs a
 * person's attention, then sections with SVG charts (svg.c) and tables
 * (the columns from render_table.c, drawn by html_tables).
 * Status is said in words and symbols, never by colour alone; every
 * string from the report goes through cst_html_escape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "report/audit_scan.h"
#include "report/render_common.h"
#include "report/render_table.h"
#include "report/report.h"
#include "report/svg.h"
#include "util/html.h"
#include "util/timefmt.h"

#define PRINCIPALS_SHOWN 50

static void text(rw *h, const char *s)
{
	rw_html(h, s, s ? strlen(s) : 0);
}

static void td_num(rw *h, long long v)
{
	char n[32];
	rj_num(n, sizeof(n), v);
	rw_printf(h, "<td class=\"num\">%s</td>", n);
}

static void when(rw *h, const char *t)
{
	char w[48];
	rj_when(w, sizeof(w), t);
	if (t == NULL) {
		rw_raw(h, "&ndash;");
		return;
	}
	rw_raw(h, "<time datetime=\"");
	text(h, t);
	rw_raw(h, "\">");
	text(h, w);
	rw_raw(h, "</time>");
}

static void td_when(rw *h, const char *t)
{
	rw_raw(h, "<td class=\"when\">");
	when(h, t);
	rw_raw(h, "</td>");
}

/* A table head: columns starting with '>' are numbers (right-aligned). */
static void thead(rw *h, const char *caption, const char *const *cols, size_t n)
{
	rw_raw(h, "<div class=\"scroll\"><table>");
	if (caption) {
		rw_raw(h, "<caption>");
		text(h, caption);
		rw_raw(h, "</caption>");
	}
	rw_raw(h, "<thead><tr>");
	for (size_t i = 0; i < n; i++) {
		rw_printf(h, "<th scope=\"col\"%s>", cols[i][0] == '>' ? " class=\"num\"" : "");
		text(h, cols[i] + (cols[i][0] == '>'));
		rw_raw(h, "</th>");
	}
	rw_raw(h, "</tr></thead><tbody>");
}

static void tend(rw *h)
{
	rw_raw(h, "</tbody></table></div>");
}

static void badge(rw *h, const char *status)
{
	static const char *const look[] = {"badge", "badge ok", "badge soon", "badge overdue"};
	static const char *const symbol[] = {"", "&#10003; ", "&#9719; ", "&#9888; "};
	status_word sw = report_status_word(status);
	rw_printf(h, "<span class=\"%s\">%s", look[sw.level], symbol[sw.level]);
	text(h, sw.word);
	rw_raw(h, "</span>");
}

static void html_open(table *t, const char *caption)
{
	thead(t->w, caption, t->cols, t->ncols);
}

static void html_row(table *t, const table_cell *cells, size_t n)
{
	rw *h = t->w;
	rw_raw(h, "<tr>");
	for (size_t i = 0; i < n; i++) {
		const table_cell *c = &cells[i];
		int number = i < t->ncols && t->cols[i][0] == '>';
		switch (c->kind) {
		case CELL_NUM:
			td_num(h, c->n);
			break;
		case CELL_WHEN:
			td_when(h, c->s);
			break;
		case CELL_NAME:
			rw_raw(h, "<td class=\"name\">");
			text(h, c->s);
			break;
		case CELL_STATUS:
			rw_raw(h, "<td>");
			badge(h, c->s);
			break;
		case CELL_NONE:
			rw_raw(h, number ? "<td class=\"num\">&ndash;" : "<td>&ndash;");
			break;
		case CELL_REST:
			rw_printf(h, "<td colspan=\"%zu\">", t->ncols > i ? t->ncols - i : 1);
			text(h, c->s);
			break;
		case CELL_TEXT:
			rw_raw(h, "<td>");
			text(h, c->s);
			break;
		}
		if (c->kind == CELL_NUM || c->kind == CELL_WHEN)
			continue; /* closed by td_num, td_when */
		if (c->tag) {
			rw_raw(h, " <span class=\"note\">(");
			text(h, c->tag);
			rw_raw(h, ")</span>");
		}
		rw_raw(h, "</td>");
	}
	rw_raw(h, "</tr>");
}

static void html_close(table *t)
{
	tend(t->w);
}

static const table_sink html_tables = {html_open, html_row, html_close};

static const char style[] =
	":root{--ink:#1b1f24;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--bad:#a40e26;"
	"--warn:#7a4d00;--good:#1a7f37}"
	"*{box-sizing:border-box}"
	"body{font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,"
	"sans-serif;color:var(--ink);background:#fff;margin:0 auto;max-width:1120px;padding:28px 24px}"
	"h1{font-size:28px;margin:0 0 4px}"
	"h2{font-size:21px;border-bottom:1px solid var(--line);padding-bottom:6px;margin:40px 0 12px}"
	"h3{font-size:16px;margin:24px 0 8px}"
	"p{margin:6px 0 10px}.meta,.note{color:var(--muted)}"
	"nav{margin:16px 0;font-size:14px}nav a{margin-right:14px;color:#0b57a4}"
	".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px;"
	"list-style:none;padding:0;margin:16px 0}"
	".card{border:1px solid var(--line);border-radius:8px;padding:12px 14px;background:var(--soft)}"
	".card .n{display:block;font-size:30px;font-weight:700;line-height:1.2;"
	"font-variant-numeric:tabular-nums}"
	".card .what{display:block;color:var(--ink)}"
	".card.alert{border:2px solid var(--bad);background:#fff6f6}"
	".card.alert .n,.card.alert .flag{color:var(--bad)}"
	".card.warn{border:2px dashed var(--warn);background:#fffaf0}"
	".card.warn .n,.card.warn .flag{color:var(--warn)}"
	".flag{display:block;font-size:13px;font-weight:700;margin-top:4px}"
	".lead{font-size:16px;max-width:860px}"
	".scroll{overflow-x:auto}"
	"table{border-collapse:collapse;width:100%;margin:6px 0 18px;font-size:14px}"
	"caption{text-align:left;font-weight:600;padding:4px 0}"
	"th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}"
	"th{background:var(--soft);font-weight:600}"
	".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
	".when{white-space:nowrap}"
	"td.name{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;"
	"overflow-wrap:break-word}"
	".badge{display:inline-block;padding:0 8px;border-radius:10px;border:1px solid var(--muted);"
	"font-size:12px;font-weight:700;white-space:nowrap}"
	".badge.overdue{color:var(--bad);border-color:var(--bad);background:#fff6f6}"
	".badge.soon{color:var(--warn);border:1px dashed var(--warn);background:#fffaf0}"
	".badge.ok{color:var(--good);border-color:var(--good)}"
	".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:16px;"
	"margin:12px 0}"
	"figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:12px 14px}"
	"figcaption{font-weight:600;margin-bottom:6px}"
	"svg.chart{display:block;max-width:100%;height:auto}"
	".empty{color:var(--muted);font-style:italic}"
	"@media print{body{max-width:none;padding:0}nav{display:none}figure,table{break-inside:avoid}}";

static void summary(rw *h, const json_t *r)
{
	const json_t *s = json_object_get(r, "summary");
	int have_audit = json_is_true(rj_get(r, "audit", "available"));
	char since[48], until[48], span[48], warn[48], line[200];
	rj_when(since, sizeof(since), rj_str(json_object_get(r, "window"), "since"));
	rj_when(until, sizeof(until), rj_str(r, "generated_at"));
	rj_span(span, sizeof(span), rj_int(json_object_get(r, "window"), "seconds"));
	rj_span(warn, sizeof(warn), rj_int(r, "warn_seconds"));
	rw_raw(h, "<header><h1>custos report</h1><p class=\"meta\">Generated ");
	text(h, until);
	rw_raw(h, ". Audit figures cover the last ");
	text(h, span);
	rw_raw(h, " (since ");
	text(h, since);
	rw_raw(h, "); &ldquo;due soon&rdquo; means within ");
	text(h, warn);
	rw_raw(h, ".</p></header>");

	long long overdue = rj_int(s, "overdue"), soon = rj_int(s, "expiring");
	long long failed = rj_int(s, "failed_logins"), root_req = rj_int(s, "root_token_requests");
	rw_raw(h, "<section aria-label=\"Summary\"><ul class=\"cards\">");
	char n[32];
	rj_num(n, sizeof(n), overdue);
	rw_printf(h, "<li class=\"card%s\"><span class=\"n\">%s</span><span class=\"what\">overdue "
	       "credentials</span>%s</li>",
	    overdue ? " alert" : "", n, overdue ? "<span class=\"flag\">&#9888; needs action</span>" : "");
	rj_num(n, sizeof(n), soon);
	rw_printf(h, "<li class=\"card%s\"><span class=\"n\">%s</span><span class=\"what\">due within ",
	    soon ? " warn" : "", n);
	text(h, warn);
	rw_printf(h, "</span>%s</li>", soon ? "<span class=\"flag\">&#9719; plan rotation</span>" : "");
	if (have_audit) {
		rj_num(n, sizeof(n), failed);
		rw_printf(h, "<li class=\"card%s\"><span class=\"n\">%s</span><span class=\"what\">failed logins</span>"
		       "%s</li>",
		    failed ? " warn" : "", n, failed ? "<span class=\"flag\">&#9888; review below</span>" : "");
		rj_num(n, sizeof(n), root_req);
		rw_printf(h, "<li class=\"card%s\"><span class=\"n\">%s</span><span class=\"what\">requests with "
		       "a root token</span></li>",
		    root_req ? " warn" : "", n);
	} else {
		rw_raw(h, "<li class=\"card\"><span class=\"n\">&ndash;</span><span class=\"what\">failed "
		       "logins: no audit log</span></li>");
	}
	rj_num(n, sizeof(n), rj_int(s, "live_tokens"));
	rw_printf(h, "<li class=\"card\"><span class=\"n\">%s</span><span class=\"what\">live tokens "
	       "(%lld root, %lld never expire)</span></li>",
	    n, rj_int(s, "root_tokens"), rj_int(s, "tokens_without_expiry"));
	rj_num(n, sizeof(n), rj_int(s, "secrets"));
	rw_printf(h, "<li class=\"card\"><span class=\"n\">%s</span><span class=\"what\">secrets</span></li>", n);
	rw_raw(h, "</ul><p class=\"lead\">");
	if (overdue || soon) {
		char a[64], b[64];
		rj_count(a, sizeof(a), overdue, "credential");
		rj_count(b, sizeof(b), soon, "more");
		snprintf(line, sizeof(line), "%s %s overdue", a, overdue == 1 ? "is" : "are");
		text(h, line);
		rw_raw(h, soon ? " and " : ". ");
		if (soon) {
			snprintf(line, sizeof(line), "%lld %s due within %s. ", soon, soon == 1 ? "is" : "are",
			         warn);
			text(h, line);
		}
		rw_raw(h, "They are listed first, under <a href=\"#attention\">Needs attention</a>. ");
	} else {
		text(h, "No credential is overdue or due soon. ");
	}
	if (have_audit) {
		snprintf(line, sizeof(line), "%lld failed login%s and %lld request%s with a root token in "
		                             "the last %s.",
		         failed, failed == 1 ? "" : "s", root_req, root_req == 1 ? "" : "s", span);
		text(h, line);
	} else {
		text(h, "There are no audit figures: ");
		text(h, rj_str(json_object_get(r, "audit"), "note"));
		text(h, ".");
	}
	rw_raw(h, "</p></section>");
	rw_raw(h, "<nav aria-label=\"Sections\"><a href=\"#attention\">Needs attention</a>"
	       "<a href=\"#secrets\">Secrets</a><a href=\"#teams\">Teams</a><a href=\"#tokens\">Tokens"
	       "</a><a href=\"#access\">Access</a><a href=\"#about\">About this report</a></nav>");
}

static void attention(rw *h, const json_t *r, int64_t now)
{
	const json_t *s = json_object_get(r, "secrets");
	const json_t *att = json_object_get(s, "attention");
	char warn[48];
	rj_span(warn, sizeof(warn), rj_int(r, "warn_seconds"));
	rw_raw(h, "<section id=\"attention\"><h2>Needs attention</h2>");
	if (json_array_size(att) == 0) {
		rw_raw(h, "<p class=\"empty\">No credential is overdue or due within ");
		text(h, warn);
		rw_raw(h, ".</p></section>");
		return;
	}
	rw_raw(h, "<p>Overdue credentials first, then those due within ");
	text(h, warn);
	rw_raw(h, ", soonest first. Rotate a credential with <code>custos put NAME ...</code>; change its "
	       "policy with <code>custos meta NAME --rotate-every 90d --expires-at TIME</code>.</p>");
	table_attention(h, &html_tables, att, now);
	if (rj_int(s, "attention_not_listed"))
		rw_printf(h, "<p class=\"note\">%lld more are not listed.</p>", rj_int(s, "attention_not_listed"));
	rw_raw(h, "</section>");
}

/* A bar chart of rows' key and count (count_key) in a figure. */
static void bars_figure(rw *h, const char *id, const char *caption, const json_t *rows,
                        const char *key, const char *count_key, const char *none, const char *unit)
{
	size_t n = json_array_size(rows);
	rw_raw(h, "<figure><figcaption>");
	text(h, caption);
	rw_raw(h, "</figcaption>");
	if (n == 0) {
		rw_raw(h, "<p class=\"empty\">None.</p></figure>");
		return;
	}
	cst_svg_bar *bars = calloc(n, sizeof(*bars));
	if (bars == NULL) {
		h->rc = cst_fail(CST_ENOMEM, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *x = json_array_get(rows, i);
		bars[i] = (cst_svg_bar){rj_name(x, key, none), (uint64_t)rj_int(x, count_key)};
	}
	if (h->rc == CST_OK)
		h->rc = cst_svg_bars(h->b, id, caption, bars, n, unit);
	free(bars);
	rw_raw(h, "</figure>");
}

static void secrets(rw *h, const json_t *r)
{
	const json_t *s = json_object_get(r, "secrets");
	char line[160];
	rw_raw(h, "<section id=\"secrets\"><h2>Secrets</h2><p>");
	const json_t *st = json_object_get(s, "by_status");
	char total[48];
	rj_count(total, sizeof(total), rj_int(s, "total"), "secret");
	snprintf(line, sizeof(line), "%s: %lld overdue, %lld due soon, %lld within policy, "
	                             "%lld without a rotation or expiry policy, %lld deleted, %lld "
	                             "without a version.",
	         total, rj_int(st, "overdue"), rj_int(st, "expiring"), rj_int(st, "ok"),
	         rj_int(st, "unmanaged"), rj_int(st, "deleted"), rj_int(st, "empty"));
	text(h, line);
	rw_raw(h, "</p><div class=\"charts\">");
	bars_figure(h, "sec-type", "Secrets by type", json_object_get(s, "by_type"), "type", "count",
	            "untyped", "secrets");
	bars_figure(h, "sec-team", "Secrets by team", json_object_get(s, "by_team"), "team", "count",
	            "no team", "secrets");
	bars_figure(h, "sec-age", "Time since the current version was written",
	            json_object_get(s, "by_rotation_age"), "bucket", "count", "-", "secrets");
	rw_raw(h, "</div>");
	table_secrets_by_team(h, &html_tables, json_object_get(s, "by_team"));
	const json_t *stale = json_object_get(s, "least_recently_rotated");
	if (json_array_size(stale))
		table_least_rotated(h, &html_tables, stale);
	rw_raw(h, "</section>");
}

static void teams(rw *h, const json_t *r)
{
	const json_t *t = json_object_get(r, "teams");
	rw_raw(h, "<section id=\"teams\"><h2>Teams</h2>");
	if (json_array_size(t) == 0) {
		rw_raw(h, "<p class=\"empty\">No teams yet (<code>custos team create</code>).</p></section>");
		return;
	}
	table_teams(h, &html_tables, t);
	rw_raw(h, "</section>");
}

static void tokens(rw *h, const json_t *r)
{
	const json_t *t = json_object_get(r, "tokens");
	char warn[48], line[200];
	rj_span(warn, sizeof(warn), rj_int(r, "warn_seconds"));
	rw_raw(h, "<section id=\"tokens\"><h2>Tokens</h2><p>");
	char live[48];
	rj_count(live, sizeof(live), rj_int(t, "live"), "live token");
	snprintf(line, sizeof(line), "%s; %lld never expire; %lld expire within %s. A token with "
	                             "several teams or policies counts once for each.",
	         live, rj_int(t, "never_expire"), rj_int(t, "expiring_soon"), warn);
	text(h, line);
	rw_raw(h, "</p><div class=\"charts\">");
	bars_figure(h, "tok-team", "Live tokens by team", json_object_get(t, "by_team"), "team", "count",
	            "no team", "tokens");
	bars_figure(h, "tok-policy", "Live tokens by policy", json_object_get(t, "by_policy"), "policy",
	            "count", "-", "tokens");
	bars_figure(h, "tok-mount", "Live tokens by the auth mount that issued them",
	            json_object_get(t, "by_mount"), "mount", "count", "-", "tokens");
	rw_raw(h, "</div>");
	const json_t *roots = json_object_get(t, "root");
	rw_raw(h, "<h3>Live root tokens</h3>");
	if (json_array_size(roots) == 0) {
		rw_raw(h, "<p class=\"empty\">None.</p>");
	} else {
		rw_raw(h, "<p>A root token may do anything. Revoke those nobody needs "
		       "(<code>custos token revoke</code>).</p>");
		table_root_tokens(h, &html_tables, roots);
	}
	rw_raw(h, "</section>");
}

static void timeline(rw *h, const json_t *a)
{
	const json_t *tl = json_object_get(a, "timeline");
	const json_t *rows = json_object_get(tl, "by_team");
	size_t nb = (size_t)rj_int(tl, "buckets"), shown = json_array_size(rows);
	if (shown > 8)
		shown = 8;
	if (nb == 0)
		return;
	cst_svg_series *series = calloc(shown + 1, sizeof(*series));
	uint64_t *counts = calloc((shown + 1) * nb, sizeof(*counts));
	if (series == NULL || counts == NULL) {
		free(series);
		free(counts);
		h->rc = cst_fail(CST_ENOMEM, "out of memory");
		return;
	}
	const json_t *total = json_object_get(tl, "total");
	series[0].label = "all requests";
	for (size_t r = 0; r <= shown; r++) {
		const json_t *c = r == 0 ? total : json_object_get(json_array_get(rows, r - 1), "counts");
		if (r > 0)
			series[r].label = rj_name(json_array_get(rows, r - 1), "team", "no team");
		for (size_t b = 0; b < nb; b++)
			counts[r * nb + b] = (uint64_t)json_integer_value(json_array_get(c, b));
		series[r].counts = counts + r * nb;
	}
	int64_t start = 0;
	const char *st = rj_str(tl, "start");
	if (st == NULL || cst_audit_time_ns(&start, st, strlen(st)) < 0)
		start = 0;
	char caption[160], span[48];
	rj_span(span, sizeof(span), rj_int(tl, "bucket_seconds"));
	snprintf(caption, sizeof(caption), "Requests over time, per team (each bar: %s; each row "
	                                   "scaled to its own peak)", span);
	rw_raw(h, "<figure class=\"wide\"><figcaption>");
	text(h, caption);
	rw_raw(h, "</figcaption>");
	if (h->rc == CST_OK)
		h->rc = cst_svg_timeline(h->b, "acc-time", caption, series, shown + 1, nb, start,
		                         rj_int(tl, "bucket_seconds"));
	rw_raw(h, "</figure>");
	free(series);
	free(counts);
}

static void access(rw *h, const json_t *r)
{
	const json_t *a = json_object_get(r, "audit");
	char span[48], line[300];
	rj_span(span, sizeof(span), rj_int(json_object_get(r, "window"), "seconds"));
	rw_raw(h, "<section id=\"access\"><h2>Access in the last ");
	text(h, span);
	rw_raw(h, "</h2>");
	if (!json_is_true(json_object_get(a, "available"))) {
		rw_raw(h, "<p><strong>No audit figures.</strong> ");
		text(h, rj_str(a, "note") ? rj_str(a, "note") : "no audit log was read");
		rw_raw(h, ".</p></section>");
		return;
	}
	if (rj_str(a, "note")) {
		rw_raw(h, "<p class=\"note\">Note: ");
		text(h, rj_str(a, "note"));
		rw_raw(h, ".</p>");
	}
	char reqs[48];
	rj_count(reqs, sizeof(reqs), rj_int(a, "requests"), "request");
	snprintf(line, sizeof(line), "%s; %lld ended in an error, %lld of them denied by policy.", reqs,
	         rj_int(a, "errors"), rj_int(a, "denied"));
	rw_raw(h, "<p>");
	text(h, line);
	rw_raw(h, "</p>");

	const json_t *logins = json_object_get(a, "logins");
	const json_t *targets = json_object_get(logins, "by_target");
	rw_raw(h, "<h3>Failed logins</h3><p>");
	snprintf(line, sizeof(line), "%lld failed and %lld successful logins. Users are named as "
	                             "the login path names them; approle roles by their role_id.",
	         rj_int(logins, "failed"), rj_int(logins, "succeeded"));
	text(h, line);
	rw_raw(h, "</p>");
	size_t i;
	json_t *x;
	if (json_array_size(targets)) {
		size_t n = json_array_size(targets);
		cst_svg_bar *bars = calloc(n, sizeof(*bars));
		char (*labels)[200] = calloc(n, sizeof(*labels));
		if (bars == NULL || labels == NULL) {
			free(bars);
			free(labels);
			h->rc = cst_fail(CST_ENOMEM, "out of memory");
			return;
		}
		json_array_foreach(targets, i, x) {
			snprintf(labels[i], sizeof(labels[i]), "%s", rj_str(x, "name"));
			bars[i] = (cst_svg_bar){labels[i], (uint64_t)rj_int(x, "failed")};
		}
		rw_raw(h, "<div class=\"charts\"><figure><figcaption>Failed logins by user or role"
		       "</figcaption>");
		if (h->rc == CST_OK)
			h->rc = cst_svg_bars(h->b, "acc-fail", "Failed logins by user or role", bars, n,
			                     "failed logins");
		rw_raw(h, "</figure></div>");
		free(bars);
		free(labels);
		table_failed_logins(h, &html_tables, targets);
	}

	const json_t *root = json_object_get(a, "root");
	rw_raw(h, "<h3>Root-token use</h3><p>");
	snprintf(line, sizeof(line), "%lld requests with a root token; %lld by the local key holder "
	                             "(the CLI on the vault file, root by holding the key).",
	         rj_int(root, "requests"), rj_int(root, "local_requests"));
	text(h, line);
	rw_raw(h, "</p>");
	if (json_array_size(json_object_get(root, "by_token")))
		table_root_use(h, &html_tables, json_object_get(root, "by_token"));

	rw_raw(h, "<h3>Requests per team</h3><p>A request counts for each team its token belongs to."
	       "</p><div class=\"charts\">");
	bars_figure(h, "acc-team", "Requests by team", json_object_get(a, "by_team"), "team",
	            "requests", "no team", "requests");
	timeline(h, a);
	rw_raw(h, "</div>");
	table_access(h, &html_tables, json_object_get(a, "by_team"), 0, 0);
	rw_raw(h, "<h3>Requests per principal</h3>");
	const json_t *pr = json_object_get(a, "by_principal");
	table_access(h, &html_tables, pr, 1, PRINCIPALS_SHOWN);
	if (json_array_size(pr) > PRINCIPALS_SHOWN)
		rw_printf(h, "<p class=\"note\">%zu more principals are in the JSON report "
		       "(<code>custos report --format json</code>).</p>",
		    json_array_size(pr) - PRINCIPALS_SHOWN);
	rw_raw(h, "</section>");
}

static void about(rw *h, const json_t *r)
{
	const json_t *src = rj_get(r, "audit", "sources");
	rw_raw(h, "<section id=\"about\"><h2>About this report</h2><p>Secret values never appear here: "
	       "names, types, teams, times and counts only. &ldquo;Last rotation&rdquo; is when a "
	       "secret's current version was written; a secret is overdue once its "
	       "<code>expires_at</code> has passed or its current version is older than its "
	       "<code>rotate_every</code>. The report does not check the audit log's chain: "
	       "<code>custos audit verify</code> does.</p>");
	if (json_array_size(src))
		table_sources(h, &html_tables, src);
	rw_raw(h, "<p class=\"meta\">custos report, format version ");
	rw_printf(h, "%lld", rj_int(r, "report_version"));
	rw_raw(h, ".</p></section>");
}

int cst_report_html(cst_buf *out, const json_t *r)
{
	rw h = {out, CST_OK};
	char until[48];
	rj_when(until, sizeof(until), rj_str(r, "generated_at"));
	rw_raw(&h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	        "<title>custos report, ");
	text(&h, until);
	rw_raw(&h, "</title><style>");
	rw_raw(&h, style);
	rw_raw(&h, "</style></head><body>");
	summary(&h, r);
	attention(&h, r, rj_now(r));
	secrets(&h, r);
	teams(&h, r);
	tokens(&h, r);
	access(&h, r);
	about(&h, r);
	rw_raw(&h, "</body></html>\n");
	return h.rc;
}
