/* server.h - what the files of custos-server share: the configuration,
 * the server state (vault, seal progress, limits) and the HTTP helpers.
 * Only http.c includes microhttpd.h: respond.h and translate.h stand alone,
 * so the fuzz targets link respond.c and translate.c without it. */
#ifndef CST_SERVER_H
#define CST_SERVER_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>

#include "custos.h"
#include "custos/request.h"
#include "respond.h"

typedef struct server_config {
	char listen_addr[128];   /* "127.0.0.1:8200" */
	int tls;                 /* listener tls_disable = false */
	char tls_cert[1024], tls_key[1024];
	char vault_path[4096];   /* storage "sqlite" path; "" = memory (dev) */
	char api_addr[256];
	size_t max_body;         /* request body cap, bytes (default 1 MiB) */
	unsigned max_connections;
	unsigned conn_timeout_s; /* idle/slow client timeout */
	unsigned threads;        /* workers: requests that may block */
	unsigned http_threads;   /* listener http_threads; 0: one fewer than the cores */
	int64_t default_lease_ttl, max_lease_ttl;
	/* dev mode */
	int dev;
	char dev_root_token[128];
} server_config;

typedef struct server_state {
	server_config cfg;
	/* Attached, sealed or unsealed; NULL until sys/init made it. Set by
	 * a worker (sys/init), read by every thread. */
	cst_vault *_Atomic vault;
	int initialized;
	/* unseal progress (Shamir) */
	pthread_mutex_t unseal_lock;
	unsigned char *unseal_parts[256];
	size_t unseal_count, unseal_len;
	char unseal_nonce[40];
	json_t *seal_record;     /* copy, for seal-status */
} server_state;

/* Loads the HCL config file into cfg. */
int server_config_load(server_config *cfg, const char *path);

/* Runs the HTTP daemon until SIGTERM/SIGINT, then drains and returns. */
int server_run(server_state *st);

/* Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and the
 * threads it starts after), for server_run's sigwait; ignores SIGPIPE.
 * Call before starting any thread. */
void server_block_signals(void);

/* Routes handled before the vault (bare JSON, unauthenticated or seal-related):
 * sys/health, sys/seal-status, sys/init, sys/unseal, sys/seal, sys/leader.
 * Returns 1 and fills *status and *out_body when it handled the path. */
int server_sys_special(server_state *st, const char *method, const char *path,
                       json_t *body, json_t *query, const char *token, const char *client,
                       int *status, char **out_body);

#endif
