/* presign_cache.c - hands back a presigned URL made before while it has
 * more than `margin` seconds left, so a busy service signs once per
 * expiry period rather than once per request. Entries are keyed by the
 * credential name and every option, written out unambiguously. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "custos.h"
#include "providers/s3_presign.h"
#include "util/buf.h"
#include "util/mem.h"

#define CACHE_SLOTS 256

typedef struct entry {
	char *key;  /* owned */
	char *url;  /* owned, wiped on free */
	int64_t expires_at;
	int64_t made_at;
} entry;

struct cst_presign_cache {
	cst_vault *vault;
	int64_t margin;
	cst_clock_fn clock;
	void *clock_payload;
	pthread_mutex_t lock;
	entry slots[CACHE_SLOTS];
};

static int64_t system_clock(void *payload)
{
	(void)payload;
	return (int64_t)time(NULL);
}

cst_presign_cache *cst_presign_cache_new(cst_vault *vault, int64_t margin_seconds,
                                         cst_clock_fn clock, void *clock_payload)
{
	cst_presign_cache *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->vault = vault;
	c->margin = margin_seconds > 0 ? margin_seconds : 0;
	c->clock = clock ? clock : system_clock;
	c->clock_payload = clock_payload;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

static void entry_clear(entry *e)
{
	free(e->key);
	cst_free_wiped(e->url);
	memset(e, 0, sizeof(*e));
}

void cst_presign_cache_free(cst_presign_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		entry_clear(&c->slots[i]);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Each part with its length first, so no two option sets share a key. */
static int put_part(cst_buf *b, const char *s)
{
	s = s ? s : "";
	return cst_buf_printf(b, "%zu:%s|", strlen(s), s);
}

static int cache_key(cst_buf *b, const char *cred, const cst_presign_opts *o)
{
	int rc = put_part(b, cred);
	if (rc == CST_OK)
		rc = put_part(b, o->method ? o->method : "GET");
	if (rc == CST_OK)
		rc = put_part(b, o->bucket);
	if (rc == CST_OK)
		rc = put_part(b, o->key);
	if (rc == CST_OK)
		rc = put_part(b, o->region);
	if (rc == CST_OK)
		rc = put_part(b, o->endpoint);
	if (rc == CST_OK)
		rc = cst_buf_printf(b, "%lld|%d|%zu|%zu|", (long long)o->expires, o->path_style != 0,
		                    o->n_params, o->n_headers);
	for (size_t i = 0; i < o->n_params && rc == CST_OK; i++)
		if ((rc = put_part(b, o->params[i].name)) == CST_OK)
			rc = put_part(b, o->params[i].value);
	for (size_t i = 0; i < o->n_headers && rc == CST_OK; i++)
		if ((rc = put_part(b, o->headers[i].name)) == CST_OK)
			rc = put_part(b, o->headers[i].value);
	return rc;
}

int cst_presign_cache_get(char **out_url, cst_presign_cache *c, const char *cred,
                          const cst_presign_opts *opts)
{
	*out_url = NULL;
	cst_buf key = CST_BUF_INIT;
	int rc = cache_key(&key, cred, opts);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&c->lock);
	int64_t now = c->clock(c->clock_payload);
	entry *hit = NULL, *victim = &c->slots[0];
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		entry *e = &c->slots[i];
		if (e->key && strcmp(e->key, key.ptr) == 0) {
			hit = e;
			break;
		}
		/* Free slots first, then expired ones, then the oldest. */
		if (victim->key != NULL &&
		    (e->key == NULL || e->expires_at <= now || e->made_at < victim->made_at))
			victim = e;
	}
	if (hit && now < hit->expires_at - c->margin) {
		*out_url = cst_strndup(hit->url, strlen(hit->url));
		rc = *out_url ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
		goto done;
	}
	cst_presign_opts o = *opts;
	o.time = now;
	char *url = NULL;
	int64_t expires_at = 0;
	if ((rc = cst_presign_s3(&url, &expires_at, c->vault, cred, &o)) < 0)
		goto done;
	entry *e = hit ? hit : victim;
	entry_clear(e);
	e->key = cst_buf_detach(&key, NULL);
	e->url = url;
	e->expires_at = expires_at;
	e->made_at = now;
	*out_url = cst_strndup(url, strlen(url));
	rc = *out_url ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
done:
	pthread_mutex_unlock(&c->lock);
	cst_buf_release(&key);
	return rc;
}
