/* ::analyze - the verdict on the crash, with its evidence. */
#include "cmds.h"
#include "../analyze/analyze.h"

struct pm_err *pm_cmd_analyze(struct pmdb *db, const struct pm_call *call)
{
	(void)call;
	struct pm_verdict v;
	struct pm_err *err = pm_analyze(db, &v);
	if (err)
		return err;
	pm_verdict_print(db, &v, db->out);
	pm_verdict_free(&v);
	return NULL;
}
