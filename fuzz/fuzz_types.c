/* fuzz_types.c - credential-type validation and the other checks that see
 * request JSON before anything is stored: cst_type_validate with every
 * type in the table (and NULL, and an unknown name), cst_meta_key_looks_secret,
 * cst_type_field_secret, kv_check_custom_metadata, kv_versions_arg and
 * kv_merge_patch. The input is parsed as the server parses request bodies
 * (JSON_REJECT_DUPLICATES). Invariants that follow from the documented
 * rules abort() when broken. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "engines/kv.h"
#include "engines/types.h"
#include "util/mem.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_TYPES 64

/* Type names from cst_types_describe(), read once. */
static char *type_names[MAX_TYPES];
static size_t n_types;

static void fail(const char *what, const char *type)
{
	fprintf(stderr, "fuzz_types: %s (type %s)\n", what, type ? type : "(none)");
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	cst_mem_init_json(); /* before any jansson allocation, so frees wipe */
	json_t *all = cst_types_describe();
	size_t i;
	json_t *t;
	json_array_foreach(all, i, t) {
		const char *name = json_string_value(json_object_get(t, "name"));
		if (name == NULL || n_types == MAX_TYPES)
			fail("cst_types_describe gave a row without a name or too many rows", NULL);
		type_names[n_types++] = strdup(name);
	}
	json_decref(all);
	if (n_types == 0)
		fail("cst_types_describe gave no types", NULL);
	return 0;
}

/* The field-name rule every type shares: 1 to CST_LIMIT_FIELD_NAME bytes,
 * no space, control character or '='. */
static int model_untyped(const json_t *obj)
{
	if (json_object_size(obj) > CST_LIMIT_FIELDS)
		return 0;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v) {
		size_t n = strlen(k);
		if (n == 0 || n > CST_LIMIT_FIELD_NAME)
			return 0;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)k[i];
			if (c <= ' ' || c == 0x7f || c == '=')
				return 0;
		}
	}
	return 1;
}

static int all_strings(const json_t *obj)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v)
		if (!json_is_string(v))
			return 0;
	return 1;
}

static int all_nonempty_strings(const json_t *obj)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v)
		if (!json_is_string(v) || json_string_length(v) == 0)
			return 0;
	return 1;
}

static int validate(const char *type, const json_t *data)
{
	cst_error_clear();
	int rc = cst_type_validate(type, data);
	if (rc != CST_OK && rc != CST_EINVAL)
		fail("cst_type_validate returned an unexpected code", type);
	if (rc != CST_OK && cst_errmsg()[0] == '\0')
		fail("cst_type_validate refused without a message", type);
	return rc;
}

static void check_object(json_t *obj)
{
	int untyped = validate(NULL, obj);
	if ((untyped == CST_OK) != model_untyped(obj))
		fail("untyped validation disagrees with the field-name rule", NULL);
	if (validate("no-such-type", obj) != CST_EINVAL)
		fail("an unknown type was accepted", "no-such-type");

	for (size_t t = 0; t < n_types; t++) {
		const char *type = type_names[t];
		if (!cst_type_known(type))
			fail("a described type is not known", type);
		int rc = validate(type, obj);
		if (rc == CST_OK && untyped != CST_OK)
			fail("a type accepted field names that untyped data may not have", type);
		if (rc == CST_OK && strcmp(type, "custom") != 0 && !all_nonempty_strings(obj))
			fail("a type accepted a non-string or empty value", type);
		if (strcmp(type, "custom") == 0 &&
		    (rc == CST_OK) != (untyped == CST_OK && json_object_size(obj) > 0 &&
		                       all_strings(obj)))
			fail("custom validation disagrees with its rule", type);
	}

	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v) {
		if (cst_type_field_secret(NULL, k) != 1)
			fail("an untyped field is not secret", NULL);
		for (size_t t = 0; t < n_types; t++)
			(void)cst_type_field_secret(type_names[t], k);
		(void)cst_meta_key_looks_secret(k);
		if (json_is_string(v))
			(void)cst_meta_key_looks_secret(json_string_value(v));
	}

	cst_error_clear();
	if (kv_check_custom_metadata(obj) == CST_OK) {
		if (json_object_size(obj) > CST_LIMIT_CUSTOM_META_KEYS)
			fail("custom_metadata accepted too many keys", NULL);
		json_object_foreach(obj, k, v) {
			if (cst_meta_key_looks_secret(k))
				fail("custom_metadata accepted a secret-looking key", NULL);
			if (!json_is_string(v) || json_string_length(v) == 0 ||
			    json_string_length(v) > CST_LIMIT_CUSTOM_META_VALUE)
				fail("custom_metadata accepted a bad value", NULL);
		}
	} else if (cst_errmsg()[0] == '\0') {
		fail("custom_metadata refused without a message", NULL);
	}

	uint64_t *versions = NULL;
	size_t n = 0;
	if (kv_versions_arg(&versions, &n, obj) == CST_OK && (versions == NULL || n == 0))
		fail("kv_versions_arg accepted an empty list", NULL);
	free(versions);

	/* A merge patch onto an empty object keeps every non-null member. */
	json_t *target = json_object();
	(void)kv_merge_patch(target, obj);
	json_object_foreach(obj, k, v)
		if (!json_is_null(v) && json_object_get(target, k) == NULL)
			fail("merge patch dropped a member", NULL);
	json_t *self = json_deep_copy(obj);
	(void)kv_merge_patch(self, obj);
	json_decref(self);
	json_decref(target);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t err;
	json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	                          &err);
	if (root == NULL)
		return 0;
	if (json_is_object(root)) {
		check_object(root);
	} else {
		if (validate(NULL, root) != CST_EINVAL)
			fail("untyped validation accepted a non-object", NULL);
		for (size_t t = 0; t < n_types; t++)
			if (validate(type_names[t], root) != CST_EINVAL)
				fail("validation accepted a non-object", type_names[t]);
		if (kv_check_custom_metadata(root) != (json_is_null(root) ? CST_OK : CST_EINVAL))
			fail("custom_metadata must be an object or null", NULL);
	}
	json_decref(root);
	return 0;
}
