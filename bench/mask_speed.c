/* mask_speed.c - the masker alone, in-process (src/util/mask.c): reads its
 * input whole from stdin, then masks it ROUNDS times in 64 KiB feeds (the
 * size `custos run --mask` reads) with the values of SECRETS_FILE (one a
 * line), and prints the median throughput and the masked output size.
 *
 *   build/bench/gen_output 256M secrets.txt | build/bench/mask_speed secrets.txt [ROUNDS]
 *
 * Under valgrind --tool=callgrind with a small input it gives instructions
 * per byte, a figure machine load does not move. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "custos.h"
#include "util/mask.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: mask_speed SECRETS_FILE [ROUNDS] < input\n");
		return 2;
	}
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	FILE *f = fopen(argv[1], "r");
	if (f == NULL || rounds < 1 || rounds > 100)
		return 1;
	char line[4096];
	const char **vals = NULL;
	size_t *lens = NULL, n = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		vals = realloc(vals, (n + 1) * sizeof(char *));
		lens = realloc(lens, (n + 1) * sizeof(size_t));
		if (vals == NULL || lens == NULL)
			return 1;
		vals[n] = strdup(line);
		lens[n++] = strlen(line);
	}
	fclose(f);
	size_t cap = 1 << 20, len = 0;
	char *in = malloc(cap);
	ssize_t r;
	while (in != NULL && (r = read(STDIN_FILENO, in + len, cap - len)) > 0)
		if ((len += (size_t)r) == cap)
			in = realloc(in, cap *= 2);
	if (in == NULL)
		return 1;
	cst_masker *m = NULL;
	if (cst_masker_new(&m, vals, lens, n) != CST_OK)
		return 1;
	double mbs[100];
	size_t out_total = 0;
	for (int k = 0; k < rounds; k++) {
		double t0 = now_s();
		const char *out;
		size_t on;
		out_total = 0;
		for (size_t i = 0; i < len; i += 65536) {
			if (cst_masker_feed(m, in + i, len - i < 65536 ? len - i : 65536, &out, &on) != CST_OK)
				return 1;
			out_total += on;
		}
		if (cst_masker_finish(m, &out, &on) != CST_OK)
			return 1;
		out_total += on;
		mbs[k] = (double)len / (now_s() - t0) / 1e6;
	}
	qsort(mbs, (size_t)rounds, sizeof(double), cmp_double);
	printf("mask_speed values=%zu input=%zu output=%zu rounds=%d median_MBps=%.0f min_MBps=%.0f "
	       "max_MBps=%.0f\n", cst_masker_count(m), len, out_total, rounds, mbs[rounds / 2], mbs[0],
	       mbs[rounds - 1]);
	cst_masker_free(m);
	return 0;
}
