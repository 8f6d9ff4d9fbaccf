/* file.c - careful file reading and creation. */
#define _GNU_SOURCE
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/limits.h"

int cst_file_read(cst_buf *out, const char *path)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO
	                                : open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return cst_fail(errno == ENOENT ? CST_ENOTFOUND : CST_EIO, "cannot open %s: %s",
		                path, strerror(errno));
	cst_buf_reset(out);
	out->max = CST_LIMIT_FILE;
	int rc = CST_OK;
	for (;;) {
		if ((rc = cst_buf_grow(out, 4096)) < 0)
			break;
		ssize_t n = read(fd, out->ptr + out->len, out->cap - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = cst_fail(CST_EIO, "cannot read %s: %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->ptr[out->len] = '\0';
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

static int sync_parent(const char *path)
{
	char *dir = strdup(path);
	if (dir == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	char *slash = strrchr(dir, '/');
	const char *d = ".";
	if (slash == dir)
		d = "/";
	else if (slash != NULL) {
		*slash = '\0';
		d = dir;
	}
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
	return CST_OK;
}

int cst_file_create(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return cst_fail(errno == EEXIST ? CST_ECONFLICT : CST_EIO, "cannot create %s: %s",
		                path, strerror(errno));
	const char *p = data;
	size_t left = len;
	int rc = CST_OK;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = cst_fail(CST_EIO, "cannot write %s: %s", path, strerror(errno));
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	if (rc == CST_OK && fsync(fd) != 0)
		rc = cst_fail(CST_EIO, "cannot sync %s: %s", path, strerror(errno));
	close(fd);
	if (rc < 0)
		unlink(path);
	else
		rc = sync_parent(path);
	return rc;
}

int cst_file_mkparents(const char *path)
{
	char *p = strdup(path);
	if (p == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	int rc = CST_OK;
	for (char *s = strchr(p + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			rc = cst_fail(CST_EIO, "cannot create directory %s: %s", p, strerror(errno));
			break;
		}
		*s = '/';
	}
	free(p);
	return rc;
}

int cst_file_open_regular(int *fd, long long *size, const char *path, int nofollow,
                          const char *what)
{
	*fd = -1;
	*size = 0;
	int f = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
	if (f < 0) {
		int e = errno;
		int rc = e == ENOENT ? CST_ENOTFOUND : e == EACCES ? CST_EPERM : e == ELOOP ? CST_EINVAL : CST_EIO;
		return cst_fail(rc, "cannot read %s %.300s: %s", what, path,
		                e == ELOOP ? "a symbolic link" : strerror(e));
	}
	struct stat st;
	int flags = fcntl(f, F_GETFL);
	if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode) || flags < 0 ||
	    fcntl(f, F_SETFL, flags & ~O_NONBLOCK) != 0) {
		close(f);
		return cst_fail(CST_EINVAL, "%s %.300s is not a regular file", what, path);
	}
	*fd = f;
	*size = (long long)st.st_size;
	return CST_OK;
}

int cst_file_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int cst_file_replace(const char *path, const void *data, size_t len)
{
	size_t n = strlen(path);
	const char *slash = strrchr(path, '/');
	size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
	char *tmp = malloc(n + 32);
	if (tmp == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	/* A hidden temporary next to the target, so rename() stays within one
	 * file system; mkostemp creates it 0600. */
	snprintf(tmp, n + 32, "%.*s.%s.custos-XXXXXX", (int)dir, path, path + dir);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		int rc = cst_fail(errno == ENOENT ? CST_ENOTFOUND : CST_EIO, "cannot create a file next "
		                  "to %s: %s", path, strerror(errno));
		free(tmp);
		return rc;
	}
	const char *p = data;
	size_t left = len;
	int rc = CST_OK;
	while (left > 0 && rc == CST_OK) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			rc = cst_fail(CST_EIO, "cannot write %s: %s", path, strerror(errno));
		else {
			p += w;
			left -= (size_t)w;
		}
	}
	if (rc == CST_OK && fsync(fd) != 0)
		rc = cst_fail(CST_EIO, "cannot sync %s: %s", path, strerror(errno));
	close(fd);
	if (rc == CST_OK && rename(tmp, path) != 0)
		rc = cst_fail(CST_EIO, "cannot replace %s: %s", path, strerror(errno));
	if (rc < 0)
		unlink(tmp);
	else
		rc = sync_parent(path);
	free(tmp);
	return rc;
}
