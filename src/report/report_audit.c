/* report_audit.c - the audit part of a report: which logs to read (those
 * named, else the current file of the vault's file device), reading them
 * line by line into a tally, and the names the logs hold only as HMACs:
 * the live root tokens' accessors and the approle roles' role_ids, hashed
 * here under every enabled device's salt to be recognised. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/error.h"
#include "core/router.h"
#include "core/vault.h"
#include "engines/approle.h"
#include "report/audit_scan.h"
#include "report/audit_tally.h"
#include "report/report.h"
#include "util/timefmt.h"

typedef struct names {
	cst_audit_tally *t;
	const char *text;  /* root: the label */
	const char *mount; /* approle: the mount path */
	int rc;
} names;

static void add_root(const char *hash, void *payload)
{
	names *n = payload;
	if (n->rc == CST_OK)
		n->rc = cst_audit_tally_root(n->t, hash, n->text);
}

static void add_role(const char *hash, void *payload)
{
	names *n = payload;
	if (n->rc == CST_OK)
		n->rc = cst_audit_tally_role(n->t, n->mount, hash, n->text);
}

typedef struct role_walk {
	cst_vault *v;
	names n;
} role_walk;

static int walk_role(const char *name, const char *role_id, void *payload)
{
	role_walk *w = payload;
	w->n.text = name;
	int rc = cst_audit_hash_each(w->v, role_id, strlen(role_id), add_role, &w->n);
	return rc < 0 ? rc : w->n.rc;
}

static int learn_names(cst_audit_tally *t, cst_vault *v, const json_t *roots)
{
	size_t i;
	json_t *r;
	int rc = CST_OK;
	json_array_foreach(roots, i, r) {
		const char *acc = json_string_value(json_object_get(r, "accessor"));
		names n = {t, json_string_value(json_object_get(r, "label")), NULL, CST_OK};
		if (acc == NULL || n.text == NULL)
			continue;
		/* as written with hmac_accessor=false, and as each device HMACs it */
		if ((rc = cst_audit_tally_root(t, acc, n.text)) < 0 ||
		    (rc = cst_audit_hash_each(v, acc, strlen(acc), add_root, &n)) < 0 || (rc = n.rc) < 0)
			return rc;
	}
	cst_mount_table *table = cst_router_get(&v->router);
	for (size_t m = 0; rc == CST_OK && m < table->count; m++) {
		if (strcmp(table->mounts[m].type, "approle") != 0)
			continue;
		role_walk w = {v, {t, NULL, table->mounts[m].path, CST_OK}};
		rc = cst_approle_each_role(v, table->mounts[m].prefix, walk_role, &w);
	}
	cst_router_put(&v->router, table);
	return rc;
}

static json_t *time_or_null(int64_t ns)
{
	if (ns == 0)
		return json_null();
	char t[48];
	cst_time_format(t, sizeof(t), ns);
	return json_string(t);
}

typedef struct source_stats {
	uint64_t lines, counted, before, unreadable;
	int64_t first_ns, last_ns;
} source_stats;

static void seen(source_stats *s, int64_t t)
{
	if (t == 0)
		return;
	if (s->first_ns == 0 || t < s->first_ns)
		s->first_ns = t;
	if (t > s->last_ns)
		s->last_ns = t;
}

/* Reads one log into the tally. CST_OK with *out the source's row, or the
 * error opening it. */
static int read_log(json_t **out, cst_audit_tally *t, const char *path, int64_t since_ns,
                    int nofollow)
{
	cst_audit_reader r;
	cst_audit_scratch scratch = {NULL, 0};
	source_stats s;
	memset(&s, 0, sizeof(s));
	*out = NULL;
	int rc = cst_audit_reader_open(&r, path, nofollow);
	if (rc < 0)
		return rc;
	const char *line;
	size_t len;
	while ((rc = cst_audit_reader_next(&r, &line, &len)) == 1) {
		s.lines++;
		int64_t when;
		/* Most of a long log is older than the window: its time is enough. */
		if (cst_audit_line_time(&when, line, len) == 0 && when < since_ns) {
			seen(&s, when);
			s.before++;
			continue;
		}
		cst_audit_fields f;
		int prc = cst_audit_fields_parse(&f, &scratch, line, len);
		if (prc < 0) {
			if (prc == CST_ENOMEM) {
				rc = prc;
				break;
			}
			cst_error_clear();
			s.unreadable++;
			continue;
		}
		if (f.time_ns == 0) { /* no time, or an impossible one: no place in any window */
			s.unreadable++;
			continue;
		}
		seen(&s, f.time_ns);
		s.before += (uint64_t)(f.time_ns < since_ns);
		s.counted += (uint64_t)cst_audit_tally_add(t, &f);
	}
	if (rc == 0) {
		*out = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:b, s:o, s:o}", "path", path, "lines",
		                 (json_int_t)s.lines, "entries_counted", (json_int_t)s.counted,
		                 "entries_before_window", (json_int_t)s.before, "unreadable_lines",
		                 (json_int_t)s.unreadable, "too_long_lines", (json_int_t)r.too_long,
		                 "cut_short_at_end", r.partial_end, "first_time", time_or_null(s.first_ns),
		                 "last_time", time_or_null(s.last_ns));
		rc = *out ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	}
	cst_audit_reader_close(&r);
	cst_audit_scratch_release(&scratch);
	return rc;
}

/* The logs to read: [{"path", "device", "filtered"}]. Named files as
 * given (a remote caller only from a device's directory); else the first
 * file device without a filter (devices without filters hold the same
 * requests, so one is enough), else the first one with a filter. */
static int pick_files(json_t **out, cst_vault *v, const cst_report_opts *o)
{
	json_t *devices = cst_audit_files(v), *files = json_array();
	int rc = devices && files ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	for (size_t i = 0; rc == CST_OK && i < o->n_audit_files; i++) {
		const char *p = o->audit_files[i];
		if (o->remote && !cst_audit_file_allowed(v, p))
			rc = cst_fail(CST_EPERM, "permission denied: the server reads only audit files in the "
			                         "directory of an enabled file audit device");
		json_t *dev = json_null();
		size_t k;
		json_t *d;
		json_array_foreach(devices, k, d)
			if (strcmp(json_string_value(json_object_get(d, "path")), p) == 0)
				dev = json_incref(json_object_get(d, "device"));
		json_array_append_new(files, json_pack("{s:s, s:o, s:b}", "path", p, "device", dev,
		                                       "filtered", 0));
	}
	if (rc == CST_OK && o->n_audit_files == 0) {
		json_t *pick = NULL, *d;
		size_t k;
		json_array_foreach(devices, k, d)
			if (pick == NULL || (json_is_true(json_object_get(pick, "filtered")) &&
			                     !json_is_true(json_object_get(d, "filtered"))))
				pick = d;
		if (pick)
			json_array_append(files, pick);
	}
	json_decref(devices);
	if (rc < 0) {
		json_decref(files);
		files = NULL;
	}
	*out = files;
	return rc;
}

int cst_report_audit(json_t **out, cst_vault *v, const cst_report_opts *o, const json_t *roots)
{
	json_t *files = NULL, *sources = json_array();
	cst_audit_tally t;
	*out = NULL;
	int rc = cst_audit_tally_init(&t, o->since_ns, o->now_ns);
	if (rc == CST_OK)
		rc = pick_files(&files, v, o);
	if (rc == CST_OK)
		rc = learn_names(&t, v, roots);
	char note[600] = "";
	size_t read = 0, i;
	json_t *f;
	json_array_foreach(files, i, f) {
		if (rc < 0)
			break;
		const char *path = json_string_value(json_object_get(f, "path"));
		json_t *row = NULL;
		int lrc = read_log(&row, &t, path, o->since_ns, o->remote);
		if (lrc < 0 && o->n_audit_files) { /* a file the caller named: their mistake */
			rc = lrc == CST_ENOMEM || lrc == CST_EPERM ? lrc : CST_EINVAL;
			if (rc != lrc) {
				char msg[600];
				snprintf(msg, sizeof(msg), "%s", cst_errmsg());
				cst_fail(rc, "%s", msg);
			}
			break;
		}
		if (lrc < 0) { /* the device's file: say so in the report */
			snprintf(note, sizeof(note), "%s", cst_errmsg());
			cst_error_clear();
			row = json_pack("{s:s, s:s}", "path", path, "error", note);
		} else {
			read++;
		}
		json_object_set(row, "device", json_object_get(f, "device"));
		json_object_set(row, "filtered", json_object_get(f, "filtered"));
		json_array_append_new(sources, row);
	}
	if (rc == CST_OK && json_array_size(files) == 0)
		snprintf(note, sizeof(note), "no file audit device is enabled, so there is no log to "
		                             "read: enable one (custos audit enable file path=...) or name "
		                             "a log with --audit-file");
	else if (rc == CST_OK && read && json_is_true(json_object_get(json_array_get(files, 0), "filtered")))
		snprintf(note, sizeof(note), "the audit device %s has a filter: requests it leaves out "
		                             "are not counted",
		         json_string_value(json_object_get(json_array_get(files, 0), "device")));
	if (rc == CST_OK) {
		json_t *a = read ? cst_audit_tally_json(&t) : json_object();
		if (a == NULL)
			rc = cst_fail(CST_ENOMEM, "out of memory");
		else {
			json_object_set_new(a, "available", json_boolean(read > 0));
			json_object_set_new(a, "note", note[0] ? json_string(note) : json_null());
			json_object_set(a, "sources", sources);
			*out = a;
		}
	}
	json_decref(files);
	json_decref(sources);
	cst_audit_tally_release(&t);
	return rc;
}
