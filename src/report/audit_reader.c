/* audit_reader.c - the lines of an audit log through one fixed buffer
 * (grown only for a line longer than it, up to CST_AUDIT_LINE_MAX), so a
 * log of many gigabytes is read in constant memory. The file is read up
 * to the size it had when opened. */
#include "report/audit_scan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "util/file.h"

#define CHUNK (1u << 20)

int cst_audit_reader_open(cst_audit_reader *r, const char *path, int nofollow)
{
	memset(r, 0, sizeof(*r));
	long long size = 0;
	int rc = cst_file_open_regular(&r->fd, &size, path, nofollow, "audit file");
	if (rc < 0)
		return rc;
	r->limit = (uint64_t)size;
	r->cap = CHUNK;
	if ((r->buf = malloc(r->cap)) == NULL) {
		close(r->fd);
		r->fd = -1;
		return cst_fail(CST_ENOMEM, "out of memory");
	}
	posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return CST_OK;
}

/* Reads more after what the buffer holds, moving the unread part to the
 * front first; grows the buffer when a line fills it. 0 at the end. */
static int fill(cst_audit_reader *r)
{
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		size_t cap = r->cap * 2;
		char *nb = malloc(cap);
		if (nb == NULL)
			return cst_fail(CST_ENOMEM, "out of memory");
		memcpy(nb, r->buf, r->end);
		free(r->buf);
		r->buf = nb;
		r->cap = cap;
	}
	uint64_t left = r->limit - r->consumed;
	size_t want = r->cap - r->end;
	if (want > left)
		want = (size_t)left;
	if (want == 0)
		return 0;
	ssize_t got;
	do
		got = read(r->fd, r->buf + r->end, want);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return cst_fail(CST_EIO, "cannot read the audit file: %s", strerror(errno));
	r->end += (size_t)got;
	r->consumed += (uint64_t)got;
	return got > 0;
}

int cst_audit_reader_next(cst_audit_reader *r, const char **line, size_t *len)
{
	size_t scanned = r->start;
	for (;;) {
		char *nl = memchr(r->buf + scanned, '\n', r->end - scanned);
		if (nl != NULL) {
			size_t at = (size_t)(nl - r->buf);
			int skipped = r->skipping;
			*line = r->buf + r->start;
			*len = at - r->start;
			r->start = at + 1;
			r->lines++;
			r->skipping = 0;
			if (!skipped)
				return 1;
			scanned = r->start;
			continue;
		}
		if (r->eof) {
			r->partial_end = r->end > r->start || r->skipping;
			r->start = r->end;
			return 0;
		}
		/* A line past the limit: drop what is buffered and skip to its end. */
		if (r->end - r->start >= CST_AUDIT_LINE_MAX) {
			if (!r->skipping)
				r->too_long++;
			r->skipping = 1;
			r->start = r->end;
		}
		size_t kept = r->end - r->start;
		int rc = fill(r);
		if (rc < 0)
			return rc;
		if (rc == 0)
			r->eof = 1;
		scanned = r->start + kept;
	}
}

void cst_audit_reader_close(cst_audit_reader *r)
{
	if (r->buf == NULL) /* never opened, or closed already */
		return;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->buf);
	r->buf = NULL;
}
