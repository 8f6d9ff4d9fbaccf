/* registry.c - the mount-type registry: adding an engine is a new file
 * and one line here. */
#include <string.h>

#include "core/router.h"

extern const cst_engine cst_engine_kv;
extern const cst_engine cst_engine_sys;
extern const cst_engine cst_engine_token;
extern const cst_engine cst_engine_userpass;
extern const cst_engine cst_engine_approle;

static const cst_engine *const engines[] = {
	&cst_engine_kv,
	&cst_engine_sys,
	&cst_engine_token,
	&cst_engine_userpass,
	&cst_engine_approle,
};

const cst_engine *cst_engine_find(const char *type)
{
	for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
		if (strcmp(engines[i]->type, type) == 0)
			return engines[i];
	return NULL;
}

const cst_engine *cst_engine_at(size_t i)
{
	return i < sizeof(engines) / sizeof(engines[0]) ? engines[i] : NULL;
}
