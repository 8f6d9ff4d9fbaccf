/* fuzz_audit_fields.c - the audit entry reader behind `custos report`
 * (cst_audit_fields_parse), differentially against jansson: whenever
 * jansson reads the input as a JSON object, the report's reader must read
 * it too and find the same strings at every path it knows (the last of
 * duplicate keys, as jansson keeps). Whatever it accepts, its strings are
 * NUL-terminated well-formed UTF-8 inside the scratch space. (Inputs
 * with a NUL byte are left out of the comparison: see below.) Also
 * cst_audit_line_time against the full parse. abort() when broken. */
#define _GNU_SOURCE /* memmem */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "report/audit_scan.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_audit_fields: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

static const cst_audit_scratch *scratch_of;

static void check_text(const char *s, const char *what)
{
	if (s == NULL)
		return;
	if (s < scratch_of->p || s >= scratch_of->p + scratch_of->cap)
		fail("string outside the scratch space", what);
	size_t n = strnlen(s, (size_t)(scratch_of->p + scratch_of->cap - s));
	if (s + n >= scratch_of->p + scratch_of->cap)
		fail("string not terminated", what);
	if (!cst_utf8_valid((const unsigned char *)s, n, NULL))
		fail("string not UTF-8", what);
}

static void same(const char *mine, const json_t *obj, const char *key, const char *what)
{
	const char *want = json_string_value(json_object_get(obj, key));
	if ((want == NULL) != (mine == NULL) || (want && strcmp(want, mine) != 0))
		fail("differs from jansson", what);
}

static void same_list(const char *const *mine, size_t kept, size_t all, const json_t *arr,
                      const char *what)
{
	size_t n = 0;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		if (s == NULL)
			continue;
		if (n < CST_AUDIT_LIST_MAX && (n >= kept || strcmp(s, mine[n]) != 0))
			fail("list differs from jansson", what);
		n++;
	}
	if (n != all || kept != (n < CST_AUDIT_LIST_MAX ? n : CST_AUDIT_LIST_MAX))
		fail("list count differs from jansson", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cst_audit_scratch scratch;
	const char *s = (const char *)data;
	cst_audit_fields f;
	cst_error_clear();
	int rc = cst_audit_fields_parse(&f, &scratch, s, size);
	scratch_of = &scratch;
	if (rc != CST_OK && (rc != CST_EINVAL || cst_errmsg()[0] == '\0'))
		fail("refused without CST_EINVAL and a message", NULL);
	if (rc == CST_OK) {
		const char *all[] = {f.time,      f.type,        f.error,       f.display_name, f.token_type,
		                     f.entity_id, f.accessor,    f.username,    f.role_name,    f.local_user,
		                     f.id,        f.operation,   f.mount_type,  f.mount_point,  f.path,
		                     f.remote_address, f.role_id};
		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			check_text(all[i], "field");
		for (size_t i = 0; i < f.n_policies; i++)
			check_text(f.policies[i], "policy");
		for (size_t i = 0; i < f.n_teams; i++)
			check_text(f.teams[i], "team");
		int64_t t = 0;
		if (f.time && cst_audit_time_ns(&t, f.time, strlen(f.time)) < 0)
			t = 0;
		if (f.time_ns != t)
			fail("time_ns does not match the time", f.time);
		/* The quick read of a line's leading time agrees with the full one
		 * (when "time" is there once: of duplicate keys the last counts). */
		int64_t quick;
		const char *first = memmem(s, size, "\"time\"", 6);
		int once = first && !memmem(first + 1, size - (size_t)(first + 1 - s), "\"time\"", 6);
		if (once && cst_audit_line_time(&quick, s, size) == 0 && quick != f.time_ns)
			fail("line time differs from the entry's", NULL);
	}
	/* jansson's buffer reader passes over some NUL bytes between tokens
	 * (its stream treats NUL as "read on"); JSON has none, so the
	 * comparison leaves inputs holding one out. */
	json_error_t err;
	json_t *doc = memchr(s, '\0', size) ? NULL : json_loadb(s, size, 0, &err);
	if (json_is_object(doc)) {
		if (rc != CST_OK)
			fail("refused what jansson reads", cst_errmsg());
		json_t *auth = json_object_get(doc, "auth"), *req = json_object_get(doc, "request");
		json_t *meta = json_object_get(auth, "metadata"), *resp = json_object_get(doc, "response");
		if (!json_is_object(auth))
			auth = NULL;
		if (!json_is_object(req))
			req = NULL;
		if (!json_is_object(meta))
			meta = NULL;
		same(f.time, doc, "time", "time");
		same(f.type, doc, "type", "type");
		same(f.error, doc, "error", "error");
		same(f.display_name, auth, "display_name", "auth.display_name");
		same(f.token_type, auth, "token_type", "auth.token_type");
		same(f.entity_id, auth, "entity_id", "auth.entity_id");
		same(f.accessor, auth, "accessor", "auth.accessor");
		same(f.username, meta, "username", "auth.metadata.username");
		same(f.role_name, meta, "role_name", "auth.metadata.role_name");
		same(f.local_user, meta, "local_user", "auth.metadata.local_user");
		same_list(f.policies, f.n_policies, f.all_policies, json_object_get(auth, "policies"),
		          "auth.policies");
		same_list(f.teams, f.n_teams, f.all_teams, json_object_get(auth, "teams"), "auth.teams");
		same(f.id, req, "id", "request.id");
		same(f.operation, req, "operation", "request.operation");
		same(f.mount_type, req, "mount_type", "request.mount_type");
		same(f.mount_point, req, "mount_point", "request.mount_point");
		same(f.path, req, "path", "request.path");
		same(f.remote_address, req, "remote_address", "request.remote_address");
		json_t *d = json_object_get(req, "data");
		same(f.role_id, json_is_object(d) ? d : NULL, "role_id", "request.data.role_id");
		int ra = json_is_object(resp) && json_is_object(json_object_get(resp, "auth"));
		if (ra != f.response_auth)
			fail("response.auth differs from jansson", NULL);
	}
	json_decref(doc);
	return 0;
}
