/* audit_device.c - the sinks of audit devices and their chains.
 *
 * file: opened O_APPEND (0600, created if missing, O_NOFOLLOW); each line
 * goes out in one write(2), without fsync: as Vault's file device, an
 * entry is in the page cache when the request goes on, and reaches the
 * disk with the kernel's writeback (a power cut may lose the last
 * seconds; a crash of custos alone loses nothing written). A failed or
 * short write is undone (ftruncate) so no half line stays.
 *
 * Owner mode (a server, the only process appending): the chain position
 * lives in memory; the file is opened at start and on SIGHUP, each time
 * with a "type":"chain" line. Shared mode (local CLI commands, several
 * processes): each line is written under flock(LOCK_EX), continuing from
 * the file's last line; a chain line starts a new or empty file.
 *
 * syslog: syslog(3) at LOG_INFO with the device's facility; it reports no
 * errors, so a syslog device never fails. stdout: standard output, for
 * containers; only a server writes to it (a local command's stdout is its
 * output). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include "core/audit_device.h"
#include "core/error.h"
#include "util/base64.h"
#include "util/mem.h"
#include "util/timefmt.h"

static int facility_of(const char *name, int *out)
{
	static const struct {
		const char *name;
		int value;
	} map[] = {{"AUTH", LOG_AUTH},     {"AUTHPRIV", LOG_AUTHPRIV}, {"DAEMON", LOG_DAEMON},
	           {"LOCAL0", LOG_LOCAL0}, {"LOCAL1", LOG_LOCAL1},     {"LOCAL2", LOG_LOCAL2},
	           {"LOCAL3", LOG_LOCAL3}, {"LOCAL4", LOG_LOCAL4},     {"LOCAL5", LOG_LOCAL5},
	           {"LOCAL6", LOG_LOCAL6}, {"LOCAL7", LOG_LOCAL7},     {"USER", LOG_USER}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(name, map[i].name) == 0)
			return *out = map[i].value, CST_OK;
	return cst_fail(CST_EINVAL, "unknown syslog facility %.32s", name);
}

/* The tag lives as long as the process: openlog keeps the pointer. */
static char syslog_tag[64] = "custos";
static pthread_mutex_t syslog_lock = PTHREAD_MUTEX_INITIALIZER;

int cst_audit_device_new(cst_audit_device **out, const char *path, const json_t *record,
                         const unsigned char chain_key[32], int owner, const char *local_user)
{
	*out = NULL;
	cst_audit_device *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	atomic_init(&d->refs, 1);
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->written_cv, NULL);
	d->queue_tail = &d->queue;
	d->fd = -1;
	d->owner = owner;
	d->record = json_deep_copy(record);
	snprintf(d->path, sizeof(d->path), "%s", path);
	const char *type = json_string_value(json_object_get(record, "type"));
	const char *uuid = json_string_value(json_object_get(record, "uuid"));
	const char *salt = json_string_value(json_object_get(record, "salt"));
	const json_t *opts = json_object_get(record, "options");
	const char *file_path = json_string_value(json_object_get(opts, "file_path"));
	const char *filter = json_string_value(json_object_get(opts, "filter"));
	const char *hmac_acc = json_string_value(json_object_get(opts, "hmac_accessor"));
	unsigned char raw[64];
	size_t raw_len = 0;
	int rc = d->record ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	if (rc == CST_OK && (type == NULL || uuid == NULL || salt == NULL || strlen(salt) > 60 ||
	                     cst_b64_decode(raw, &raw_len, salt, strlen(salt), CST_B64_STD) < 0 ||
	                     raw_len != 32))
		rc = cst_fail(CST_EINTEGRITY, "audit device %.64s is damaged", path);
	if (rc == CST_OK)
		rc = cst_mac_key_new(&d->salt, raw, raw_len);
	cst_wipe(raw, sizeof(raw));
	if (rc == CST_OK)
		rc = cst_mac_key_new(&d->chain_key, chain_key, 32);
	if (rc == CST_OK && filter && *filter)
		rc = cst_audit_filter_parse(&d->filter, filter);
	if (rc == CST_OK) {
		snprintf(d->uuid, sizeof(d->uuid), "%s", uuid);
		d->format.salt = d->salt;
		d->format.hmac_accessor = hmac_acc == NULL || strcmp(hmac_acc, "false") != 0;
		d->format.local_user = local_user;
		if (!strcmp(type, "syslog")) {
			const char *fac = json_string_value(json_object_get(opts, "facility"));
			d->sink = CST_SINK_SYSLOG;
			d->facility = LOG_AUTH;
			if (fac)
				rc = facility_of(fac, &d->facility);
		} else if (!strcmp(type, "stdout") || (file_path && !strcmp(file_path, "stdout"))) {
			d->sink = CST_SINK_STDOUT;
		} else if (file_path && !strcmp(file_path, "discard")) {
			d->sink = CST_SINK_DISCARD;
		} else if (!strcmp(type, "file") && file_path && *file_path) {
			d->sink = CST_SINK_FILE;
			if ((d->file_path = strdup(file_path)) == NULL)
				rc = cst_fail(CST_ENOMEM, "out of memory");
		} else {
			rc = cst_fail(CST_EINVAL, "audit device type must be file (with file_path), "
			                          "syslog or stdout");
		}
	}
	if (rc == CST_OK && d->sink == CST_SINK_SYSLOG) {
		const char *tag = json_string_value(json_object_get(opts, "tag"));
		pthread_mutex_lock(&syslog_lock);
		snprintf(syslog_tag, sizeof(syslog_tag), "%s", tag && *tag ? tag : "custos");
		openlog(syslog_tag, LOG_PID | LOG_NDELAY, d->facility);
		pthread_mutex_unlock(&syslog_lock);
	}
	if (rc < 0) {
		cst_audit_device_unref(d);
		return rc;
	}
	*out = d;
	return CST_OK;
}

void cst_audit_device_ref(cst_audit_device *d)
{
	atomic_fetch_add(&d->refs, 1);
}

void cst_audit_device_unref(cst_audit_device *d)
{
	if (d == NULL || atomic_fetch_sub(&d->refs, 1) != 1)
		return;
	if (d->fd >= 0)
		close(d->fd);
	json_decref(d->record);
	cst_mac_key_free(d->salt);
	cst_mac_key_free(d->chain_key);
	cst_audit_filter_free(d->filter);
	free(d->file_path);
	pthread_cond_destroy(&d->written_cv);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

int cst_audit_device_wants(const cst_audit_device *d, const cst_audit_event *ev)
{
	if (d->sink == CST_SINK_STDOUT && !d->owner)
		return 0;
	return d->filter == NULL || cst_audit_filter_match(d->filter, ev);
}

/* Opens the file sink (d->lock held). */
static int open_file(cst_audit_device *d)
{
	int fd = open(d->file_path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return cst_fail(CST_EIO, "audit file %.200s cannot be opened for writing: %s",
		                d->file_path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))) {
		close(fd);
		return cst_fail(CST_EIO, "audit file %.200s is not a regular file", d->file_path);
	}
	/* Entries name every path and caller: for the server's user only. */
	if (S_ISREG(st.st_mode) && (st.st_mode & 077) && fchmod(fd, 0600) != 0) {
		close(fd);
		return cst_fail(CST_EIO, "audit file %.200s is readable by others and cannot be made "
		                         "0600: %s", d->file_path, strerror(errno));
	}
	d->fd = fd;
	return CST_OK;
}

/* A line waiting in a device's queue; it lives on its writer's stack. */
typedef struct cst_audit_waiter {
	struct cst_audit_waiter *next;
	cst_abuf *line;   /* sealed */
	size_t body_len;  /* before the seal, to seal it again after a failure */
	int done, rc;
	pthread_cond_t cv; /* its own wake-up: done, or its turn to write */
	int waits;         /* 0: a response entry written behind, freed when written */
} cst_audit_waiter;

#ifndef IOV_MAX
#define IOV_MAX 1024 /* Linux's UIO_MAXIOV */
#endif

static void note_error(cst_audit_device *d, int err)
{
	snprintf(d->last_error, sizeof(d->last_error), "audit device %.64s cannot write: %s", d->path,
	         strerror(err));
}

/* Writes iovecs whole (one writev(2) unless it comes back short); on
 * failure removes what went out, so no half line remains. */
static int write_iov(cst_audit_device *d, struct iovec *iov, int n)
{
	if (d->sink == CST_SINK_DISCARD)
		return CST_OK;
	if (d->sink == CST_SINK_SYSLOG) {
		for (int i = 0; i < n; i++) {
			const char *p = iov[i].iov_base;
			size_t len = iov[i].iov_len;
			/* each line its own message, without its newline */
			while (len) {
				const char *nl = memchr(p, '\n', len);
				size_t k = nl ? (size_t)(nl - p) : len;
				if (k)
					syslog(LOG_INFO | d->facility, "%.*s", (int)k, p);
				len -= nl ? k + 1 : k;
				p += nl ? k + 1 : k;
			}
		}
		return CST_OK;
	}
	int fd = d->sink == CST_SINK_STDOUT ? STDOUT_FILENO : d->fd;
	size_t done = 0;
	while (n > 0) {
		ssize_t w = writev(fd, iov, n > IOV_MAX ? IOV_MAX : n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int err = w < 0 ? errno : ENOSPC;
			struct stat st;
			if (done && d->sink == CST_SINK_FILE && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
			    st.st_size >= (off_t)done && ftruncate(fd, st.st_size - (off_t)done) != 0)
				err = errno;
			note_error(d, err);
			return cst_fail(CST_EIO, "%s", d->last_error);
		}
		done += (size_t)w;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0 && w > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return CST_OK;
}

static int write_all(cst_audit_device *d, const char *p, size_t n)
{
	struct iovec iov = {(void *)p, n};
	return write_iov(d, &iov, 1);
}

/* Appends a chain line ("reason") continuing from d->chain to line. */
static int add_chain_line(cst_audit_device *d, cst_abuf *line, const char *reason,
                          cst_audit_chain *pos)
{
	cst_audit_chain next;
	cst_abuf body;
	cst_abuf_init(&body);
	cst_audit_chain_body(&body, cst_now_ns(), d->path, reason, pos);
	int rc = cst_audit_seal_line(&body, d->chain_key, pos, &next);
	if (rc == CST_OK) {
		cst_abuf_put(line, body.p, body.len);
		*pos = next;
	}
	cst_abuf_release(&body);
	return rc == CST_OK && line->failed ? CST_ENOMEM : rc;
}

/* Where the open file ends; 0 and zeros for an empty or new one. *nl: the
 * file ends in the middle of a line. */
static void file_position(cst_audit_device *d, cst_audit_chain *out, int *known, int *cut)
{
	int ends_nl = 1;
	memset(out, 0, sizeof(*out));
	*known = 0;
	*cut = 0;
	if (d->sink != CST_SINK_FILE || d->fd < 0)
		return;
	int rc = cst_audit_file_tail(out, &ends_nl, d->fd);
	*known = rc == CST_OK;
	*cut = !ends_nl;
	if (rc != CST_OK)
		memset(out, 0, sizeof(*out));
}

/* Owner: open (if needed) and write the chain line (d->lock held). */
static int start_locked(cst_audit_device *d, const cst_audit_chain *stored, const char *reason)
{
	int rc = CST_OK;
	if (d->sink == CST_SINK_FILE && d->fd < 0 && (rc = open_file(d)) < 0)
		return rc;
	/* A local command enabling a device: other processes may append. */
	int locked = !d->owner && d->sink == CST_SINK_FILE && flock(d->fd, LOCK_EX) == 0;
	cst_audit_chain pos, tail;
	int tail_known, cut;
	file_position(d, &tail, &tail_known, &cut);
	/* The furthest of: what this process wrote, what the vault stored,
	 * where the file ends. A file cut back below a stored position then
	 * shows the gap at this chain line. */
	pos = d->chain_known ? d->chain : (cst_audit_chain){0, {0}};
	if (stored && stored->seq > pos.seq)
		pos = *stored;
	if (tail_known && tail.seq > pos.seq)
		pos = tail;
	cst_abuf line;
	cst_abuf_init(&line);
	if (cut)
		cst_abuf_put(&line, "\n", 1);
	cst_audit_chain next = pos;
	rc = add_chain_line(d, &line, reason, &next);
	if (rc == CST_OK)
		rc = write_all(d, line.p, line.len);
	if (rc == CST_OK) {
		d->chain = d->written = next;
		d->chain_known = 1;
		d->dirty = 1;
	}
	cst_abuf_release(&line);
	if (locked)
		flock(d->fd, LOCK_UN);
	return rc;
}

/* Writes a batch of queued lines with one writev(2); no lock held. */
static int write_batch(cst_audit_device *d, cst_audit_waiter *batch)
{
	struct iovec stack[64], *iov = stack;
	size_t n = 0;
	for (cst_audit_waiter *w = batch; w; w = w->next)
		n++;
	if (n > 64 && (iov = malloc(n * sizeof(*iov))) == NULL) {
		note_error(d, ENOMEM);
		return cst_fail(CST_EIO, "%s", d->last_error);
	}
	size_t i = 0;
	for (cst_audit_waiter *w = batch; w; w = w->next)
		iov[i++] = (struct iovec){w->line->p, w->line->len};
	int rc = write_iov(d, iov, (int)n);
	if (iov != stack)
		free(iov);
	return rc;
}

/* After a batch (d->lock held): on success the file is at `last`; on
 * failure nothing of it stays, so the chain goes back to the file's end
 * and the lines queued meanwhile are sealed again from there. */
static void settle(cst_audit_device *d, cst_audit_waiter *batch, const cst_audit_chain *last, int rc)
{
	if (rc == CST_OK) {
		d->written = *last;
		d->dirty = 1;
	} else {
		d->chain = d->written;
		for (cst_audit_waiter *w = d->queue; w; w = w->next) {
			cst_audit_chain next;
			w->line->len = w->body_len;
			if (cst_audit_seal_line(w->line, d->chain_key, &d->chain, &next) == CST_OK)
				d->chain = next;
			else
				w->line->failed = 1; /* cannot happen: the body fitted once */
		}
	}
	/* Wake each writer of the batch, and the first of the queue, whose
	 * turn it is to write: nobody else (no herd on one condition). */
	for (cst_audit_waiter *w = batch, *next; w; w = next) {
		next = w->next;
		if (!w->waits) {
			if (rc < 0) /* written behind: nobody to tell but the counters */
				atomic_fetch_add_explicit(&d->failures, 1, memory_order_relaxed);
			cst_abuf_release(w->line);
			free(w);
			continue;
		}
		w->done = 1;
		w->rc = rc;
		pthread_cond_signal(&w->cv);
	}
}

/* Takes the queue as a batch (d->lock held, no writer out). */
static cst_audit_waiter *take_queue(cst_audit_device *d, cst_audit_chain *last)
{
	cst_audit_waiter *batch = d->queue;
	d->queue = NULL;
	d->queue_tail = &d->queue;
	*last = d->chain;
	return batch;
}

/* Writes the queue while holding d->lock (rare paths: reopen). */
static void flush_locked(cst_audit_device *d)
{
	cst_audit_chain last;
	cst_audit_waiter *batch = take_queue(d, &last);
	if (batch != NULL)
		settle(d, batch, &last, write_batch(d, batch));
}

void cst_audit_device_quiesce(cst_audit_device *d)
{
	while (d->writing)
		pthread_cond_wait(&d->written_cv, &d->lock);
}

int cst_audit_device_start(cst_audit_device *d, const cst_audit_chain *stored, const char *reason)
{
	pthread_mutex_lock(&d->lock);
	cst_audit_device_quiesce(d);
	flush_locked(d);
	int rc = start_locked(d, stored, reason);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

int cst_audit_device_reopen(cst_audit_device *d)
{
	if (d->sink != CST_SINK_FILE)
		return CST_OK;
	pthread_mutex_lock(&d->lock);
	cst_audit_device_quiesce(d);
	flush_locked(d); /* what is sealed goes to the old file */
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	int rc = start_locked(d, NULL, "reopen");
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* Shared mode: under the file lock, continue from the file's last line. */
static int write_shared(cst_audit_device *d, cst_abuf *body)
{
	int rc = CST_OK;
	if (d->sink == CST_SINK_FILE && d->fd < 0 && (rc = open_file(d)) < 0)
		return rc;
	if (d->sink == CST_SINK_FILE && flock(d->fd, LOCK_EX) != 0)
		return cst_fail(CST_EIO, "cannot lock audit file %.200s: %s", d->file_path, strerror(errno));
	cst_audit_chain pos, next;
	int known, cut;
	file_position(d, &pos, &known, &cut);
	cst_abuf line;
	cst_abuf_init(&line);
	if (cut)
		cst_abuf_put(&line, "\n", 1);
	if (!known || d->sink != CST_SINK_FILE)
		rc = add_chain_line(d, &line, cut ? "after a damaged line" : "new file", &pos);
	if (rc == CST_OK && (rc = cst_audit_seal_line(body, d->chain_key, &pos, &next)) == CST_OK) {
		cst_abuf_put(&line, body->p, body->len);
		rc = line.failed ? cst_fail(CST_ENOMEM, "out of memory") : write_all(d, line.p, line.len);
	}
	cst_abuf_release(&line);
	if (d->sink == CST_SINK_FILE)
		flock(d->fd, LOCK_UN);
	return rc;
}

/* Owner: seal and queue under the lock; a writer with no other writer out
 * takes the whole queue and writes it with one writev(2) (group commit).
 * A request entry waits for its line to be written (fail closed: the
 * handler runs only after). A response entry (wait = 0) is copied into the
 * queue and not waited for unless no writer is out, in which case its
 * thread writes the queue itself: a writer drains the queue before it
 * leaves, so nothing stays queued. */
static int write_owner(cst_audit_device *d, cst_abuf *body, int wait)
{
	int rc = CST_OK;
	if (d->sink == CST_SINK_FILE && d->fd < 0) {
		cst_audit_device_quiesce(d);
		if (d->fd < 0 && (rc = start_locked(d, NULL, "reopen")) < 0)
			return rc;
	}
	cst_audit_waiter me = {NULL, body, body->len, 0, CST_OK, PTHREAD_COND_INITIALIZER, 1};
	cst_audit_waiter *node = &me;
	if (!wait && d->writing) {
		/* behind: a heap copy the writer frees once written */
		node = malloc(sizeof(*node) + sizeof(cst_abuf));
		if (node == NULL)
			return cst_fail(CST_ENOMEM, "out of memory");
		cst_abuf *copy = (cst_abuf *)(node + 1);
		cst_abuf_init(copy);
		cst_abuf_put(copy, body->p, body->len);
		*node = (cst_audit_waiter){NULL, copy, body->len, 0, CST_OK, PTHREAD_COND_INITIALIZER, 0};
		if (copy->failed) {
			cst_abuf_release(copy);
			free(node);
			return cst_fail(CST_ENOMEM, "out of memory");
		}
	}
	cst_audit_chain next;
	if ((rc = cst_audit_seal_line(node->line, d->chain_key, &d->chain, &next)) < 0) {
		if (node != &me) {
			cst_abuf_release(node->line);
			free(node);
		}
		return rc;
	}
	d->chain = next;
	/* `me` leaves the queue (take_queue) before me.done is set, and this
	 * function returns only after that: the pointer never dangles. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
	*d->queue_tail = node;
	d->queue_tail = &node->next;
#pragma GCC diagnostic pop
	if (node != &me)
		return CST_OK; /* the writer out writes it, or the next one */
	while (!me.done) {
		if (d->writing) {
			pthread_cond_wait(&me.cv, &d->lock);
			continue;
		}
		d->writing = 1;
		/* drain: lines queued behind while this batch was out go next */
		while (d->queue != NULL) {
			cst_audit_chain last;
			cst_audit_waiter *batch = take_queue(d, &last);
			pthread_mutex_unlock(&d->lock);
			int wrc = write_batch(d, batch);
			pthread_mutex_lock(&d->lock);
			settle(d, batch, &last, wrc);
			if (me.done && d->queue != NULL && d->queue->waits)
				break; /* a waiting writer takes over from here */
		}
		d->writing = 0;
		if (d->queue != NULL)
			pthread_cond_signal(&d->queue->cv);
		pthread_cond_broadcast(&d->written_cv); /* for quiesce, rarely waited on */
	}
	pthread_cond_destroy(&me.cv);
	if (me.rc < 0)
		cst_fail(CST_EIO, "%s", d->last_error[0] ? d->last_error : "audit device cannot write");
	return me.rc;
}

int cst_audit_device_write(cst_audit_device *d, cst_abuf *body, int wait)
{
	size_t body_len = body->len;
	pthread_mutex_lock(&d->lock);
	int rc = d->owner ? write_owner(d, body, wait) : write_shared(d, body);
	pthread_mutex_unlock(&d->lock);
	body->len = body_len;
	body->failed = 0;
	if (rc == CST_OK)
		atomic_fetch_add_explicit(&d->entries, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&d->failures, 1, memory_order_relaxed);
	return rc;
}
