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
#define _GNU_SOURCE /* PTHREAD_MUTEX_ADAPTIVE_NP */
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
#include <time.h>
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

/* A range whose write failed: its bytes are kept and written again before
 * anything new, so the file gets no lasting hole (lines after it may
 * have been written by other writers meanwhile). */
struct cst_audit_hole {
	struct cst_audit_hole *next;
	off_t off;
	size_t len;
	char bytes[];
};

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
	/* Held for a short MAC and a copy: spinning a little beats sleeping. */
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
	pthread_mutex_init(&d->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	pthread_cond_init(&d->idle_cv, NULL);
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
	/* what is still pending (responses written behind) goes out first */
	pthread_mutex_lock(&d->lock);
	if (cst_audit_device_quiesce(d) < 0)
		fprintf(stderr, "custos: %s: entries lost at close\n", d->last_error);
	pthread_mutex_unlock(&d->lock);
	if (d->fd >= 0)
		close(d->fd);
	json_decref(d->record);
	cst_mac_key_free(d->salt);
	cst_mac_key_free(d->chain_key);
	cst_audit_filter_free(d->filter);
	free(d->file_path);
	pthread_cond_destroy(&d->idle_cv);
	free(d->pending);
	while (d->holes) {
		struct cst_audit_hole *h = d->holes;
		d->holes = h->next;
		free(h);
	}
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
	/* A server writes at offsets it reserves (pwrite); local commands,
	 * several processes, append under flock. */
	int fd = open(d->file_path, O_RDWR | (d->owner ? 0 : O_APPEND) | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	              0600);
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
	d->file_end = S_ISREG(st.st_mode) ? st.st_size : 0;
	return CST_OK;
}

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

/* pwrite(2) of a whole range (owner, file sink); no lock needed. */
static int write_at(cst_audit_device *d, int fd, const char *p, size_t n, off_t off)
{
	size_t done = 0;
	while (done < n) {
		ssize_t w = pwrite(fd, p + done, n - done, off + (off_t)done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return errno ? -errno : -ENOSPC;
		done += (size_t)w;
	}
	(void)d;
	return 0;
}

/* Writes n bytes as the next lines (d->lock held; nobody out). */
static int write_all(cst_audit_device *d, const char *p, size_t n)
{
	if (d->owner && d->sink == CST_SINK_FILE) {
		int err = write_at(d, d->fd, p, n, d->file_end);
		if (err < 0) {
			note_error(d, -err);
			/* nothing after it yet: cut back what went out */
			if (ftruncate(d->fd, d->file_end) != 0)
				note_error(d, errno);
			return cst_fail(CST_EIO, "%s", d->last_error);
		}
		d->file_end += (off_t)n;
		return CST_OK;
	}
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
	int rc = cst_audit_seal_line(&body, d->chain_key, pos, &next, NULL);
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
	int rc = CST_OK, opened = d->sink == CST_SINK_FILE && d->fd < 0;
	if (opened && (rc = open_file(d)) < 0)
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
		d->chain = next;
		d->chain_known = 1;
		d->dirty = 1;
	}
	cst_abuf_release(&line);
	if (locked)
		flock(d->fd, LOCK_UN);
	if (rc != CST_OK && opened) { /* no entry may go in before its chain line: open again next time */
		close(d->fd);
		d->fd = -1;
	}
	return rc;
}

/* Writes the kept holes again (d->lock held, nobody out); CST_OK once none is left. */
static int refill_holes(cst_audit_device *d)
{
	while (d->holes) {
		struct cst_audit_hole *h = d->holes;
		int err = write_at(d, d->fd, h->bytes, h->len, h->off);
		if (err < 0) {
			note_error(d, -err);
			return cst_fail(CST_EIO, "%s", d->last_error);
		}
		d->holes = h->next;
		free(h);
	}
	return CST_OK;
}

/* Appends a sealed line to pending (d->lock held). */
static int add_pending(cst_audit_device *d, const char *p, size_t n)
{
	size_t len = atomic_load(&d->pending_len);
	if (len + n > d->pending_cap) {
		size_t cap = d->pending_cap ? d->pending_cap : 16384;
		while (cap < len + n)
			cap *= 2;
		char *np = malloc(cap); /* entries hold HMACs, never secret values */
		if (np == NULL)
			return cst_fail(CST_ENOMEM, "out of memory");
		if (len)
			memcpy(np, d->pending, len);
		free(d->pending);
		d->pending = np;
		d->pending_cap = cap;
	}
	memcpy(d->pending + len, p, n);
	atomic_store(&d->pending_len, len + n);
	return CST_OK;
}

/* A range taken from pending, written outside the lock. */
typedef struct write_job {
	char *buf; /* owned */
	size_t len;
	off_t off;
	int fd;
} write_job;

/* Takes pending and the range after the last one taken (d->lock held). */
static void take_pending(cst_audit_device *d, write_job *job)
{
	job->buf = d->pending;
	job->len = atomic_load(&d->pending_len);
	job->off = d->file_end;
	job->fd = d->fd;
	d->pending = NULL;
	atomic_store(&d->pending_len, 0);
	d->pending_cap = 0;
	d->file_end += (off_t)job->len;
	atomic_fetch_add(&d->inflight, 1);
}

/* Keeps a failed range to write again first (d->lock held). */
static void keep_hole(cst_audit_device *d, const write_job *job)
{
	struct cst_audit_hole *h = malloc(sizeof(*h) + job->len);
	if (h == NULL)
		return; /* the range stays a hole: verify will show it */
	h->off = job->off;
	h->len = job->len;
	memcpy(h->bytes, job->buf, job->len);
	struct cst_audit_hole **at = &d->holes; /* lowest offset first */
	while (*at && (*at)->off < job->off)
		at = &(*at)->next;
	h->next = *at;
	*at = h;
}

/* Writes a taken range, no lock held on entry or return. The writer that
 * brings inflight back to 0 writes what became pending meanwhile (the
 * responses nobody else took): a response appends under the lock and
 * then reads inflight, a writer drops inflight and then reads
 * pending_len, both sequentially consistent, so one of them sees the
 * other. */
static int run_job(cst_audit_device *d, write_job *job)
{
	int rc = CST_OK;
	for (int own = 1;; own = 0) {
		int err = write_at(d, job->fd, job->buf, job->len, job->off);
		if (err < 0) {
			pthread_mutex_lock(&d->lock);
			note_error(d, -err);
			int frc = cst_fail(CST_EIO, "%s", d->last_error);
			keep_hole(d, job);
			atomic_fetch_sub(&d->inflight, 1);
			pthread_cond_broadcast(&d->idle_cv);
			pthread_mutex_unlock(&d->lock);
			free(job->buf);
			if (own)
				rc = frc;
			else /* others' responses, written behind: counted, not ours to fail */
				atomic_fetch_add_explicit(&d->failures, 1, memory_order_relaxed);
			return rc;
		}
		free(job->buf);
		job->buf = NULL;
		if (atomic_fetch_sub(&d->inflight, 1) != 1)
			return rc;
		pthread_cond_broadcast(&d->idle_cv); /* quiesce waits with a timeout: no lost wake-up */
		if (atomic_load(&d->pending_len) == 0)
			return rc;
		pthread_mutex_lock(&d->lock);
		int more = atomic_load(&d->inflight) == 0 && atomic_load(&d->pending_len) && d->holes == NULL;
		if (more)
			take_pending(d, job);
		pthread_mutex_unlock(&d->lock);
		if (!more)
			return rc;
	}
}

int cst_audit_device_quiesce(cst_audit_device *d)
{
	while (atomic_load(&d->inflight) > 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&d->idle_cv, &d->lock, &ts);
	}
	if (!d->owner || d->sink != CST_SINK_FILE || d->fd < 0)
		return CST_OK;
	int rc = refill_holes(d);
	if (rc == CST_OK && atomic_load(&d->pending_len)) {
		rc = write_all(d, d->pending, atomic_load(&d->pending_len));
		if (rc == CST_OK) /* else they stay, for the next writer or flush */
			atomic_store(&d->pending_len, 0);
	}
	return rc;
}

int cst_audit_device_start(cst_audit_device *d, const cst_audit_chain *stored, const char *reason)
{
	pthread_mutex_lock(&d->lock);
	int rc = cst_audit_device_quiesce(d);
	if (rc == CST_OK)
		rc = start_locked(d, stored, reason);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

int cst_audit_device_reopen(cst_audit_device *d)
{
	if (d->sink != CST_SINK_FILE)
		return CST_OK;
	pthread_mutex_lock(&d->lock);
	if (cst_audit_device_quiesce(d) < 0) /* what is sealed goes to the old file */
		fprintf(stderr, "custos: %s: the old file misses entries\n", d->last_error);
	free(d->pending);
	d->pending = NULL;
	atomic_store(&d->pending_len, 0);
	d->pending_cap = 0;
	while (d->holes) {
		struct cst_audit_hole *h = d->holes;
		d->holes = h->next;
		free(h);
	}
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
	if (rc == CST_OK && (rc = cst_audit_seal_line(body, d->chain_key, &pos, &next, NULL)) == CST_OK) {
		cst_abuf_put(&line, body->p, body->len);
		rc = line.failed ? cst_fail(CST_ENOMEM, "out of memory") : write_all(d, line.p, line.len);
	}
	cst_abuf_release(&line);
	if (d->sink == CST_SINK_FILE)
		flock(d->fd, LOCK_UN);
	return rc;
}

/* Owner (a server). File sink: seal, append to pending; a request entry
 * (wait) takes pending and writes it before returning (fail closed: the
 * handler runs after), a response entry stays pending for the next writer
 * unless no writer is out, and the last writer out writes what is left.
 * Other sinks: seal and write under the lock. */
static int write_owner(cst_audit_device *d, cst_abuf *body, int wait, const unsigned char *digest,
                       write_job *job)
{
	int rc = CST_OK;
	if (d->sink == CST_SINK_FILE && d->fd < 0) {
		if ((rc = cst_audit_device_quiesce(d)) < 0 ||
		    (d->fd < 0 && (rc = start_locked(d, NULL, "reopen")) < 0))
			return rc;
	}
	/* a range that could not be written goes first, or nothing does */
	if (d->holes && (rc = cst_audit_device_quiesce(d)) < 0)
		return rc;
	cst_audit_chain next;
	if ((rc = cst_audit_seal_line(body, d->chain_key, &d->chain, &next, digest)) < 0)
		return rc;
	if (d->sink != CST_SINK_FILE) {
		if ((rc = write_all(d, body->p, body->len)) == CST_OK) {
			d->chain = next;
			d->dirty = 1;
		}
		return rc;
	}
	if ((rc = add_pending(d, body->p, body->len)) < 0)
		return rc;
	d->chain = next;
	d->dirty = 1;
	if (wait || atomic_load(&d->inflight) == 0)
		take_pending(d, job);
	return CST_OK;
}

int cst_audit_device_write(cst_audit_device *d, cst_abuf *body, int wait)
{
	size_t body_len = body->len;
	unsigned char digest[CST_SHA256_LEN];
	write_job job = {NULL, 0, 0, -1};
	cst_audit_body_digest(digest, body); /* outside the lock */
	pthread_mutex_lock(&d->lock);
	int rc = d->owner ? write_owner(d, body, wait, digest, &job) : write_shared(d, body);
	pthread_mutex_unlock(&d->lock);
	if (job.buf != NULL) {
		int jrc = run_job(d, &job);
		if (rc == CST_OK && wait)
			rc = jrc;
		else if (jrc < 0) /* a response written on its own: counted below as a failure */
			rc = jrc;
	}
	body->len = body_len;
	body->failed = 0;
	if (rc == CST_OK)
		atomic_fetch_add_explicit(&d->entries, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&d->failures, 1, memory_order_relaxed);
	return rc;
}
