/* mask.c - the streaming masker (mask.h). The values live sorted in one
 * wiped block; the stream passes through a work buffer holding the bytes
 * held back from the last feed followed by up to CHUNK new bytes. */
#include "util/mask.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "util/mem.h"

#define CHUNK (64 * 1024)
#define FILTER_BITS 16

typedef struct pattern {
	const unsigned char *p;
	size_t len;
} pattern;

typedef struct range {
	uint32_t key;    /* 4 bytes of the text at some offset */
	uint32_t lo, hi; /* patterns[lo..hi) have them there; hi == 0: an empty slot */
} range;

/* The patterns that start with one 4-byte prefix. When there are many
 * (1,000 OpenAI keys all start "sk-proj-") they are indexed again by the
 * 4 bytes after the prefix they all share, so a near miss costs a memcmp
 * and a probe, not a binary search. */
typedef struct slot {
	range r;
	uint32_t common;   /* bytes every pattern of r shares (>= 4) */
	range *sub;        /* NULL, or open addressing over sub_mask + 1 slots */
	uint32_t sub_mask;
	uint32_t *shorts;  /* patterns of r too short for the second key */
	uint32_t n_shorts;
} slot;

#define SUB_MIN 9 /* patterns in a slot before it gets a second index */

struct cst_masker {
	pattern *pats;        /* sorted by bytes, shorter first on a tie; no duplicates */
	size_t n;
	size_t maxlen;
	unsigned char *arena; /* the values' bytes; wiped */
	size_t arena_len;
	uint8_t filter[(1u << FILTER_BITS) / 8];
	slot *table;
	size_t table_mask;
	unsigned char *work;  /* held-back bytes, then new input */
	size_t work_cap, held;
	char *out;            /* masked output of the current call */
	size_t out_len, out_cap;
};

static uint32_t load32(const unsigned char *p)
{
	uint32_t w;
	memcpy(&w, p, 4);
	return w;
}

/* The 8-byte fast path reads 4-byte windows as a little-endian load does. */
static int little_endian(void)
{
	const uint16_t one = 1;
	return *(const unsigned char *)&one == 1;
}

static uint32_t filter_hash(uint32_t w)
{
	return (w * 0x9E3779B1u) >> (32 - FILTER_BITS);
}

static size_t slot_of(uint32_t w, size_t mask)
{
	return (size_t)((w * 0x85EBCA6Bu) >> 7) & mask;
}

static int pattern_cmp(const void *a, const void *b)
{
	const pattern *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);
	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static void free_wiped(void *p, size_t n)
{
	if (p != NULL) {
		cst_wipe(p, n);
		free(p);
	}
}

void cst_masker_free(cst_masker *m)
{
	if (m == NULL)
		return;
	free_wiped(m->arena, m->arena_len);
	free_wiped(m->work, m->work_cap);
	free_wiped(m->out, m->out_cap);
	free(m->pats);
	for (size_t i = 0; m->table && i <= m->table_mask; i++) {
		free(m->table[i].sub);
		free(m->table[i].shorts);
	}
	free(m->table);
	cst_wipe(m, sizeof(*m));
	free(m);
}

static size_t common_prefix(const pattern *a, const pattern *b)
{
	size_t n = 0;
	while (n < a->len && n < b->len && a->p[n] == b->p[n])
		n++;
	return n;
}

/* Finds key in an open-addressing table of ranges; NULL if absent. */
static const range *find_range(const range *t, size_t stride, size_t mask, uint32_t key)
{
	for (size_t k = slot_of(key, mask);; k = (k + 1) & mask) {
		const range *r = (const range *)((const char *)t + k * stride);
		if (r->hi == 0 || r->key == key)
			return r->hi ? r : NULL;
	}
}

static range *free_slot(range *t, size_t stride, size_t mask, uint32_t key)
{
	size_t k = slot_of(key, mask);
	while (((range *)((char *)t + k * stride))->hi != 0)
		k = (k + 1) & mask;
	return (range *)((char *)t + k * stride);
}

/* The second index of a slot with many patterns. */
static int build_sub(cst_masker *m, slot *sl)
{
	size_t lo = sl->r.lo, hi = sl->r.hi, c = sl->common, size = 16;
	while (size < (hi - lo) * 2)
		size *= 2;
	sl->sub = calloc(size, sizeof(range));
	sl->shorts = malloc((hi - lo) * sizeof(uint32_t));
	if (sl->sub == NULL || sl->shorts == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	sl->sub_mask = (uint32_t)(size - 1);
	for (size_t i = lo; i < hi;) {
		if (m->pats[i].len < c + 4) {
			sl->shorts[sl->n_shorts++] = (uint32_t)i++;
			continue;
		}
		/* Equal second keys are contiguous: they share c + 4 bytes. */
		uint32_t key = load32(m->pats[i].p + c);
		size_t j = i + 1;
		while (j < hi && m->pats[j].len >= c + 4 && load32(m->pats[j].p + c) == key)
			j++;
		*free_slot(sl->sub, sizeof(range), sl->sub_mask, key) = (range){key, (uint32_t)i, (uint32_t)j};
		i = j;
	}
	return CST_OK;
}

static int build_index(cst_masker *m)
{
	size_t size = 16;
	while (size < m->n * 2)
		size *= 2;
	m->table = calloc(size, sizeof(slot));
	if (m->table == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	m->table_mask = size - 1;
	for (size_t i = 0; i < m->n;) {
		uint32_t key = load32(m->pats[i].p);
		size_t j = i + 1;
		while (j < m->n && load32(m->pats[j].p) == key)
			j++;
		slot *sl = (slot *)free_slot(&m->table[0].r, sizeof(slot), m->table_mask, key);
		sl->r = (range){key, (uint32_t)i, (uint32_t)j};
		/* Sorted: what the first and last share, all share. */
		sl->common = (uint32_t)common_prefix(&m->pats[i], &m->pats[j - 1]);
		if (j - i >= SUB_MIN && build_sub(m, sl) < 0)
			return CST_ENOMEM;
		uint32_t h = filter_hash(key);
		m->filter[h >> 3] |= (uint8_t)(1u << (h & 7));
		i = j;
	}
	return CST_OK;
}

int cst_masker_new(cst_masker **out, const char *const *values, const size_t *lens, size_t n)
{
	*out = NULL;
	cst_masker *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	int rc = CST_OK;
	for (size_t i = 0; i < n; i++)
		if (lens[i] >= CST_MASK_MIN)
			m->arena_len += lens[i];
	m->arena = malloc(m->arena_len ? m->arena_len : 1);
	m->pats = malloc((n ? n : 1) * sizeof(pattern));
	if (m->arena == NULL || m->pats == NULL) {
		rc = cst_fail(CST_ENOMEM, "out of memory");
		goto done;
	}
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		if (lens[i] < CST_MASK_MIN)
			continue;
		memcpy(m->arena + off, values[i], lens[i]);
		m->pats[m->n++] = (pattern){m->arena + off, lens[i]};
		off += lens[i];
	}
	qsort(m->pats, m->n, sizeof(pattern), pattern_cmp);
	size_t kept = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (kept && pattern_cmp(&m->pats[kept - 1], &m->pats[i]) == 0)
			continue;
		m->pats[kept++] = m->pats[i];
		if (m->pats[i].len > m->maxlen)
			m->maxlen = m->pats[i].len;
	}
	m->n = kept;
	if ((rc = build_index(m)) < 0)
		goto done;
	m->work_cap = m->maxlen + CHUNK;
	m->out_cap = 2 * m->work_cap;
	m->work = malloc(m->work_cap);
	m->out = malloc(m->out_cap);
	if (m->work == NULL || m->out == NULL)
		rc = cst_fail(CST_ENOMEM, "out of memory");
done:
	if (rc < 0)
		cst_masker_free(m);
	else
		*out = m;
	return rc;
}

size_t cst_masker_held(const cst_masker *m)
{
	return m->held;
}

size_t cst_masker_count(const cst_masker *m)
{
	return m->n;
}

/* Compares pattern p with the a bytes of text t, a longer pattern whose
 * first a bytes are t counting as greater. */
static int cmp_text(const pattern *p, const unsigned char *t, size_t a)
{
	int c = memcmp(p->p, t, p->len < a ? p->len : a);
	if (c != 0)
		return c;
	return p->len < a ? -1 : p->len > a;
}

/* The first pattern of [lo, hi) greater than t[0..a). */
static size_t upper(const cst_masker *m, size_t lo, size_t hi, const unsigned char *t, size_t a)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_text(&m->pats[mid], t, a) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* 1 if pattern u (of [.., hi)) is longer than a and starts with t[0..a):
 * the first pattern above t is the one to look at (those that start with
 * t follow t directly in sorted order). */
static int partial_at(const cst_masker *m, size_t u, size_t hi, const unsigned char *t, size_t a)
{
	return u < hi && m->pats[u].len > a && memcmp(m->pats[u].p, t, a) == 0;
}

static int is_partial(const cst_masker *m, size_t lo, size_t hi, const unsigned char *t, size_t a)
{
	return partial_at(m, upper(m, lo, hi, t, a), hi, t, a);
}

/* The length of the longest pattern of [lo, hi) that t[0..a) starts with,
 * or 0; u is upper(lo, hi, t, a). The last pattern not above t is that one
 * unless it strays from t; then the answer is no longer than where it
 * strayed, so search again. */
static size_t longest(const cst_masker *m, size_t lo, size_t hi, const unsigned char *t, size_t a,
                      size_t u)
{
	while (a > 0) {
		if (u == lo)
			return 0;
		const pattern *p = &m->pats[u - 1];
		size_t l = 0;
		while (l < p->len && l < a && p->p[l] == t[l])
			l++;
		if (l == p->len)
			return l;
		a = l;
		u = upper(m, lo, hi, t, a);
	}
	return 0;
}

/* What starts at t (a bytes available) among the patterns of sl: the
 * length of the longest match, 0 for none, -1 when a longer pattern may
 * still match (more text is needed; never when final). */
static long match_at(const cst_masker *m, const slot *sl, const unsigned char *t, size_t a, int final)
{
	size_t lo = sl->r.lo, hi = sl->r.hi, best = 0;
	if (sl->sub != NULL && a >= (size_t)sl->common + 4) {
		/* All share common bytes: text that differs there matches none. */
		if (memcmp(t + 4, m->pats[lo].p + 4, sl->common - 4) != 0)
			return 0;
		for (uint32_t k = 0; k < sl->n_shorts; k++) {
			const pattern *p = &m->pats[sl->shorts[k]];
			if (p->len <= a && p->len > best && memcmp(p->p, t, p->len) == 0)
				best = p->len;
		}
		const range *r = find_range(sl->sub, sizeof(range), sl->sub_mask, load32(t + sl->common));
		if (r == NULL)
			return (long)best;
		lo = r->lo;
		hi = r->hi;
	}
	size_t u = upper(m, lo, hi, t, a);
	if (!final && partial_at(m, u, hi, t, a))
		return -1;
	size_t l = longest(m, lo, hi, t, a, u);
	return (long)(l > best ? l : best);
}

static int out_put(cst_masker *m, const void *p, size_t n)
{
	if (m->out_len + n > m->out_cap) {
		size_t cap = m->out_cap * 2;
		while (cap < m->out_len + n)
			cap *= 2;
		char *bigger = malloc(cap);
		if (bigger == NULL)
			return cst_fail(CST_ENOMEM, "out of memory");
		memcpy(bigger, m->out, m->out_len);
		free_wiped(m->out, m->out_cap);
		m->out = bigger;
		m->out_cap = cap;
	}
	memcpy(m->out + m->out_len, p, n);
	m->out_len += n;
	return CST_OK;
}

/* Masks work[0..n): emits what is decided and keeps the rest (a possible
 * start of a value) as the held bytes; at the end of the stream (final)
 * everything is decided. */
static int scan(cst_masker *m, size_t n, int final)
{
	const unsigned char *s = m->work;
	size_t i = 0, from = 0, hold = n;
	int rc = CST_OK;
	while (i + CST_MASK_MIN <= n) {
		/* Four positions per 8-byte load while the filter says no. */
		while (i + 8 <= n) {
			uint64_t q;
			memcpy(&q, s + i, 8);
			if (little_endian() == 0)
				break;
			uint32_t h0 = filter_hash((uint32_t)q), h1 = filter_hash((uint32_t)(q >> 8));
			uint32_t h2 = filter_hash((uint32_t)(q >> 16)), h3 = filter_hash((uint32_t)(q >> 24));
			if ((m->filter[h0 >> 3] >> (h0 & 7) | m->filter[h1 >> 3] >> (h1 & 7) |
			     m->filter[h2 >> 3] >> (h2 & 7) | m->filter[h3 >> 3] >> (h3 & 7)) & 1)
				break;
			i += 4;
		}
		if (i + CST_MASK_MIN > n)
			break;
		uint32_t w = load32(s + i);
		uint32_t h = filter_hash(w);
		if (!(m->filter[h >> 3] & (1u << (h & 7)))) {
			i++;
			continue;
		}
		const slot *sl = (const slot *)find_range(&m->table[0].r, sizeof(slot), m->table_mask, w);
		long len = sl ? match_at(m, sl, s + i, n - i, final) : 0;
		if (len < 0) {
			hold = i;
			break;
		}
		if (len == 0) {
			i++;
			continue;
		}
		if ((rc = out_put(m, s + from, i - from)) < 0 ||
		    (rc = out_put(m, CST_MASK_TEXT, sizeof(CST_MASK_TEXT) - 1)) < 0)
			return rc;
		i += (size_t)len;
		from = i;
	}
	/* The last bytes, too few for the filter: held if a value starts so. */
	for (size_t j = i; !final && hold == n && j < n; j++)
		if (is_partial(m, 0, m->n, s + j, n - j))
			hold = j;
	if (hold < from)
		hold = from;
	if ((rc = out_put(m, s + from, hold - from)) < 0)
		return rc;
	memmove(m->work, m->work + hold, n - hold);
	m->held = n - hold;
	return CST_OK;
}

int cst_masker_feed(cst_masker *m, const void *data, size_t len, const char **out, size_t *out_len)
{
	const unsigned char *d = data;
	int rc = CST_OK;
	m->out_len = 0;
	while (len > 0 && rc == CST_OK) {
		size_t take = len < CHUNK ? len : CHUNK;
		memcpy(m->work + m->held, d, take);
		d += take;
		len -= take;
		rc = scan(m, m->held + take, 0);
	}
	*out = m->out;
	*out_len = m->out_len;
	return rc;
}

int cst_masker_finish(cst_masker *m, const char **out, size_t *out_len)
{
	m->out_len = 0;
	int rc = scan(m, m->held, 1);
	cst_wipe(m->work, m->work_cap);
	m->held = 0;
	*out = m->out;
	*out_len = m->out_len;
	return rc;
}
