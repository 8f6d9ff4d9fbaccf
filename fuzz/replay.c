/* replay.c - runs a fuzz target over saved inputs without libFuzzer, so
 * every input in fuzz/corpus/ (seeds and past crashes) is replayed by
 * `make test`. Linked with one fuzz_<name>.c; usage:
 *
 *   replay_fuzz_names DIR|FILE...
 *
 * Directories are read in byte order of their file names, skipping dot
 * files. Each input is copied to a heap block of exactly its size, so a
 * sanitizer build catches any read past the end. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target; weak, so it is NULL when the target lacks it. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static const char *target = "fuzz";
static const char *current; /* the input being run, named if it aborts */

/* A target's invariant checks abort(): say which input did it. Only
 * async-signal-safe calls here. */
static void on_abort(int sig)
{
	static const char msg[] = "replay: aborted on input ";
	if (current != NULL) {
		(void)!write(2, msg, sizeof(msg) - 1);
		(void)!write(2, current, strlen(current));
		(void)!write(2, "\n", 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dot(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/* Reads path whole into a block of exactly its size (1 byte for an empty
 * file, so the pointer is never NULL) and runs the target on it. */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "replay %s: cannot open %s: %s\n", target, path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, len = 0;
	unsigned char *buf = malloc(cap);
	size_t n;
	while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			unsigned char *bigger = realloc(buf, cap *= 2);
			if (bigger == NULL)
				free(buf);
			buf = bigger;
		}
	}
	int err = buf == NULL || ferror(f);
	fclose(f);
	if (err) {
		fprintf(stderr, "replay %s: cannot read %s\n", target, path);
		free(buf);
		return -1;
	}
	unsigned char *exact = malloc(len ? len : 1);
	if (exact == NULL) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, len);
	free(buf);
	current = path;
	(void)LLVMFuzzerTestOneInput(exact, len);
	current = NULL;
	free(exact);
	return 0;
}

/* Runs every input under arg; returns how many, or -1 on an error. */
static long run_arg(const char *arg)
{
	struct stat st;
	if (stat(arg, &st) != 0) {
		fprintf(stderr, "replay %s: %s: %s\n", target, arg, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(arg) < 0 ? -1 : 1;
	struct dirent **list = NULL;
	int n = scandir(arg, &list, skip_dot, by_name);
	if (n < 0) {
		fprintf(stderr, "replay %s: cannot list %s: %s\n", target, arg, strerror(errno));
		return -1;
	}
	long count = 0;
	for (int i = 0; i < n; i++) {
		size_t plen = strlen(arg) + strlen(list[i]->d_name) + 2;
		char *path = malloc(plen);
		if (path == NULL || (snprintf(path, plen, "%s/%s", arg, list[i]->d_name),
		                     stat(path, &st)) != 0) {
			fprintf(stderr, "replay %s: cannot stat %s/%s\n", target, arg, list[i]->d_name);
			count = -1;
		} else if (S_ISREG(st.st_mode) && count >= 0) {
			if (run_file(path) < 0)
				count = -1;
			else
				count++;
		}
		free(path);
		free(list[i]);
	}
	free(list);
	return count;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	if (strncmp(base, "replay_", 7) == 0)
		base += 7;
	target = base;
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 1;
	}
	signal(SIGABRT, on_abort);
	if (LLVMFuzzerInitialize != NULL)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	long total = 0;
	for (int i = 1; i < argc; i++) {
		long n = run_arg(argv[i]);
		if (n < 0)
			return 1;
		total += n;
	}
	if (total == 0) {
		fprintf(stderr, "replay %s: no inputs in", target);
		for (int i = 1; i < argc; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, "\n");
		return 1;
	}
	printf("replay %s: %ld inputs ok\n", target, total);
	return 0;
}
