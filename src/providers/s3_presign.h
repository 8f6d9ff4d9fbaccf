/* s3_presign.h - SigV4 query-string presigned URLs for S3 and S3-compatible
 * stores. The public entry points (cst_presign_s3, the cache) are in
 * custos.h; this is the part that needs no vault, for the CLI's remote
 * mode, which reads the credential over HTTP and signs here. */
#ifndef CST_S3_PRESIGN_H
#define CST_S3_PRESIGN_H

#include <jansson.h>
#include <stdint.h>

#include "custos.h"
#include "util/buf.h"

#define CST_PRESIGN_MAX_EXPIRES 604800 /* seven days, S3's limit */
#define CST_PRESIGN_DEFAULT_EXPIRES 3600

typedef struct cst_s3_creds {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token; /* NULL or "" */
	const char *region;        /* NULL or "" */
	const char *endpoint;      /* NULL or "" */
} cst_s3_creds;

/* Points out at the fields of a credential's data (borrowed from data).
 * type: the credential's type, NULL when untyped. CST_EINVAL when it is
 * not an aws credential or lacks the key fields. */
int cst_s3_creds_from_json(cst_s3_creds *out, const json_t *data, const char *type)
	__attribute__((warn_unused_result));

/* Writes the URL into out; now is the signing time when o->time is 0. */
int cst_s3_presign_url(cst_buf *out, const cst_s3_creds *c, const cst_presign_opts *o, int64_t now)
	__attribute__((warn_unused_result));

/* Reads credential `name` of the vault (the newest version) and its type;
 * *out_data is owned by the caller. */
int cst_s3_load_creds(json_t **out_data, char **out_type, cst_vault *vault, const char *name)
	__attribute__((warn_unused_result));

#endif
