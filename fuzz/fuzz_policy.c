/* fuzz_policy.c - policy text (cst_policy_compile) and identity templates
 * (cst_policy_expand) against arbitrary bytes. The first line of the input
 * is an entity name, the rest a policy. A refusal must be CST_EINVAL with
 * a message and no rules. Every compiled pattern is then substituted with
 * that identity: a pattern without templates comes back unchanged; one
 * with templates either fails or comes back with no braces left, each
 * template replaced by the name, and never at all when the name is not
 * one plain path segment (so a name cannot widen a rule). Any failure
 * abort()s. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/policy.h"
#include "custos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const uint8_t *data, size_t size)
{
	fprintf(stderr, "fuzz_policy: %s (input of %zu bytes: \"", what, size);
	for (size_t i = 0; i < size && i < 400; i++)
		fprintf(stderr, data[i] >= 0x20 && data[i] < 0x7f ? "%c" : "\\x%02x", data[i]);
	fprintf(stderr, "\")\n");
	abort();
}

/* The documented rule for a substituted value, written apart from policy.c. */
static int plain_segment(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > 256 || !strcmp(v, ".") || !strcmp(v, ".."))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strchr("/*+{}", v[i]) || (unsigned char)v[i] <= 0x20 || (unsigned char)v[i] == 0x7f)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t name_len = nl ? (size_t)(nl - data) : 0;
	if (nl == NULL || name_len > 300)
		return 0;
	char name[301];
	memcpy(name, data, name_len);
	name[name_len] = '\0';
	if (strlen(name) != name_len)
		return 0; /* a NUL in the name: not a JSON string anyway */
	const char *text = (const char *)nl + 1;
	size_t len = size - name_len - 1;
	json_t *rules = NULL;
	cst_error_clear();
	int rc = cst_policy_compile(&rules, text, len);
	if (rc != CST_OK) {
		if (rc != CST_EINVAL || rules != NULL || cst_errmsg()[0] == '\0')
			fail("a refusal must be CST_EINVAL with a message and no rules", data, size);
		return 0;
	}
	if (!json_is_array(rules))
		fail("compiled rules are not an array", data, size);
	/* A login through the primary userpass mount: its entity name is the name. */
	json_t *identity = json_pack("{s:s, s:s, s:s, s:s}", "entity_name", name, "entity_id", name,
	                             "mount_accessor", "auth_userpass_0000aaaa", "mount_path",
	                             "auth/userpass/");
	if (identity == NULL) { /* not UTF-8: jansson refuses it as a value */
		json_decref(rules);
		return 0;
	}
	size_t i;
	json_t *rule;
	json_array_foreach(rules, i, rule) {
		const char *p = json_string_value(json_object_get(rule, "pattern"));
		if (p == NULL || !json_is_integer(json_object_get(rule, "caps")))
			fail("a rule without pattern or caps", data, size);
		char out[4096];
		int ok = cst_policy_expand(out, sizeof(out), p, identity);
		int templated = strstr(p, "{{") != NULL;
		if (!templated) {
			if (strlen(p) < sizeof(out) && (!ok || strcmp(out, p) != 0))
				fail("a pattern without templates changed", data, size);
			continue;
		}
		if (ok && !plain_segment(name))
			fail("a name that is not a plain segment was substituted", data, size);
		if (ok && (strstr(out, "{{") || strstr(out, "}}")))
			fail("braces left after substitution", data, size);
		if (ok && name_len && strstr(out, name) == NULL)
			fail("the name is not in the substituted pattern", data, size);
		/* A second identity with a name that is not plain never resolves. */
		json_t *evil = json_pack("{s:s, s:s, s:s, s:s}", "entity_name", "a/*", "entity_id", "+",
		                         "mount_accessor", "auth_userpass_0000aaaa", "mount_path",
		                         "auth/userpass/");
		if (cst_policy_expand(out, sizeof(out), p, evil))
			fail("an unsafe identity was substituted", data, size);
		json_decref(evil);
	}
	json_decref(identity);
	json_decref(rules);
	return 0;
}
