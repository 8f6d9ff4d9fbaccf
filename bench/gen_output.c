/* gen_output.c - the child for the `custos run --mask` benchmark: writes
 * BYTES of log-like text to stdout as fast as write(2) takes it, with one
 * of the secrets (read from SECRETS_FILE, one a line) every EVERY lines,
 * so the masker has real matches among the near misses.
 *
 *   build/bench/gen_output BYTES [SECRETS_FILE [EVERY]]
 *
 * The text is built once (1 MiB, lines cut to fit) and written again and
 * again; BYTES may take a k, M or G suffix (binary). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK (1024 * 1024)

static unsigned long long parse_size(const char *s)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 10);
	switch (*end) {
	case 'k': return n << 10;
	case 'M': return n << 20;
	case 'G': return n << 30;
	default: return n;
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: gen_output BYTES [SECRETS_FILE [EVERY]]\n");
		return 2;
	}
	unsigned long long total = parse_size(argv[1]);
	long every = argc > 3 ? atol(argv[3]) : 50;
	char **secrets = NULL;
	size_t n_secrets = 0, cap = 0;
	if (argc > 2) {
		FILE *f = fopen(argv[2], "r");
		char line[4096];
		if (f == NULL) {
			perror(argv[2]);
			return 1;
		}
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			if (n_secrets == cap) {
				cap = cap ? cap * 2 : 1024;
				secrets = realloc(secrets, cap * sizeof(char *));
				if (secrets == NULL)
					return 1;
			}
			secrets[n_secrets++] = strdup(line);
		}
		fclose(f);
	}
	char *buf = malloc(BLOCK + 8192);
	if (buf == NULL)
		return 1;
	size_t o = 0;
	for (long i = 0; o < BLOCK; i++) {
		const char *s = n_secrets && every > 0 && i % every == 0 ? secrets[(size_t)i / (size_t)every % n_secrets]
		                                                        : "sk-proj-not-a-secret";
		o += (size_t)snprintf(buf + o, 8192, "2026-11-24T10:%02ld:%02ld.%03ldZ INFO request id=%08lx "
		                      "path=/v1/chat/completions status=200 took=%ldms key=%s user=u%ld\n",
		                      i / 60 % 60, i % 60, i % 1000, i * 2654435761ul, i % 97, s, i % 1000);
	}
	for (unsigned long long done = 0; done < total;) {
		size_t n = total - done < BLOCK ? (size_t)(total - done) : BLOCK;
		ssize_t w = write(STDOUT_FILENO, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 1;
		done += (unsigned long long)w;
	}
	return 0;
}
