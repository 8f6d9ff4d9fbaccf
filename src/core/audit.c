/* audit.c - the vault's audit devices: the device table in storage, the
 * snapshot requests use, enabling and disabling, the entries of each
 * request (fail closed), audit-hash, verification of a log file, SIGHUP
 * reopening and the chain positions a server stores. See audit.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/audit_device.h"
#include "core/error.h"
#include "core/vault.h"
#include "crypto/rand.h"
#include "storage/storage.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timefmt.h"

/* An immutable set of devices; requests hold a reference while they run,
 * so enabling or disabling swaps in a new set without waiting for them. */
struct cst_audit {
	atomic_int refs;
	size_t count;
	cst_audit_device **devs; /* each holds a reference */
	atomic_uint_fast64_t *refused;
};

/* What the vault keeps while unsealed (cst_vault.audit). */
struct cst_audit_root {
	pthread_mutex_t lock; /* guards cur and changes of the table */
	cst_audit *cur;       /* owned reference, or NULL: no device */
	atomic_int active;    /* cur != NULL, read without the lock by every request */
	int owner;
	unsigned char key[32]; /* the chain key; valid when have_key */
	int have_key;
	char local_user[96];
	atomic_uint_fast64_t refused;
};

static void set_free(cst_audit *a)
{
	for (size_t i = 0; i < a->count; i++)
		cst_audit_device_unref(a->devs[i]);
	free(a->devs);
	free(a);
}

void cst_audit_put(cst_audit *a)
{
	if (a != NULL && atomic_fetch_sub(&a->refs, 1) == 1)
		set_free(a);
}

cst_audit *cst_audit_get(cst_vault *v)
{
	struct cst_audit_root *r = v->audit;
	if (r == NULL || !atomic_load_explicit(&r->active, memory_order_acquire))
		return NULL;
	pthread_mutex_lock(&r->lock);
	cst_audit *a = r->cur;
	if (a)
		atomic_fetch_add(&a->refs, 1);
	pthread_mutex_unlock(&r->lock);
	return a;
}

/* A new set: devs (n, references taken here); NULL when n is 0. */
static int set_new(cst_audit **out, struct cst_audit_root *r, cst_audit_device **devs, size_t n)
{
	*out = NULL;
	if (n == 0)
		return CST_OK;
	cst_audit *a = calloc(1, sizeof(*a));
	if (a == NULL || (a->devs = calloc(n, sizeof(*a->devs))) == NULL) {
		free(a);
		return cst_fail(CST_ENOMEM, "out of memory");
	}
	atomic_init(&a->refs, 1);
	a->refused = &r->refused;
	for (size_t i = 0; i < n; i++) {
		cst_audit_device_ref(devs[i]);
		a->devs[a->count++] = devs[i];
	}
	*out = a;
	return CST_OK;
}

/* Swaps in a new current set (r->lock held). */
static void set_swap(struct cst_audit_root *r, cst_audit *a)
{
	cst_audit *old = r->cur;
	r->cur = a;
	atomic_store_explicit(&r->active, a != NULL, memory_order_release);
	cst_audit_put(old);
}

/* --- storage ------------------------------------------------------------ */

static int load_key(struct cst_audit_root *r, cst_vault *v, int create, cst_barrier_op *op)
{
	if (r->have_key)
		return CST_OK;
	cst_buf raw = CST_BUF_INIT;
	int rc = cst_barrier_get(&v->barrier, CST_PATH_AUDIT_KEY, &raw, NULL);
	if (rc == CST_OK && raw.len == 32) {
		memcpy(r->key, raw.ptr, 32);
		r->have_key = 1;
	} else if (rc == CST_OK) {
		rc = cst_fail(CST_EINTEGRITY, "the audit key is damaged");
	} else if (rc == CST_ENOTFOUND && create) {
		/* Made with the first device, in the same batch as the table. */
		if ((rc = cst_rand_bytes(r->key, 32)) == CST_OK) {
			*op = (cst_barrier_op){CST_STORAGE_PUT, CST_PATH_AUDIT_KEY, r->key, 32, CST_REV_ABSENT};
			r->have_key = 1;
		}
	}
	cst_buf_release(&raw);
	return rc;
}

static void local_user(char *out, size_t n)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	uid_t uid = getuid();
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(out, n, "uid %u (%.64s)", (unsigned)uid, res->pw_name);
	else
		snprintf(out, n, "uid %u", (unsigned)uid);
}

static int stored_positions(json_t **out, cst_vault *v, uint64_t *rev)
{
	int rc = cst_barrier_get_json(&v->barrier, CST_PATH_AUDIT_STATE, out, rev);
	if (rc == CST_ENOTFOUND) {
		*out = json_object();
		*rev = 0;
		rc = *out ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	}
	return rc;
}

static int position_of(cst_audit_chain *out, const json_t *states, const char *uuid)
{
	const json_t *s = json_object_get(states, uuid);
	const char *hex = json_string_value(json_object_get(s, "chain"));
	json_int_t seq = json_integer_value(json_object_get(s, "seq"));
	if (hex == NULL || strlen(hex) != 64 || seq <= 0)
		return 0;
	for (size_t i = 0; i < 32; i++) {
		unsigned int byte;
		if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return 0;
		out->mac[i] = (unsigned char)byte;
	}
	out->seq = (uint64_t)seq;
	return 1;
}

/* Builds the devices of the stored table; the owner starts them. */
static int build_devices(struct cst_audit_root *r, cst_vault *v, const json_t *table,
                         cst_audit_device ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t count = json_object_size(table);
	if (count == 0)
		return CST_OK;
	cst_audit_device **devs = calloc(count, sizeof(*devs));
	json_t *states = NULL;
	uint64_t rev = 0;
	int rc = devs ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	if (rc == CST_OK)
		rc = load_key(r, v, 0, NULL);
	if (rc == CST_OK && r->owner)
		rc = stored_positions(&states, v, &rev);
	const char *path;
	json_t *rec;
	json_object_foreach((json_t *)table, path, rec) {
		if (rc < 0)
			break;
		cst_audit_device *d = NULL;
		rc = cst_audit_device_new(&d, path, rec, r->key, r->owner, r->local_user);
		if (rc < 0)
			break;
		devs[(*n)++] = d;
		if (r->owner) {
			d->chain_known = position_of(&d->chain, states, d->uuid);
			/* A device that cannot open now keeps trying on each write;
			 * requests it would record fail until one can. */
			if (cst_audit_device_start(d, NULL, "start") < 0)
				fprintf(stderr, "custos: audit device %s: %s\n", d->path, cst_errmsg());
		}
	}
	json_decref(states);
	if (rc < 0) {
		for (size_t i = 0; i < *n; i++)
			cst_audit_device_unref(devs[i]);
		free(devs);
		*n = 0;
		return rc;
	}
	*out = devs;
	return CST_OK;
}

int cst_audit_open(cst_vault *v, int owner)
{
	struct cst_audit_root *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	pthread_mutex_init(&r->lock, NULL);
	r->owner = owner;
	atomic_init(&r->refused, 0);
	local_user(r->local_user, sizeof(r->local_user));
	json_t *table = NULL;
	int rc = cst_barrier_get_json(&v->barrier, CST_PATH_AUDIT, &table, NULL);
	cst_audit_device **devs = NULL;
	size_t n = 0;
	if (rc == CST_ENOTFOUND)
		rc = CST_OK;
	else if (rc == CST_OK)
		rc = build_devices(r, v, table, &devs, &n);
	if (rc == CST_OK && (rc = set_new(&r->cur, r, devs, n)) == CST_OK)
		atomic_init(&r->active, r->cur != NULL);
	for (size_t i = 0; i < n; i++)
		cst_audit_device_unref(devs[i]);
	free(devs);
	json_decref(table);
	if (rc < 0) {
		cst_wipe(r->key, sizeof(r->key));
		pthread_mutex_destroy(&r->lock);
		free(r);
		return rc;
	}
	v->audit = r;
	return CST_OK;
}

void cst_audit_close(cst_vault *v)
{
	struct cst_audit_root *r = v->audit;
	if (r == NULL)
		return;
	if (r->owner && cst_audit_flush(v) < 0)
		fprintf(stderr, "custos: cannot store the audit chain positions: %s\n", cst_errmsg());
	set_swap(r, NULL);
	cst_wipe(r->key, sizeof(r->key));
	pthread_mutex_destroy(&r->lock);
	free(r);
	v->audit = NULL;
}

int cst_audit_flush(cst_vault *v)
{
	struct cst_audit_root *r = v->audit;
	if (r == NULL || !r->owner)
		return CST_OK;
	cst_audit *a = cst_audit_get(v);
	json_t *moved = json_object();
	int rc = moved ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	for (size_t i = 0; a && rc == CST_OK && i < a->count; i++) {
		cst_audit_device *d = a->devs[i];
		char hex[65];
		pthread_mutex_lock(&d->lock);
		int dirty = d->dirty && d->chain_known;
		cst_audit_chain pos = d->chain;
		d->dirty = 0;
		pthread_mutex_unlock(&d->lock);
		if (!dirty)
			continue;
		cst_hex_encode(hex, pos.mac, 32);
		json_object_set_new(moved, d->uuid,
		                    json_pack("{s:I, s:s}", "seq", (json_int_t)pos.seq, "chain", hex));
	}
	cst_audit_put(a);
	json_t *states = NULL;
	uint64_t rev = 0;
	char *text = NULL;
	if (rc == CST_OK && json_object_size(moved) && (rc = stored_positions(&states, v, &rev)) == CST_OK) {
		json_object_update(states, moved);
		if ((text = cst_json_dump(states)) == NULL)
			rc = cst_fail(CST_ENOMEM, "out of memory");
	}
	if (rc == CST_OK && text) {
		cst_barrier_op op = {CST_STORAGE_PUT, CST_PATH_AUDIT_STATE, text, strlen(text),
		                     rev ? (int64_t)rev : CST_REV_ABSENT};
		rc = cst_barrier_batch(&v->barrier, &op, 1);
	}
	free(text);
	json_decref(states);
	json_decref(moved);
	return rc;
}

void cst_audit_reopen(cst_vault *v)
{
	cst_audit *a = cst_audit_get(v);
	for (size_t i = 0; a && i < a->count; i++)
		if (cst_audit_device_reopen(a->devs[i]) < 0)
			fprintf(stderr, "custos: audit device %s: %s\n", a->devs[i]->path, cst_errmsg());
	cst_audit_put(a);
}

/* --- entries ----------------------------------------------------------------- */

typedef int (*format_fn)(cst_abuf *out, const cst_audit_format *f, const cst_audit_event *ev,
                         const cst_response *resp, const char *error);

static int fmt_request(cst_abuf *out, const cst_audit_format *f, const cst_audit_event *ev,
                       const cst_response *resp, const char *error)
{
	(void)resp;
	return cst_audit_format_request(out, f, ev, error);
}

/* Writes one entry on every device that wants it: CST_OK when one did (or
 * none wanted it), else the audit failure that refuses the request. */
static int log_all(cst_audit *a, const cst_audit_event *ev, const cst_response *resp,
                   const char *error, format_fn fmt)
{
	size_t wanted = 0, written = 0;
	char why[256] = "";
	for (size_t i = 0; i < a->count; i++) {
		cst_audit_device *d = a->devs[i];
		if (!cst_audit_device_wants(d, ev))
			continue;
		wanted++;
		cst_abuf body;
		cst_abuf_init(&body);
		int rc = fmt(&body, &d->format, ev, resp, error);
		if (rc == CST_OK)
			rc = cst_audit_device_write(d, &body, resp == NULL);
		else
			atomic_fetch_add_explicit(&d->failures, 1, memory_order_relaxed);
		cst_abuf_release(&body);
		if (rc == CST_OK)
			written++;
		else if (!why[0])
			snprintf(why, sizeof(why), "%s", cst_errmsg());
	}
	if (wanted == 0 || written > 0)
		return CST_OK;
	atomic_fetch_add_explicit(a->refused, 1, memory_order_relaxed);
	return cst_fail(CST_EIO, "audit failure: no audit device could record the request (%s)", why);
}

int cst_audit_request(cst_audit *a, const cst_audit_event *ev, const char *error)
{
	return log_all(a, ev, NULL, error, fmt_request);
}

int cst_audit_response(cst_audit *a, const cst_audit_event *ev, const cst_response *resp,
                       const char *error)
{
	return log_all(a, ev, resp, error, cst_audit_format_response);
}

/* --- sys/audit ------------------------------------------------------------ */

json_t *cst_audit_list(cst_vault *v)
{
	json_t *out = json_object();
	cst_audit *a = cst_audit_get(v);
	for (size_t i = 0; out && a && i < a->count; i++) {
		const cst_audit_device *d = a->devs[i];
		const json_t *rec = d->record;
		json_t *desc = json_object_get(rec, "description");
		json_t *opts = json_object_get(rec, "options");
		json_object_set_new(out, d->path,
		                    json_pack("{s:O, s:O, s:O, s:b, s:s}", "type", json_object_get(rec, "type"),
		                              "description", desc ? desc : json_string(""), "options",
		                              opts ? opts : json_object(), "local", 0, "path", d->path));
	}
	cst_audit_put(a);
	return out;
}

/* A device path: name segments, stored with one trailing '/'. */
static int device_path(char *out, size_t n, const char *path)
{
	size_t len = strlen(path);
	while (len && path[len - 1] == '/')
		len--;
	if (len == 0 || len + 2 > n || len > 200 || cst_name_check(path, len) < 0)
		return cst_fail(CST_EINVAL, "audit device path must be letters, digits and '._-/' segments");
	snprintf(out, n, "%.*s/", (int)len, path);
	if (!strcmp(out, "verify/"))
		return cst_fail(CST_EINVAL, "audit device path verify/ is reserved (sys/audit/verify)");
	return CST_OK;
}

/* The options a device keeps, checked: every value a string, as Vault. */
static int check_options(json_t **out, const char *type, const json_t *given)
{
	static const char *const known[] = {"file_path", "path", "filter", "hmac_accessor",
	                                    "format", "log_raw", "facility", "tag", "mode"};
	*out = json_object();
	if (*out == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	if (given != NULL && !json_is_object(given) && !json_is_null(given))
		return cst_fail(CST_EINVAL, "options must be an object");
	const char *k;
	json_t *val;
	json_object_foreach((json_t *)given, k, val) {
		size_t i = 0;
		while (i < sizeof(known) / sizeof(known[0]) && strcmp(k, known[i]))
			i++;
		if (i == sizeof(known) / sizeof(known[0]))
			return cst_fail(CST_EINVAL, "unknown audit option %.64s", k);
		const char *s = json_string_value(val);
		char num[32];
		if (json_is_boolean(val))
			s = json_is_true(val) ? "true" : "false";
		else if (json_is_integer(val) && snprintf(num, sizeof(num), "%lld",
		                                          (long long)json_integer_value(val)) > 0)
			s = num;
		if (s == NULL)
			return cst_fail(CST_EINVAL, "audit option %.64s must be a string", k);
		if (!strcmp(k, "log_raw") && strcmp(s, "false"))
			return cst_fail(CST_EINVAL, "log_raw is not supported: custos never logs raw values");
		if (!strcmp(k, "format") && strcmp(s, "json"))
			return cst_fail(CST_EINVAL, "format must be json");
		if (!strcmp(k, "mode") && strcmp(s, "0600") && strcmp(s, "600"))
			return cst_fail(CST_EINVAL, "audit files are always mode 0600");
		if (!strcmp(k, "hmac_accessor") && strcmp(s, "true") && strcmp(s, "false"))
			return cst_fail(CST_EINVAL, "hmac_accessor must be true or false");
		/* "path" is the CLI's short name for file_path */
		json_object_set_new(*out, !strcmp(k, "path") ? "file_path" : k, json_string(s));
	}
	const char *fp = json_string_value(json_object_get(*out, "file_path"));
	if (!strcmp(type, "file") && (fp == NULL || *fp == '\0'))
		return cst_fail(CST_EINVAL, "a file audit device needs file_path");
	if (!strcmp(type, "file") && strcmp(fp, "stdout") && strcmp(fp, "discard") && fp[0] != '/')
		return cst_fail(CST_EINVAL, "file_path must be absolute (or stdout, discard)");
	if (strcmp(type, "file") && strcmp(type, "syslog") && strcmp(type, "stdout"))
		return cst_fail(CST_EINVAL, "unknown audit device type %.32s (file, syslog or stdout)", type);
	return CST_OK;
}

/* Whether two paths name one file: the same text, or (both existing) the
 * same inode, as /d//audit.log, a symlinked directory or a hard link do.
 * Two devices on one file would write over each other's ranges. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (strcmp(a, b) == 0)
		return 1;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cst_audit_enable(cst_vault *v, const char *rest, const json_t *body)
{
	struct cst_audit_root *r = v->audit;
	char path[256];
	const char *type = json_string_value(json_object_get(body, "type"));
	const char *description = json_string_value(json_object_get(body, "description"));
	json_t *opts = NULL, *table = NULL, *rec = NULL;
	cst_audit_device *d = NULL;
	uint64_t rev = 0;
	char *text = NULL;
	int rc = device_path(path, sizeof(path), rest);
	if (rc == CST_OK && type == NULL)
		rc = cst_fail(CST_EINVAL, "missing audit device type");
	if (rc == CST_OK)
		rc = check_options(&opts, type, json_object_get(body, "options"));
	if (rc < 0) {
		json_decref(opts);
		return rc;
	}
	pthread_mutex_lock(&r->lock);
	rc = cst_barrier_get_json(&v->barrier, CST_PATH_AUDIT, &table, &rev);
	if (rc == CST_ENOTFOUND) {
		rc = (table = json_object()) ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
		rev = 0;
	}
	const char *fp = json_string_value(json_object_get(opts, "file_path"));
	const char *k;
	json_t *other;
	json_object_foreach(table, k, other) {
		const char *ofp = json_string_value(json_object_get(json_object_get(other, "options"), "file_path"));
		if (rc == CST_OK && !strcmp(k, path))
			rc = cst_fail(CST_EINVAL, "path already in use: %s", path);
		else if (rc == CST_OK && fp && ofp && fp[0] == '/' && same_file(fp, ofp))
			rc = cst_fail(CST_EINVAL, "audit device %.64s already writes to %.200s", k, fp);
	}
	cst_barrier_op ops[2];
	size_t nops = 0;
	memset(ops, 0, sizeof(ops));
	if (rc == CST_OK && (rc = load_key(r, v, 1, &ops[0])) == CST_OK && ops[0].key != NULL &&
	    !strcmp(ops[0].key, CST_PATH_AUDIT_KEY))
		nops = 1;
	unsigned char salt[32], uuid_raw[16];
	char salt_b64[64], uuid[33];
	if (rc == CST_OK && (rc = cst_rand_bytes(salt, sizeof(salt))) == CST_OK &&
	    (rc = cst_rand_bytes(uuid_raw, sizeof(uuid_raw))) == CST_OK) {
		cst_b64_encode(salt_b64, salt, sizeof(salt), CST_B64_STD);
		cst_hex_encode(uuid, uuid_raw, sizeof(uuid_raw));
		rec = json_pack("{s:s, s:s, s:O, s:b, s:s, s:s}", "type", type, "description",
		                description ? description : "", "options", opts, "local", 0, "uuid",
		                uuid, "salt", salt_b64);
		if (rec == NULL)
			rc = cst_fail(CST_EINVAL, "audit device options must be UTF-8 text");
	}
	cst_wipe(salt, sizeof(salt));
	cst_wipe(salt_b64, sizeof(salt_b64));
	/* Open it before storing it: a path that cannot be written is refused
	 * here, with the reason, and leaves nothing behind. */
	if (rc == CST_OK && (rc = cst_audit_device_new(&d, path, rec, r->key, r->owner, r->local_user)) == CST_OK) {
		rc = r->owner || d->sink == CST_SINK_FILE ? cst_audit_device_start(d, NULL, "enable") : CST_OK;
		if (rc < 0) {
			char why[512];
			snprintf(why, sizeof(why), "%s", cst_errmsg());
			rc = cst_fail(CST_EINVAL, "%s", why);
		}
	}
	if (rc == CST_OK) {
		json_object_set(table, path, rec);
		text = cst_json_dump(table);
		if (text == NULL)
			rc = cst_fail(CST_ENOMEM, "out of memory");
	}
	if (rc == CST_OK) {
		ops[nops++] = (cst_barrier_op){CST_STORAGE_PUT, CST_PATH_AUDIT, text, strlen(text),
		                               rev ? (int64_t)rev : CST_REV_ABSENT};
		rc = cst_barrier_batch(&v->barrier, ops, nops);
	}
	if (rc == CST_OK) {
		cst_audit *a = r->cur;
		size_t n = a ? a->count : 0;
		cst_audit_device **devs = calloc(n + 1, sizeof(*devs));
		if (devs == NULL) {
			rc = cst_fail(CST_ENOMEM, "out of memory");
		} else {
			for (size_t i = 0; i < n; i++)
				devs[i] = a->devs[i];
			devs[n] = d;
			cst_audit *next = NULL;
			if ((rc = set_new(&next, r, devs, n + 1)) == CST_OK)
				set_swap(r, next);
			free(devs);
		}
	}
	if (rc < 0 && nops && r->have_key && ops[0].key && !strcmp(ops[0].key, CST_PATH_AUDIT_KEY))
		r->have_key = 0; /* the new key was not stored */
	pthread_mutex_unlock(&r->lock);
	cst_audit_device_unref(d);
	if (text)
		cst_free_wiped(text);
	json_decref(rec);
	json_decref(table);
	json_decref(opts);
	return rc;
}

int cst_audit_disable(cst_vault *v, const char *rest)
{
	struct cst_audit_root *r = v->audit;
	char path[256];
	json_t *table = NULL;
	uint64_t rev = 0;
	int rc = device_path(path, sizeof(path), rest);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&r->lock);
	rc = cst_barrier_get_json(&v->barrier, CST_PATH_AUDIT, &table, &rev);
	if (rc == CST_ENOTFOUND || (rc == CST_OK && json_object_get(table, path) == NULL)) {
		pthread_mutex_unlock(&r->lock);
		json_decref(table);
		return CST_OK; /* as Vault: disabling what is not there is fine */
	}
	char *text = NULL;
	if (rc == CST_OK) {
		json_object_del(table, path);
		text = cst_json_dump(table);
		rc = text ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	}
	if (rc == CST_OK) {
		cst_barrier_op op = {CST_STORAGE_PUT, CST_PATH_AUDIT, text, strlen(text), (int64_t)rev};
		rc = cst_barrier_batch(&v->barrier, &op, 1);
	}
	cst_audit *a = r->cur;
	if (rc == CST_OK && a) {
		cst_audit_device **devs = calloc(a->count, sizeof(*devs));
		size_t n = 0;
		for (size_t i = 0; devs && i < a->count; i++)
			if (strcmp(a->devs[i]->path, path))
				devs[n++] = a->devs[i];
		cst_audit *next = NULL;
		rc = devs ? set_new(&next, r, devs, n) : cst_fail(CST_ENOMEM, "out of memory");
		if (rc == CST_OK)
			set_swap(r, next);
		free(devs);
	}
	pthread_mutex_unlock(&r->lock);
	if (text)
		cst_free_wiped(text);
	json_decref(table);
	return rc;
}

/* The current device at path, with a reference. */
static cst_audit_device *find_device(cst_vault *v, const char *path)
{
	cst_audit *a = cst_audit_get(v);
	cst_audit_device *found = NULL;
	for (size_t i = 0; a && i < a->count; i++)
		if (!strcmp(a->devs[i]->path, path)) {
			found = a->devs[i];
			cst_audit_device_ref(found);
		}
	cst_audit_put(a);
	return found;
}

int cst_audit_hash(char *out, cst_vault *v, const char *rest, const char *input, size_t len)
{
	char path[256];
	int rc = device_path(path, sizeof(path), rest);
	if (rc < 0)
		return rc;
	cst_audit_device *d = find_device(v, path);
	if (d == NULL)
		return cst_fail(CST_EINVAL, "unknown audit backend %s", path);
	rc = cst_audit_hmac(out, d->salt, input, len);
	out[CST_AUDIT_HASH_LEN] = '\0';
	cst_audit_device_unref(d);
	return rc;
}

/* --- verify ---------------------------------------------------------------- */

/* Remote requests may read files in the directory of an enabled file
 * device only (its current file, rotated siblings, copies put there):
 * the directory, not the file name, is what the operator chose. */
static int allowed_dir(cst_vault *v, const char *file)
{
	const char *slash = strrchr(file, '/');
	if (file[0] != '/' || slash == NULL)
		return 0;
	size_t dir = (size_t)(slash - file);
	cst_audit *a = cst_audit_get(v);
	int ok = 0;
	for (size_t i = 0; a && i < a->count && !ok; i++) {
		const char *fp = a->devs[i]->file_path;
		const char *s = fp ? strrchr(fp, '/') : NULL;
		ok = s && (size_t)(s - fp) == dir && !strncmp(fp, file, dir);
	}
	cst_audit_put(a);
	return ok && strstr(file, "/../") == NULL && strstr(file, "/./") == NULL;
}

int cst_audit_file_allowed(cst_vault *v, const char *file)
{
	return allowed_dir(v, file);
}

json_t *cst_audit_files(cst_vault *v)
{
	json_t *out = json_array();
	cst_audit *a = cst_audit_get(v);
	for (size_t i = 0; out && a && i < a->count; i++) {
		const cst_audit_device *d = a->devs[i];
		if (d->sink == CST_SINK_FILE && d->file_path)
			json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "device", d->path, "path",
			                                     d->file_path, "filtered", d->filter != NULL));
	}
	cst_audit_put(a);
	return out;
}

int cst_audit_hash_each(cst_vault *v, const char *input, size_t len,
                        void (*fn)(const char *hash, void *payload), void *payload)
{
	cst_audit *a = cst_audit_get(v);
	int rc = CST_OK;
	for (size_t i = 0; rc == CST_OK && a && i < a->count; i++) {
		char hash[CST_AUDIT_HASH_LEN + 1];
		if ((rc = cst_audit_hmac(hash, a->devs[i]->salt, input, len)) == CST_OK) {
			hash[CST_AUDIT_HASH_LEN] = '\0';
			fn(hash, payload);
		}
	}
	cst_audit_put(a);
	return rc;
}

/* Verifies the first size bytes of fd, read in chunks (not mapped: a file
 * cut while it is read would kill the process with SIGBUS). A line longer
 * than the buffer grows it, up to 1 GiB. */
static int verify_fd(cst_audit_report *rep, const cst_mac_key *key, int fd, off_t size,
                     const char *file, const cst_audit_chain *expect)
{
	cst_buf buf = CST_BUF_INIT; /* the bytes not yet verified */
	buf.max = (size_t)1 << 30;
	int rc = cst_buf_grow(&buf, (size_t)4 << 20);
	posix_fadvise(fd, 0, size, POSIX_FADV_SEQUENTIAL);
	cst_audit_verifier vf;
	cst_audit_verify_begin(&vf, key);
	for (off_t at = 0; rc == CST_OK && at < size && vf.r.ok;) {
		if (buf.len + 1 == buf.cap && (rc = cst_buf_grow(&buf, buf.cap)) < 0)
			break;
		size_t want = buf.cap - buf.len - 1;
		if ((off_t)want > size - at)
			want = (size_t)(size - at);
		ssize_t got = pread(fd, buf.ptr + buf.len, want, at);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			rc = cst_fail(CST_EIO, "cannot read %.200s: %s", file, strerror(errno));
		if (got <= 0)
			break; /* 0: cut while being read; what was there is checked */
		at += got;
		buf.len += (size_t)got;
		size_t used = 0;
		if ((rc = cst_audit_verify_lines(&used, &vf, buf.ptr, buf.len)) == CST_OK) {
			memmove(buf.ptr, buf.ptr + used, buf.len - used);
			buf.len -= used;
			buf.ptr[buf.len] = '\0';
		}
	}
	size_t partial = buf.len;
	cst_buf_release(&buf);
	if (rc == CST_OK)
		cst_audit_verify_end(rep, &vf, vf.r.ok ? partial : 0, expect);
	return rc;
}

int cst_audit_verify_file(json_t **out, cst_vault *v, const char *file, int remote)
{
	struct cst_audit_root *r = v->audit;
	*out = NULL;
	if (remote && !allowed_dir(v, file))
		return cst_fail(CST_EPERM, "permission denied: the server verifies only files in the "
		                           "directory of an enabled file audit device");
	if (!r->have_key) {
		pthread_mutex_lock(&r->lock);
		int rc = load_key(r, v, 0, NULL);
		pthread_mutex_unlock(&r->lock);
		if (rc == CST_ENOTFOUND)
			return cst_fail(CST_ENOTFOUND, "this vault has never had an audit device: no audit key");
		if (rc < 0)
			return rc;
	}
	int fd;
	long long file_size;
	int orc = cst_file_open_regular(&fd, &file_size, file, 1, "audit file");
	if (orc < 0)
		return orc;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return cst_fail(CST_EIO, "cannot read audit file %.200s: %s", file, strerror(errno));
	}
	/* A live device writing to this very file: take its position and the
	 * file's size together, under its lock, so entries cut from the end
	 * are found too. */
	cst_audit_chain live;
	int have_live = 0;
	off_t size = st.st_size;
	const char *device = "";
	cst_audit *a = cst_audit_get(v);
	for (size_t i = 0; a && i < a->count; i++) {
		cst_audit_device *d = a->devs[i];
		struct stat ds;
		pthread_mutex_lock(&d->lock);
		/* the file then holds every sealed line */
		if (d->owner && d->chain_known && d->fd >= 0 && cst_audit_device_quiesce(d) == CST_OK &&
		    fstat(d->fd, &ds) == 0 && ds.st_dev == st.st_dev && ds.st_ino == st.st_ino &&
		    fstat(fd, &st) == 0) {
			live = d->chain;
			have_live = 1;
			size = st.st_size;
			device = d->path;
		}
		pthread_mutex_unlock(&d->lock);
	}
	if (!have_live && flock(fd, LOCK_SH) == 0) { /* a local writer finishes its line */
		if (fstat(fd, &st) == 0)
			size = st.st_size;
		flock(fd, LOCK_UN);
	}
	cst_mac_key *key = NULL;
	cst_audit_report rep;
	int rc = cst_mac_key_new(&key, r->key, 32);
	if (rc == CST_OK)
		rc = verify_fd(&rep, key, fd, size, file, have_live ? &live : NULL);
	close(fd);
	cst_mac_key_free(key);
	cst_audit_put(a);
	if (rc < 0)
		return rc;
	*out = json_pack("{s:b, s:I, s:I, s:I, s:I, s:s, s:s, s:b, s:s}", "ok", rep.ok, "entries",
	                 (json_int_t)rep.entries, "first_seq", (json_int_t)rep.first_seq, "last_seq",
	                 (json_int_t)rep.last_seq, "bad_line", (json_int_t)rep.bad_line, "reason",
	                 rep.reason, "file", file, "live", have_live, "device", device);
	return *out ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
}

/* --- metrics ------------------------------------------------------------------- */

void cst_audit_stats(cst_vault *v, cst_audit_stat_cb fn, void *payload)
{
	cst_audit *a = cst_audit_get(v);
	for (size_t i = 0; a && i < a->count; i++)
		fn(a->devs[i]->path, atomic_load(&a->devs[i]->entries), atomic_load(&a->devs[i]->failures),
		   payload);
	cst_audit_put(a);
}

uint64_t cst_audit_refused(cst_vault *v)
{
	return v->audit ? atomic_load(&v->audit->refused) : 0;
}
