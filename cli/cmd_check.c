/* cmd_check.c - custos check: execs custos-check from the same directory,
 * which links libcurl and libpq, so no other command loads them and the
 * start-up of `custos get` stays as it was. */
#include "cli.h"

int cmd_check(cli_ctx *ctx, int argc, char **argv)
{
	return cli_exec_sibling(ctx, "custos-check", argc, argv);
}
