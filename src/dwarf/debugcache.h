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

/* A file pmdb makes itself for build-id ID (the kernel's types from its
 * BTF, an index of vmlinux's names): CACHE/debug/BUILD-ID.SUFFIX when the
 * cache holds a copy that CHECK accepts, else written by WRITE (to a new
 * file, renamed into place once complete), or without a cache to an
 * unnamed memory file.  Returns an fd to read it, or -1 with *ERR set;
 * *PATH gets its name (malloc'd), *MADE whether WRITE ran. */
struct pm_err;
typedef struct pm_err *pm_debugcache_writer(int fd, void *arg);
typedef bool pm_debugcache_checker(int fd, const unsigned char *id, int idlen);
struct pm_debugcache_job {
	const char *suffix;
	pm_debugcache_writer *write;
	pm_debugcache_checker *check;
	void *arg;
};
int pm_debugcache_generated(const unsigned char *id, int idlen, const struct pm_debugcache_job *job,
			    char **path, bool *made, struct pm_err **err);
/* The check of a debug file in the cache: a complete ELF file with
 * build-id ID and DWARF sections, none compressed. */
bool pm_debugcache_is_debug_file(int fd, const unsigned char *id, int idlen);

#endif
