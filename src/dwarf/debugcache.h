/* Inflated copies of compressed separate debug files, by build-id. */
#ifndef PM_DEBUGCACHE_H
#define PM_DEBUGCACHE_H

#include <stdbool.h>

/* DIR: the cache's root folder; "" turns the cache off; NULL goes back to
 * the default ($PMDB_CACHE_DIR, $XDG_CACHE_HOME/pmdb, ~/.cache/pmdb). */
void pm_debugcache_configure(const char *dir);

/* The inflated copy of the debug file with build-id ID, checked, or -1.
 * *PATH gets its name (malloc'd). */
int pm_debugcache_lookup(const unsigned char *id, int idlen, char **path);

/* FD is the debug file found for build-id ID: if its DWARF sections are
 * compressed, write the inflated copy for later runs.  FD stays open. */
void pm_debugcache_store(int fd, const unsigned char *id, int idlen);

#endif
