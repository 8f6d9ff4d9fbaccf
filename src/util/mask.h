/* mask.h - a streaming masker: replaces every occurrence of any of a set of
 * secret values in a byte stream with "*****", also when an occurrence is
 * split across writes (what `custos run --mask` does to a child's output,
 * as 1Password's `op run`).
 *
 * Matching is leftmost-longest and non-overlapping, over raw bytes. A
 * 4-byte filter (a 64 Kbit bitmap, then an exact table of 4-byte prefixes)
 * rejects almost every position at a few instructions a byte; candidates
 * are checked by binary search among the values sorted, so the cost does
 * not grow with the number of values. Bytes that may be the start of a
 * value are held back until the next feed decides them (never more than
 * the longest value less one byte); the end of the stream releases them. */
#ifndef CST_MASK_H
#define CST_MASK_H

#include <stddef.h>

#define CST_MASK_MIN 4         /* shorter values are not masked */
#define CST_MASK_TEXT "*****"  /* what a value becomes */

typedef struct cst_masker cst_masker;

/* A masker for n values (values[i] of lens[i] bytes, copied). Values
 * shorter than CST_MASK_MIN are ignored. Returns CST_OK or CST_ENOMEM. */
int cst_masker_new(cst_masker **out, const char *const *values, const size_t *lens, size_t n)
	__attribute__((warn_unused_result));

/* Wipes and frees. NULL is a no-op. */
void cst_masker_free(cst_masker *m);

/* Feeds len bytes of the stream. *out and *out_len give the masked bytes
 * now decided, valid until the next call. Returns CST_OK or CST_ENOMEM. */
int cst_masker_feed(cst_masker *m, const void *data, size_t len, const char **out, size_t *out_len)
	__attribute__((warn_unused_result));

/* Ends the stream: the bytes held back, masked where a value is complete.
 * The masker may then start a new stream. */
int cst_masker_finish(cst_masker *m, const char **out, size_t *out_len)
	__attribute__((warn_unused_result));

/* Bytes held back now (a possible start of a value). */
size_t cst_masker_held(const cst_masker *m);

/* The number of values in use (after dropping short ones and duplicates). */
size_t cst_masker_count(const cst_masker *m);

#endif
