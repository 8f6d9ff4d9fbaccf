/* cmd_fernet.c - custos fernet encrypt|decrypt: the Fernet primitive of
 * Python's cryptography.fernet, for scripts that share tokens with a
 * Python service. The key comes from an environment variable (never from
 * argv); the token or plaintext from stdin. Also the key and time options
 * `custos import fernet` shares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/error.h"
#include "crypto/fernet.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/timefmt.h"

static const char help[] =
	"usage: custos fernet encrypt|decrypt --key-env VAR [--ttl N] [--now RFC3339]\n\n"
	"decrypt reads a Fernet token on standard input and prints its plaintext; encrypt reads\n"
	"a plaintext (a single line loses its trailing newline) and prints a token. The key is\n"
	"the URL-safe base64 key of cryptography.fernet (Fernet.generate_key()), read from the\n"
	"environment variable VAR. --ttl N (seconds, or 1h, 30m...) refuses tokens older than\n"
	"N or stamped more than 60 s ahead, as Fernet.decrypt(token, ttl=N) does. --now sets\n"
	"the clock (2024-01-01T00:00:00Z), for checks and reproducible tokens.\n"
	"Exit status 5 for a malformed, tampered, expired or wrong-key token, 2 for a bad key.\n";

int cli_fernet_options(const cli_ctx *ctx, unsigned char key[CST_FERNET_KEY_LEN], int64_t *ttl,
                       int64_t *now, const char *key_env, const char *ttl_text,
                       const char *now_text)
{
	if (key_env == NULL)
		return cli_usage(ctx, "--key-env VAR is required (the key stays out of argv)");
	const char *text = getenv(key_env);
	if (text == NULL || *text == '\0')
		return cli_usage(ctx, "environment variable %.64s is not set", key_env);
	if (cst_fernet_key_decode(key, text, strlen(text)) < 0)
		return cli_usage(ctx, "%.64s: %s", key_env, cst_errmsg());
	*ttl = -1;
	if (ttl_text && (cst_duration_parse(ttl, ttl_text) < 0 || *ttl < 0))
		return cli_usage(ctx, "--ttl must be seconds or a duration such as 1h");
	int64_t ns = cst_now_ns();
	if (now_text && cst_time_parse(&ns, now_text) < 0)
		return cli_usage(ctx, "--now must be an RFC 3339 time such as 2024-01-01T00:00:00Z");
	*now = ns / 1000000000;
	return 0;
}

int cmd_fernet(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"key-env", 0, 1, 0, {0}}, {"ttl", 0, 1, 0, {0}}, {"now", 0, 1, 0, {0}},
	                  {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos != 1 || (strcmp(argv[0], "encrypt") != 0 && strcmp(argv[0], "decrypt") != 0))
		return cli_usage(ctx, "give encrypt or decrypt");
	int encrypt = strcmp(argv[0], "encrypt") == 0;
	unsigned char key[CST_FERNET_KEY_LEN];
	int64_t ttl, now;
	int status = cli_fernet_options(ctx, key, &ttl, &now, cli_value(opts, "key-env"),
	                                cli_value(opts, "ttl"), cli_value(opts, "now"));
	char *in = NULL;
	size_t len = 0;
	cst_buf out = CST_BUF_INIT;
	int rc = CST_OK;
	if (status != 0)
		goto done;
	if ((rc = cli_read_stdin(&in, &len)) == CST_OK)
		rc = encrypt ? cst_fernet_encrypt(&out, key, in, len, now, NULL)
		             : cst_fernet_decrypt(&out, key, in, len, ttl, now);
	if (rc < 0) {
		status = cli_fail(rc);
		goto done;
	}
	fwrite(out.ptr ? out.ptr : "", 1, out.len, stdout);
	if (encrypt || isatty(STDOUT_FILENO))
		putchar('\n');
done:
	cst_wipe(key, sizeof(key));
	cst_free_wiped(in);
	cst_buf_release(&out);
	return status;
}
