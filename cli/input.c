/* input.c - reading secret values without putting them in argv: from
 * standard input, from a file (@path) or from a no-echo prompt on the
 * terminal. Buffers are wiped on free (cst_free_wiped). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "core/error.h"
#include "core/limits.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/mem.h"

/* A single-line value loses its trailing newline ("echo sk-... |" would
 * otherwise store it); a multi-line value such as a PEM key keeps it. */
static void trim_newline(cst_buf *b)
{
	size_t n = b->len;
	if (n && b->ptr[n - 1] == '\n') {
		n--;
		if (n && b->ptr[n - 1] == '\r')
			n--;
		if (memchr(b->ptr, '\n', n) == NULL) {
			cst_wipe(b->ptr + n, b->len - n);
			b->len = n;
			b->ptr[n] = '\0';
		}
	}
}

static int read_into(char **out, size_t *out_len, const char *path)
{
	cst_buf b = CST_BUF_INIT;
	int rc = cst_file_read(&b, path);
	if (rc < 0) {
		cst_buf_release(&b);
		return rc;
	}
	trim_newline(&b);
	*out = cst_buf_detach(&b, out_len);
	return *out ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
}

int cli_read_stdin(char **out, size_t *out_len)
{
	return read_into(out, out_len, "-");
}

int cli_read_file_value(char **out, size_t *out_len, const char *path)
{
	return read_into(out, out_len, path);
}

int cli_prompt_secret(char **out, size_t *out_len, const char *prompt)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return cst_fail(CST_EINVAL, "no terminal to prompt on: give the value with FIELD=- "
		                            "(standard input) or FIELD=@file");
	struct termios old, quiet;
	int have_termios = tcgetattr(fd, &old) == 0;
	if (have_termios) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	if (write(fd, prompt, strlen(prompt)) < 0) { /* best effort */
	}
	cst_buf b = CST_BUF_INIT;
	b.max = CST_LIMIT_VALUE;
	int rc = CST_OK;
	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || c == '\n')
			break;
		if ((rc = cst_buf_put(&b, &c, 1)) < 0)
			break;
	}
	if (have_termios)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0) {
	}
	close(fd);
	if (rc < 0) {
		cst_buf_release(&b);
		return rc;
	}
	*out = cst_buf_detach(&b, out_len);
	return CST_OK;
}
