/* teams.h - teams, a custos extension at sys/teams/NAME: a team has
 * policies and, on request, its own KV v2 mount "teams/<team>/" with a
 * generated policy "team-<team>" giving full access there and nothing
 * else. Users and approle roles name their teams; a login token gets the
 * policies of every team its user or role is in (the union).
 *
 * Storage: sys/team/<name> -> {"name", "policies": [...], "mount": bool}. */
#ifndef CST_ENGINES_TEAMS_H
#define CST_ENGINES_TEAMS_H

#include <jansson.h>

#include "core/router.h"

/* A team name: lower-cased into out; letters, digits, '_' and '-', 1 to
 * 64 bytes. CST_EINVAL otherwise. */
int cst_team_name(char *out, size_t n, const char *in) __attribute__((warn_unused_result));

/* CST_OK when the team exists, CST_EINVAL "team \"x\" does not exist". */
int cst_team_exists(cst_vault *v, const char *name) __attribute__((warn_unused_result));

/* Appends the policies of each named team (and its "team-<team>" policy
 * when it has a mount) to policies. Teams deleted since are skipped. */
int cst_team_policies(cst_vault *v, const json_t *teams, json_t *policies)
	__attribute__((warn_unused_result));

/* The names of every team, in name order (an owned array). */
int cst_team_list(json_t **out, cst_vault *v) __attribute__((warn_unused_result));

/* Handlers of sys/teams (list) and sys/teams/NAME (read, write, delete). */
int sys_teams_list(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int sys_teams_route(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);

#endif
