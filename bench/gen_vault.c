/* gen_vault.c - builds a benchmark vault of N secrets through the public
 * API: one cst_vault_request (a KV v2 write) per secret, in one process.
 *
 *   CUSTOS_MASTER_KEY=... build/bench/gen_vault VAULT N
 *   build/bench/gen_vault --key-file FILE VAULT N
 *   build/bench/gen_vault --name I N            (prints secret I's name)
 *   build/bench/gen_vault --print N             (prints "name type value" lines)
 *
 * Secret i (0 <= i < N) is named team-NN/svc-NNNNNN (NN = i % 100, the six
 * digits are i) and has one field, api_key, of 40 to 60 bytes. Types rotate
 * among api_key, openai (sk-proj-...) and anthropic (sk-ant-api03-...), so
 * every write goes through the credential validator as a real one would.
 * Values come from a fixed-seed generator: the same N gives the same names
 * and values, not the same ciphertext.
 *
 * The vault is opened with CST_OPEN_BULK (SQLite synchronous=OFF): this is
 * a bulk load, not a durable write path. The master key comes from
 * $CUSTOS_MASTER_KEY when set, else from --key-file (created if missing,
 * as `custos init` does). The vault file must not exist.
 *
 * Progress goes to stderr; the last stdout line is
 *   gen_vault n=N secs=S per_secret_us=U file_bytes=B
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "custos.h"
#include "custos/request.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* splitmix64: a fixed, seedable sequence; these are fake keys. */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void secret_name(char *out, size_t n, unsigned long i)
{
	snprintf(out, n, "team-%02lu/svc-%06lu", i % 100, i);
}

/* The value of secret i: a prefix by type, then base62 up to 40..60 bytes. */
static const char *secret_value(char *out, unsigned long i, const char **type)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static const char *const types[] = {"api_key", "openai", "anthropic"};
	static const char *const prefixes[] = {"", "sk-proj-", "sk-ant-api03-"};
	uint64_t s = 0x637573746f73ull ^ ((uint64_t)i * 0x100000001b3ull);
	size_t len = 40 + (size_t)(mix(&s) % 21);
	*type = types[i % 3];
	size_t p = strlen(prefixes[i % 3]);
	memcpy(out, prefixes[i % 3], p);
	for (; p < len; p++)
		out[p] = alphabet[mix(&s) % 62];
	out[len] = '\0';
	return out;
}

static unsigned long parse_count(const char *s)
{
	char *end = NULL;
	unsigned long v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v == 0 || v > 10000000) {
		fprintf(stderr, "gen_vault: N must be 1..10000000, not '%s'\n", s);
		exit(2);
	}
	return v;
}

static int usage(void)
{
	fprintf(stderr, "usage: gen_vault [--key-file FILE] VAULT N\n"
	                "       gen_vault --name I N\n"
	                "       gen_vault --print N\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *key_file = NULL;
	char name[64];
	int a = 1;
	if (argc == 4 && strcmp(argv[1], "--name") == 0) {
		unsigned long i = strtoul(argv[2], NULL, 10), n = parse_count(argv[3]);
		secret_name(name, sizeof(name), i % n);
		puts(name);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--print") == 0) {
		/* The same names and values, for loading a peer (pass) alike. */
		char value[64];
		const char *type;
		unsigned long n = parse_count(argv[2]);
		for (unsigned long i = 0; i < n; i++) {
			secret_name(name, sizeof(name), i);
			secret_value(value, i, &type);
			printf("%s %s %s\n", name, type, value);
		}
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "--key-file") == 0) {
		key_file = argv[2];
		a = 3;
	}
	if (argc - a != 2)
		return usage();
	const char *path = argv[a];
	unsigned long n = parse_count(argv[a + 1]);
	if (getenv("CUSTOS_MASTER_KEY") == NULL && key_file == NULL) {
		fprintf(stderr, "gen_vault: set CUSTOS_MASTER_KEY or pass --key-file\n");
		return 2;
	}

	cst_open_opts opts = {0};
	opts.vault_path = path;
	opts.key_file = key_file;
	opts.flags = CST_OPEN_BULK;
	cst_vault *v = NULL;
	int rc = cst_vault_init(&v, &opts, 0);
	if (rc != CST_OK) {
		fprintf(stderr, "gen_vault: init %s: %s (%s)\n", path, cst_strerror(rc), cst_errmsg());
		return cst_exit_status(rc);
	}

	char req_path[96], value[64];
	json_t *body = json_object(), *data = json_object();
	json_object_set_new(body, "data", data);
	double t0 = now_s(), last = t0;
	unsigned long step = n >= 10 ? n / 10 : 1;
	for (unsigned long i = 0; i < n; i++) {
		const char *type;
		secret_name(name, sizeof(name), i);
		snprintf(req_path, sizeof(req_path), "secret/data/%s", name);
		json_object_set_new(data, "api_key", json_string(secret_value(value, i, &type)));
		json_object_set_new(body, "type", json_string(type));
		cst_request req = {.op = CST_OP_CREATE, .path = req_path, .data = body};
		cst_response resp;
		rc = cst_vault_request(v, &req, &resp);
		cst_response_release(&resp);
		if (rc != CST_OK) {
			fprintf(stderr, "gen_vault: write %s: %s (%s)\n", name, cst_strerror(rc),
			        cst_errmsg());
			json_decref(body);
			cst_vault_close(v);
			return cst_exit_status(rc);
		}
		if ((i + 1) % step == 0) {
			double t = now_s();
			fprintf(stderr, "gen_vault: %lu/%lu secrets, %.1f s (last %lu: %.1f us each)\n",
			        i + 1, n, t - t0, step, (t - last) * 1e6 / (double)step);
			last = t;
		}
	}
	json_decref(body);
	cst_vault_close(v); /* checkpoints the WAL into the file */
	double secs = now_s() - t0;
	struct stat st;
	long long size = stat(path, &st) == 0 ? (long long)st.st_size : -1;
	printf("gen_vault n=%lu secs=%.1f per_secret_us=%.1f file_bytes=%lld\n", n, secs,
	       secs * 1e6 / (double)n, size);
	return 0;
}
