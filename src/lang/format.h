/* The format verbs: addr/fmt reads memory at addr, addr?fmt the object
 * file mapped there, addr\fmt physical memory (kernel dumps), value=fmt
 * shows a value. */
#ifndef PM_FORMAT_H
#define PM_FORMAT_H

#include "../pmdb.h"

enum pm_fmt_source { PM_FMT_MEMORY, PM_FMT_OBJECT, PM_FMT_PHYS, PM_FMT_VALUE };

struct pm_err *pm_format(struct pmdb *db, const char *fmt, enum pm_fmt_source src,
			 uint64_t addr, uint64_t count);
/* Is c a format that writes when it follows '/' or '?' (v w W Z)? */
bool pm_format_writes(char c);
/* The table of format characters, for ::formats and ::help. */
void pm_format_list(FILE *out);

#endif
