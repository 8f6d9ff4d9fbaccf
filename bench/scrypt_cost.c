/* scrypt_cost.c - what one userpass password check costs at each scrypt
 * cost: the time of one hash on one thread, and the hashes per second of
 * THREADS threads at once (the server's ceiling for logins on this many
 * cores). Usage: scrypt_cost [RUNS] [THREADS]; prints one line per log_n. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "crypto/kdf.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct job {
	int log_n, count;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	unsigned char out[32];
	for (int i = 0; i < j->count; i++)
		if (cst_kdf_scrypt(out, 32, "correct horse battery", 21, "0123456789abcdef", 16,
		                   1ull << j->log_n, 8, 1) != 0)
			abort();
	return NULL;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 9, threads = argc > 2 ? atoi(argv[2]) : 2;
	if (runs < 1 || threads < 1 || threads > 64)
		return 2;
	printf("log_n  MiB  one_hash_ms(median)  min  max  hashes_per_s(%d threads)\n", threads);
	for (int log_n = 13; log_n <= 17; log_n++) {
		double t[64];
		struct job one = {log_n, 1};
		worker(&one); /* warm-up */
		for (int i = 0; i < runs && i < 64; i++) {
			double a = now();
			worker(&one);
			t[i] = (now() - a) * 1000;
		}
		qsort(t, (size_t)runs, sizeof(t[0]), cmp);
		pthread_t th[64];
		struct job many = {log_n, 4};
		double a = now();
		for (int i = 0; i < threads; i++)
			pthread_create(&th[i], NULL, worker, &many);
		for (int i = 0; i < threads; i++)
			pthread_join(th[i], NULL);
		double rate = threads * many.count / (now() - a);
		printf("%5d %4d %20.1f %4.1f %4.1f %10.1f\n", log_n, (128 << log_n) * 8 >> 20, t[runs / 2],
		       t[0], t[runs - 1], rate);
	}
	return 0;
}
