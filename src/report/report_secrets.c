/* report_secrets.c - the secrets part of a report: every KV mount's
 * secrets by type and team, how old each one's current version is (its
 * last rotation), and which are overdue (expires_at passed, or the
 * current version older than rotate_every) or due within the warning
 * window. Reads metadata records only (cst_kv_each): never a value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "core/router.h"
#include "core/vault.h"
#include "engines/kv.h"
#include "report/audit_scan.h"
#include "report/report.h"
#include "report/strmap.h"
#include "util/timefmt.h"

#define NS 1000000000LL
#define DAY_NS (86400LL * NS)

/* overdue: expired or rotation overdue; expiring: either due within the
 * warning window; ok: within its policy; unmanaged: no policy set;
 * deleted: the current version is deleted or destroyed; empty: metadata
 * without any version. */
enum { ST_OVERDUE, ST_EXPIRING, ST_OK, ST_UNMANAGED, ST_DELETED, ST_EMPTY, ST_COUNT };
static const char *const status_names[ST_COUNT] = {"overdue", "expiring", "ok", "unmanaged",
                                                   "deleted", "empty"};

/* Rotation ages, in days: the buckets' upper bounds (the last is open). */
static const struct {
	int64_t below_days;
	const char *label;
} age_buckets[] = {{30, "under 30 days"}, {90, "30 to 90 days"}, {180, "90 to 180 days"},
                   {365, "180 days to a year"}, {0, "over a year"}};
#define N_AGES (sizeof(age_buckets) / sizeof(age_buckets[0]))

typedef struct team_count {
	uint64_t count, by_status[ST_COUNT];
} team_count;

typedef struct stale {
	int64_t last_rotation;
	json_t *item; /* a reference */
} stale;

typedef struct walk {
	const cst_report_opts *o;
	int64_t now;
	const char *mount;
	char mount_team[CST_LIMIT_AUTH_NAME + 1];
	int on_team_mount;
	uint64_t total, by_status[ST_COUNT], ages[N_AGES];
	uint64_t items_not_listed, attention_not_listed;
	json_t *items, *attention;
	cst_strmap types, teams;
	stale stalest[CST_REPORT_STALEST];
	size_t n_stalest;
} walk;

static json_t *time_or_null(int64_t ns)
{
	if (ns <= 0)
		return json_null();
	char t[48];
	cst_time_format(t, sizeof(t), ns);
	return json_string(t);
}

static int64_t version_created(const json_t *meta, int64_t version, int *gone, int64_t now)
{
	json_t *info = kv_version_info(meta, (uint64_t)version);
	int64_t deleted = kv_int(info, "deleted");
	*gone = info == NULL || json_is_true(json_object_get(info, "destroyed")) ||
	        (deleted > 0 && deleted <= now);
	return kv_int(info, "created");
}

/* Keeps the CST_REPORT_STALEST secrets rotated longest ago, oldest first. */
static void keep_stale(walk *w, int64_t last_rotation, json_t *item)
{
	size_t n = w->n_stalest, at = n;
	while (at > 0 && w->stalest[at - 1].last_rotation > last_rotation)
		at--;
	if (at >= CST_REPORT_STALEST)
		return;
	if (n == CST_REPORT_STALEST) {
		json_decref(w->stalest[n - 1].item);
		n--;
	}
	memmove(&w->stalest[at + 1], &w->stalest[at], (n - at) * sizeof(w->stalest[0]));
	w->stalest[at] = (stale){last_rotation, json_incref(item)};
	w->n_stalest = n + 1;
}

static int one_secret(const char *name, const json_t *meta, void *payload)
{
	walk *w = payload;
	int64_t now = w->now, warn = w->o->warn_s * NS;
	const char *type = json_string_value(json_object_get(meta, "type"));
	const char *team = w->on_team_mount ? w->mount_team
	                                    : json_string_value(json_object_get(meta, "owner_team"));
	int64_t current = kv_int(meta, "current");
	int gone = 1;
	int64_t last = current > 0 ? version_created(meta, current, &gone, now) : 0;
	int64_t every = kv_int(meta, "rotate_every"), expires = kv_int(meta, "expires_at");
	int64_t rotation_due = every > 0 && last > 0 ? last + every * NS : 0;
	int expired = expires > 0 && now >= expires;
	int rotation_overdue = rotation_due > 0 && now > rotation_due;
	int expires_soon = expires > 0 && !expired && expires - now <= warn;
	int rotation_soon = rotation_due > 0 && !rotation_overdue && rotation_due - now <= warn;
	int status = current <= 0                   ? ST_EMPTY
	             : gone                         ? ST_DELETED
	             : expired || rotation_overdue  ? ST_OVERDUE
	             : expires_soon || rotation_soon ? ST_EXPIRING
	             : expires > 0 || every > 0     ? ST_OK
	                                            : ST_UNMANAGED;
	int64_t due = expires > 0 && (rotation_due == 0 || expires < rotation_due) ? expires : rotation_due;
	int64_t created = kv_int(meta, "created");
	json_t *item = json_pack(
		"{s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:I, s:I, s:o, s:o, s:o, s:b, s:b, s:b, s:b, s:I, s:o}",
		"mount", w->mount, "name", name, "type", type ? json_string(type) : json_null(), "team",
		team ? json_string(team) : json_null(), "status", status_names[status], "created_time",
		time_or_null(created), "last_rotation", time_or_null(last), "current_version",
		(json_int_t)current, "rotate_every_seconds", (json_int_t)every, "rotation_due",
		time_or_null(rotation_due), "expires_at", time_or_null(expires), "due", time_or_null(due),
		"expired", expired, "rotation_overdue", rotation_overdue, "expires_soon", expires_soon,
		"rotation_due_soon", rotation_soon, "age_days",
		(json_int_t)(created > 0 && now > created ? (now - created) / DAY_NS : 0),
		"rotation_age_days",
		last > 0 && now > last ? json_integer((json_int_t)((now - last) / DAY_NS)) : json_null());
	if (item == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	w->total++;
	w->by_status[status]++;
	uint64_t *tc = cst_strmap_get(&w->types, type ? type : "", 1, NULL);
	team_count *tm = cst_strmap_get(&w->teams, team ? team : "", 1, NULL);
	if (tc == NULL || tm == NULL) {
		json_decref(item);
		return cst_fail(CST_ENOMEM, "out of memory");
	}
	(*tc)++;
	tm->count++;
	tm->by_status[status]++;
	if (!gone && last > 0) {
		int64_t days = now > last ? (now - last) / DAY_NS : 0;
		size_t b = 0;
		while (b + 1 < N_AGES && days >= age_buckets[b].below_days)
			b++;
		w->ages[b]++;
		keep_stale(w, last, item);
	}
	if (status == ST_OVERDUE || status == ST_EXPIRING) {
		if (json_array_size(w->attention) < CST_REPORT_ATTENTION)
			json_array_append(w->attention, item);
		else
			w->attention_not_listed++;
	}
	if (json_array_size(w->items) < CST_REPORT_ITEMS)
		json_array_append_new(w->items, item);
	else {
		w->items_not_listed++;
		json_decref(item);
	}
	return CST_OK;
}

static const char *text(const json_t *item, const char *key)
{
	const char *s = json_string_value(json_object_get(item, key));
	return s ? s : "";
}

/* Overdue first, then by due date, then by name. */
static int attention_cmp(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int ox = !strcmp(text(x, "status"), "overdue"), oy = !strcmp(text(y, "status"), "overdue");
	if (ox != oy)
		return oy - ox;
	int64_t dx = 0, dy = 0;
	const char *tx = text(x, "due"), *ty = text(y, "due");
	if (cst_audit_time_ns(&dx, tx, strlen(tx)) < 0)
		dx = 0;
	if (cst_audit_time_ns(&dy, ty, strlen(ty)) < 0)
		dy = 0;
	if (dx != dy)
		return dx < dy ? -1 : 1;
	int c;
	c = strcmp(text(x, "mount"), text(y, "mount"));
	return c ? c : strcmp(text(x, "name"), text(y, "name"));
}

static json_t *sorted_attention(json_t *list)
{
	size_t n = json_array_size(list);
	json_t **v = calloc(n ? n : 1, sizeof(*v));
	json_t *out = json_array();
	if (v == NULL || out == NULL) {
		free(v);
		json_decref(out);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(list, i);
	qsort(v, n, sizeof(*v), attention_cmp);
	for (size_t i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

static uint64_t type_count(const void *it)
{
	return *(const uint64_t *)it;
}

static uint64_t team_total(const void *it)
{
	return ((const team_count *)it)->count;
}

static json_t *name_or_null(const char *s)
{
	return *s ? json_string(s) : json_null();
}

static json_t *summary_json(walk *w)
{
	json_t *by_type = json_array(), *by_team = json_array(), *ages = json_array(),
	       *stalest = json_array(), *status = json_object();
	size_t *types = cst_strmap_ranked(&w->types, type_count);
	size_t *teams = cst_strmap_ranked(&w->teams, team_total);
	if (types == NULL || teams == NULL) {
		free(types);
		free(teams);
		return NULL;
	}
	for (size_t i = 0; i < w->types.count; i++)
		json_array_append_new(by_type,
		                      json_pack("{s:o, s:I}", "type", name_or_null(cst_strmap_key(&w->types, types[i])),
		                                "count", (json_int_t)type_count(cst_strmap_item(&w->types, types[i]))));
	for (size_t i = 0; i < w->teams.count; i++) {
		const team_count *tc = cst_strmap_item(&w->teams, teams[i]);
		json_t *row = json_pack("{s:o, s:I}", "team", name_or_null(cst_strmap_key(&w->teams, teams[i])),
		                        "count", (json_int_t)tc->count);
		for (int st = 0; st < ST_COUNT; st++)
			json_object_set_new(row, status_names[st], json_integer((json_int_t)tc->by_status[st]));
		json_array_append_new(by_team, row);
	}
	for (size_t b = 0; b < N_AGES; b++)
		json_array_append_new(ages, json_pack("{s:s, s:o, s:I}", "bucket", age_buckets[b].label,
		                                      "below_days",
		                                      age_buckets[b].below_days
		                                          ? json_integer(age_buckets[b].below_days)
		                                          : json_null(),
		                                      "count", (json_int_t)w->ages[b]));
	for (size_t i = 0; i < w->n_stalest; i++)
		json_array_append(stalest, w->stalest[i].item);
	for (int s = 0; s < ST_COUNT; s++)
		json_object_set_new(status, status_names[s], json_integer((json_int_t)w->by_status[s]));
	free(types);
	free(teams);
	json_t *attention = sorted_attention(w->attention);
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:I}", "total",
	                 (json_int_t)w->total, "by_status", status, "by_type", by_type, "by_team", by_team,
	                 "by_rotation_age", ages, "least_recently_rotated", stalest, "attention",
	                 attention ? attention : json_array(), "attention_not_listed",
	                 (json_int_t)w->attention_not_listed, "items", json_incref(w->items),
	                 "items_not_listed", (json_int_t)w->items_not_listed);
}

int cst_report_secrets(json_t **out, cst_vault *v, const cst_report_opts *o)
{
	walk w;
	memset(&w, 0, sizeof(w));
	w.o = o;
	w.now = o->now_ns;
	w.items = json_array();
	w.attention = json_array();
	cst_strmap_init(&w.types, sizeof(uint64_t), 100000);
	cst_strmap_init(&w.teams, sizeof(team_count), 100000);
	*out = NULL;
	int rc = w.items && w.attention ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	cst_mount_table *table = cst_router_get(&v->router);
	for (size_t i = 0; rc == CST_OK && i < table->count; i++) {
		const cst_mount *m = &table->mounts[i];
		if (strcmp(m->type, "kv") != 0)
			continue;
		w.mount = m->path;
		w.on_team_mount = kv_mount_team(w.mount_team, sizeof(w.mount_team), m->path);
		rc = cst_kv_each(v, m->prefix, one_secret, &w);
	}
	cst_router_put(&v->router, table);
	if (rc == CST_OK && (*out = summary_json(&w)) == NULL)
		rc = cst_fail(CST_ENOMEM, "out of memory");
	for (size_t i = 0; i < w.n_stalest; i++)
		json_decref(w.stalest[i].item);
	json_decref(w.items);
	json_decref(w.attention);
	cst_strmap_release(&w.types);
	cst_strmap_release(&w.teams);
	return rc;
}
