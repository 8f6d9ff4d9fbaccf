/* get_phases.c - where the time of one `custos get` goes, in-process: the
 * same calls the CLI makes for `get NAME -f FIELD`, timed one by one, in a
 * fresh process (run it many times; bench/run.sh takes the median).
 *
 *   build/bench/get_phases VAULT KEY_FILE NAME FIELD
 *
 * prints one line of microseconds:
 *
 *   get_phases crypto_init_us=... open_us=... read_us=... close_us=... total_us=...
 *
 *   crypto_init  OPENSSL_init_crypto (the flags src/crypto/aead.c uses) and
 *                EVP_CIPHER_fetch("AES-256-GCM"): OpenSSL 3 builds its
 *                method store on the first fetch. aead.c does the same on
 *                its first seal or open; done here first, so the phases
 *                below find it built, as they would in the CLI.
 *   open         cst_vault_open: SQLite open, pragmas, statement
 *                preparation, key file, canary, keyring, mount table.
 *   read         cst_secret_field: the logical read (metadata + version).
 *   close        cst_vault_close.
 *
 * (`custos get` draws no random bytes, so the DRBG is not seeded here.)
 *
 * What happens before main (exec, dynamic loader, relocations) and after
 * it (atexit handlers, OPENSSL_cleanup) is not in these figures: compare
 * the whole-process time from hyperfine. Linked as the custos binary is
 * (static archives), so page faults and relocations are alike. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "custos.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: get_phases VAULT KEY_FILE NAME FIELD\n");
		return 2;
	}
	double t0 = now_us();
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ADD_ALL_CIPHERS |
	                            OPENSSL_INIT_NO_ADD_ALL_DIGESTS,
	                    NULL);
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	if (c == NULL) {
		fprintf(stderr, "get_phases: no AES-256-GCM in libcrypto\n");
		return 1;
	}
	EVP_CIPHER_free(c);
	double t2 = now_us();
	cst_open_opts o = {0};
	o.vault_path = argv[1];
	o.key_file = argv[2];
	cst_vault *v = NULL;
	int rc = cst_vault_open(&v, &o);
	double t3 = now_us();
	char *value = NULL;
	if (rc == CST_OK)
		rc = cst_secret_field(&value, NULL, v, argv[3], argv[4]);
	double t4 = now_us();
	if (rc != CST_OK) {
		fprintf(stderr, "get_phases: %s (%s)\n", cst_strerror(rc), cst_errmsg());
		cst_vault_close(v);
		return cst_exit_status(rc);
	}
	size_t len = strlen(value);
	cst_secret_free(value);
	cst_vault_close(v);
	double t5 = now_us();
	printf("get_phases crypto_init_us=%.0f open_us=%.0f read_us=%.0f close_us=%.0f "
	       "total_us=%.0f value_bytes=%zu\n",
	       t2 - t0, t3 - t2, t4 - t3, t5 - t4, t5 - t0, len);
	return 0;
}
