/* main.c - custos-check, which `custos check` execs: checks credentials
 * against their providers, several at once, each through the logical
 * request secret/check/NAME. Locally the request runs in this process
 * (which links libcurl and libpq); in remote mode it goes to custos
 * server, which holds the credentials and makes the call, so they never
 * leave it.
 *
 * Exit status: 0 every credential checked is ok; 4 one was rejected by its
 * provider; 3 (none rejected) a named credential does not exist; 1 (none of
 * those) a check was unreachable, errored or could not be made; 2 usage. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/transport.h"
#include "cli.h"
#include "core/error.h"
#include "core/limits.h"
#include "util/mem.h"

static const char help[] =
	"usage: custos check [NAME... | --all] [--json] [--timeout 10s] [--parallel 8]\n\n"
	"Checks each typed credential with its provider's cheapest authenticated call (OpenAI and\n"
	"Anthropic GET /v1/models, Hugging Face whoami-v2, GitHub GET /user, Pinecone GET /indexes,\n"
	"Weaviate /v1/meta, Ollama /api/tags, Slack auth.test, AWS STS GetCallerIdentity, a\n"
	"PostgreSQL login for db_dsn) and reports ok, rejected, unreachable or error with the HTTP\n"
	"status and latency, never the secret. A base_url field overrides the endpoint; plain\n"
	"http:// is refused unless the host is loopback. --all checks every credential (types\n"
	"without a check are skipped). Checks run --parallel at a time, each within --timeout.\n"
	"In remote mode the server makes the calls (policy: read on secret/check/NAME).\n"
	"Exit status: 0 all ok, 4 a credential was rejected, 3 a named credential does not exist,\n"
	"1 a check was unreachable or failed, 2 usage.\n";

typedef struct job {
	const char *name;
	json_t *result; /* owned */
	int rc;
	char error[300];
} job;

typedef struct pool {
	cli_ctx *ctx;
	job *jobs;
	size_t n, next;
	const char *timeout;
	pthread_mutex_t lock;
} pool;

static void *worker(void *arg)
{
	pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		size_t i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			return NULL;
		job *j = &p->jobs[i];
		char path[CLI_KV_PATH_MAX];
		json_t *q = json_pack("{s:s}", "timeout", p->timeout);
		cst_response resp = {0};
		j->rc = cli_kv_path(path, sizeof(path), "check", j->name, 0);
		if (j->rc == CST_OK)
			j->rc = cli_request(p->ctx, CST_OP_READ, path, q, &resp);
		if (j->rc == CST_OK)
			j->result = json_incref(resp.data);
		else
			snprintf(j->error, sizeof(j->error), "%s", *cst_errmsg() ? cst_errmsg() : cst_strerror(j->rc));
		cst_response_release(&resp);
		json_decref(q);
	}
}

/* Every credential name under folder, recursively. */
static int list_all(cli_ctx *ctx, json_t *names, const char *folder)
{
	char path[CLI_KV_PATH_MAX];
	cst_response resp = {0};
	int rc = cli_kv_path(path, sizeof(path), "metadata", folder, 1);
	if (rc == CST_OK)
		rc = cli_request(ctx, CST_OP_LIST, path, NULL, &resp);
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(resp.data, "keys"), i, k) {
		char full[CST_LIMIT_NAME + 2];
		const char *name = json_string_value(k);
		snprintf(full, sizeof(full), "%s%s", folder, name);
		if (*name && name[strlen(name) - 1] == '/') {
			if ((rc = list_all(ctx, names, full)) < 0)
				break;
		} else {
			json_array_append_new(names, json_string(full));
		}
	}
	cst_response_release(&resp);
	return rc == CST_ENOTFOUND && *folder == '\0' ? CST_OK : rc;
}

static void print_table(const job *jobs, size_t n, int all)
{
	json_t *rows = json_array();
	for (size_t i = 0; i < n; i++) {
		const job *j = &jobs[i];
		char http[16] = "-", lat[32] = "-";
		const char *type = "-", *status = "error", *endpoint = "-", *detail = j->error;
		if (j->rc == CST_OK) {
			type = json_string_value(json_object_get(j->result, "type"));
			status = json_string_value(json_object_get(j->result, "status"));
			endpoint = json_string_value(json_object_get(j->result, "endpoint"));
			detail = json_string_value(json_object_get(j->result, "detail"));
			long long hs = (long long)json_integer_value(json_object_get(j->result, "http_status"));
			if (hs)
				snprintf(http, sizeof(http), "%lld", hs);
			snprintf(lat, sizeof(lat), "%.1f ms",
			         json_real_value(json_object_get(j->result, "latency_ms")));
		} else if (j->rc == CST_EUNSUPPORTED && all) {
			status = "skipped";
		} else if (j->rc == CST_ENOTFOUND) {
			status = "not found";
		}
		json_array_append_new(rows, json_pack("[s,s,s,s,s,s,s]", j->name, type ? type : "-",
		                                      status ? status : "-", http, lat,
		                                      endpoint ? endpoint : "-", detail ? detail : ""));
	}
	static const char *const headers[] = {"NAME", "TYPE", "STATUS", "HTTP", "LATENCY",
	                                      "ENDPOINT", "DETAIL"};
	cli_print_table(stdout, headers, 7, rows);
	json_decref(rows);
}

static void print_json(const job *jobs, size_t n, int all)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const job *j = &jobs[i];
		if (j->rc == CST_OK) {
			json_array_append(arr, j->result);
			continue;
		}
		const char *status = j->rc == CST_EUNSUPPORTED && all ? "skipped"
		                     : j->rc == CST_ENOTFOUND          ? "not_found"
		                                                       : "error";
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "name", j->name, "status", status,
		                                     "detail", j->error));
	}
	cli_print_json(stdout, arr);
	json_decref(arr);
}

static int exit_status(const job *jobs, size_t n, int all)
{
	int rejected = 0, missing = 0, other = 0;
	for (size_t i = 0; i < n; i++) {
		const job *j = &jobs[i];
		const char *s = j->rc == CST_OK ? json_string_value(json_object_get(j->result, "status")) : NULL;
		if (s && strcmp(s, "rejected") == 0)
			rejected = 1;
		else if (j->rc == CST_ENOTFOUND)
			missing = 1;
		else if (j->rc == CST_EUNSUPPORTED && all)
			continue;
		else if (s == NULL || strcmp(s, "ok") != 0)
			other = 1;
	}
	return rejected ? 4 : missing ? 3 : other ? 1 : 0;
}

int main(int argc, char **argv)
{
	cst_mem_no_core_dumps();
	cst_mem_init_json();
	cli_ctx ctx = {0};
	ctx.command = "check";
	cli_opt opts[] = {{"all", 'a', 0, 0, {0}},        {"json", 0, 0, 0, {0}},
	                  {"timeout", 0, 1, 0, {0}},      {"parallel", 'p', 1, 0, {0}},
	                  {"vault", 0, 1, 0, {0}},        {"key-file", 0, 1, 0, {0}},
	                  {"passphrase-file", 0, 1, 0, {0}}, {"kv-mount", 0, 1, 0, {0}}, {0}};
	int npos, started;
	if ((started = cli_start(&ctx, opts, argc - 1, argv + 1, help, &npos)) >= 0)
		return started;
	argv++;
	ctx.vault_path = cli_value(opts, "vault");
	ctx.key_file = cli_value(opts, "key-file");
	ctx.passphrase_file = cli_value(opts, "passphrase-file");
	ctx.kv_mount = cli_value(opts, "kv-mount");
	if (cli_set_kv_mount(ctx.kv_mount) < 0)
		return cli_usage(&ctx, "%s", cst_errmsg());
	int all = cli_flag(opts, "all");
	if (all == (npos > 0))
		return cli_usage(&ctx, all ? "give NAMEs or --all, not both" : "give NAMEs or --all");
	const char *timeout = cli_value(opts, "timeout") ? cli_value(opts, "timeout") : "10s";
	unsigned long long parallel = 8;
	if (cli_value(opts, "parallel") &&
	    (cli_uint(&parallel, cli_value(opts, "parallel"), "--parallel") < 0 || parallel < 1 ||
	     parallel > 64))
		return cli_usage(&ctx, "--parallel must be 1 to 64");
	for (int i = 0; i < npos; i++)
		if (cst_name_check(argv[i], strlen(argv[i])) < 0)
			return cli_usage(&ctx, "%s", cst_errmsg());
	check_transport_install();
	int rc = cli_remote_addr() ? CST_OK : cli_open(&ctx); /* once, before the threads */
	json_t *names = json_array();
	if (rc == CST_OK && all)
		rc = list_all(&ctx, names, "");
	for (int i = 0; rc == CST_OK && i < npos; i++)
		json_array_append_new(names, json_string(argv[i]));
	if (rc < 0) {
		json_decref(names);
		cst_vault_close(ctx.vault);
		return cli_fail(rc);
	}
	pool p = {&ctx, calloc(json_array_size(names) + 1, sizeof(job)), json_array_size(names), 0,
	          timeout, PTHREAD_MUTEX_INITIALIZER};
	if (p.jobs == NULL)
		return cli_fail(cst_fail(CST_ENOMEM, "out of memory"));
	for (size_t i = 0; i < p.n; i++)
		p.jobs[i].name = json_string_value(json_array_get(names, i));
	size_t nt = parallel < p.n ? parallel : p.n;
	pthread_t threads[64];
	size_t started_threads = 0;
	for (size_t i = 0; i < nt; i++)
		if (pthread_create(&threads[started_threads], NULL, worker, &p) == 0)
			started_threads++;
	if (started_threads == 0)
		worker(&p);
	for (size_t i = 0; i < started_threads; i++)
		pthread_join(threads[i], NULL);
	if (cli_flag(opts, "json"))
		print_json(p.jobs, p.n, all);
	else if (p.n)
		print_table(p.jobs, p.n, all);
	int status = exit_status(p.jobs, p.n, all);
	for (size_t i = 0; i < p.n; i++)
		json_decref(p.jobs[i].result);
	free(p.jobs);
	json_decref(names);
	cst_vault_close(ctx.vault);
	if (fflush(stdout) != 0 && status == 0)
		status = 1;
	return status;
}
