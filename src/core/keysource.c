/* keysource.c - finding, reading and creating the master key. */
#define _GNU_SOURCE
#include "core/keysource.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/limits.h"
#include "crypto/kdf.h"
#include "crypto/rand.h"
#include "custos/request.h"
#include "util/base64.h"
#include "util/file.h"
#include "util/mem.h"

#define ENV_MASTER_KEY "CUSTOS_MASTER_KEY"
#define DEFAULT_SCRYPT_LOG_N 16 /* 64 MiB, ~0.2 s here; see docs/security.md */

int cst_default_path(char *out, size_t n, const char *which, const char *file)
{
	int data = strcmp(which, "data") == 0;
	const char *xdg = getenv(data ? "XDG_DATA_HOME" : "XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int w;
	if (xdg != NULL && xdg[0] == '/')
		w = snprintf(out, n, "%s/custos/%s", xdg, file);
	else if (home != NULL && home[0] != '\0')
		w = snprintf(out, n, "%s/%s/custos/%s", home, data ? ".local/share" : ".config", file);
	else
		return cst_fail(CST_EINVAL, "neither XDG_%s_HOME nor HOME is set",
		                data ? "DATA" : "CONFIG");
	return w > 0 && (size_t)w < n ? CST_OK : cst_fail(CST_EINVAL, "path too long");
}

static int pick(char *out, size_t n, const char *given, const char *env, const char *which,
                const char *file)
{
	const char *p = given ? given : getenv(env);
	if (p != NULL && p[0] != '\0') {
		if (strlen(p) >= n)
			return cst_fail(CST_EINVAL, "path too long");
		strcpy(out, p);
		return CST_OK;
	}
	return cst_default_path(out, n, which, file);
}

int cst_vault_path(char *out, size_t n, const cst_open_opts *opts)
{
	return pick(out, n, opts ? opts->vault_path : NULL, "CUSTOS_VAULT", "data", "vault.db");
}

int cst_key_file_path(char *out, size_t n, const cst_open_opts *opts)
{
	return pick(out, n, opts ? opts->key_file : NULL, "CUSTOS_KEY_FILE", "config", "master.key");
}

/* Decodes base64 text (surrounding whitespace allowed) of exactly 32 bytes. */
static int decode_key(unsigned char *key, const char *text, size_t len, const char *what)
{
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		len--;
	while (len && (*text == ' ' || *text == '\n')) {
		text++;
		len--;
	}
	unsigned char raw[64];
	size_t n = 0;
	int ok = len <= 64 && cst_b64_decode(raw, &n, text, len, CST_B64_STD) == CST_OK &&
	         n == CST_KEY_LEN;
	if (ok)
		memcpy(key, raw, CST_KEY_LEN);
	cst_wipe(raw, sizeof(raw));
	return ok ? CST_OK
	          : cst_fail(CST_EINTEGRITY, "%s is not the base64 of a 32-byte key", what);
}

static int read_key_file(cst_keysource *ks, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return cst_fail(errno == ENOENT ? CST_ENOTFOUND : CST_EIO,
		                "cannot open key file %s: %s", path, strerror(errno));
	struct stat st;
	char text[128];
	ssize_t n = -1;
	int rc = CST_OK;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		rc = cst_fail(CST_EIO, "key file %s is not a regular file", path);
	else if (st.st_mode & 077)
		rc = cst_fail(CST_EPERM, "key file %s is readable by others (run: chmod 600 %s)", path,
		              path);
	else if ((n = read(fd, text, sizeof(text) - 1)) < 0)
		rc = cst_fail(CST_EIO, "cannot read key file %s: %s", path, strerror(errno));
	close(fd);
	if (rc == CST_OK) {
		rc = decode_key(ks->key, text, (size_t)n, "key file");
		if (rc < 0)
			rc = cst_fail(rc, "key file %s is damaged: not the base64 of a 32-byte key", path);
	}
	cst_wipe(text, sizeof(text));
	snprintf(ks->desc, sizeof(ks->desc), "key file %.300s", path);
	return rc;
}

static int load_raw_key(cst_keysource *ks, const cst_open_opts *opts)
{
	const char *env = getenv(ENV_MASTER_KEY);
	if (env != NULL && env[0] != '\0') {
		snprintf(ks->desc, sizeof(ks->desc), "env %s", ENV_MASTER_KEY);
		return decode_key(ks->key, env, strlen(env), ENV_MASTER_KEY);
	}
	char path[4096];
	int rc = cst_key_file_path(path, sizeof(path), opts);
	return rc < 0 ? rc : read_key_file(ks, path);
}

/* The passphrase from opts: given bytes, or the first line of a file. */
static int get_passphrase(cst_buf *out, const cst_open_opts *opts)
{
	const char *file = opts ? opts->passphrase_file : NULL;
	if (file == NULL)
		file = getenv("CUSTOS_PASSPHRASE_FILE");
	if (opts && opts->passphrase)
		return cst_buf_put(out, opts->passphrase, opts->passphrase_len);
	if (file == NULL)
		return cst_fail(CST_ESEALED, "vault is sealed by a passphrase: give --passphrase-file "
		                             "or type it at the prompt");
	int rc = cst_file_read(out, file);
	if (rc < 0)
		return rc;
	char *nl = memchr(out->ptr, '\n', out->len);
	if (nl != NULL) {
		out->len = (size_t)(nl - out->ptr);
		if (out->len && out->ptr[out->len - 1] == '\r')
			out->len--;
		cst_wipe(out->ptr + out->len, out->cap - out->len);
	}
	return CST_OK;
}

static int scrypt_key(cst_keysource *ks, const cst_open_opts *opts, const unsigned char *salt,
                      size_t salt_len, int log_n, int r, int p)
{
	cst_buf pass = CST_BUF_INIT;
	int rc = get_passphrase(&pass, opts);
	if (rc == CST_OK && pass.len == 0)
		rc = cst_fail(CST_EINVAL, "empty passphrase");
	if (rc == CST_OK && pass.len > CST_LIMIT_PASSPHRASE)
		rc = cst_fail(CST_EINVAL, "passphrase longer than %d bytes", CST_LIMIT_PASSPHRASE);
	if (rc == CST_OK)
		rc = cst_kdf_scrypt(ks->key, CST_KEY_LEN, pass.ptr, pass.len, salt, salt_len,
		                    1ull << log_n, (uint32_t)r, (uint32_t)p);
	snprintf(ks->desc, sizeof(ks->desc), "passphrase (scrypt N=2^%d)", log_n);
	cst_buf_release(&pass);
	return rc;
}

int cst_keysource_load(cst_keysource *out, const cst_open_opts *opts, const json_t *seal)
{
	memset(out, 0, sizeof(*out));
	const char *source = json_string_value(json_object_get(seal, "source"));
	if (source != NULL && strcmp(source, "key") == 0)
		return load_raw_key(out, opts);
	if (source != NULL && strcmp(source, "shamir") == 0)
		return cst_fail(CST_ESEALED, "vault is sealed by Shamir unseal keys: start 'custos "
		                             "server' and unseal it with 'custos operator unseal'");
	if (source == NULL || strcmp(source, "passphrase") != 0)
		return cst_fail(CST_EINTEGRITY, "vault seal record names an unknown key source");
	json_t *kdf = json_object_get(seal, "kdf");
	const char *salt_b64 = json_string_value(json_object_get(kdf, "salt"));
	json_int_t log_n = json_integer_value(json_object_get(kdf, "log_n"));
	json_int_t r = json_integer_value(json_object_get(kdf, "r"));
	json_int_t p = json_integer_value(json_object_get(kdf, "p"));
	unsigned char salt[64];
	size_t salt_len = 0;
	if (salt_b64 == NULL || strlen(salt_b64) > 80 || log_n < 10 || log_n > 22 || r < 1 ||
	    r > 32 || p < 1 || p > 16 ||
	    cst_b64_decode(salt, &salt_len, salt_b64, strlen(salt_b64), CST_B64_STD) < 0)
		return cst_fail(CST_EINTEGRITY, "vault seal record has bad scrypt parameters");
	return scrypt_key(out, opts, salt, salt_len, (int)log_n, (int)r, (int)p);
}

static int env_log_n(void)
{
	const char *s = getenv("CUSTOS_SCRYPT_LOG_N");
	int v = s ? atoi(s) : DEFAULT_SCRYPT_LOG_N;
	return v >= 10 && v <= 22 ? v : DEFAULT_SCRYPT_LOG_N;
}

static int create_passphrase_seal(cst_keysource *ks, json_t **out_seal, const cst_open_opts *opts)
{
	unsigned char salt[32];
	char salt_b64[64];
	int log_n = env_log_n();
	int rc = cst_rand_bytes(salt, sizeof(salt));
	if (rc == CST_OK)
		rc = scrypt_key(ks, opts, salt, sizeof(salt), log_n, 8, 1);
	if (rc < 0)
		return rc;
	cst_b64_encode(salt_b64, salt, sizeof(salt), CST_B64_STD);
	*out_seal = json_pack("{s:i, s:s, s:{s:s, s:s, s:i, s:i, s:i}}", "version", 1, "source",
	                      "passphrase", "kdf", "alg", "scrypt", "salt", salt_b64, "log_n", log_n,
	                      "r", 8, "p", 1);
	return *out_seal ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
}

static int create_key_file(cst_keysource *ks, int *created, const char *path)
{
	int rc = read_key_file(ks, path);
	if (rc != CST_ENOTFOUND) /* reuse an existing key; never overwrite one */
		return rc;
	char text[64];
	if ((rc = cst_rand_bytes(ks->key, CST_KEY_LEN)) < 0)
		return rc;
	size_t n = cst_b64_encode(text, ks->key, CST_KEY_LEN, CST_B64_STD);
	text[n++] = '\n';
	if ((rc = cst_file_mkparents(path)) == CST_OK &&
	    (rc = cst_file_create(path, text, n)) == CST_OK)
		*created = 1;
	cst_wipe(text, sizeof(text));
	snprintf(ks->desc, sizeof(ks->desc), "key file %.300s", path);
	return rc;
}

int cst_keysource_create(cst_keysource *out, json_t **out_seal, int *out_created_file,
                         const cst_open_opts *opts, unsigned flags)
{
	memset(out, 0, sizeof(*out));
	*out_seal = NULL;
	*out_created_file = 0;
	if (flags & CST_INIT_PASSPHRASE)
		return create_passphrase_seal(out, out_seal, opts);
	const char *env = getenv(ENV_MASTER_KEY);
	int rc;
	if (env != NULL && env[0] != '\0') {
		rc = load_raw_key(out, opts);
	} else {
		char path[4096];
		rc = cst_key_file_path(path, sizeof(path), opts);
		if (rc == CST_OK)
			rc = create_key_file(out, out_created_file, path);
	}
	if (rc == CST_OK) {
		*out_seal = json_pack("{s:i, s:s}", "version", 1, "source", "key");
		if (*out_seal == NULL)
			rc = cst_fail(CST_ENOMEM, "out of memory");
	}
	return rc;
}

void cst_keysource_release(cst_keysource *ks)
{
	cst_wipe(ks->key, sizeof(ks->key));
}
