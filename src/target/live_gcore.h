/* Private to the core writer of live processes (live_gcore*.c). */
#ifndef PM_LIVE_GCORE_H
#define PM_LIVE_GCORE_H

#include "live.h"

struct pm_notebuf {
	unsigned char *data;
	size_t len, cap;
};

/* Every note of the core, in the kernel's order, appended to b. */
void pm_gcore_notes(const struct pm_target *t, struct pm_notebuf *b);

#endif
