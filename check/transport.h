/* transport.h - the network under provider checks: libcurl for HTTP(S)
 * and libpq for PostgreSQL. Linked into custos-check and custos-server
 * only, so the custos CLI never loads either library. */
#ifndef CST_CHECK_TRANSPORT_H
#define CST_CHECK_TRANSPORT_H

#include "providers/check.h"

/* Initialises libcurl once and registers the transport (cst_check_set_transport). */
void check_transport_install(void);

#endif
