/* cmd_run.c - custos run: a command with credentials in its environment,
 * and only in its environment (never in an argument list, never in
 * custos's own environment). Without --mask custos resolves the
 * credentials and execs the command in its own place, so signals and the
 * exit status are the command's by construction. With --mask custos stays
 * as the parent: the child's stdout and stderr come through pipes and a
 * masker each (src/util/mask.c), and signals sent to custos are passed on. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "core/error.h"
#include "core/limits.h"
#include "engines/type_env.h"
#include "util/mask.h"
#include "util/mem.h"
#include "util/template.h"

extern char **environ;

static const char help[] =
	"usage: custos run [--path NAME]... [--env-file MAP] [--mask] -- COMMAND [ARG]...\n\n"
	"Runs COMMAND (directly, no shell) with the credentials in its environment:\n"
	"  --path NAME     every field of credential NAME, under its ecosystem's variable\n"
	"                  (openai: OPENAI_API_KEY, aws: AWS_ACCESS_KEY_ID ..., db_dsn:\n"
	"                  DATABASE_URL); custom credentials keep their field names;\n"
	"                  other types and untyped secrets are NAME_FIELD, upper-cased\n"
	"  --env-file MAP  a dotenv file of VAR=custos://NAME/FIELD lines (other values are\n"
	"                  passed as they are); its names win over the defaults\n"
	"  --mask          replace every credential value (4 bytes or more) in the command's\n"
	"                  stdout and stderr with *****\n"
	"Variables of the environment whose value is a custos://NAME/FIELD reference are\n"
	"resolved too. Two credentials giving one variable is an error. The exit status is\n"
	"the command's (128+N if signal N killed it; 127: not found, 126: not runnable).\n";

#define MASK_LINE_MIN 8 /* lines of a multi-line value masked on their own */
#define PUMP_BYTES (256 * 1024) /* read at once from the child, and its pipes' size */

/* Resolves what the command gets: environment references first, then the
 * map file (its lines win), then each --path secret's defaults. */
static int resolve(cli_ctx *ctx, cli_envset *s, cli_opt *opts)
{
	int rc = CST_OK;
	char origin[CST_ENV_NAME_MAX + 32];
	for (char **e = environ; rc == CST_OK && *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		if (eq == NULL || !cst_ref_is(eq + 1, strlen(eq + 1)))
			continue;
		char var[CST_ENV_NAME_MAX];
		if ((size_t)(eq - *e) >= sizeof(var)) {
			rc = cst_fail(CST_EINVAL, "an environment variable holding a reference has a name "
			                          "longer than %d bytes", CST_ENV_NAME_MAX - 1);
			break;
		}
		memcpy(var, *e, (size_t)(eq - *e));
		var[eq - *e] = '\0';
		snprintf(origin, sizeof(origin), "the environment variable %s", var);
		cst_ref ref;
		if ((rc = cst_ref_parse(&ref, eq + 1, strlen(eq + 1))) < 0)
			rc = cst_fail_prefix(rc, "%s", origin);
		else
			rc = cli_envset_add_ref(ctx, s, var, &ref, origin);
	}
	cli_opt *map = cli_find(opts, "env-file");
	for (int i = 0; rc == CST_OK && i < map->count; i++)
		rc = cli_envset_map_file(ctx, s, map->vals[i]);
	cli_opt *paths = cli_find(opts, "path");
	for (int i = 0; rc == CST_OK && i < paths->count; i++)
		rc = cli_envset_add_secret(ctx, s, paths->vals[i]);
	return rc;
}

static void free_envp(char **envp)
{
	for (char **e = envp; e && *e; e++)
		cst_free_wiped(*e);
	free(envp);
}

/* The child's environment: custos's own, less the variables set here,
 * plus them. */
static char **build_envp(const cli_envset *s)
{
	size_t n = 0;
	for (char **e = environ; *e; e++)
		n++;
	char **envp = calloc(n + s->n + 1, sizeof(char *));
	if (envp == NULL)
		return NULL;
	size_t o = 0;
	for (char **e = environ; *e; e++) {
		const char *eq = strchr(*e, '=');
		size_t nl = eq ? (size_t)(eq - *e) : strlen(*e);
		char var[CST_LIMIT_NAME + CST_LIMIT_FIELD_NAME + 8];
		if (nl < sizeof(var)) {
			memcpy(var, *e, nl);
			var[nl] = '\0';
			if (s->index && json_object_get(s->index, var) != NULL)
				continue;
		}
		if ((envp[o++] = cst_strndup(*e, strlen(*e))) == NULL)
			goto oom;
	}
	for (size_t i = 0; i < s->n; i++) {
		size_t vl = strlen(s->v[i].var);
		char *kv = malloc(vl + 1 + s->v[i].len + 1);
		if ((envp[o++] = kv) == NULL)
			goto oom;
		memcpy(kv, s->v[i].var, vl);
		kv[vl] = '=';
		memcpy(kv + vl + 1, s->v[i].value, s->v[i].len);
		kv[vl + 1 + s->v[i].len] = '\0';
	}
	return envp;
oom:
	free_envp(envp);
	return NULL;
}

/* What a program custos execs should find: the umask and core-dump limit
 * custos was started with (run_masked restores the signals it changed). */
static void restore_process(const cli_ctx *ctx)
{
	umask(ctx->start_umask);
	cst_mem_core_dumps_restore();
}

static int exec_failed(const char *cmd, int err)
{
	fprintf(stderr, "custos run: cannot run '%.200s': %s\n", cmd, strerror(err));
	return err == ENOENT ? 127 : 126;
}

/* --- --mask: the parent pumps the child's output through maskers. --- */

static volatile sig_atomic_t child_pid;
static int wake_w = -1;
static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
#define N_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

/* Passes a signal on. Signals the terminal sends (Ctrl-C, a resize) come
 * from the kernel to the whole foreground process group, the child
 * included: passing those on would deliver them twice. */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	int saved = errno;
	if (sig == SIGCHLD) {
		if (write(wake_w, "c", 1) < 0) { /* the pipe is full: poll wakes anyway */
		}
	} else if (child_pid > 0 && (si == NULL || si->si_code != SI_KERNEL)) {
		kill((pid_t)child_pid, sig);
	}
	errno = saved;
}

typedef struct stream {
	int from;  /* the child's end we read, -1 when done */
	int to;    /* our stdout or stderr */
	int dead;  /* `to` is gone (EPIPE): stop writing */
	cst_masker *m;
} stream;

static void put_out(stream *st, const char *p, size_t n)
{
	while (n > 0 && !st->dead) {
		ssize_t w = write(st->to, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			/* Our reader is gone: close the pipe so the child gets SIGPIPE
			 * on its next write, as if it wrote to the reader itself. */
			st->dead = 1;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void stream_end(stream *st)
{
	const char *out;
	size_t n;
	if (cst_masker_finish(st->m, &out, &n) == CST_OK)
		put_out(st, out, n);
	close(st->from);
	st->from = -1;
}

/* Reads what there is; at the end of the pipe (or after the child died,
 * with drain set, once nothing is left) finishes the stream. */
static void stream_pump(stream *st, char *buf, size_t cap, int drain)
{
	for (;;) {
		ssize_t r = read(st->from, buf, cap);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN && !drain)
			return;
		if (r <= 0) {
			stream_end(st);
			return;
		}
		const char *out;
		size_t n;
		if (cst_masker_feed(st->m, buf, (size_t)r, &out, &n) == CST_OK)
			put_out(st, out, n);
		if (st->dead) {
			stream_end(st);
			return;
		}
		if (!drain)
			return;
	}
}

static int new_masker(cst_masker **out, const cli_envset *s)
{
	size_t n = 0, cap = 16;
	const char **vals = malloc(cap * sizeof(char *));
	size_t *lens = malloc(cap * sizeof(size_t));
	int rc = vals && lens ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	for (size_t i = 0; rc == CST_OK && i < s->n; i++) {
		if (s->v[i].field == NULL)
			continue; /* a literal of a map file, not a credential's value */
		/* The value, and each line of a multi-line one (a PEM key printed
		 * with other line endings still loses its lines). */
		const char *p = s->v[i].value, *end = p + s->v[i].len;
		int multi = memchr(p, '\n', s->v[i].len) != NULL;
		for (const char *line = p; rc == CST_OK && line <= end;) {
			const char *nl = memchr(line, '\n', (size_t)(end - line));
			const char *stop = nl ? nl : end;
			if (n + 2 > cap) {
				cap *= 2;
				const char **v2 = realloc(vals, cap * sizeof(char *));
				size_t *l2 = v2 ? realloc(lens, cap * sizeof(size_t)) : NULL;
				if (v2)
					vals = v2;
				if (l2)
					lens = l2;
				if (!v2 || !l2) {
					rc = cst_fail(CST_ENOMEM, "out of memory");
					break;
				}
			}
			if (line == p) {
				vals[n] = p;
				lens[n++] = s->v[i].len;
			}
			if (multi && (size_t)(stop - line) >= MASK_LINE_MIN) {
				vals[n] = line;
				lens[n++] = (size_t)(stop - line);
			}
			if (nl == NULL || !multi)
				break;
			line = nl + 1;
		}
	}
	if (rc == CST_OK)
		rc = cst_masker_new(out, vals, lens, n);
	free(vals);
	free(lens);
	return rc;
}

static int wait_child(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

static int run_masked(const cli_ctx *ctx, char **argv, char **envp, const cli_envset *s)
{
	stream st[2] = {{-1, STDOUT_FILENO, 0, NULL}, {-1, STDERR_FILENO, 0, NULL}};
	int out_p[2] = {-1, -1}, err_p[2] = {-1, -1}, wake[2] = {-1, -1}, status = 1;
	char *buf = NULL;
	if (new_masker(&st[0].m, s) < 0 || new_masker(&st[1].m, s) < 0 ||
	    (buf = malloc(PUMP_BYTES)) == NULL) {
		fprintf(stderr, "custos run: out of memory\n");
		goto done;
	}
	if (pipe2(out_p, O_CLOEXEC) || pipe2(err_p, O_CLOEXEC) || pipe2(wake, O_CLOEXEC | O_NONBLOCK)) {
		fprintf(stderr, "custos run: cannot make pipes: %s\n", strerror(errno));
		goto done;
	}
	/* Bigger pipes, fewer switches between the child and custos; best effort
	 * (the per-user pipe quota may say no). */
	(void)fcntl(out_p[1], F_SETPIPE_SZ, PUMP_BYTES);
	(void)fcntl(err_p[1], F_SETPIPE_SZ, PUMP_BYTES);
	wake_w = wake[1];
	struct sigaction ign, pipe_given;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &pipe_given);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigset_t all, old;
	sigemptyset(&all);
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaddset(&all, forwarded[i]);
	sigaddset(&all, SIGCHLD);
	sigprocmask(SIG_BLOCK, &all, &old);
	/* The child gets the dispositions custos was given (a signal ignored
	 * by whoever started custos stays ignored), as an exec would. */
	struct sigaction given[N_FORWARDED + 1];
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaction(forwarded[i], &sa, &given[i]);
	sigaction(SIGCHLD, &sa, &given[N_FORWARDED]);
	pid_t pid = fork();
	if (pid == 0) {
		for (size_t i = 0; i < N_FORWARDED; i++)
			sigaction(forwarded[i], &given[i], NULL);
		sigaction(SIGCHLD, &given[N_FORWARDED], NULL);
		sigaction(SIGPIPE, &pipe_given, NULL);
		restore_process(ctx);
		sigprocmask(SIG_SETMASK, &old, NULL);
		dup2(out_p[1], STDOUT_FILENO);
		dup2(err_p[1], STDERR_FILENO);
		execvpe(argv[0], argv, envp);
		_exit(exec_failed(argv[0], errno));
	}
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		fprintf(stderr, "custos run: cannot fork: %s\n", strerror(errno));
		goto done;
	}
	child_pid = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	free_envp(envp); /* the child has its copy; ours goes now */
	envp = NULL;
	close(out_p[1]);
	close(err_p[1]);
	out_p[1] = err_p[1] = -1;
	st[0].from = out_p[0];
	st[1].from = err_p[0];
	out_p[0] = err_p[0] = -1;
	int exited = 0, wstatus = 0;
	while (st[0].from >= 0 || st[1].from >= 0) {
		struct pollfd pfd[3] = {{st[0].from, POLLIN, 0}, {st[1].from, POLLIN, 0}, {wake[0], POLLIN, 0}};
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[2].revents) {
			char drain[64];
			while (read(wake[0], drain, sizeof(drain)) > 0) {
			}
			if (waitpid(pid, &wstatus, WNOHANG) == pid)
				exited = 1;
		}
		for (int i = 0; i < 2; i++)
			if (st[i].from >= 0 && (pfd[i].revents || exited)) {
				if (exited) /* what it wrote before it died; then stop */
					fcntl(st[i].from, F_SETFL, O_NONBLOCK);
				stream_pump(&st[i], buf, PUMP_BYTES, exited);
			}
	}
	if (exited)
		status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
		                            : WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : 1;
	else
		status = wait_child(pid);
	child_pid = 0;
done:
	for (int i = 0; i < 2; i++) {
		if (st[i].from >= 0)
			close(st[i].from);
		cst_masker_free(st[i].m);
	}
	int fds[] = {out_p[0], out_p[1], err_p[0], err_p[1], wake[0], wake[1]};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (buf != NULL) {
		cst_wipe(buf, PUMP_BYTES);
		free(buf);
	}
	free_envp(envp);
	return status;
}

int cmd_run(cli_ctx *ctx, int argc, char **argv)
{
	cli_opt opts[] = {{"path", 'p', 1, 0, {0}}, {"env-file", 0, 1, 0, {0}}, {"mask", 0, 0, 0, {0}},
	                  {0}};
	int npos, started;
	if ((started = cli_start(ctx, opts, argc, argv, help, &npos)) >= 0)
		return started;
	if (npos < 1)
		return cli_usage(ctx, "missing the command to run (custos run [--path NAME]... -- COMMAND)");
	cli_envset s = {0};
	int rc = resolve(ctx, &s, opts), status;
	if (rc < 0) {
		status = cli_fail(rc);
		cli_envset_release(&s);
		return status;
	}
	if (s.n == 0) {
		cli_envset_release(&s);
		return cli_usage(ctx, "no credentials to pass: give --path NAME or --env-file MAP");
	}
	/* The keys go before the command starts: it gets values, not keys. */
	cst_vault_close(ctx->vault);
	ctx->vault = NULL;
	char **envp = build_envp(&s);
	char **cmd = calloc((size_t)npos + 1, sizeof(char *));
	if (envp == NULL || cmd == NULL) {
		free_envp(envp);
		free(cmd);
		cli_envset_release(&s);
		return cli_fail(cst_fail(CST_ENOMEM, "out of memory"));
	}
	memcpy(cmd, argv, (size_t)npos * sizeof(char *));
	if (cli_flag(opts, "mask")) {
		status = run_masked(ctx, cmd, envp, &s);
		free(cmd);
		cli_envset_release(&s);
		return status;
	}
	cli_envset_release(&s);
	fflush(stdout);
	restore_process(ctx);
	execvpe(cmd[0], cmd, envp);
	status = exec_failed(cmd[0], errno);
	free_envp(envp);
	free(cmd);
	return status;
}
