/* sys_auth.h - the sys/auth handlers (list, enable, disable, tune), for
 * the sys engine's path table. */
#ifndef CST_ENGINES_SYS_AUTH_H
#define CST_ENGINES_SYS_AUTH_H

#include "core/router.h"

int sys_auth_list(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);
int sys_auth_route(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);

#endif
