/* policy.h - ACL policies as in Vault: HCL or JSON text with path rules,
 * capabilities, `*` (prefix) and `+` (one segment) globs, Vault's priority
 * rules, deny wins, default deny. The built-in `root` policy allows all;
 * `default` is stored on first use and can be edited, not deleted.
 *
 * Storage: sys/policy/<name> -> {"name", "policy" (text), "rules":
 * [{"pattern", "caps"}]} sealed by the barrier; rules are compiled once at
 * write time. */
#ifndef CST_POLICY_H
#define CST_POLICY_H

#include <jansson.h>

#include "custos.h"

/* The auth mount whose users' names are their entity names (and so own
 * users/<name>/); every other login is entity_<id> (see policy.c). */
#define CST_PERSONAL_AUTH_MOUNT "auth/userpass/"

enum {
	CST_CAP_CREATE = 1 << 0,
	CST_CAP_READ = 1 << 1,
	CST_CAP_UPDATE = 1 << 2,
	CST_CAP_PATCH = 1 << 3,
	CST_CAP_DELETE = 1 << 4,
	CST_CAP_LIST = 1 << 5,
	CST_CAP_SUDO = 1 << 6,
	CST_CAP_DENY = 1 << 7,
};

/* Parses and compiles policy text (HCL or JSON) into rules. CST_EINVAL
 * with the reason for bad syntax, unknown capabilities or bad globs. */
int cst_policy_compile(json_t **out_rules, const char *text, size_t len)
	__attribute__((warn_unused_result));

/* Policy names: lower-cased, [a-z0-9_.-/]; *changed says a name was
 * lower-cased (Vault then warns). */
int cst_policy_name(char *out, size_t n, const char *name, int *changed)
	__attribute__((warn_unused_result));

int cst_policy_put(cst_vault *v, const char *name, const char *text)
	__attribute__((warn_unused_result));
int cst_policy_get(json_t **out, cst_vault *v, const char *name) __attribute__((warn_unused_result));
int cst_policy_delete(cst_vault *v, const char *name) __attribute__((warn_unused_result));
int cst_policy_list(json_t **out, cst_vault *v) __attribute__((warn_unused_result));

/* An ACL: the rules of a token's policies merged. Reference counted:
 * cst_acl_free drops a reference. */
typedef struct cst_acl cst_acl;
int cst_acl_build(cst_acl **out, cst_vault *v, const json_t *policy_names)
	__attribute__((warn_unused_result));
void cst_acl_free(cst_acl *acl);
void cst_acl_ref(cst_acl *acl); /* one more reference */

/* Compiled ACLs by policy set (acl_cache.c), so a request does not merge
 * its token's policies again. cst_acl_get hands out a reference (free it
 * with cst_acl_free). Any policy change in this process calls
 * cst_acl_cache_changed; entries also expire after a second, the bound on
 * how long another process's change can go unseen, as for the policy
 * records themselves. */
typedef struct cst_acl_cache cst_acl_cache;
cst_acl_cache *cst_acl_cache_new(void);
void cst_acl_cache_free(cst_acl_cache *c);
void cst_acl_cache_changed(cst_acl_cache *c);
int cst_acl_get(cst_acl **out, cst_vault *v, const json_t *policy_names)
	__attribute__((warn_unused_result));

/* The capabilities (CST_CAP_* bits) the ACL grants on path; a list request
 * on "a/" also matches an exact rule for "a". Root ACLs grant all. Rules
 * with identity templates match nothing here (no identity). */
unsigned cst_acl_capabilities(const cst_acl *acl, const char *path, int listing);

/* The same for a token with an identity (the "identity" object of its
 * entry: entity_name, entity_id, mount_accessor; NULL for none). A rule
 * whose template cannot be filled from it matches nothing: templated
 * policies fail closed. The ACL itself stays identity-free, so one built
 * ACL serves every token with the same policies. */
unsigned cst_acl_capabilities_for(const cst_acl *acl, const json_t *identity, const char *path,
                                  int listing);

/* Substitutes a pattern's templates ({{identity.entity.name}},
 * {{identity.entity.id}}, {{identity.entity.aliases.<accessor>.name}})
 * from an identity into out (n bytes). 1 on success; 0 when a template is
 * unknown, its value missing or not one plain path segment (no '/', glob
 * or brace), or out too small. */
int cst_policy_expand(char *out, size_t n, const char *pattern, const json_t *identity);

/* Capability names ("read", ...) of a bit set, as a JSON array. */
json_t *cst_caps_json(unsigned caps);

#endif
