/* sys_report.c - sys/report (a custos extension; sudo): the figures of
 * `custos report` as one JSON document (src/report/, docs/report.md).
 * GET with query parameters or POST with a body: since, warn, audit_file
 * (a path or, in a body, a list). A remote caller may name only audit
 * files in the directory of an enabled file device. The row is in sys.c's
 * route table, marked as one that may take long (it reads whole logs). */
#include "core/error.h"
#include "core/router.h"
#include "report/report.h"
#include "util/timefmt.h"

int cst_sys_report(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp);

int cst_sys_report(cst_engine_ctx *ctx, const cst_request *req, cst_response *resp)
{
	cst_report_opts o;
	int rc = cst_report_params(&o, req->data, cst_now_ns());
	if (rc < 0)
		return rc;
	o.remote = ctx->caller != NULL;
	return cst_report_build(&resp->data, ctx->vault, &o);
}
