/* Every place pmdb looked for a module's file and its debug file, in
 * order, and what it found there: the record ::modinfo prints. */
#ifndef PM_LOOKLOG_H
#define PM_LOOKLOG_H

#include <stddef.h>

enum pm_look_kind { PM_LOOK_FILE, PM_LOOK_DEBUG };

struct pm_look {
	enum pm_look_kind kind;
	char *place;     /* "sysroot", "solib-path", "build-id dir", ... */
	char *path;      /* the file tried, or "" */
	char *outcome;   /* "missing", "build-id mismatch (...)", "used", ... */
};

void pm_looklog_add(const char *module, enum pm_look_kind kind, const char *place,
		    const char *path, const char *outcome);
/* The steps recorded for MODULE (its name as the core records it). */
size_t pm_looklog_get(const char *module, const struct pm_look **steps);
void pm_looklog_clear(void);

#endif
