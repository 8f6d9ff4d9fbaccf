/* report.c - a report's parameters and the document put together from its
 * parts: the window, a summary of what needs a person's attention, the
 * teams, then secrets, tokens and audit figures. */
#include "report/report.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "engines/teams.h"
#include "util/timefmt.h"

#define NS 1000000000LL

int cst_report_params(cst_report_opts *o, const json_t *data, int64_t now_ns)
{
	memset(o, 0, sizeof(*o));
	o->now_ns = now_ns;
	o->since_ns = now_ns - CST_REPORT_DEFAULT_SINCE * NS;
	o->warn_s = CST_REPORT_DEFAULT_WARN;
	json_t *since = json_object_get(data, "since"), *warn = json_object_get(data, "warn");
	json_t *files = json_object_get(data, "audit_file");
	if (since && !json_is_null(since)) {
		const char *s = json_string_value(since);
		int64_t secs = 0, at = 0;
		int is_time = 0;
		if (json_is_integer(since))
			secs = (int64_t)json_integer_value(since);
		else if (s == NULL || (cst_duration_parse(&secs, s) < 0 &&
		                       !(is_time = cst_time_parse(&at, s) == CST_OK)))
			return cst_fail(CST_EINVAL, "since must be a duration such as 30d or 720h, or an RFC "
			                            "3339 time such as 2026-01-01T00:00:00Z");
		cst_error_clear();
		if (is_time) {
			/* as a duration: at most 100 years back (no overflow below) */
			if (at >= now_ns || at < now_ns - CST_LIMIT_MAX_DURATION * NS)
				return cst_fail(CST_EINVAL, "since must be in the past, at most 100 years ago");
			o->since_ns = at;
		} else {
			if (secs <= 0 || secs > CST_LIMIT_MAX_DURATION)
				return cst_fail(CST_EINVAL, "since must be between 1s and 100 years");
			o->since_ns = now_ns - secs * NS;
		}
	}
	if (warn && !json_is_null(warn)) {
		int64_t secs = 0;
		if (json_is_integer(warn))
			secs = (int64_t)json_integer_value(warn);
		else if (!json_is_string(warn) || cst_duration_parse(&secs, json_string_value(warn)) < 0)
			return cst_fail(CST_EINVAL, "warn must be a duration such as 14d");
		if (secs < 0 || secs > CST_LIMIT_MAX_DURATION)
			return cst_fail(CST_EINVAL, "warn must be between 0s and 100 years");
		o->warn_s = secs;
	}
	if (json_is_string(files)) {
		o->audit_files[o->n_audit_files++] = json_string_value(files);
	} else if (json_is_array(files)) {
		size_t i;
		json_t *f;
		if (json_array_size(files) > CST_REPORT_MAX_FILES)
			return cst_fail(CST_EINVAL, "at most %d audit files", CST_REPORT_MAX_FILES);
		json_array_foreach(files, i, f) {
			if (!json_is_string(f))
				return cst_fail(CST_EINVAL, "audit_file must be a path or a list of paths");
			o->audit_files[o->n_audit_files++] = json_string_value(f);
		}
	} else if (files && !json_is_null(files)) {
		return cst_fail(CST_EINVAL, "audit_file must be a path or a list of paths");
	}
	for (size_t i = 0; i < o->n_audit_files; i++)
		if (o->audit_files[i][0] == '\0')
			return cst_fail(CST_EINVAL, "audit_file is empty");
	return CST_OK;
}

static json_t *time_json(int64_t ns)
{
	char t[48];
	cst_time_format(t, sizeof(t), ns);
	return json_string(t);
}

static json_int_t get_int(const json_t *o, const char *a, const char *b)
{
	return json_integer_value(json_object_get(b ? json_object_get(o, a) : o, b ? b : a));
}

/* Every team the vault knows, with what the parts say about each (teams
 * named only by secrets or tokens, e.g. deleted since, are listed too). */
static json_t *teams_json(const json_t *names, const json_t *secrets, const json_t *tokens,
                          const json_t *audit)
{
	json_t *by = json_object(), *out = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(names, i, x)
		json_object_set_new(by, json_string_value(x),
		                    json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:o}", "team",
		                              json_string_value(x), "exists", 1, "secrets", 0, "overdue", 0,
		                              "expiring", 0, "live_tokens", 0, "requests", json_null()));
	const struct {
		const json_t *rows;
		const char *count, *field;
	} parts[] = {{json_object_get(secrets, "by_team"), "count", "secrets"},
	             {json_object_get(tokens, "by_team"), "count", "live_tokens"},
	             {json_object_get(audit, "by_team"), "requests", "requests"}};
	for (size_t p = 0; p < sizeof(parts) / sizeof(parts[0]); p++)
		json_array_foreach(parts[p].rows, i, x) {
			const char *t = json_string_value(json_object_get(x, "team"));
			if (t == NULL)
				continue;
			json_t *row = json_object_get(by, t);
			if (row == NULL) {
				row = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:o}", "team", t, "exists", 0,
				                "secrets", 0, "overdue", 0, "expiring", 0, "live_tokens", 0,
				                "requests", json_null());
				json_object_set_new(by, t, row);
			}
			json_object_set(row, parts[p].field, json_object_get(x, parts[p].count));
			if (p == 0) {
				json_object_set(row, "overdue", json_object_get(x, "overdue"));
				json_object_set(row, "expiring", json_object_get(x, "expiring"));
			}
		}
	/* in name order: json objects keep insertion order, so sort the keys */
	const char *k;
	json_t *keys = json_array();
	json_object_foreach(by, k, x)
		json_array_append_new(keys, json_string(k));
	size_t n = json_array_size(keys);
	for (size_t a = 1; a < n; a++) /* insertion sort: teams are few */
		for (size_t b = a; b > 0 && strcmp(json_string_value(json_array_get(keys, b - 1)),
		                                   json_string_value(json_array_get(keys, b))) > 0; b--) {
			json_t *tmp = json_incref(json_array_get(keys, b));
			json_array_set(keys, b, json_array_get(keys, b - 1));
			json_array_set_new(keys, b - 1, tmp);
		}
	json_array_foreach(keys, i, x)
		json_array_append(out, json_object_get(by, json_string_value(x)));
	json_decref(keys);
	json_decref(by);
	return out;
}

int cst_report_build(json_t **out, cst_vault *v, const cst_report_opts *opts)
{
	cst_report_opts o = *opts;
	if (o.now_ns == 0)
		o.now_ns = cst_now_ns();
	json_t *secrets = NULL, *tokens = NULL, *audit = NULL, *teams = NULL;
	json_t *roots = json_array();
	*out = NULL;
	int rc = roots ? cst_report_secrets(&secrets, v, &o) : cst_fail(CST_ENOMEM, "out of memory");
	if (rc == CST_OK)
		rc = cst_report_tokens(&tokens, roots, v, &o);
	if (rc == CST_OK)
		rc = cst_report_audit(&audit, v, &o, roots);
	if (rc == CST_OK)
		rc = cst_team_list(&teams, v);
	if (rc == CST_OK) {
		int have_audit = json_is_true(json_object_get(audit, "available"));
		json_t *summary = json_pack(
			"{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "secrets", get_int(secrets, "total", NULL),
			"overdue", get_int(secrets, "by_status", "overdue"), "expiring",
			get_int(secrets, "by_status", "expiring"), "live_tokens", get_int(tokens, "live", NULL),
			"root_tokens", (json_int_t)json_array_size(json_object_get(tokens, "root")),
			"tokens_without_expiry", get_int(tokens, "never_expire", NULL), "failed_logins",
			have_audit ? json_integer(get_int(audit, "logins", "failed")) : json_null(),
			"root_token_requests",
			have_audit ? json_integer(get_int(audit, "root", "requests")) : json_null(), "requests",
			have_audit ? json_integer(get_int(audit, "requests", NULL)) : json_null());
		*out = json_pack("{s:i, s:o, s:{s:o, s:o, s:I}, s:I, s:o, s:o, s:O, s:O, s:O}",
		                 "report_version", CST_REPORT_VERSION, "generated_at", time_json(o.now_ns),
		                 "window", "since", time_json(o.since_ns), "until", time_json(o.now_ns),
		                 "seconds", (json_int_t)((o.now_ns - o.since_ns) / NS), "warn_seconds",
		                 (json_int_t)o.warn_s, "summary", summary, "teams",
		                 teams_json(teams, secrets, tokens, audit), "secrets", secrets, "tokens",
		                 tokens, "audit", audit);
		if (*out == NULL)
			rc = cst_fail(CST_ENOMEM, "out of memory");
	}
	json_decref(secrets);
	json_decref(tokens);
	json_decref(audit);
	json_decref(teams);
	json_decref(roots);
	return rc;
}
