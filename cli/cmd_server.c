/* cmd_server.c - custos server: execs custos-server from the same
 * directory, so only the server process loads the HTTP and TLS libraries
 * and every other command keeps its fast start. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cmd_server(cli_ctx *ctx, int argc, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		fprintf(stderr, "custos server: cannot find my own binary: %s\n", strerror(errno));
		return 1;
	}
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	*slash = '\0';
	snprintf(path, sizeof(path), "%s/custos-server", self);
	char **args = calloc((size_t)argc + 4, sizeof(*args));
	if (args == NULL)
		return 1;
	int k = 0;
	args[k++] = path;
	/* The global --vault flag means the server's vault too. */
	if (ctx->vault_path) {
		args[k++] = "--vault";
		args[k++] = (char *)ctx->vault_path;
	}
	for (int i = 0; i < argc; i++)
		args[k++] = argv[i];
	execv(path, args);
	fprintf(stderr, "custos server: cannot run %s: %s\n", path, strerror(errno));
	free(args);
	return 1;
}
