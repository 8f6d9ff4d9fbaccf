/* file.h - reading and creating files the careful way: O_NOFOLLOW and
 * O_CLOEXEC on secrets, new files 0600 with O_EXCL, parents 0700. */
#ifndef CST_FILE_H
#define CST_FILE_H

#include <stddef.h>

#include "util/buf.h"

/* Reads a whole file (at most CST_LIMIT_FILE bytes) into out, which is
 * reset first. "-" reads standard input. Returns CST_ENOTFOUND, CST_EIO. */
int cst_file_read(cst_buf *out, const char *path) __attribute__((warn_unused_result));

/* Creates path with mode 0600 and O_EXCL, writes data and fsyncs it and
 * its directory. Returns CST_ECONFLICT if it exists, CST_EIO. */
int cst_file_create(const char *path, const void *data, size_t len)
	__attribute__((warn_unused_result));

/* Writes data to a new 0600 file next to path (O_CLOEXEC), fsyncs it and
 * renames it over path: readers see the old file or the whole new one,
 * and a failure leaves no partial file. Returns CST_ENOTFOUND (no such
 * directory), CST_EIO. */
int cst_file_replace(const char *path, const void *data, size_t len)
	__attribute__((warn_unused_result));

/* Creates the parent directories of path, mode 0700. */
int cst_file_mkparents(const char *path) __attribute__((warn_unused_result));

/* Opens an existing regular file read-only (O_CLOEXEC; O_NOFOLLOW too when
 * nofollow): *fd and its size. A FIFO or device is refused without
 * blocking (opened O_NONBLOCK, which is cleared after the check).
 * CST_ENOTFOUND, CST_EPERM, CST_EINVAL (not a regular file, or a symlink
 * when nofollow), CST_EIO; the message names the file as what. */
int cst_file_open_regular(int *fd, long long *size, const char *path, int nofollow,
                          const char *what) __attribute__((warn_unused_result));

/* 1 if path exists (without following a final symlink), else 0. */
int cst_file_exists(const char *path);

#endif
