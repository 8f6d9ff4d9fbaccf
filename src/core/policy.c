/* policy.c - compiling policies, storing them, and evaluating a token's
 * ACL with Vault's matching rules:
 *   1. an exact rule wins;
 *   2. else the highest-priority matching glob (later first wildcard, not
 *      ending in '*', fewer '+', longer, lexicographically larger);
 *   3. the same pattern in several policies: capabilities unioned, deny
 *      wins; different patterns never combine. */
#include "core/policy.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/vault.h"
#include "storage/storage.h"
#include "util/hcl.h"
#include "util/json.h"

#define POLICY_PREFIX "sys/policy/"

static const struct {
	const char *name;
	unsigned bit;
} cap_names[] = {
	{"create", CST_CAP_CREATE}, {"read", CST_CAP_READ},     {"update", CST_CAP_UPDATE},
	{"patch", CST_CAP_PATCH},   {"delete", CST_CAP_DELETE}, {"list", CST_CAP_LIST},
	{"sudo", CST_CAP_SUDO},     {"deny", CST_CAP_DENY},
};

#define ALL_CAPS (CST_CAP_CREATE | CST_CAP_READ | CST_CAP_UPDATE | CST_CAP_PATCH | \
                  CST_CAP_DELETE | CST_CAP_LIST | CST_CAP_SUDO)

/* The stock default policy, as Vault ships it (less identity paths). */
static const char default_policy[] =
	"# Allow tokens to look up their own properties\n"
	"path \"auth/token/lookup-self\" { capabilities = [\"read\"] }\n"
	"# Allow tokens to renew and revoke themselves\n"
	"path \"auth/token/renew-self\" { capabilities = [\"update\"] }\n"
	"path \"auth/token/revoke-self\" { capabilities = [\"update\"] }\n"
	"# Allow a token to look up its own capabilities on a path\n"
	"path \"sys/capabilities-self\" { capabilities = [\"update\"] }\n"
	"path \"sys/internal/ui/resultant-acl\" { capabilities = [\"read\"] }\n"
	"path \"sys/leases/renew\" { capabilities = [\"update\"] }\n"
	"path \"sys/leases/lookup\" { capabilities = [\"update\"] }\n"
	"path \"sys/wrapping/wrap\" { capabilities = [\"update\"] }\n"
	"path \"sys/wrapping/lookup\" { capabilities = [\"update\"] }\n"
	"path \"sys/wrapping/unwrap\" { capabilities = [\"update\"] }\n"
	"path \"sys/tools/hash\" { capabilities = [\"update\"] }\n"
	"path \"sys/tools/hash/*\" { capabilities = [\"update\"] }\n"
	"path \"cubbyhole/*\" { capabilities = [\"create\", \"read\", \"update\", \"delete\", \"list\"] }\n";

json_t *cst_caps_json(unsigned caps)
{
	json_t *a = json_array();
	if (caps & CST_CAP_DENY)
		return json_array_append_new(a, json_string("deny")), a;
	for (size_t i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
		if (caps & cap_names[i].bit)
			json_array_append_new(a, json_string(cap_names[i].name));
	return a;
}

static int parse_caps(unsigned *out, const json_t *rule, const char *pattern)
{
	json_t *caps = json_object_get(rule, "capabilities");
	const char *legacy = json_string_value(json_object_get(rule, "policy"));
	size_t i;
	json_t *c;
	*out = 0;
	if (legacy) { /* policy = "read|write|sudo|deny" */
		unsigned write = CST_CAP_CREATE | CST_CAP_READ | CST_CAP_UPDATE | CST_CAP_DELETE | CST_CAP_LIST;
		if (!strcmp(legacy, "read"))
			*out = CST_CAP_READ | CST_CAP_LIST;
		else if (!strcmp(legacy, "write"))
			*out = write;
		else if (!strcmp(legacy, "sudo"))
			*out = write | CST_CAP_SUDO;
		else if (!strcmp(legacy, "deny"))
			*out = CST_CAP_DENY;
		else
			return cst_fail(CST_EINVAL, "path \"%.128s\": unknown policy \"%.32s\"", pattern, legacy);
	}
	if (caps != NULL && !json_is_array(caps))
		return cst_fail(CST_EINVAL, "path \"%.128s\": capabilities must be a list", pattern);
	json_array_foreach(caps, i, c) {
		const char *name = json_string_value(c);
		unsigned bit = 0;
		for (size_t k = 0; name && k < sizeof(cap_names) / sizeof(cap_names[0]); k++)
			if (!strcmp(name, cap_names[k].name))
				bit = cap_names[k].bit;
		if (bit == 0)
			return cst_fail(CST_EINVAL, "path \"%.128s\": invalid capability \"%.32s\"", pattern,
			                name ? name : "?");
		*out |= bit;
	}
	return CST_OK;
}

/* The identity templates a pattern may hold, as Vault writes them:
 * {{identity.entity.name}}, {{identity.entity.id}} and
 * {{identity.entity.aliases.<mount accessor>.name}}, spaces allowed inside
 * the braces. *out_var and *out_len delimit the name inside; *out_end is
 * just past the closing braces. 0 for anything else. */
static int parse_template(const char *t, const char **out_var, size_t *out_len,
                          const char **out_end)
{
	if (strncmp(t, "{{", 2) != 0)
		return 0;
	const char *a = t + 2, *close = strstr(a, "}}");
	if (close == NULL)
		return 0;
	const char *b = close;
	while (a < b && *a == ' ')
		a++;
	while (b > a && b[-1] == ' ')
		b--;
	*out_var = a;
	*out_len = (size_t)(b - a);
	*out_end = close + 2;
	static const char alias[] = "identity.entity.aliases.";
	size_t n = *out_len, al = sizeof(alias) - 1;
	if ((n == 20 && !strncmp(a, "identity.entity.name", n)) ||
	    (n == 18 && !strncmp(a, "identity.entity.id", n)))
		return 1;
	if (n > al + 5 && !strncmp(a, alias, al) && !strncmp(b - 5, ".name", 5)) {
		for (const char *c = a + al; c < b - 5; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
				return 0;
		return 1;
	}
	return 0;
}

/* Braces in a pattern only as known templates. */
static int check_templates(const char *p)
{
	for (const char *t = p; *t; t++) {
		const char *var, *end;
		size_t len;
		if (*t != '{' && *t != '}')
			continue;
		if (!parse_template(t, &var, &len, &end))
			return cst_fail(CST_EINVAL,
			                "path \"%.128s\": unknown template or stray brace (custos has "
			                "{{identity.entity.name}}, {{identity.entity.id}} and "
			                "{{identity.entity.aliases.<mount accessor>.name}})", p);
		t = end - 1;
	}
	return CST_OK;
}

/* A value substituted into a pattern: one plain path segment, never a
 * glob or a separator, so a name cannot widen what the rule grants. */
static int safe_segment(const char *v)
{
	size_t n = v ? strlen(v) : 0;
	if (n == 0 || n > 256 || !strcmp(v, ".") || !strcmp(v, ".."))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] == '/' || v[i] == '*' || v[i] == '+' || v[i] == '{' || v[i] == '}' ||
		    (unsigned char)v[i] < 0x21 || (unsigned char)v[i] == 0x7f)
			return 0;
	return 1;
}

/* {{identity.entity.name}}: the user's name for logins through the
 * primary userpass mount (whose users own users/<name>/), and Vault's
 * default entity name, "entity_<id>", for every other login: a second
 * userpass mount's "carol", or an approle role named "carol", is not the
 * primary mount's carol. A primary user whose name looks like that default
 * gets no name (fail closed), so no name can pose as another's entity. */
static const char *entity_name(char *buf, size_t n, const json_t *identity)
{
	const char *alias = json_string_value(json_object_get(identity, "entity_name"));
	const char *mount = json_string_value(json_object_get(identity, "mount_path"));
	const char *id = json_string_value(json_object_get(identity, "entity_id"));
	if (mount && strcmp(mount, CST_PERSONAL_AUTH_MOUNT) == 0)
		return alias && strncmp(alias, "entity_", 7) != 0 ? alias : NULL;
	if (id == NULL || *id == '\0' || snprintf(buf, n, "entity_%s", id) >= (int)n)
		return NULL;
	return buf;
}

int cst_policy_expand(char *out, size_t n, const char *pattern, const json_t *identity)
{
	char entity_buf[128];
	size_t o = 0;
	const char *p = pattern;
	while (*p) {
		const char *var, *end, *value = NULL;
		size_t len;
		if (p[0] == '{' && p[1] == '{') {
			if (!parse_template(p, &var, &len, &end))
				return 0;
			const char *acc = json_string_value(json_object_get(identity, "mount_accessor"));
			if (len == 20) /* identity.entity.name */
				value = entity_name(entity_buf, sizeof(entity_buf), identity);
			else if (len == 18) /* identity.entity.id */
				value = json_string_value(json_object_get(identity, "entity_id"));
			else if (acc && strlen(acc) == len - 29 && !strncmp(var + 24, acc, len - 29))
				value = json_string_value(json_object_get(identity, "entity_name"));
			if (!safe_segment(value))
				return 0; /* unresolved: the rule matches nothing (fail closed) */
			size_t vl = strlen(value);
			if (o + vl >= n)
				return 0;
			memcpy(out + o, value, vl);
			o += vl;
			p = end;
			continue;
		}
		if (o + 1 >= n)
			return 0;
		out[o++] = *p++;
	}
	out[o] = '\0';
	return 1;
}

/* '*' only last; '+' only as a whole segment; no "+*". */
static int check_pattern(const char *p)
{
	size_t n = strlen(p);
	int rc = check_templates(p);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '*' && i != n - 1)
			return cst_fail(CST_EINVAL, "path \"%.128s\": '*' may only end a pattern", p);
		if (p[i] == '+') {
			int starts = i == 0 || p[i - 1] == '/';
			int ends = i + 1 == n || p[i + 1] == '/';
			if (!starts || !ends)
				return cst_fail(CST_EINVAL, "path \"%.128s\": '+' must be a whole segment", p);
		}
	}
	return CST_OK;
}

int cst_policy_compile(json_t **out_rules, const char *text, size_t len)
{
	json_t *doc = NULL;
	int rc;
	*out_rules = NULL;
	size_t k = 0;
	while (k < len && (text[k] == ' ' || text[k] == '\n' || text[k] == '\t' || text[k] == '\r'))
		k++;
	if (k < len && text[k] == '{')
		rc = cst_json_parse_object(&doc, text, len, "policy");
	else
		rc = cst_hcl_parse(&doc, text, len, "policy");
	if (rc < 0)
		return rc;
	json_t *paths = json_object_get(doc, "path");
	json_t *rules = json_array();
	const char *pattern;
	json_t *rule;
	if (paths != NULL && !json_is_object(paths))
		rc = cst_fail(CST_EINVAL, "policy: path must be a block with a pattern label");
	json_object_foreach(paths, pattern, rule) {
		unsigned caps = 0;
		const char *pat = pattern[0] == '/' ? pattern + 1 : pattern;
		if (rc == CST_OK && !json_is_object(rule))
			rc = cst_fail(CST_EINVAL, "path \"%.128s\" must be a block", pat);
		if (rc == CST_OK && (rc = check_pattern(pat)) == CST_OK &&
		    (rc = parse_caps(&caps, rule, pat)) == CST_OK)
			json_array_append_new(rules, json_pack("{s:s, s:i}", "pattern", pat, "caps", (int)caps));
		if (rc < 0)
			break;
	}
	json_decref(doc);
	if (rc < 0)
		json_decref(rules);
	else
		*out_rules = rules;
	return rc;
}

int cst_policy_name(char *out, size_t n, const char *name, int *changed)
{
	size_t len = strlen(name);
	*changed = 0;
	if (len == 0 || len >= n || len > 128)
		return cst_fail(CST_EINVAL, "policy name must be 1 to 128 characters");
	for (size_t i = 0; i <= len; i++) {
		char c = name[i];
		if (c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
			*changed = 1;
		}
		if (c && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		           c == '.'))
			return cst_fail(CST_EINVAL, "policy name may hold letters, digits and '-_.' only");
		out[i] = c;
	}
	return CST_OK;
}

static int store(cst_vault *v, const char *name, const char *text, const json_t *rules)
{
	cst_cache_drop(&v->policy_cache, name);
	char key[256];
	snprintf(key, sizeof(key), POLICY_PREFIX "%s", name);
	json_t *rec = json_pack("{s:s, s:s, s:O}", "name", name, "policy", text, "rules", rules);
	char *dump = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
	int rc = dump ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	if (rc == CST_OK) {
		cst_barrier_op op = {CST_STORAGE_PUT, key, dump, strlen(dump), CST_REV_ANY};
		rc = cst_barrier_batch(&v->barrier, &op, 1);
	}
	cst_cache_drop(&v->policy_cache, name);
	cst_acl_cache_changed(v->acl_cache);
	free(dump);
	json_decref(rec);
	return rc;
}

int cst_policy_put(cst_vault *v, const char *name, const char *text)
{
	json_t *rules = NULL;
	if (strcmp(name, "root") == 0)
		return cst_fail(CST_EINVAL, "cannot update \"root\" policy");
	if (text == NULL || *text == '\0')
		return cst_fail(CST_EINVAL, "'policy' parameter not supplied or empty");
	int rc = cst_policy_compile(&rules, text, strlen(text));
	if (rc == CST_OK)
		rc = store(v, name, text, rules);
	json_decref(rules);
	return rc;
}

/* Reads a stored policy record; the default policy exists from the start. */
static int load(json_t **out, cst_vault *v, const char *name)
{
	char key[256];
	uint64_t ticket;
	if ((*out = cst_cache_get(&v->policy_cache, name, &ticket)) != NULL)
		return CST_OK; /* records are never changed in place: sharing is safe */
	snprintf(key, sizeof(key), POLICY_PREFIX "%s", name);
	int rc = cst_barrier_get_json(&v->barrier, key, out, NULL);
	if (rc == CST_ENOTFOUND && strcmp(name, "default") == 0) {
		json_t *rules = NULL;
		if ((rc = cst_policy_compile(&rules, default_policy, strlen(default_policy))) == CST_OK)
			*out = json_pack("{s:s, s:s, s:o}", "name", "default", "policy", default_policy,
			                 "rules", rules);
	}
	if (rc == CST_ENOTFOUND)
		rc = cst_fail(CST_ENOTFOUND, "no policy named %.128s", name);
	if (rc == CST_OK)
		cst_cache_put(&v->policy_cache, name, *out, ticket);
	return rc;
}

int cst_policy_get(json_t **out, cst_vault *v, const char *name)
{
	json_t *rec = NULL;
	*out = NULL;
	if (strcmp(name, "root") == 0) {
		*out = json_pack("{s:s, s:s}", "name", "root", "policy", "");
		return CST_OK;
	}
	int rc = load(&rec, v, name);
	if (rc == CST_OK)
		*out = json_pack("{s:s, s:O}", "name", name, "policy", json_object_get(rec, "policy"));
	json_decref(rec);
	return rc;
}

int cst_policy_delete(cst_vault *v, const char *name)
{
	char key[256];
	if (strcmp(name, "root") == 0)
		return cst_fail(CST_EINVAL, "cannot delete \"root\" policy");
	if (strcmp(name, "default") == 0)
		return cst_fail(CST_EINVAL, "cannot delete default policy");
	snprintf(key, sizeof(key), POLICY_PREFIX "%s", name);
	cst_barrier_op op = {CST_STORAGE_DELETE, key, NULL, 0, CST_REV_ANY};
	int rc = cst_barrier_batch(&v->barrier, &op, 1);
	cst_cache_drop(&v->policy_cache, name);
	cst_acl_cache_changed(v->acl_cache);
	return rc;
}

int cst_policy_list(json_t **out, cst_vault *v)
{
	cst_storage_keys page = {0};
	json_t *names = json_array();
	int rc = cst_storage_list(v->st, POLICY_PREFIX, NULL, 10000, &page);
	int have_default = 0;
	for (size_t i = 0; rc == CST_OK && i < page.count; i++) {
		const char *n = page.keys[i] + strlen(POLICY_PREFIX);
		have_default |= strcmp(n, "default") == 0;
		json_array_append_new(names, json_string(n));
	}
	cst_storage_keys_release(&page);
	if (!have_default)
		json_array_insert_new(names, 0, json_string("default"));
	json_array_append_new(names, json_string("root"));
	*out = names;
	return rc;
}

/* --- ACL evaluation ---------------------------------------------------- */

typedef struct acl_rule {
	char *pattern;
	unsigned caps;
	int templated;   /* holds {{...}}: shaped per request, once substituted */
	int glob;        /* has '*' or '+' */
	int prefix;      /* ends in '*' */
	int first_wild;  /* index of the first '*' or '+' */
	int plus_count;
} acl_rule;

struct cst_acl {
	atomic_int refs;
	int root;
	acl_rule *rules;
	size_t count;
};

void cst_acl_free(cst_acl *acl)
{
	if (acl == NULL || atomic_fetch_sub(&acl->refs, 1) != 1)
		return;
	for (size_t i = 0; i < acl->count; i++)
		free(acl->rules[i].pattern);
	free(acl->rules);
	free(acl);
}

/* The glob shape of a pattern, for matching and priority. */
static void rule_shape(acl_rule *r, const char *pattern)
{
	size_t len = strlen(pattern);
	r->glob = r->plus_count = 0;
	r->first_wild = (int)len;
	for (size_t i = 0; i < len; i++) {
		if (pattern[i] == '+' || pattern[i] == '*') {
			if (!r->glob)
				r->first_wild = (int)i;
			r->glob = 1;
			r->plus_count += pattern[i] == '+';
		}
	}
	r->prefix = len && pattern[len - 1] == '*';
}

static unsigned merge_caps(unsigned a, unsigned b)
{
	unsigned u = a | b;
	return (u & CST_CAP_DENY) ? CST_CAP_DENY : u;
}

void cst_acl_ref(cst_acl *acl)
{
	atomic_fetch_add(&acl->refs, 1);
}

/* Adds a rule, unioning with a rule of the same pattern (deny wins). */
static int add_rule(cst_acl *acl, const char *pattern, unsigned caps)
{
	for (size_t i = 0; i < acl->count; i++) {
		if (strcmp(acl->rules[i].pattern, pattern) != 0)
			continue;
		acl->rules[i].caps |= caps;
		if (acl->rules[i].caps & CST_CAP_DENY)
			acl->rules[i].caps = CST_CAP_DENY;
		return CST_OK;
	}
	acl_rule *r = realloc(acl->rules, (acl->count + 1) * sizeof(*r));
	if (r == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	acl->rules = r;
	acl_rule *n = &r[acl->count];
	memset(n, 0, sizeof(*n));
	n->pattern = strdup(pattern);
	if (n->pattern == NULL)
		return cst_fail(CST_ENOMEM, "out of memory");
	n->caps = (caps & CST_CAP_DENY) ? CST_CAP_DENY : caps;
	n->templated = strstr(pattern, "{{") != NULL;
	rule_shape(n, pattern);
	acl->count++;
	return CST_OK;
}

int cst_acl_build(cst_acl **out, cst_vault *v, const json_t *policy_names)
{
	cst_acl *acl = calloc(1, sizeof(*acl));
	size_t i;
	json_t *name;
	int rc = acl ? CST_OK : cst_fail(CST_ENOMEM, "out of memory");
	if (acl)
		atomic_init(&acl->refs, 1);
	json_array_foreach(policy_names, i, name) {
		const char *n = json_string_value(name);
		if (rc < 0 || n == NULL)
			break;
		if (strcmp(n, "root") == 0) {
			acl->root = 1;
			continue;
		}
		json_t *rec = NULL;
		int lrc = load(&rec, v, n);
		if (lrc == CST_ENOTFOUND) { /* a deleted policy acts as an empty one */
			cst_error_clear();
			continue;
		}
		if ((rc = lrc) < 0)
			break;
		size_t k;
		json_t *rule;
		json_array_foreach(json_object_get(rec, "rules"), k, rule) {
			rc = add_rule(acl, json_string_value(json_object_get(rule, "pattern")),
			              (unsigned)json_integer_value(json_object_get(rule, "caps")));
			if (rc < 0)
				break;
		}
		json_decref(rec);
	}
	if (rc < 0) {
		cst_acl_free(acl);
		acl = NULL;
	}
	*out = acl;
	return rc;
}

/* Glob match: '+' eats one segment, a final '*' any rest. */
static int glob_match(const char *p, const char *s)
{
	while (*p) {
		if (*p == '*' && p[1] == '\0')
			return 1;
		if (*p == '+') {
			if (*s == '\0' || *s == '/')
				return 0;
			while (*s && *s != '/')
				s++;
			p++;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *s == '\0';
}

/* 1 if a has higher priority than b (both match). */
static int higher(const acl_rule *a, const acl_rule *b)
{
	if (a->first_wild != b->first_wild)
		return a->first_wild > b->first_wild;
	if (a->prefix != b->prefix)
		return !a->prefix;
	if (a->plus_count != b->plus_count)
		return a->plus_count < b->plus_count;
	size_t la = strlen(a->pattern), lb = strlen(b->pattern);
	if (la != lb)
		return la > lb;
	return strcmp(a->pattern, b->pattern) > 0;
}

#define EXPANDED_MAX 1024

/* The capabilities for path: the union of every exact rule for it, else
 * the union of the rules sharing the highest-priority matching glob.
 * Templated rules take part once substituted with the identity; one that
 * cannot be substituted is skipped. */
static unsigned lookup(const cst_acl *acl, const json_t *identity, const char *path,
                       int *exact_found)
{
	acl_rule tmp, best_copy;
	const acl_rule *best = NULL;
	char buf[EXPANDED_MAX], best_buf[EXPANDED_MAX];
	unsigned exact_caps = 0, best_caps = 0;
	*exact_found = 0;
	for (size_t i = 0; i < acl->count; i++) {
		const acl_rule *r = &acl->rules[i];
		if (r->templated) {
			if (identity == NULL || !cst_policy_expand(buf, sizeof(buf), r->pattern, identity))
				continue;
			tmp = *r;
			tmp.pattern = buf;
			rule_shape(&tmp, buf);
			r = &tmp;
		}
		if (!r->glob) {
			if (strcmp(r->pattern, path) == 0) {
				exact_caps = *exact_found ? merge_caps(exact_caps, r->caps) : r->caps;
				*exact_found = 1;
			}
			continue;
		}
		if (*exact_found || !glob_match(r->pattern, path))
			continue;
		if (best != NULL && strcmp(r->pattern, best->pattern) == 0) {
			best_caps = merge_caps(best_caps, r->caps);
		} else if (best == NULL || higher(r, best)) {
			best_caps = r->caps;
			best = r;
			if (r == &tmp) { /* buf is reused: keep a copy */
				memcpy(best_buf, buf, strlen(buf) + 1);
				best_copy = tmp;
				best_copy.pattern = best_buf;
				best = &best_copy;
			}
		}
	}
	return *exact_found ? exact_caps : best_caps;
}

unsigned cst_acl_capabilities_for(const cst_acl *acl, const json_t *identity, const char *path,
                                  int listing)
{
	if (acl->root)
		return ALL_CAPS;
	int exact;
	unsigned caps = lookup(acl, identity, path, &exact);
	size_t n = strlen(path);
	if (listing && !exact && n > 1 && path[n - 1] == '/') {
		/* A list on "a/" is also allowed by an exact rule for "a". */
		char *trimmed = strndup(path, n - 1);
		int ex2;
		unsigned c2 = trimmed ? lookup(acl, identity, trimmed, &ex2) : 0;
		if (trimmed && ex2)
			caps = c2;
		free(trimmed);
	}
	return (caps & CST_CAP_DENY) ? 0 : caps;
}

unsigned cst_acl_capabilities(const cst_acl *acl, const char *path, int listing)
{
	return cst_acl_capabilities_for(acl, NULL, path, listing);
}
