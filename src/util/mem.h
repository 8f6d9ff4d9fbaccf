/* mem.h - wiping, constant-time comparison and allocation of secret memory. */
#ifndef CST_MEM_H
#define CST_MEM_H

#include <stddef.h>

/* Overwrites n bytes with zeros in a way the compiler may not elide. */
void cst_wipe(void *p, size_t n);

/* 1 if the two buffers are equal, else 0, in time independent of content. */
int cst_ct_equal(const void *a, const void *b, size_t n);

/* Frees a heap block after wiping it whole (malloc_usable_size bytes), so
 * the caller need not know its length. NULL is a no-op. */
void cst_free_wiped(void *p);

/* strdup whose copy is later released with cst_free_wiped. */
char *cst_strndup(const char *s, size_t n);

/* Makes jansson wipe every block it frees: secret values pass through JSON
 * objects, and this keeps them out of freed heap memory. Call once, early. */
void cst_mem_init_json(void);

/* Turns off core dumps for this process (RLIMIT_CORE 0, not dumpable), so a
 * crash cannot write keys or values to disk. */
void cst_mem_no_core_dumps(void);

/* Puts back the core-dump limit the process started with: for a process
 * about to exec another program, which should not inherit custos's. */
void cst_mem_core_dumps_restore(void);

#endif
