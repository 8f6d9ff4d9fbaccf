/* render_table.c - which figures go in which column of the report's
 * tables (see render_table.h); the sinks of render_md.c and
 * render_html.c draw them. */
#include "report/render_table.h"

#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define TEXT(x) ((table_cell){CELL_TEXT, (x), 0, NULL})
#define NAME(x) ((table_cell){CELL_NAME, (x), 0, NULL})
#define NUM(x) ((table_cell){CELL_NUM, NULL, (x), NULL})
#define WHEN(x) ((table_cell){CELL_WHEN, (x), 0, NULL})
#define STATUS(x) ((table_cell){CELL_STATUS, (x), 0, NULL})
#define NONE ((table_cell){CELL_NONE, NULL, 0, NULL})

status_word report_status_word(const char *status)
{
	static const struct {
		const char *status;
		status_word said;
	} words[] = {
		{"overdue", {"overdue", 3}}, {"never", {"never", 3}},     {"expiring", {"due soon", 2}},
		{"ok", {"ok", 1}},           {"deleted", {"deleted", 0}}, {"empty", {"no version", 0}},
	};
	for (size_t i = 0; status && i < COUNT(words); i++)
		if (strcmp(status, words[i].status) == 0)
			return words[i].said;
	return (status_word){"no policy", 0};
}

/* One row: builds its cells from the report's object x and hands them to
 * t->sink->row (the cells' text lives in the row function's buffers). */
typedef void (*row_fn)(table *t, const json_t *x, const void *arg);

/* A table of rows, at most limit (0: all) of them. */
static void draw(rw *w, const table_sink *s, const char *caption, const char *const *cols, size_t n,
                 const json_t *rows, size_t limit, row_fn row, const void *arg)
{
	table t = {w, s, cols, n};
	s->open(&t, caption);
	size_t i;
	json_t *x;
	json_array_foreach(rows, i, x) {
		if (limit && i >= limit)
			break;
		row(&t, x, arg);
	}
	s->close(&t);
}

static void put(table *t, const table_cell *c, size_t n)
{
	t->sink->row(t, c, n);
}

/* A name, or no value when there is none. */
static table_cell name_or_none(const json_t *o, const char *key)
{
	const char *s = rj_str(o, key);
	return s && *s ? TEXT(s) : NONE;
}

static table_cell int_or_none(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? NUM((long long)json_integer_value(v)) : NONE;
}

static void attention_row(table *t, const json_t *x, const void *now_ns)
{
	char why[400];
	rj_why(why, sizeof(why), x, *(const int64_t *)now_ns);
	table_cell c[] = {STATUS(rj_str(x, "status")), NAME(rj_str(x, "name")), NAME(rj_str(x, "mount")),
	                  name_or_none(x, "team"), TEXT(rj_name(x, "type", "untyped")), TEXT(why),
	                  WHEN(rj_str(x, "due"))};
	put(t, c, COUNT(c));
}

void table_attention(rw *w, const table_sink *s, const json_t *rows, int64_t now_ns)
{
	static const char *const cols[] = {"Status", "Secret", "Mount", "Team", "Type", "Why", "Due"};
	draw(w, s, NULL, cols, COUNT(cols), rows, 0, attention_row, &now_ns);
}

static void secrets_by_team_row(table *t, const json_t *x, const void *arg)
{
	(void)arg;
	table_cell c[] = {TEXT(rj_name(x, "team", "no team")), NUM(rj_int(x, "count")),
	                  NUM(rj_int(x, "overdue")),           NUM(rj_int(x, "expiring")),
	                  NUM(rj_int(x, "ok")),                NUM(rj_int(x, "unmanaged"))};
	put(t, c, COUNT(c));
}

void table_secrets_by_team(rw *w, const table_sink *s, const json_t *rows)
{
	static const char *const cols[] = {"Team", ">Secrets", ">Overdue", ">Due soon", ">Within policy",
	                                   ">No policy"};
	draw(w, s, "Secrets by team and status", cols, COUNT(cols), rows, 0, secrets_by_team_row, NULL);
}

static void least_rotated_row(table *t, const json_t *x, const void *arg)
{
	(void)arg;
	char every[48], policy[64];
	long long secs = rj_int(x, "rotate_every_seconds");
	rj_span(every, sizeof(every), secs);
	snprintf(policy, sizeof(policy), "every %s", every);
	table_cell c[] = {NAME(rj_str(x, "name")),          NAME(rj_str(x, "mount")),
	                  name_or_none(x, "team"),          TEXT(rj_name(x, "type", "untyped")),
	                  WHEN(rj_str(x, "last_rotation")), int_or_none(x, "rotation_age_days"),
	                  secs > 0 ? TEXT(policy) : NONE,   STATUS(rj_str(x, "status"))};
	put(t, c, COUNT(c));
}

void table_least_rotated(rw *w, const table_sink *s, const json_t *rows)
{
	static const char *const cols[] = {"Secret", "Mount", "Team", "Type", "Last rotation",
	                                   ">Days ago", "Rotation policy", "Status"};
	draw(w, s, "Least recently rotated", cols, COUNT(cols), rows, 0, least_rotated_row, NULL);
}

static void team_row(table *t, const json_t *x, const void *arg)
{
	(void)arg;
	table_cell team = TEXT(rj_str(x, "team"));
	if (!json_is_true(json_object_get(x, "exists")))
		team.tag = "deleted";
	table_cell c[] = {team, NUM(rj_int(x, "secrets")), NUM(rj_int(x, "overdue")),
	                  NUM(rj_int(x, "expiring")), NUM(rj_int(x, "live_tokens")),
	                  int_or_none(x, "requests")};
	put(t, c, COUNT(c));
}

void table_teams(rw *w, const table_sink *s, const json_t *rows)
{
	static const char *const cols[] = {"Team", ">Secrets", ">Overdue", ">Due soon", ">Live tokens",
	                                   ">Requests"};
	draw(w, s, NULL, cols, COUNT(cols), rows, 0, team_row, NULL);
}

static void root_token_row(table *t, const json_t *x, const void *arg)
{
	(void)arg;
	const char *expires = rj_str(x, "expire_time");
	table_cell c[] = {TEXT(rj_str(x, "display_name")), WHEN(rj_str(x, "created_time")),
	                  expires ? WHEN(expires) : STATUS("never"), NAME(rj_str(x, "path"))};
	put(t, c, COUNT(c));
}

void table_root_tokens(rw *w, const table_sink *s, const json_t *rows)
{
	static const char *const cols[] = {"Display name", "Created", "Expires", "Made by"};
	draw(w, s, NULL, cols, COUNT(cols), rows, 0, root_token_row, NULL);
}

static void failed_login_row(table *t, const json_t *x, const void *arg)
{
	(void)arg;
	char from[300];
	rj_join(from, sizeof(from), json_object_get(x, "addresses"),
	        json_is_true(json_object_get(x, "more_addresses")));
	table_cell c[] = {NAME(rj_str(x, "name")),       TEXT(rj_str(x, "method")),
	                  NAME(rj_str(x, "mount")),      NUM(rj_int(x, "failed")),
	                  NUM(rj_int(x, "succeeded")),   WHEN(rj_str(x, "last_failure")),
	                  TEXT(rj_str(x, "last_error")), TEXT(from)};
	put(t, c, COUNT(c));
}

void table_failed_logins(rw *w, const table_sink *s, const json_t *rows)
{
	static const char *const cols[] = {"User or role", "Method", "Mount", ">Failed", ">Succeeded",
	                                   "Last failure", "Last error", "From"};
	draw(w, s, NULL, cols, COUNT(cols), rows, 0, failed_login_row, NULL);
}

static void root_use_row(table *t, const json_t *x, const void *arg)
{
	(void)arg;
	char acc[40];
	snprintf(acc, sizeof(acc), "%.24s\xe2\x80\xa6", rj_str(x, "accessor")); /* an ellipsis */
	table_cell token = TEXT(rj_str(x, "token"));
	if (!json_is_true(json_object_get(x, "alive")))
		token.tag = "gone";
	table_cell c[] = {token, NAME(acc), NUM(rj_int(x, "requests")), WHEN(rj_str(x, "last_used"))};
	put(t, c, COUNT(c));
}

void table_root_use(rw *w, const table_sink *s, const json_t *rows)
{
	static const char *const cols[] = {"Token", "Accessor, as logged", ">Requests", "Last used"};
	draw(w, s, NULL, cols, COUNT(cols), rows, 0, root_use_row, NULL);
}

/* arg: non-NULL for principals (a name and its teams first), NULL for teams. */
static void access_row(table *t, const json_t *x, const void *principals)
{
	char teams[300];
	table_cell c[8], *p = c;
	if (principals) {
		rj_join(teams, sizeof(teams), json_object_get(x, "teams"), 0);
		*p++ = NAME(rj_str(x, "principal"));
		*p++ = teams[0] ? TEXT(teams) : NONE;
	} else {
		*p++ = TEXT(rj_name(x, "team", "no team"));
	}
	*p++ = NUM(rj_int(x, "requests"));
	*p++ = NUM(rj_int(x, "secret_reads"));
	*p++ = NUM(rj_int(x, "secret_writes"));
	*p++ = NUM(rj_int(x, "errors"));
	*p++ = NUM(rj_int(x, "denied"));
	*p++ = WHEN(rj_str(x, "last_seen"));
	put(t, c, (size_t)(p - c));
}

void table_access(rw *w, const table_sink *s, const json_t *rows, int principals, size_t limit)
{
	static const char *const pcols[] = {"Principal", "Teams", ">Requests", ">Secret reads",
	                                    ">Secret writes", ">Errors", ">Denied", "Last seen"};
	static const char *const tcols[] = {"Team", ">Requests", ">Secret reads", ">Secret writes",
	                                    ">Errors", ">Denied", "Last seen"};
	if (principals)
		draw(w, s, NULL, pcols, COUNT(pcols), rows, limit, access_row, pcols);
	else
		draw(w, s, NULL, tcols, COUNT(tcols), rows, limit, access_row, NULL);
}

static void source_row(table *t, const json_t *x, const void *arg)
{
	(void)arg;
	const char *error = rj_str(x, "error");
	table_cell c[] = {NAME(rj_str(x, "path")),            name_or_none(x, "device"),
	                  NUM(rj_int(x, "lines")),             NUM(rj_int(x, "entries_counted")),
	                  NUM(rj_int(x, "unreadable_lines")), WHEN(rj_str(x, "first_time")),
	                  WHEN(rj_str(x, "last_time"))};
	if (error) /* the log could not be read: its error across the figures */
		c[2] = (table_cell){CELL_REST, error, 0, NULL};
	put(t, c, error ? 3 : COUNT(c));
}

void table_sources(rw *w, const table_sink *s, const json_t *rows)
{
	static const char *const cols[] = {"Audit log", "Device", ">Lines", ">Entries counted",
	                                   ">Unreadable lines", "First entry", "Last entry"};
	draw(w, s, "Audit logs read", cols, COUNT(cols), rows, 0, source_row, NULL);
}
