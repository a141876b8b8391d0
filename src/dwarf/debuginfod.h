/* Debug files from the debuginfod servers named by DEBUGINFOD_URLS, through
 * libdebuginfod (loaded when first needed, so pmdb runs without it). */
#ifndef PM_DEBUGINFOD_H
#define PM_DEBUGINFOD_H

#include <stdbool.h>

/* Before any query, by pmdb or libdwfl: a short default DEBUGINFOD_TIMEOUT. */
void pm_debuginfod_setup(void);

/* The debug file with build-id ID, from the client's cache or downloaded
 * into it, or -1.  *PATH gets its name (malloc'd).  The first failure other
 * than "not there" is reported once and ends the queries of this run. */
int pm_debuginfod_find(const unsigned char *id, int idlen, char **path);

/* Whether PATH is a file pm_debuginfod_find returned. */
bool pm_debuginfod_gave(const char *path);

void pm_debuginfod_end(void);

#endif
