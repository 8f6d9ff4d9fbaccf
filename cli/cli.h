/* cli.h - what the command files share: the parsed global flags, the
 * option parser, the request helper (local vault now, a server later),
 * input of secret values and output of tables. */
#ifndef CST_CLI_H
#define CST_CLI_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "custos.h"
#include "custos/request.h"

/* from src/core/names.h: accepts "" and a trailing "/" */
int cst_name_check_prefix(const char *name, size_t len);

typedef struct cli_ctx {
	/* global flags (or NULL): --vault, --key-file, --passphrase-file, --kv-mount */
	const char *vault_path;
	const char *key_file;
	const char *passphrase_file;
	const char *kv_mount; /* --kv-mount (else CUSTOS_KV_MOUNT, else "secret") */
	cst_vault *vault;     /* opened on first request; owned */
	const char *command;  /* the command name, for messages */
	mode_t start_umask;   /* before main's umask(077), for programs run */
} cli_ctx;

/* One option of a command. Values of repeatable options collect in vals. */
#define CLI_MAX_VALUES 64
typedef struct cli_opt {
	const char *name;   /* long name without "--" */
	char short_name;    /* 0 if none */
	int takes_value;
	int count;          /* times given */
	const char *vals[CLI_MAX_VALUES];
} cli_opt;

/* Parses argv against opts (terminated by a zero entry); positional
 * arguments are moved to the front of argv and counted in *npos. "-h" and
 * "--help" set *help. Returns CST_OK or CST_EINVAL with a message. */
int cli_parse(cli_opt *opts, int argc, char **argv, int *npos, int *help);
/* The start of every command: parses argv against opts, prints help for
 * -h. Returns an exit status when the command is done (0 after help, 2
 * for a usage error), or -1 when it should go on. */
int cli_start(cli_ctx *ctx, cli_opt *opts, int argc, char **argv, const char *help, int *npos);
cli_opt *cli_find(cli_opt *opts, const char *name);
const char *cli_value(cli_opt *opts, const char *name); /* last value or NULL */
int cli_flag(cli_opt *opts, const char *name);          /* times given */

/* Parses a non-negative integer option; CST_EINVAL names the option. */
int cli_uint(unsigned long long *out, const char *text, const char *what);

/* Sends a request: in-process to the local vault (opened on first use,
 * asking for a passphrase on the terminal when the vault needs one). */
int cli_request(cli_ctx *ctx, cst_op op, const char *path, json_t *data, cst_response *resp);

/* Remote mode: the server address (CUSTOS_ADDR, else VAULT_ADDR) or NULL,
 * the token (CUSTOS_TOKEN, VAULT_TOKEN, then the login file), and one
 * request over HTTP(S). */
const char *cli_remote_addr(void);
int cli_remote_token(char *out, size_t n);
int cli_remote_request(const char *addr, const char *token, cst_op op, const char *path,
                       json_t *data, cst_response *resp);
/* Where `custos login` keeps the token: $CUSTOS_TOKEN_FILE, else
 * $XDG_CONFIG_HOME/custos/token (0600). */
int cli_token_file(char *out, size_t n);

/* Opens the local vault (for commands that need the handle itself). */
int cli_open(cli_ctx *ctx);

/* Prints "custos: <detail>" for a failed rc and returns the exit status. */
int cli_fail(int rc);
/* Prints a usage error with the command's help hint; returns 2. */
int cli_usage(const cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Secret input. */
int cli_read_stdin(char **out, size_t *out_len);           /* whole stdin, one trailing newline off */
int cli_read_file_value(char **out, size_t *out_len, const char *path);
int cli_prompt_secret(char **out, size_t *out_len, const char *prompt); /* no echo, /dev/tty */

/* Output. */
void cli_mask(char *out, size_t n, const char *value, size_t len);
void cli_print_table(FILE *f, const char *const *headers, size_t ncols, json_t *rows);
void cli_print_json(FILE *f, json_t *value);
void cli_shell_quote(FILE *f, const char *value);

/* Identity commands (identity.c). A secret (password, secret_id) from
 * file ("-" is stdin) or, when file is NULL, a no-echo prompt, asked twice
 * with confirm. Never from argv. */
int cli_secret_input(char **out, size_t *out_len, const char *file, const char *prompt,
                     int confirm);
/* CST_EINVAL unless name is a non-empty path segment (no '/'). */
int cli_path_segment(const char *name, const char *what);
/* The values of a repeatable option as a JSON array (owned). */
json_t *cli_values(cli_opt *opts, const char *name);
/* "key  value" lines of an object (strings bare, the rest as JSON). */
void cli_print_fields(FILE *f, json_t *data);
/* Prints the keys of a LIST, one a line; an empty list is no error.
 * Returns the exit status. */
int cli_list_keys(cli_ctx *ctx, const char *path);
/* Reads path and prints its data (--format json, or key/value lines);
 * CST_ENOTFOUND says missing. Returns a status code. */
int cli_show_record(cli_ctx *ctx, cli_opt *opts, const char *path, const char *missing);
/* "custos: warning: ..." on stderr for each warning of a response. */
void cli_print_warnings(const cst_response *resp);
/* Keeps a token for later commands in the token file (cmd_auth.c). */
int cli_save_token(const char *token);

/* Chooses the kv mount the KV commands use (cli_kv_path): mount, else
 * CUSTOS_KV_MOUNT, else "secret"; a trailing "/" is optional. CST_EINVAL
 * (with a message) for a path that cannot be a mount. */
int cli_set_kv_mount(const char *mount);
/* Room for any "mount/kind/name" cli_kv_path builds from a valid name. */
#define CLI_KV_PATH_MAX (CST_LIMIT_NAME + 160)
/* Builds "mount/kind/name" into out; CST_EINVAL for a bad name. */
int cli_kv_path(char *out, size_t n, const char *kind, const char *name, int allow_folder);

/* Credentials as environment variables (envset.c), for run and export. */
typedef struct cst_ref cst_ref;
typedef struct cli_envvar {
	char *var;      /* the variable's name */
	char *value;    /* wiped on release */
	size_t len;
	char *origin;   /* the secret's name, or where an explicit entry came from */
	char *type;     /* the credential's type, or NULL */
	char *field;    /* the field, or NULL for a literal */
	int secret;     /* a secret field: masked by --mask */
	int explicit;   /* named by a map file or the environment, not by default */
} cli_envvar;

typedef struct cli_envset {
	cli_envvar *v; /* owned, in the order added */
	size_t n, cap;
	json_t *cache;   /* secret name -> its read response */
	json_t *index;   /* variable -> position in v */
	json_t *claimed; /* "NAME\nFIELD" of fields explicit entries took */
	json_t *added;   /* names of the secrets added whole */
} cli_envset;

void cli_envset_release(cli_envset *s);
/* Reads a secret once (cached): {"data", "metadata"}, borrowed. */
int cli_fetch_secret(cli_ctx *ctx, cli_envset *s, const char *name, json_t **out);
/* Every field of a secret under its default variable name, skipping the
 * fields and variables explicit entries took. */
int cli_envset_add_secret(cli_ctx *ctx, cli_envset *s, const char *name);
/* An explicit entry: var from a reference, or a literal value; a later
 * entry for the same variable replaces an earlier one. */
int cli_envset_add_ref(cli_ctx *ctx, cli_envset *s, const char *var, const cst_ref *ref,
                       const char *origin);
int cli_envset_add_literal(cli_envset *s, const char *var, const char *value, size_t len,
                           const char *origin);
/* The lines of a map file (dotenv syntax): VAR=custos://NAME/FIELD, or a
 * literal value passed as it is. */
int cli_envset_map_file(cli_ctx *ctx, cli_envset *s, const char *path);

/* Stores data as credential name of type (cmd_import.c): a new version,
 * or nothing when the current version holds the same data (returns 1).
 * CST_ECONFLICT when name is a credential of another type. */
int cli_import_store(cli_ctx *ctx, const char *name, const char *type, json_t *data,
                     long long *out_version);

/* Commands (cmd_*.c). */
int cmd_init(cli_ctx *ctx, int argc, char **argv);
int cmd_status(cli_ctx *ctx, int argc, char **argv);
int cmd_put(cli_ctx *ctx, int argc, char **argv);
int cmd_get(cli_ctx *ctx, int argc, char **argv);
int cmd_list(cli_ctx *ctx, int argc, char **argv);
int cmd_history(cli_ctx *ctx, int argc, char **argv);
int cmd_rollback(cli_ctx *ctx, int argc, char **argv);
int cmd_delete(cli_ctx *ctx, int argc, char **argv);
int cmd_undelete(cli_ctx *ctx, int argc, char **argv);
int cmd_destroy(cli_ctx *ctx, int argc, char **argv);
int cmd_meta(cli_ctx *ctx, int argc, char **argv);
int cmd_key(cli_ctx *ctx, int argc, char **argv);
int cmd_rewrap(cli_ctx *ctx, int argc, char **argv);
int cmd_types(cli_ctx *ctx, int argc, char **argv);
int cmd_server(cli_ctx *ctx, int argc, char **argv);
int cmd_login(cli_ctx *ctx, int argc, char **argv);
int cmd_token(cli_ctx *ctx, int argc, char **argv);
int cmd_policy(cli_ctx *ctx, int argc, char **argv);
int cmd_audit(cli_ctx *ctx, int argc, char **argv);
int cmd_operator(cli_ctx *ctx, int argc, char **argv);
int cmd_auth_method(cli_ctx *ctx, int argc, char **argv);
int cmd_user(cli_ctx *ctx, int argc, char **argv);
int cmd_team(cli_ctx *ctx, int argc, char **argv);
int cmd_approle(cli_ctx *ctx, int argc, char **argv);
int cmd_fernet(cli_ctx *ctx, int argc, char **argv);
int cmd_import(cli_ctx *ctx, int argc, char **argv);
int cmd_import_fernet(cli_ctx *ctx, int argc, char **argv);
int cmd_presign(cli_ctx *ctx, int argc, char **argv);
int cmd_check(cli_ctx *ctx, int argc, char **argv);
int cmd_run(cli_ctx *ctx, int argc, char **argv);
int cmd_inject(cli_ctx *ctx, int argc, char **argv);
int cmd_header(cli_ctx *ctx, int argc, char **argv);
int cmd_import_env(cli_ctx *ctx, int argc, char **argv);
int cmd_import_dotenv(cli_ctx *ctx, int argc, char **argv);
int cmd_export(cli_ctx *ctx, int argc, char **argv);
int cmd_report(cli_ctx *ctx, int argc, char **argv);

/* Execs helper (custos-server, custos-check) from custos's own directory
 * with the global flags and argv; returns only on failure (status 1). */
int cli_exec_sibling(cli_ctx *ctx, const char *helper, int argc, char **argv);

/* The options `fernet` and `import fernet` share: the key from the
 * environment variable key_env, --ttl (ttl -1 when absent) and --now (the
 * clock when absent). Returns 0, or the exit status of a usage error. */
int cli_fernet_options(const cli_ctx *ctx, unsigned char key[32], int64_t *ttl, int64_t *now,
                       const char *key_env, const char *ttl_text, const char *now_text);

#endif
