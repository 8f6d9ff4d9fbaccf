/* limits.h - every size and count limit in one place (as sqliteLimit.h). */
#ifndef CST_LIMITS_H
#define CST_LIMITS_H

#define CST_LIMIT_NAME 512                   /* secret name bytes (CST_NAME_MAX) */
#define CST_LIMIT_FIELD_NAME 128             /* credential field name bytes */
#define CST_LIMIT_FIELDS 16384               /* fields in one secret version (a whole .env) */
#define CST_LIMIT_VALUE (1024 * 1024)        /* bytes of one secret version's data */
#define CST_LIMIT_STORED (2 * 1024 * 1024)   /* bytes of one stored (sealed) value */
#define CST_LIMIT_STORAGE_KEY 1024           /* bytes of one storage key */
#define CST_LIMIT_VERSIONS_KEPT 1000         /* highest max_versions accepted */
#define CST_LIMIT_DEFAULT_VERSIONS 10        /* Vault's default max_versions */
#define CST_LIMIT_CUSTOM_META_KEYS 64        /* Vault: custom_metadata keys */
#define CST_LIMIT_CUSTOM_META_KEY 128        /* Vault: custom_metadata key length */
#define CST_LIMIT_CUSTOM_META_VALUE 512      /* Vault: custom_metadata value length */
#define CST_LIMIT_LIST_PAGE 1000             /* storage keys fetched per list call */
#define CST_LIMIT_TERMS 65535                /* data-key terms in one keyring */
#define CST_LIMIT_TERM_SEALS (1ull << 30)    /* seals under one term before auto-rotation */
#define CST_LIMIT_PASSPHRASE 4096            /* passphrase bytes */
#define CST_LIMIT_FILE (16 * 1024 * 1024)    /* files read whole (key, json, @file) */
#define CST_LIMIT_CAS_RETRIES 16             /* optimistic write retries on a race */
#define CST_LIMIT_MAX_DURATION (100LL * 365 * 86400) /* longest duration setting, seconds */
#define CST_LIMIT_LOGIN_ADDR_FAILURES 30     /* failed logins per address per window... */
#define CST_LIMIT_LOGIN_ADDR_WINDOW 60       /* ...of this many seconds, then 429 */
#define CST_LIMIT_LOGIN_TRACKED 100000       /* users (and addresses) with failures tracked */
#define CST_LIMIT_LOGIN_KEEP 86400           /* seconds an unlocked failure count is kept */
#define CST_LIMIT_LOGIN_QUEUE 8              /* password checks waiting for a core, then 429 */
#define CST_LIMIT_AUTH_NAME 128              /* user, role and team name bytes */
#define CST_LIMIT_AUTH_LIST 64               /* policies, teams or CIDRs on one user or role */

#endif
