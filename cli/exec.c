/* exec.c - running a helper binary that sits next to custos (custos-server,
 * custos-check), so heavy libraries load only in the process that needs
 * them. The global flags (--vault, --key-file, --passphrase-file,
 * --kv-mount) go on. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_exec_sibling(cli_ctx *ctx, const char *helper, int argc, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		fprintf(stderr, "custos %s: cannot find my own binary: %s\n", ctx->command,
		        strerror(errno));
		return 1;
	}
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(path, sizeof(path), "%s/%s", self, helper);
	char **args = calloc((size_t)argc + 8, sizeof(*args));
	if (args == NULL)
		return 1;
	int k = 0;
	args[k++] = path;
	const char *names[] = {"--vault", "--key-file", "--passphrase-file", "--kv-mount"};
	const char *vals[] = {ctx->vault_path, ctx->key_file, ctx->passphrase_file, ctx->kv_mount};
	for (int g = 0; g < 4; g++)
		if (vals[g]) {
			args[k++] = (char *)names[g];
			args[k++] = (char *)vals[g];
		}
	for (int i = 0; i < argc; i++)
		args[k++] = argv[i];
	execv(path, args);
	fprintf(stderr, "custos %s: cannot run %s: %s\n", ctx->command, path, strerror(errno));
	free(args);
	return 1;
}
