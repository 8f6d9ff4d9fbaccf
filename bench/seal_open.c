/* seal_open.c - in-process cost of one seal + one open of a sealed value,
 * the envelope every stored value goes through (src/core/sealed.h).
 *
 *   build/bench/seal_open [-b BYTES] [-n ITERATIONS] [-r RUNS]
 *
 * Each iteration seals BYTES (default 1024) of plaintext under a fixed
 * 32-byte key and a fixed storage path (a fresh random nonce per seal, as
 * in the vault), then parses and opens the result and checks it. After one
 * untimed warm-up run it times RUNS runs (default 7) of ITERATIONS each
 * (default 200000) with CLOCK_MONOTONIC and prints one line per run, then
 *
 *   seal_open bytes=1024 runs=7 iters=200000 median_ops=... min_ops=... max_ops=... median_ns=... first_us=...
 *
 * where one op is one seal plus one open, and first_us is the very first
 * seal+open of the process: it includes OpenSSL's initialisation, the
 * AES-256-GCM fetch and the DRBG's seeding, which a one-shot CLI process
 * such as `custos get` pays once per run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sealed.h"
#include "custos.h"
#include "util/buf.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static unsigned long parse_num(const char *s, const char *what)
{
	char *end = NULL;
	unsigned long v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v == 0) {
		fprintf(stderr, "seal_open: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

/* One run of n seal+open pairs; returns seconds, or a negative value on a
 * failure (which must not happen: the bench checks what it measures). */
static double run(unsigned long n, const unsigned char *key, const char *path,
                  const unsigned char *pt, size_t len, cst_buf *sealed, cst_buf *opened)
{
	double t0 = now_s();
	for (unsigned long i = 0; i < n; i++) {
		cst_sealed_view v;
		if (cst_sealed_seal(sealed, key, 1, path, pt, len) != CST_OK ||
		    cst_sealed_parse(&v, (const unsigned char *)sealed->ptr, sealed->len) != CST_OK ||
		    cst_sealed_open(opened, key, &v, path) != CST_OK || opened->len != len) {
			fprintf(stderr, "seal_open: iteration %lu failed: %s\n", i, cst_errmsg());
			return -1;
		}
	}
	double t = now_s() - t0;
	if (memcmp(opened->ptr, pt, len) != 0) {
		fprintf(stderr, "seal_open: round trip changed the value\n");
		return -1;
	}
	return t;
}

int main(int argc, char **argv)
{
	unsigned long bytes = 1024, iters = 200000, runs = 7;
	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "-b") == 0)
			bytes = parse_num(argv[++i], "byte count");
		else if (i + 1 < argc && strcmp(argv[i], "-n") == 0)
			iters = parse_num(argv[++i], "iteration count");
		else if (i + 1 < argc && strcmp(argv[i], "-r") == 0)
			runs = parse_num(argv[++i], "run count");
		else {
			fprintf(stderr, "usage: seal_open [-b BYTES] [-n ITERATIONS] [-r RUNS]\n");
			return 2;
		}
	}
	if (bytes > 1024 * 1024 || runs > 101) {
		fprintf(stderr, "seal_open: at most 1 MiB and 101 runs\n");
		return 2;
	}
	unsigned char key[32];
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)(0xa5 ^ i);
	/* A storage path shaped like a real version key. */
	const char *path = "logical/0123456789abcdef/v/team-07/svc-000042#0000000001";
	unsigned char *pt = malloc(bytes);
	if (pt == NULL)
		return 1;
	for (size_t i = 0; i < bytes; i++)
		pt[i] = (unsigned char)('a' + i % 26);
	cst_buf sealed = CST_BUF_INIT, opened = CST_BUF_INIT;
	double secs[101];
	double first = run(1, key, path, pt, bytes, &sealed, &opened);
	if (first < 0)
		return 1;
	/* Warm-up: page in code and buffers, fetch the cipher, seed the DRBG. */
	if (run(iters / 10 + 1, key, path, pt, bytes, &sealed, &opened) < 0)
		return 1;
	for (unsigned long r = 0; r < runs; r++) {
		if ((secs[r] = run(iters, key, path, pt, bytes, &sealed, &opened)) < 0)
			return 1;
		printf("run %lu: %.0f ops/s (%.0f ns per seal+open)\n", r + 1, (double)iters / secs[r],
		       secs[r] * 1e9 / (double)iters);
	}
	qsort(secs, runs, sizeof(secs[0]), cmp_double);
	double med = runs % 2 ? secs[runs / 2] : (secs[runs / 2 - 1] + secs[runs / 2]) / 2;
	printf("seal_open bytes=%lu runs=%lu iters=%lu median_ops=%.0f min_ops=%.0f max_ops=%.0f "
	       "median_ns=%.0f first_us=%.0f\n",
	       bytes, runs, iters, (double)iters / med, (double)iters / secs[runs - 1],
	       (double)iters / secs[0], med * 1e9 / (double)iters, first * 1e6);
	cst_buf_release(&sealed);
	cst_buf_release(&opened);
	free(pt);
	return 0;
}
