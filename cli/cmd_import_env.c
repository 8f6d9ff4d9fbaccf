/* cmd_import_env.c - custos import env: the credential variables of the
 * environment (OPENAI_API_KEY, AWS_*, ...; the table is in
 * src/engines/type_env.c) stored as typed credentials, then the lines to
 * delete from the .env files of the current directory. Names only are
 * printed, never values. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "core/limits.h"
#include "engines/type_env.h"
#include "engines/types.h"
#include "util/buf.h"
#include "util/file.h"

static const char help[] =
	"usage: custos import env [--dry-run] [--prefix PREFIX]\n\n"
	"Finds known credential variables in the environment and stores each group as a\n"
	"typed credential: OPENAI_* as openai, ANTHROPIC_* as anthropic, HF_TOKEN or\n"
	"HUGGINGFACE_API_KEY as huggingface, GITHUB_TOKEN or GITHUB_ACCESS_TOKEN as github,\n"
	"PINECONE_* as pinecone, SUPABASE_* as supabase, AWS_* as aws, SLACK_WEBHOOK_URL as\n"
	"slack, PAGERDUTY_API_KEY as pagerduty (api_key), DOCKER_USERNAME/DOCKER_PASSWORD as\n"
	"docker (http_basic), DATABASE_URL as database (db_dsn). PREFIX/ goes before each\n"
	"name. Then prints the lines of ./.env* files that define what was stored, to delete\n"
	"them ('custos run' gives the same variables back). --dry-run stores nothing.\n"
	"Exit status 2 if a credential was refused (the others are still stored).\n";

typedef struct group {
	const char *secret;
	const char *type;
	json_t *data; /* field -> value */
	json_t *vars; /* the variables used, in order */
} group;

#define MAX_GROUPS 32

static group *group_for(group *g, size_t *n, const cst_env_known *k)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(g[i].secret, k->secret) == 0)
			return &g[i];
	if (*n == MAX_GROUPS)
		return NULL;
	g[*n] = (group){k->secret, k->type, json_object(), json_array()};
	return &g[(*n)++];
}

/* Collects the variables; an alias holding another value than the field's
 * first variable is reported and left out. */
static size_t collect(group *g)
{
	size_t n_known, n = 0;
	const cst_env_known *known = cst_env_known_vars(&n_known);
	for (size_t i = 0; i < n_known; i++) {
		const char *v = getenv(known[i].var);
		if (v == NULL || *v == '\0')
			continue;
		group *gr = group_for(g, &n, &known[i]);
		if (gr == NULL)
			break;
		json_t *had = json_object_get(gr->data, known[i].field);
		if (had != NULL && strcmp(json_string_value(had), v) != 0) {
			fprintf(stderr, "custos import env: %s left out: another variable already gives "
			                "%s's %s with a different value\n", known[i].var, gr->secret,
			        known[i].field);
			continue;
		}
		if (had == NULL)
			json_object_set_new(gr->data, known[i].field, json_string(v));
		json_array_append_new(gr->vars, json_string(known[i].var));
	}
	return n;
}

static void print_vars(FILE *f, const json_t *vars)
{
	size_t i;
	json_t *v;
	json_array_foreach(vars, i, v)
		fprintf(f, "%s%s", i ? ", " : "", json_string_value(v));
}

/* 1 if line defines var: [blanks][export blanks]VAR[blanks]= */
static int defines(const char *line, size_t len, const char *var)
{
	const char *p = line, *end = line + len;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p > 7 && strncmp(p, "export", 6) == 0 && (p[6] == ' ' || p[6] == '\t')) {
		p += 6;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
	}
	size_t n = strlen(var);
	if ((size_t)(end - p) <= n || strncmp(p, var, n) != 0)
		return 0;
	p += n;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p < end && *p == '=';
}

static int is_env_file(const struct dirent *e)
{
	return strcmp(e->d_name, ".env") == 0 || strncmp(e->d_name, ".env.", 5) == 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Prints FILE:LINE  VAR for each stored variable a ./.env* file defines;
 * returns how many lines it found. */
static int print_env_lines(const json_t *stored)
{
	struct dirent **list = NULL;
	int nf = scandir(".", &list, is_env_file, by_name), found = 0;
	for (int f = 0; f < nf; f++) {
		cst_buf text = CST_BUF_INIT;
		if (cst_file_read(&text, list[f]->d_name) == CST_OK && text.ptr != NULL) {
			unsigned line = 1;
			for (const char *p = text.ptr; p < text.ptr + text.len; line++) {
				const char *nl = memchr(p, '\n', text.len - (size_t)(p - text.ptr));
				size_t len = nl ? (size_t)(nl - p) : text.len - (size_t)(p - text.ptr);
				size_t i;
				json_t *v;
				json_array_foreach(stored, i, v)
					if (defines(p, len, json_string_value(v))) {
						printf("  %s:%u  %s\n", list[f]->d_name, line, json_string_value(v));
						found++;
					}
				p += len + 1;
			}
		}
		cst_buf_release(&text);
		free(list[f]);
	}
	free(list);
	return found;
}

int cmd_import_env(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"dry-run", 'n', 0, 0, {0}}, {"prefix", 0, 1, 0, {0}}, {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos != 0)
		return cli_usage(ctx, "takes no arguments");
	const char *prefix = cli_value(opts, "prefix");
	int dry = cli_flag(opts, "dry-run"), status = 0;
	group g[MAX_GROUPS];
	size_t n = collect(g);
	json_t *stored = json_array();
	if (n == 0)
		fprintf(stderr, "custos import env: no known credential variables in the environment\n");
	for (size_t i = 0; i < n; i++) {
		char name[CST_LIMIT_NAME + 1];
		int len = snprintf(name, sizeof(name), "%s%s%s", prefix ? prefix : "", prefix ? "/" : "",
		                   g[i].secret);
		int rc = len > 0 && (size_t)len < sizeof(name) ? cst_name_check(name, (size_t)len)
		                                              : cst_fail(CST_EINVAL, "name too long");
		if (rc == CST_OK)
			rc = cst_type_validate(g[i].type, g[i].data);
		long long version = 0;
		if (rc == CST_OK && !dry)
			rc = cli_import_store(ctx, name, g[i].type, g[i].data, &version);
		if (rc < 0) {
			fprintf(stderr, "custos import env: %s not stored (from ", name);
			print_vars(stderr, g[i].vars);
			fprintf(stderr, "): %s\n", cst_errmsg());
			if (status == 0 || cst_exit_status(rc) == 2)
				status = cst_exit_status(rc);
			continue;
		}
		if (dry)
			printf("would store %s (%s) from ", name, g[i].type);
		else if (rc == 1)
			printf("unchanged %s (%s) from ", name, g[i].type);
		else
			printf("stored %s (%s) version %lld from ", name, g[i].type, version);
		print_vars(stdout, g[i].vars);
		putchar('\n');
		json_array_extend(stored, g[i].vars);
	}
	if (json_array_size(stored) > 0 && !dry) {
		printf("\nDelete these lines from your .env files ('custos run' sets the variables):\n");
		if (print_env_lines(stored) == 0) {
			printf("  (no ./.env* file defines them; look wherever they are set: ");
			print_vars(stdout, stored);
			printf(")\n");
		}
	}
	for (size_t i = 0; i < n; i++) {
		json_decref(g[i].data);
		json_decref(g[i].vars);
	}
	json_decref(stored);
	return status;
}
