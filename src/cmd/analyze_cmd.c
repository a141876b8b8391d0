/* ::analyze - the verdict on the crash, with its evidence and signature;
 * -j: the JSON report instead. */
#include "cmds.h"
#include "../analyze/report.h"

struct pm_err *pm_cmd_analyze(struct pmdb *db, const struct pm_call *call)
{
	struct pm_opts o;
	struct pm_err *err = pm_getopts(db, call, "j", "", &o);
	if (err)
		return err;
	struct pm_verdict v;
	if ((err = pm_analyze(db, &v)))
		return err;
	struct pm_signature sig;
	pm_signature_make(db, &v, &sig);
	if (o.flag['j']) {
		pm_report_json(db, &v, &sig, db->out);
	} else {
		pm_verdict_print(db, &v, db->out);
		fprintf(db->out, "signature: %s\nhash: %s\n", sig.text, sig.hash);
	}
	pm_signature_free(&sig);
	pm_verdict_free(&v);
	return NULL;
}
