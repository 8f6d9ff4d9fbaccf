/* main.c - custos-server: the vault over Vault's HTTP API. Started by
 * `custos server` (which execs this binary, so the CLI itself never loads
 * the HTTP and TLS libraries). Modes:
 *   --dev            in-memory vault (or --vault PATH), unsealed, plain HTTP
 *                    on 127.0.0.1:8200, prints the root token
 *   --config FILE    Vault's HCL config: storage "sqlite", listener "tcp" */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check/transport.h"
#include "server.h"
#include "util/mem.h"

static const char usage[] =
	"usage: custos server --dev [--dev-root-token-id T] [--dev-listen-address HOST:PORT]\n"
	"                           [--vault PATH]\n"
	"       custos server --config FILE\n\n"
	"--dev runs an unsealed server over plain HTTP for development: the vault lives in memory\n"
	"unless --vault PATH names a file (opened with its key file, or created with one).\n"
	"--config reads Vault's configuration syntax (see contrib/custos.hcl).\n";

static volatile int sweeper_stop;

/* Revokes expired tokens every few seconds, walking the expiry index, and
 * stores the audit devices' chain positions. */
static void *sweeper(void *arg)
{
	server_state *st = arg;
	while (!sweeper_stop) {
		for (int i = 0; i < 50 && !sweeper_stop; i++)
			usleep(100 * 1000);
		if (sweeper_stop)
			break;
		uint64_t n = 0;
		if (st->vault && !cst_vault_sealed(st->vault) && cst_vault_sweep(st->vault, &n) < 0)
			fprintf(stderr, "custos server: token sweep: %s\n", cst_errmsg());
		/* The audit chain positions, so a restart after a crash continues
		 * them (a clean stop stores them at seal). */
		if (st->vault && cst_vault_audit_flush(st->vault) < 0)
			fprintf(stderr, "custos server: audit positions: %s\n", cst_errmsg());
	}
	return NULL;
}

static int open_dev_vault(server_state *st, const char *path)
{
	cst_open_opts o = {0};
	cst_vault *v = NULL;
	int rc;
	if (path == NULL) {
		/* In memory: a throwaway master key, as Vault's dev mode. */
		unsigned char **shares = NULL;
		size_t len = 0;
		o.backend = "memory";
		o.vault_path = ":memory:";
		rc = cst_vault_init_shamir(&v, &o, 1, 1, &shares, &len);
		if (shares) {
			cst_wipe(shares[0], len);
			free(shares[0]);
			free(shares);
		}
	} else {
		o.vault_path = path;
		o.flags = CST_OPEN_EXCLUSIVE;
		struct stat sb;
		rc = stat(path, &sb) == 0 ? cst_vault_open(&v, &o) : cst_vault_init(&v, &o, 0);
	}
	st->vault = v;
	return rc;
}

static int start_configured(server_state *st)
{
	cst_open_opts o = {0};
	o.vault_path = st->cfg.vault_path;
	o.flags = CST_OPEN_EXCLUSIVE;
	struct stat sb;
	if (stat(st->cfg.vault_path, &sb) != 0)
		return CST_OK; /* not initialised: sys/init creates it */
	cst_vault *v = NULL;
	int rc = cst_vault_attach(&v, &o);
	if (rc < 0)
		return rc;
	const char *source = json_string_value(json_object_get(cst_vault_seal_record(v), "source"));
	if (source && strcmp(source, "shamir") == 0) {
		st->vault = v;
		return CST_OK; /* sealed until unseal keys arrive */
	}
	/* A key-file or environment key: unseal at start (auto-unseal). */
	cst_vault_close(v);
	v = NULL;
	rc = cst_vault_open(&v, &o);
	st->vault = v;
	return rc;
}

int main(int argc, char **argv)
{
	/* glibc gives memory freed at the top of a thread's heap back with
	 * madvise as soon as it passes 128 KiB, and every such call stops the
	 * other core for a TLB flush: under load that was 2% of the server's
	 * time. Keep up to 4 MiB per heap instead, and at most 8 heaps for the
	 * 32 workers (glibc's default is 8 per core), so what is kept stays
	 * bounded (32 MiB). */
	mallopt(M_TRIM_THRESHOLD, 4 << 20);
	mallopt(M_ARENA_MAX, 8);
	cst_mem_no_core_dumps();
	cst_mem_init_json();
	/* secret/check/NAME: the server makes provider checks itself, so the
	 * credentials never leave it (libcurl, libpq). */
	check_transport_install();
	umask(077);
	server_state st;
	memset(&st, 0, sizeof(st));
	pthread_mutex_init(&st.unseal_lock, NULL);
	server_config *c = &st.cfg;
	snprintf(c->listen_addr, sizeof(c->listen_addr), "127.0.0.1:8200");
	c->max_body = 1024 * 1024;
	c->max_connections = 1024;
	c->conn_timeout_s = 30;
	c->threads = 32; /* writes wait for the group fsync: enough threads to fill a group */
	const char *config = NULL, *vault = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--dev")) {
			c->dev = 1;
		} else if (!strcmp(a, "--dev-root-token-id") && next) {
			snprintf(c->dev_root_token, sizeof(c->dev_root_token), "%s", next);
			i++;
		} else if (!strcmp(a, "--dev-listen-address") && next) {
			snprintf(c->listen_addr, sizeof(c->listen_addr), "%s", next);
			i++;
		} else if (!strcmp(a, "--vault") && next) {
			vault = next;
			i++;
		} else if (!strcmp(a, "--config") && next) {
			config = next;
			i++;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "custos server: unknown argument '%.64s'\n%s", a, usage);
			return 2;
		}
	}
	if (c->dev == (config != NULL)) {
		fprintf(stderr, "custos server: give exactly one of --dev or --config FILE\n");
		return 2;
	}
	int rc;
	if (config) {
		if ((rc = server_config_load(c, config)) < 0 || (rc = start_configured(&st)) < 0) {
			fprintf(stderr, "custos server: %s\n", cst_errmsg());
			return cst_exit_status(rc);
		}
	} else {
		json_t *auth = NULL;
		if (vault)
			snprintf(c->vault_path, sizeof(c->vault_path), "%s", vault);
		if ((rc = open_dev_vault(&st, vault)) < 0 ||
		    (rc = cst_vault_root_token(&auth, st.vault, c->dev_root_token[0] ? c->dev_root_token : NULL)) < 0) {
			fprintf(stderr, "custos server: %s\n", cst_errmsg());
			return cst_exit_status(rc);
		}
		printf("custos dev server: in %s, unsealed, plain HTTP; do not use in production\n"
		       "Root Token: %s\nexport VAULT_ADDR=http://%s CUSTOS_ADDR=http://%s\n",
		       vault ? vault : "memory", json_string_value(json_object_get(auth, "client_token")),
		       c->listen_addr, c->listen_addr);
		fflush(stdout);
		json_decref(auth);
	}
	server_block_signals(); /* the sweeper inherits it: signals go to server_run */
	if (st.vault)
		cst_vault_set_ttls(st.vault, c->default_lease_ttl, c->max_lease_ttl);
	pthread_t sweep;
	pthread_create(&sweep, NULL, sweeper, &st);
	rc = server_run(&st);
	sweeper_stop = 1;
	pthread_join(sweep, NULL);
	if (rc < 0)
		fprintf(stderr, "custos server: %s\n", cst_errmsg());
	cst_vault_close(st.vault);
	return cst_exit_status(rc);
}
