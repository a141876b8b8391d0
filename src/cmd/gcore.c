/* ::gcore [FILE]: write a core of the live process pmdb is attached to. */
#include "cmds.h"
#include "../base/util.h"

#include <inttypes.h>
#include <stdlib.h>

struct pm_err *pm_cmd_gcore(struct pmdb *db, const struct pm_call *call)
{
	if (call->argc > 2)
		return pm_err_new(PM_ERR_SYNTAX, "::gcore takes at most one file name");
	char *dflt = NULL;
	const char *path = call->argc == 2 ? call->argv[1] : (dflt = xasprintf("core.%d", db->t->pid));
	struct pm_gcore_stats st;
	struct pm_err *err = pm_live_gcore(db->t, path, &st);
	if (!err)
		fprintf(db->out, "wrote %s: %zu threads, %zu mappings (%zu with contents, %" PRIu64 " bytes)\n",
			path, st.nthreads, st.nsegments, st.ndumped, st.bytes);
	free(dflt);
	return err;
}
