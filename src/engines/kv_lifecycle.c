/* kv_lifecycle.c - a secret's lifecycle settings (custos extensions of KV
 * metadata, beside "type"): the team that owns it ("owner_team"), when it
 * expires ("expires_at", RFC 3339) and how often it is to be rotated
 * ("rotate_every", a duration). They live in the metadata record, never in
 * custom_metadata, and are what `custos report` judges a secret by:
 * overdue once expires_at has passed or the current version is older than
 * rotate_every.
 *
 * Record fields: "owner_team" (string), "expires_at" (ns since the epoch),
 * "rotate_every" (seconds); each absent when unset. A null or "" (0 for
 * rotate_every) in a write clears the setting; a field left out keeps it. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "engines/kv.h"
#include "engines/teams.h"
#include "util/timefmt.h"

#define TEAM_MOUNT_PREFIX "teams/"

int kv_mount_team(char *out, size_t n, const char *mount_path)
{
	size_t plen = strlen(TEAM_MOUNT_PREFIX);
	if (mount_path == NULL || strncmp(mount_path, TEAM_MOUNT_PREFIX, plen) != 0)
		return 0;
	const char *name = mount_path + plen;
	const char *slash = strchr(name, '/');
	size_t len = slash ? (size_t)(slash - name) : strlen(name);
	if (len == 0 || len >= n || (slash && slash[1] != '\0'))
		return 0;
	memcpy(out, name, len);
	out[len] = '\0';
	return 1;
}

/* A field to clear: JSON null or the empty string. */
static int clears(const json_t *v)
{
	return json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0);
}

static int set_team(cst_engine_ctx *ctx, json_t *meta, const json_t *v)
{
	char own[CST_LIMIT_AUTH_NAME + 1], name[CST_LIMIT_AUTH_NAME + 1];
	int on_team_mount = kv_mount_team(own, sizeof(own), ctx->mount_path);
	if (clears(v)) {
		json_object_del(meta, "owner_team");
		return CST_OK;
	}
	if (!json_is_string(v))
		return cst_fail(CST_EINVAL, "owner_team must be a team name");
	int rc = cst_team_name(name, sizeof(name), json_string_value(v));
	if (rc < 0)
		return rc;
	/* A team's own mount already says whose its secrets are. */
	if (on_team_mount && strcmp(name, own) != 0)
		return cst_fail(CST_EINVAL, "secrets of %s belong to team %s", ctx->mount_path, own);
	if ((rc = cst_team_exists(ctx->vault, name)) < 0)
		return rc;
	json_object_set_new(meta, "owner_team", json_string(name));
	return CST_OK;
}

static int set_expiry(json_t *meta, const json_t *v)
{
	int64_t ns = 0;
	if (clears(v)) {
		json_object_del(meta, "expires_at");
		return CST_OK;
	}
	if (!json_is_string(v) || cst_time_parse(&ns, json_string_value(v)) < 0)
		return cst_fail(CST_EINVAL, "expires_at must be an RFC 3339 time such as "
		                            "2027-03-01T00:00:00Z");
	if (ns <= 0)
		return cst_fail(CST_EINVAL, "expires_at must be after 1970");
	json_object_set_new(meta, "expires_at", json_integer((json_int_t)ns));
	return CST_OK;
}

static int set_rotation(json_t *meta, const json_t *v)
{
	int64_t secs = 0;
	if (clears(v)) {
		json_object_del(meta, "rotate_every");
		return CST_OK;
	}
	if (json_is_integer(v))
		secs = (int64_t)json_integer_value(v);
	else if (!json_is_string(v) || cst_duration_parse(&secs, json_string_value(v)) < 0)
		return cst_fail(CST_EINVAL, "rotate_every must be a duration such as 90d or 720h");
	if (secs < 0 || secs > CST_LIMIT_MAX_DURATION)
		return cst_fail(CST_EINVAL, "rotate_every must be between 1s and 100 years (0 turns it off)");
	if (secs == 0)
		json_object_del(meta, "rotate_every");
	else
		json_object_set_new(meta, "rotate_every", json_integer(secs));
	return CST_OK;
}

int kv_apply_lifecycle(cst_engine_ctx *ctx, json_t *meta, const json_t *data)
{
	json_t *v;
	int rc = CST_OK;
	if ((v = json_object_get(data, "owner_team")) != NULL)
		rc = set_team(ctx, meta, v);
	if (rc == CST_OK && (v = json_object_get(data, "expires_at")) != NULL)
		rc = set_expiry(meta, v);
	if (rc == CST_OK && (v = json_object_get(data, "rotate_every")) != NULL)
		rc = set_rotation(meta, v);
	return rc;
}

void kv_lifecycle_out(json_t *out, const json_t *meta)
{
	const char *team = json_string_value(json_object_get(meta, "owner_team"));
	int64_t expires = kv_int(meta, "expires_at"), every = kv_int(meta, "rotate_every");
	if (team)
		json_object_set_new(out, "owner_team", json_string(team));
	if (expires > 0) {
		char t[48];
		cst_time_format(t, sizeof(t), expires);
		json_object_set_new(out, "expires_at", json_string(t));
	}
	if (every > 0) {
		char d[48];
		cst_duration_format(d, sizeof(d), every);
		json_object_set_new(out, "rotate_every", json_string(d));
	}
}
