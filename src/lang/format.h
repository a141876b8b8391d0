/* The format verbs: addr/fmt reads memory at addr, value=fmt shows a value. */
#ifndef PM_FORMAT_H
#define PM_FORMAT_H

#include "../pmdb.h"

struct pm_err *pm_format(struct pmdb *db, const char *fmt, bool is_value, uint64_t addr,
			 uint64_t count);
/* The table of format characters, for ::formats and ::help. */
void pm_format_list(FILE *out);

#endif
