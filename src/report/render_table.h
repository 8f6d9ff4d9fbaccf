/* render_table.h - the report's tables, defined once for both renderers.
 * A table is its columns and rows of typed cells (tables.c says which
 * figures go in which column); a renderer supplies a sink that draws them:
 * markdown pipes (render_md.c) or an HTML <table> (render_html.c). So the
 * two formats show the same columns in the same order, and each escapes
 * every string for itself. */
#ifndef CST_REPORT_RENDER_TABLE_H
#define CST_REPORT_RENDER_TABLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "report/render_common.h"

typedef enum {
	CELL_TEXT,   /* prose or a label: an error, a list of addresses */
	CELL_NAME,   /* a name as stored: secret, mount, path, principal (monospace in HTML) */
	CELL_NUM,    /* an integer, right-aligned, with thousands separators */
	CELL_WHEN,   /* an RFC 3339 time ("2026-03-01 10:20 UTC"); NULL: a dash */
	CELL_STATUS, /* a status word (report_status_word): overdue, expiring, ok, ... */
	CELL_NONE,   /* no value: a dash */
	CELL_REST,   /* text across the rest of the row (a log that could not be read) */
} cell_kind;

typedef struct table_cell {
	cell_kind kind;
	const char *s;   /* TEXT, NAME, WHEN, STATUS, REST */
	long long n;     /* NUM */
	const char *tag; /* optional: a word after the value, "(deleted)" */
} table_cell;

typedef struct table table;

/* How a renderer draws a table. Column names starting with '>' are numbers. */
typedef struct table_sink {
	void (*open)(table *t, const char *caption);
	void (*row)(table *t, const table_cell *cells, size_t n);
	void (*close)(table *t);
} table_sink;

struct table {
	rw *w;
	const table_sink *sink;
	const char *const *cols;
	size_t ncols;
};

/* A status in words for a person, and whether it needs action:
 * "overdue" -> "overdue" (alert), "expiring" -> "due soon" (warn), "never"
 * (a root token that never expires) -> "never" (alert). */
typedef struct status_word {
	const char *word;
	int level; /* 0 plain, 1 good, 2 warn, 3 alert */
} status_word;
status_word report_status_word(const char *status);

/* The tables. rows: the report's array; now_ns: the report's time. */
void table_attention(rw *w, const table_sink *s, const json_t *rows, int64_t now_ns);
void table_secrets_by_team(rw *w, const table_sink *s, const json_t *rows);
void table_least_rotated(rw *w, const table_sink *s, const json_t *rows);
void table_teams(rw *w, const table_sink *s, const json_t *rows);
void table_root_tokens(rw *w, const table_sink *s, const json_t *rows);
void table_failed_logins(rw *w, const table_sink *s, const json_t *rows);
void table_root_use(rw *w, const table_sink *s, const json_t *rows);
/* Requests per team (principals 0) or per principal; at most limit rows
 * (0: all). */
void table_access(rw *w, const table_sink *s, const json_t *rows, int principals, size_t limit);
void table_sources(rw *w, const table_sink *s, const json_t *rows);

#endif
