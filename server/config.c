/* config.c - the server configuration file: a subset of Vault's syntax,
 * parsed by the same HCL parser as policies (src/util/hcl.c).
 *
 *   storage "sqlite" { path = "/var/lib/custos/vault.db" }
 *   listener "tcp" {
 *     address = "127.0.0.1:8200"
 *     tls_cert_file = "/etc/custos/tls.crt"  tls_key_file = "/etc/custos/tls.key"
 *     tls_disable = false           # TLS is on unless this says true
 *     max_request_size = 1048576    # body cap, bytes
 *     max_connections = 1024        # custos: concurrent connections
 *     timeout = "30s"               # custos: idle or slow client
 *     http_threads = 1              # custos: event-loop threads (default cores - 1)
 *   }
 *   api_addr = "https://custos.example:8200"
 *   default_lease_ttl = "768h"
 *   max_lease_ttl = "768h"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "server.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/hcl.h"
#include "util/timefmt.h"

static int truthy(const json_t *v)
{
	if (json_is_boolean(v))
		return json_is_true(v);
	const char *s = json_string_value(v);
	return s && (!strcmp(s, "true") || !strcmp(s, "1"));
}

static int copy_string(char *out, size_t n, const json_t *v, const char *what)
{
	if (v == NULL)
		return CST_OK;
	if (!json_is_string(v) || json_string_length(v) >= n)
		return cst_fail(CST_EINVAL, "config: %s must be a string", what);
	snprintf(out, n, "%s", json_string_value(v));
	return CST_OK;
}

static int number(int64_t *out, const json_t *v, const char *what)
{
	if (v == NULL)
		return CST_OK;
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		return *out = json_integer_value(v), CST_OK;
	if (json_is_string(v) && cst_duration_parse(out, json_string_value(v)) == CST_OK)
		return CST_OK;
	return cst_fail(CST_EINVAL, "config: %s must be a number or a duration", what);
}

static int listener(server_config *c, const json_t *l)
{
	int64_t body = (int64_t)c->max_body, conns = c->max_connections, timeout = c->conn_timeout_s;
	int rc;
	if (!json_is_object(l))
		return cst_fail(CST_EINVAL, "config: listener \"tcp\" must be a block");
	if ((rc = copy_string(c->listen_addr, sizeof(c->listen_addr), json_object_get(l, "address"),
	                      "listener address")) < 0 ||
	    (rc = copy_string(c->tls_cert, sizeof(c->tls_cert), json_object_get(l, "tls_cert_file"),
	                      "tls_cert_file")) < 0 ||
	    (rc = copy_string(c->tls_key, sizeof(c->tls_key), json_object_get(l, "tls_key_file"),
	                      "tls_key_file")) < 0 ||
	    (rc = number(&body, json_object_get(l, "max_request_size"), "max_request_size")) < 0 ||
	    (rc = number(&conns, json_object_get(l, "max_connections"), "max_connections")) < 0 ||
	    (rc = number(&timeout, json_object_get(l, "timeout"), "timeout")) < 0)
		return rc;
	c->tls = !truthy(json_object_get(l, "tls_disable"));
	if (c->tls && (!c->tls_cert[0] || !c->tls_key[0]))
		return cst_fail(CST_EINVAL, "config: listener needs tls_cert_file and tls_key_file, or "
		                            "tls_disable = true");
	if (body < 1024 || conns < 1 || timeout < 1)
		return cst_fail(CST_EINVAL, "config: listener limits are too small");
	const json_t *ht = json_object_get(l, "http_threads");
	if (ht != NULL) {
		if (!json_is_integer(ht) || json_integer_value(ht) < 1 || json_integer_value(ht) > 64)
			return cst_fail(CST_EINVAL, "config: http_threads must be a whole number from 1 to 64");
		c->http_threads = (unsigned)json_integer_value(ht);
	}
	c->max_body = (size_t)body;
	c->max_connections = (unsigned)conns;
	c->conn_timeout_s = (unsigned)timeout;
	return CST_OK;
}

int server_config_load(server_config *c, const char *path)
{
	cst_buf text = CST_BUF_INIT;
	json_t *doc = NULL;
	int rc = cst_file_read(&text, path);
	if (rc == CST_OK)
		rc = cst_hcl_parse(&doc, text.ptr, text.len, path);
	cst_buf_release(&text);
	if (rc < 0)
		return rc;
	json_t *sqlite = json_object_get(json_object_get(doc, "storage"), "sqlite");
	json_t *tcp = json_object_get(json_object_get(doc, "listener"), "tcp");
	if (json_is_array(tcp)) /* several listeners: custos serves the first */
		tcp = json_array_get(tcp, 0);
	if (!json_is_object(sqlite) || !json_is_string(json_object_get(sqlite, "path")))
		rc = cst_fail(CST_EINVAL, "config: needs storage \"sqlite\" { path = \"...\" }");
	else if (tcp == NULL)
		rc = cst_fail(CST_EINVAL, "config: needs a listener \"tcp\" block");
	if (rc == CST_OK)
		rc = copy_string(c->vault_path, sizeof(c->vault_path), json_object_get(sqlite, "path"),
		                 "storage path");
	if (rc == CST_OK)
		rc = listener(c, tcp);
	if (rc == CST_OK)
		rc = copy_string(c->api_addr, sizeof(c->api_addr), json_object_get(doc, "api_addr"),
		                 "api_addr");
	if (rc == CST_OK)
		rc = number(&c->default_lease_ttl, json_object_get(doc, "default_lease_ttl"),
		            "default_lease_ttl");
	if (rc == CST_OK)
		rc = number(&c->max_lease_ttl, json_object_get(doc, "max_lease_ttl"), "max_lease_ttl");
	json_decref(doc);
	return rc;
}
