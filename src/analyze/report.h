/* The JSON report of a dump (schema in docs/json.md). */
#ifndef PM_REPORT_H
#define PM_REPORT_H

#include "signature.h"

struct pm_json;

/* The whole report, one line. */
void pm_report_json(struct pmdb *db, const struct pm_verdict *v, const struct pm_signature *sig,
		    FILE *out);
/* The "verdict" and "signature" members, into an open object. */
void pm_report_verdict(struct pm_json *j, const struct pm_verdict *v,
		       const struct pm_signature *sig);

#endif
