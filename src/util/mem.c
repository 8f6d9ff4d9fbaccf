/* mem.c - wiping and comparing secret memory; core-dump refusal. */
#define _GNU_SOURCE
#include "util/mem.h"

#include <jansson.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

void cst_wipe(void *p, size_t n)
{
	if (p == NULL || n == 0)
		return;
	explicit_bzero(p, n);
}

int cst_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(x[i] ^ y[i]);
	return d == 0;
}

void cst_free_wiped(void *p)
{
	if (p == NULL)
		return;
	cst_wipe(p, malloc_usable_size(p));
	free(p);
}

char *cst_strndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void cst_mem_init_json(void)
{
	json_set_alloc_funcs(malloc, cst_free_wiped);
}

/* The soft limit the process started with, for programs custos execs. */
static struct rlimit core_at_start;
static int core_saved;

void cst_mem_no_core_dumps(void)
{
	struct rlimit rl = {0, 0};
	/* Only the soft limit goes to 0 when it can be put back (the hard limit
	 * stays), so `custos run` hands its child the limits it was given. */
	if (getrlimit(RLIMIT_CORE, &core_at_start) == 0) {
		core_saved = 1;
		rl.rlim_max = core_at_start.rlim_max;
	}
	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

void cst_mem_core_dumps_restore(void)
{
	if (core_saved)
		(void)setrlimit(RLIMIT_CORE, &core_at_start);
}
