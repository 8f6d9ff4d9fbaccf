/* read_secret.c - the smallest useful libcustos program: open the vault
 * the environment points at and print one field of one credential.
 *
 *   cc read_secret.c -lcustos $(pkg-config --libs libcrypto sqlite3 jansson)
 *   ./read_secret openai/prod api_key
 */
#include <stdio.h>

#include "custos.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s NAME FIELD\n", argv[0]);
		return 2;
	}
	cst_vault *vault = NULL;
	char *value = NULL;
	int rc = cst_vault_open(&vault, NULL); /* $CUSTOS_VAULT, $CUSTOS_KEY_FILE, ... */
	if (rc == CST_OK)
		rc = cst_secret_field(&value, NULL, vault, argv[1], argv[2]);
	if (rc == CST_OK)
		printf("%s\n", value);
	else
		fprintf(stderr, "read_secret: %s\n", cst_errmsg());
	cst_secret_free(value); /* wipes before freeing */
	cst_vault_close(vault);
	return cst_exit_status(rc);
}
