/* audit_tally.c - counting audit entries for a report (see audit_tally.h). */
#include "report/audit_tally.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/kdf.h"
#include "util/base64.h"
#include "util/timefmt.h"
#include "util/utf8.h"

#define DAY_NS (86400LL * 1000000000LL)
#define NO_TEAM "" /* team names are never empty */
#define ADDRS_KEPT 4

typedef struct counts {
	uint64_t requests, reads, writes, errors, denied;
	int64_t last_ns;
} counts;

typedef struct principal_item {
	counts c;
	char entity[64];
	char teams[160]; /* the teams of its latest request, comma-separated */
} principal_item;

typedef struct team_item {
	counts c;
	uint64_t *timeline; /* owned: n_buckets */
} team_item;

typedef struct login_item {
	char method[16], mount[128], name[160];
	uint64_t failed, succeeded;
	int64_t last_failure_ns;
	char last_error[128];
	char addrs[ADDRS_KEPT][48];
	unsigned n_addrs;
	int more_addrs;
} login_item;

typedef struct root_item {
	uint64_t requests;
	int64_t last_ns;
} root_item;

typedef struct label_item {
	char text[200];
} label_item;

/* snprintf into a fixed field, then cut back to whole characters: a name
 * cut inside a character would make its row unwritable as JSON. */
static void put_text(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put_text(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(dst, n, fmt, ap);
	va_end(ap);
	if (w >= 0 && (size_t)w >= n)
		cst_utf8_trim(dst);
}

int cst_audit_tally_init(cst_audit_tally *t, int64_t since_ns, int64_t until_ns)
{
	memset(t, 0, sizeof(*t));
	t->since_ns = since_ns;
	t->until_ns = until_ns > since_ns ? until_ns : since_ns + 1;
	/* Whole days per bucket, as few as give at most CST_TALLY_BUCKETS. */
	int64_t span = t->until_ns - t->since_ns;
	int64_t days = (span + DAY_NS - 1) / DAY_NS;
	int64_t per = (days + CST_TALLY_BUCKETS - 1) / CST_TALLY_BUCKETS;
	t->bucket_ns = (per < 1 ? 1 : per) * DAY_NS;
	t->n_buckets = (size_t)((span + t->bucket_ns - 1) / t->bucket_ns);
	if (t->n_buckets == 0)
		t->n_buckets = 1;
	cst_strmap_init(&t->principals, sizeof(principal_item), CST_TALLY_PRINCIPALS);
	cst_strmap_init(&t->teams, sizeof(team_item), CST_TALLY_TEAMS);
	cst_strmap_init(&t->logins, sizeof(login_item), CST_TALLY_LOGINS);
	cst_strmap_init(&t->roots, sizeof(root_item), CST_TALLY_ROOT_TOKENS);
	cst_strmap_init(&t->role_ids, sizeof(label_item), CST_TALLY_LOGINS);
	cst_strmap_init(&t->accessors, sizeof(label_item), CST_TALLY_ROOT_TOKENS);
	t->timeline = calloc(t->n_buckets, sizeof(*t->timeline));
	return t->timeline ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
}

void cst_audit_tally_release(cst_audit_tally *t)
{
	for (size_t i = 0; i < t->teams.count; i++)
		free(((team_item *)cst_strmap_item(&t->teams, i))->timeline);
	cst_strmap_release(&t->principals);
	cst_strmap_release(&t->teams);
	cst_strmap_release(&t->logins);
	cst_strmap_release(&t->roots);
	cst_strmap_release(&t->role_ids);
	cst_strmap_release(&t->accessors);
	free(t->timeline);
	t->timeline = NULL;
}

static int label(cst_strmap *m, const char *key, const char *text)
{
	label_item *it = cst_strmap_get(m, key, 1, NULL);
	if (it == NULL)
		return cst_fail(CST_ENOMEM, "too many names to look up");
	put_text(it->text, sizeof(it->text), "%s", text);
	return CST_OK;
}

int cst_audit_tally_role(cst_audit_tally *t, const char *mount, const char *hmac, const char *role)
{
	char key[512];
	put_text(key, sizeof(key), "%s\n%s", mount, hmac);
	return label(&t->role_ids, key, role);
}

int cst_audit_tally_root(cst_audit_tally *t, const char *hmac, const char *text)
{
	return label(&t->accessors, hmac, text);
}

static int eq(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

static int has_policy(const cst_audit_fields *f, const char *name)
{
	for (size_t i = 0; i < f->n_policies; i++)
		if (strcmp(f->policies[i], name) == 0)
			return 1;
	return 0;
}

/* A change to a secret: any write on a kv mount (data, metadata,
 * delete, undelete, destroy). */
static int is_secret_write(const cst_audit_fields *f)
{
	const char *op = f->operation;
	return eq(f->mount_type, "kv") &&
	       (eq(op, "create") || eq(op, "update") || eq(op, "patch") || eq(op, "delete"));
}

/* A read of a secret's value: a kv mount's data/ path. */
static int is_secret_read(const cst_audit_fields *f)
{
	if (!eq(f->operation, "read") || !eq(f->mount_type, "kv") || f->mount_point == NULL ||
	    f->path == NULL)
		return 0;
	size_t n = strlen(f->mount_point);
	return strncmp(f->path, f->mount_point, n) == 0 && strncmp(f->path + n, "data/", 5) == 0;
}

static void count(counts *c, const cst_audit_fields *f, int request)
{
	if (request) {
		c->requests++;
		/* a request entry with an error was refused before its handler ran */
		c->reads += (uint64_t)(is_secret_read(f) && !f->error);
		c->writes += (uint64_t)(is_secret_write(f) && !f->error);
	}
	if (f->error) {
		c->errors++;
		c->denied += (uint64_t)eq(f->error, "permission denied");
	}
	if (f->time_ns > c->last_ns)
		c->last_ns = f->time_ns;
}

static void principal_of(char *out, size_t n, const cst_audit_fields *f)
{
	if (eq(f->token_type, "local")) {
		put_text(out, n, "local: %s", f->local_user ? f->local_user : "key holder");
		return;
	}
	if (f->display_name == NULL || *f->display_name == '\0') {
		put_text(out, n, "%s", f->accessor ? "(unnamed token)" : "(no token)");
		return;
	}
	size_t dl = strlen(f->display_name), rl = f->role_name ? strlen(f->role_name) : 0;
	/* approle names every token "approle": the role says who */
	if (rl && !(dl > rl && f->display_name[dl - rl - 1] == '-' &&
	            strcmp(f->display_name + dl - rl, f->role_name) == 0))
		put_text(out, n, "%s-%s", f->display_name, f->role_name);
	else
		put_text(out, n, "%s", f->display_name);
}

static team_item *team(cst_audit_tally *t, const char *name)
{
	int created = 0;
	team_item *it = cst_strmap_get(&t->teams, name, 1, &created);
	if (it && created) /* out of memory: counted without a timeline */
		it->timeline = calloc(t->n_buckets, sizeof(*it->timeline));
	return it;
}

/* Counts the entry for team name: 1 when it was counted, 0 when the table
 * refused the name (full, or a name too long). */
static int count_team(cst_audit_tally *t, const char *name, const cst_audit_fields *f,
                      int request, size_t bucket)
{
	team_item *it = team(t, name);
	if (it == NULL)
		return 0;
	count(&it->c, f, request);
	if (request && it->timeline)
		it->timeline[bucket]++;
	return 1;
}

static void count_teams(cst_audit_tally *t, const cst_audit_fields *f, int request, size_t bucket)
{
	size_t found = 0, missed = 0;
	for (size_t i = 0; i < f->n_teams; i++) {
		int ok = count_team(t, f->teams[i], f, request, bucket);
		found += (size_t)ok;
		missed += (size_t)!ok;
	}
	/* Logs from before tokens carried their teams: a team-<t> policy. */
	for (size_t i = 0; f->all_teams == 0 && i < f->n_policies; i++)
		if (strncmp(f->policies[i], "team-", 5) == 0 && f->policies[i][5] != '\0') {
			int ok = count_team(t, f->policies[i] + 5, f, request, bucket);
			found += (size_t)ok;
			missed += (size_t)!ok;
		}
	if (found == 0 && missed == 0 && f->all_teams == 0)
		missed += (size_t)!count_team(t, NO_TEAM, f, request, bucket);
	if (request && missed) /* requests, once each, as the other tables count */
		t->other_teams++;
}

static void count_principal(cst_audit_tally *t, const cst_audit_fields *f, int request)
{
	char key[400];
	principal_of(key, sizeof(key), f);
	principal_item *it = cst_strmap_get(&t->principals, key, 1, NULL);
	if (it == NULL) {
		t->other_principals += (uint64_t)request;
		return;
	}
	count(&it->c, f, request);
	if (f->entity_id && *f->entity_id)
		put_text(it->entity, sizeof(it->entity), "%s", f->entity_id);
	if (request && f->n_teams) {
		size_t o = 0;
		it->teams[0] = '\0';
		for (size_t i = 0; i < f->n_teams && o < sizeof(it->teams); i++) {
			int w = snprintf(it->teams + o, sizeof(it->teams) - o, "%s%s", i ? "," : "", f->teams[i]);
			o += w > 0 ? (size_t)w : 0;
		}
		cst_utf8_trim(it->teams);
	}
}

/* A login request: auth/<mount>/login/<user> on userpass, auth/<mount>/login
 * on approle. Fills what logs name it by; 0 when it is no login. */
static int login_target(const cst_audit_tally *t, const cst_audit_fields *f, char *method,
                        char *name, size_t name_n)
{
	if (f->mount_point == NULL || f->path == NULL || strncmp(f->mount_point, "auth/", 5) != 0)
		return 0;
	size_t n = strlen(f->mount_point);
	if (strncmp(f->path, f->mount_point, n) != 0)
		return 0;
	const char *rest = f->path + n;
	if (eq(f->mount_type, "userpass") && strncmp(rest, "login/", 6) == 0 && rest[6] != '\0') {
		strcpy(method, "userpass");
		put_text(name, name_n, "%s", rest + 6);
		return 1;
	}
	if (eq(f->mount_type, "approle") && strcmp(rest, "login") == 0) {
		strcpy(method, "approle");
		char key[512];
		put_text(key, sizeof(key), "%s\n%s", f->mount_point, f->role_id ? f->role_id : "");
		label_item *role = f->role_id ? cst_strmap_get((cst_strmap *)&t->role_ids, key, 0, NULL) : NULL;
		put_text(name, name_n, "%s", role ? role->text : f->role_id ? "(unknown role_id)" : "(no role_id)");
		return 1;
	}
	return 0;
}

static void count_login(cst_audit_tally *t, const cst_audit_fields *f, int request)
{
	char method[16], name[160];
	/* Outcomes only: a failure is the entry with the error (the response,
	 * or the request when it was refused before its handler); a success
	 * is a response carrying a new token. */
	int failed = f->error != NULL, ok = !request && !f->error && f->response_auth;
	if ((!failed && !ok) || !login_target(t, f, method, name, sizeof(name)))
		return;
	char key[512];
	put_text(key, sizeof(key), "%s\n%s\n%s", method, f->mount_point, name);
	int created = 0;
	login_item *it = cst_strmap_get(&t->logins, key, 1, &created);
	if (failed)
		t->failed_logins++;
	else
		t->ok_logins++;
	if (it == NULL) {
		t->other_logins++;
		return;
	}
	if (created) {
		put_text(it->method, sizeof(it->method), "%s", method);
		put_text(it->mount, sizeof(it->mount), "%s", f->mount_point);
		put_text(it->name, sizeof(it->name), "%s", name);
	}
	if (ok) {
		it->succeeded++;
		return;
	}
	it->failed++;
	if (f->time_ns >= it->last_failure_ns) {
		it->last_failure_ns = f->time_ns;
		put_text(it->last_error, sizeof(it->last_error), "%s", f->error);
	}
	const char *addr = f->remote_address;
	if (addr == NULL || *addr == '\0')
		return;
	for (unsigned i = 0; i < it->n_addrs; i++)
		if (strcmp(it->addrs[i], addr) == 0)
			return;
	if (it->n_addrs < ADDRS_KEPT)
		put_text(it->addrs[it->n_addrs++], sizeof(it->addrs[0]), "%s", addr);
	else
		it->more_addrs = 1;
}

static void count_root(cst_audit_tally *t, const cst_audit_fields *f)
{
	if (eq(f->token_type, "local")) {
		t->local_requests++;
		return;
	}
	if (!has_policy(f, "root"))
		return;
	t->root_requests++;
	root_item *it = cst_strmap_get(&t->roots, f->accessor ? f->accessor : "", 1, NULL);
	if (it == NULL) {
		t->other_root++;
		return;
	}
	it->requests++;
	if (f->time_ns > it->last_ns)
		it->last_ns = f->time_ns;
}

int cst_audit_tally_add(cst_audit_tally *t, const cst_audit_fields *f)
{
	if (f->time_ns < t->since_ns || f->time_ns > t->until_ns || f->time_ns == 0)
		return 0;
	int request = eq(f->type, "request");
	if (!request && !eq(f->type, "response"))
		return 0; /* chain lines and anything else */
	t->entries++;
	size_t bucket = (size_t)((f->time_ns - t->since_ns) / t->bucket_ns);
	if (bucket >= t->n_buckets)
		bucket = t->n_buckets - 1;
	if (request) {
		t->requests++;
		t->timeline[bucket]++;
		count_root(t, f);
	}
	if (f->error) {
		t->errors++;
		t->denied += (uint64_t)eq(f->error, "permission denied");
	}
	count_principal(t, f, request);
	count_teams(t, f, request, bucket);
	count_login(t, f, request);
	return 1;
}

/* --- JSON ---------------------------------------------------------------------- */

static json_t *time_or_null(int64_t ns)
{
	if (ns == 0)
		return json_null();
	char s[48];
	cst_time_format(s, sizeof(s), ns);
	return json_string(s);
}

static void put_counts(json_t *o, const counts *c)
{
	json_object_set_new(o, "requests", json_integer((json_int_t)c->requests));
	json_object_set_new(o, "secret_reads", json_integer((json_int_t)c->reads));
	json_object_set_new(o, "secret_writes", json_integer((json_int_t)c->writes));
	json_object_set_new(o, "errors", json_integer((json_int_t)c->errors));
	json_object_set_new(o, "denied", json_integer((json_int_t)c->denied));
	json_object_set_new(o, "last_seen", time_or_null(c->last_ns));
}

static json_t *array_of(const uint64_t *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

static uint64_t principal_count(const void *it)
{
	return ((const principal_item *)it)->c.requests;
}

static uint64_t team_count(const void *it)
{
	return ((const team_item *)it)->c.requests;
}

static uint64_t login_count(const void *it)
{
	return ((const login_item *)it)->failed;
}

static uint64_t root_count(const void *it)
{
	return ((const root_item *)it)->requests;
}

/* The rows of a table, most first (see cst_strmap_ranked), each made by
 * row(key, item, tally); rows it returns NULL for are left out. */
static json_t *rows_of(const cst_audit_tally *t, const cst_strmap *m, uint64_t (*rank)(const void *),
                       json_t *(*row)(const char *key, const void *item, const cst_audit_tally *t))
{
	size_t *order = cst_strmap_ranked(m, rank);
	json_t *a = order ? json_array() : NULL;
	for (size_t i = 0; a && i < m->count; i++) {
		json_t *r = row(cst_strmap_key(m, order[i]), cst_strmap_item(m, order[i]), t);
		if (r)
			json_array_append_new(a, r);
	}
	free(order);
	return a;
}

static json_t *principal_row(const char *key, const void *item, const cst_audit_tally *t)
{
	(void)t;
	const principal_item *it = item;
	json_t *o = json_object(), *teams = json_array();
	char buf[sizeof(it->teams)];
	put_text(buf, sizeof(buf), "%s", it->teams);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		json_array_append_new(teams, json_string(tok));
	json_object_set_new(o, "principal", json_string(key));
	json_object_set_new(o, "entity_id", it->entity[0] ? json_string(it->entity) : json_null());
	json_object_set_new(o, "teams", teams);
	put_counts(o, &it->c);
	return o;
}

static json_t *team_row(const char *key, const void *item, const cst_audit_tally *t)
{
	(void)t;
	json_t *o = json_object();
	json_object_set_new(o, "team", *key ? json_string(key) : json_null());
	put_counts(o, &((const team_item *)item)->c);
	return o;
}

static json_t *team_timeline_row(const char *key, const void *item, const cst_audit_tally *t)
{
	const team_item *it = item;
	if (it->timeline == NULL)
		return NULL;
	return json_pack("{s:o, s:o}", "team", *key ? json_string(key) : json_null(), "counts",
	                 array_of(it->timeline, t->n_buckets));
}

static json_t *login_row(const char *key, const void *item, const cst_audit_tally *t)
{
	(void)key;
	(void)t;
	const login_item *it = item;
	if (it->failed == 0)
		return NULL; /* targets with successes only are not news */
	json_t *addrs = json_array();
	for (unsigned k = 0; k < it->n_addrs; k++)
		json_array_append_new(addrs, json_string(it->addrs[k]));
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:o, s:s, s:o, s:b}", "method", it->method, "mount",
	                 it->mount, "name", it->name, "failed", (json_int_t)it->failed, "succeeded",
	                 (json_int_t)it->succeeded, "last_failure", time_or_null(it->last_failure_ns),
	                 "last_error", it->last_error, "addresses", addrs, "more_addresses",
	                 it->more_addrs);
}

static json_t *root_row(const char *acc, const void *item, const cst_audit_tally *t)
{
	const root_item *it = item;
	const label_item *l = cst_strmap_get((cst_strmap *)&t->accessors, acc, 0, NULL);
	/* A device with hmac_accessor=false logs accessors in clear: the
	 * report names such a token by a digest of it, never the accessor. */
	char shown[7 + 16 + 1];
	if (strncmp(acc, "hmac-sha256:", 12) != 0) {
		unsigned char d[CST_SHA256_LEN];
		cst_sha256(d, acc, strlen(acc));
		memcpy(shown, "sha256:", 7);
		cst_hex_encode(shown + 7, d, 8);
		acc = shown;
	}
	return json_pack("{s:s, s:s, s:b, s:I, s:o}", "accessor", acc, "token",
	                 l ? l->text : "a root token no longer alive (or of another vault)", "alive",
	                 l != NULL, "requests", (json_int_t)it->requests, "last_used",
	                 time_or_null(it->last_ns));
}

json_t *cst_audit_tally_json(const cst_audit_tally *t)
{
	json_t *out = json_pack(
		"{s:I, s:I, s:I, s:I, "
		"s:{s:I, s:I, s:o, s:I}, "
		"s:{s:I, s:I, s:o, s:I}, "
		"s:o, s:I, s:o, s:I, "
		"s:{s:o, s:I, s:I, s:o, s:o}}",
		"entries", (json_int_t)t->entries, "requests", (json_int_t)t->requests, "errors",
		(json_int_t)t->errors, "denied", (json_int_t)t->denied,
		"logins", "failed", (json_int_t)t->failed_logins, "succeeded", (json_int_t)t->ok_logins,
		"by_target", rows_of(t, &t->logins, login_count, login_row), "targets_not_listed",
		(json_int_t)t->other_logins,
		"root", "requests", (json_int_t)t->root_requests, "local_requests",
		(json_int_t)t->local_requests, "by_token", rows_of(t, &t->roots, root_count, root_row),
		"tokens_not_listed", (json_int_t)t->other_root,
		"by_team", rows_of(t, &t->teams, team_count, team_row), "teams_not_listed",
		(json_int_t)t->other_teams,
		"by_principal", rows_of(t, &t->principals, principal_count, principal_row),
		"principals_not_listed", (json_int_t)t->other_principals,
		"timeline", "start", time_or_null(t->since_ns), "bucket_seconds",
		(json_int_t)(t->bucket_ns / 1000000000), "buckets", (json_int_t)t->n_buckets, "total",
		array_of(t->timeline, t->n_buckets), "by_team",
		rows_of(t, &t->teams, team_count, team_timeline_row));
	return out;
}
